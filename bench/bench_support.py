"""What the benchmark scripts share: percentiles and a throw-away database per backend.

Not a benchmark itself (``make bench`` skips it). Scripts put the project folder on the path and
import it as ``bench.bench_support``, so they run as ``python bench/NAME.py`` from anywhere.
"""

from __future__ import annotations

import os
import tempfile
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
