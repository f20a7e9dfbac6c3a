"""What the benchmark scripts share: percentiles and a throw-away database per backend.

Not a benchmark itself (``make bench`` skips it). Scripts put the project folder on the path and
import it as ``bench.bench_support``, so they run as ``python bench/NAME.py`` from anywhere.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from flask.testing import FlaskClient

from shared.app import create_app
from shared.config import load_config
from shared.db import Database
from tests.support.scratch_database import scratch_database_url

T = TypeVar("T")


def percentile(values: list[float], share: float) -> float:
    """The value below which *share* of *values* lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextmanager
def scratch_database(postgres_url: str | None) -> Iterator[Database]:
    """A new migrated database: a SQLite file, or a private PostgreSQL schema dropped afterwards."""
    with tempfile.TemporaryDirectory() as folder, scratch_database_url(postgres_url, Path(folder), "bench") as url:
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()


BACKENDS = ("sqlite", "postgresql")


def on_each_backend(measure: Callable[[Database], T], backends: tuple[str, ...] = BACKENDS) -> dict[str, T]:
    """Run *measure* on SQLite, and on PostgreSQL when ``TREFFPUNKT_TEST_POSTGRES_URL`` is set
    (of *backends*, the ones named)."""
    results: dict[str, T] = {}
    for name, url in (("sqlite", None), ("postgresql", os.environ.get("TREFFPUNKT_TEST_POSTGRES_URL"))):
        if name in backends and (name == "sqlite" or url):
            with scratch_database(url) as database:
                results[name] = measure(database)
    return results


@contextmanager
def app_client(db: Database) -> Iterator[FlaskClient]:
    """A test client of the whole app on *db*, with a throw-away data directory."""
    url = db.engine.url.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory() as folder:
        config = load_config(environ={"TREFFPUNKT_DATA_DIR": folder, "TREFFPUNKT_DATABASE_URL": url,
                                      "TREFFPUNKT_SECRET_KEY": "bench-secret-key-0123456789",
                                      "TREFFPUNKT_LOG_LEVEL": "WARNING"})
        yield create_app(config, db).test_client()


def process_cpu_seconds(pid: int | str) -> float:
    """User and system CPU seconds of one process (``"self"`` for this one), from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def child_processes(pid: int) -> set[int]:
    """The processes whose parent is *pid* (gunicorn's workers under its master)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
    return found


def wait_until_idle(pid: int, share: float = 0.05, window: float = 2.0, timeout: float = 300.0) -> float:
    """Wait until the server *pid* and its workers use less than *share* of a core over *window*
    seconds (a fresh ``treffpunkt serve`` renders prompts and verifies models first); return the
    seconds waited. Raises ``TimeoutError`` after *timeout*."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        processes = {pid, *child_processes(pid)}
        before = _cpu_of(processes)
        time.sleep(window)
        if _cpu_of(processes) - before < share * window:
            return round(time.monotonic() - started, 1)
    raise TimeoutError(f"process {pid} still busy after {timeout:.0f} s")


def _cpu_of(processes: set[int]) -> float:
    total = 0.0
    for pid in processes:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += process_cpu_seconds(pid)
    return total
