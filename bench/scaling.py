"""Scaling benchmark: kiosk lists, the staff inbox and the occurrence refresh at 1k / 10k / 100k events.

Prints JSON, side by side per event count and backend (SQLite; PostgreSQL when
TREFFPUNKT_TEST_POSTGRES_URL is set). Per count: events are bulk-inserted (Core), then a full
occurrence rebuild makes their occurrences (``refresh_full``: wall and this process's CPU
seconds), then the kiosk's today, week and district lists are timed over HTTP against
``treffpunkt serve`` as deployed (gunicorn; on a Monday morning: the server runs under
time-machine) and through the test client (with the CPU milliseconds of the request, which a
loaded machine does not inflate, and the milliseconds spent in SQL statements: the rest is
Python and rendering), the staff inbox (a district's first page, the admin's overdue page 5), and
the next day's incremental refresh, and the public event search ``/api/v1/events?q=``
(``api_events_q``; ``--search-only`` measures just that, on data with occurrences). The machine's
load average stands beside every figure; a ``side_by_side`` table at the end puts each figure's
counts next to each other per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import time_machine
from sqlalchemy import delete, event, select

from bench.backend import load_average, seed
from bench.bench_support import BACKENDS, app_client, on_each_backend, percentile, wait_until_idle
from bench.kiosk import _fetcher, next_monday_morning
from shared.db import Database
from shared.models import District, RefreshState
from shared.seed.demo import seed_demo_kiosk
from shared.services.events import refresh_occurrences
from shared.services.inbox import InboxFilter, inbox_page

ROOT = Path(__file__).resolve().parent.parent
# ``treffpunkt serve`` at a simulated moment: time-machine's clock survives gunicorn's fork.
SERVE_AT = ("import sys, time_machine; time_machine.travel(sys.argv.pop(1), tick=True).start(); "
            "from shared.cli.main import main; main()")


def _timed(run: Callable[[], object]) -> dict[str, float]:
    started, cpu = time.perf_counter(), time.process_time()
    run()
    return {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
            "load": load_average()}


@contextmanager
def sql_clock(db: Database) -> Iterator[list[float]]:
    """Sum the seconds spent in SQL statements on *db* into the one-element list yielded."""
    spent = [0.0]
    started: list[float] = []

    def before(*_: object) -> None:
        started.append(time.perf_counter())

    def after(*_: object) -> None:
        spent[0] += time.perf_counter() - started.pop()

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)


RUNS = 100  # per figure; --runs changes it


def _summary(prefix: str, timings: list[float]) -> dict[str, float]:
    return {f"{prefix}{name}_ms": round(percentile(timings, share), 2) for name, share in (("p50", 0.5), ("p95", 0.95))}


def timings(db: Database, run: Callable[[int], object], runs: int) -> dict[str, float]:
    """p50/p95 over *runs* runs of the wall milliseconds, this thread's CPU milliseconds (a loaded
    machine does not inflate them) and the milliseconds spent in SQL statements (the rest of the
    CPU is Python: the ORM, the template, the translations)."""
    wall: list[float] = []
    cpu: list[float] = []
    sql: list[float] = []
    with sql_clock(db) as spent:
        for number in range(runs):
            spent[0] = 0.0
            started, used = time.perf_counter(), time.thread_time()
            run(number)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - used) * 1000)
            sql.append(spent[0] * 1000)
    return {**_summary("", wall), **_summary("cpu_", cpu), **_summary("sql_", sql)}


def _wall(run: Callable[[int], object], runs: int) -> dict[str, float]:
    """p50/p95 of the wall milliseconds of *runs* runs (an HTTP request: the server's CPU is not ours)."""
    wall: list[float] = []
    for number in range(runs):
        started = time.perf_counter()
        run(number)
        wall.append((time.perf_counter() - started) * 1000)
    return _summary("", wall)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def deployed(db: Database, moment: datetime) -> Iterator[str]:
    """``treffpunkt serve`` (gunicorn) on *db* at *moment*; yields its base URL, stops it after."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        environment = {**os.environ, "TREFFPUNKT_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                       "TREFFPUNKT_DATA_DIR": folder, "TREFFPUNKT_SECRET_KEY": "bench-secret-key-0123456789",
                       "TREFFPUNKT_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen([sys.executable, "-c", SERVE_AT, moment.isoformat(), "serve", "--host",
                                   "127.0.0.1", "--port", str(port)], cwd=ROOT, env=environment,
                                  stdout=subprocess.DEVNULL, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300  # the start-up refresh runs first
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/kiosk/", timeout=30):
                        break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("treffpunkt serve did not start") from None
                    time.sleep(0.5)
            # A fresh data folder: the server renders the hotline's prompts and verifies the speech
            # models first. Lists are timed once that is done, as on a server that has been running.
            wait_until_idle(server.pid)
            yield base
        finally:
            server.terminate()
            server.wait(30)


def _http_get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        body: bytes = response.read()
    return body


def _http_fetcher(base: str, path: Callable[[int], str]) -> Callable[[int], bytes]:
    """GET the page *path* gives for each run number from the server at *base*."""
    return lambda number: _http_get(base + path(number))


def measure(db: Database, events: int, runs: int = RUNS) -> dict[str, object]:
    """Seed *events* events (as many requests, at least 1000), rebuild, then time lists and refreshes."""
    seed(db, events, max(1000, events), occurrences=False)

    def full() -> None:
        with db.session() as session:
            session.execute(delete(RefreshState))
            session.commit()
            refresh_occurrences(session)

    results: dict[str, object] = {"events": events, "refresh_full": _timed(full)}
    results.update(time_search(db, runs))
    with db.session() as session:
        seed_demo_kiosk(session, "bz-hoerde", "")
        slugs = list(session.scalars(select(District.slug).order_by(District.id)))
        ids = list(session.scalars(select(District.id).order_by(District.id)))
    pages: dict[str, Callable[[int], str]] = {
        "kiosk_today": lambda n: "/kiosk/events/today",
        "kiosk_week": lambda n: "/kiosk/events/week",
        "kiosk_district": lambda n: f"/kiosk/events/district/{slugs[n % len(slugs)]}",
    }
    with app_client(db) as client:
        for name, path in pages.items():
            fetch = _fetcher(client, path)
            for number in range(5):
                fetch(number)
            results[name] = {**timings(db, fetch, runs), "load": load_average()}
    with deployed(db, datetime.now().astimezone()) as base:
        for name, path in pages.items():
            for number in range(5):
                _http_get(base + path(number))
            results[f"{name}_http_gunicorn"] = {**_wall(_http_fetcher(base, path), runs), "load": load_average()}
    with db.session() as session:
        inboxes: dict[str, Callable[[int], InboxFilter]] = {
            "inbox_district_page_1": lambda n: InboxFilter(district_id=ids[n % len(ids)]),
            "inbox_admin_overdue_page_5": lambda n: InboxFilter(district_id=None, overdue=True, page=5),
        }
        for name, criteria in inboxes.items():
            def inbox(number: int, criteria: Callable[[int], InboxFilter] = criteria) -> object:
                return inbox_page(session, criteria(number))

            results[name] = {**timings(db, inbox, runs), "load": load_average()}

    def next_day() -> None:
        with time_machine.travel(datetime.now().astimezone() + timedelta(days=1), tick=True), \
                db.session() as session:
            refresh_occurrences(session)

    results["refresh_incremental"] = _timed(next_day)
    return results


# q= of the public API as typed: a number found once, words of a twentieth of the events in any
# script and case, without diacritics, German umlaut spelling, a prefix, a word found nowhere.
SEARCHES = ("Angebot 100", "Встреча", "ŞÜKRAN", "lodz", "Muenster", "spielegr", "Gedächtnis", "nirgendwo")


def measure_search(db: Database, events: int, runs: int = RUNS) -> dict[str, object]:
    """Seed *events* events with their occurrences, then :func:`time_search`."""
    seed(db, events, 1000)
    return {"events": events, **time_search(db, runs)}


def time_search(db: Database, runs: int = RUNS) -> dict[str, object]:
    """Time ``/api/v1/events?q=`` (the API's default 31 days from today, at most its limit) through
    the test client, each query of :data:`SEARCHES` in turn; with how many occurrences each found."""
    results: dict[str, object] = {}
    with app_client(db) as client:
        def search(number: int) -> object:
            response = client.get("/api/v1/events", query_string={"q": SEARCHES[number % len(SEARCHES)]})
            assert response.status_code == 200, response.status_code
            return response

        found = {query: len(client.get("/api/v1/events", query_string={"q": query}).get_json()["events"])
                 for query in SEARCHES}
        for number in range(len(SEARCHES)):
            search(number)
        results["api_events_q"] = {**timings(db, search, max(runs, 4 * len(SEARCHES))), "load": load_average(),
                                   "found": found}
    return results


def _measuring(count: int, runs: int, only_search: bool = False) -> Callable[[Database], dict[str, object]]:
    return (lambda db: measure_search(db, count, runs)) if only_search else (lambda db: measure(db, count, runs))


def side_by_side(results: dict[str, dict[str, dict[str, object]]]) -> dict[str, dict[str, dict[str, object]]]:
    """Per backend and figure, each event count's headline number (p95 ms, or seconds) and load."""
    table: dict[str, dict[str, dict[str, object]]] = {}
    for count, backends in results.items():
        for backend, figures in backends.items():
            for name, figure in figures.items():
                if not isinstance(figure, dict):
                    continue
                headline = {key: figure[key] for key in ("p95_ms", "sql_p95_ms", "cpu_p95_ms", "seconds",
                                                          "cpu_seconds", "load") if key in figure}
                table.setdefault(backend, {}).setdefault(name, {})[count] = headline
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="+", default=[1_000, 10_000, 100_000],
                        help="event counts to compare (default 1000 10000 100000)")
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both",
                        help="database to measure (default both; PostgreSQL needs TREFFPUNKT_TEST_POSTGRES_URL)")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per figure (default {RUNS})")
    parser.add_argument("--search-only", action="store_true",
                        help="only the public event search (api_events_q), not the lists and refreshes")
    arguments = parser.parse_args()
    backends = BACKENDS if arguments.backend == "both" else (arguments.backend,)
    results: dict[str, object] = {"benchmark": "scaling", "date": date.today().isoformat(),
                                  "cpu_count": os.cpu_count(), "load_before": load_average()}
    counts: dict[str, dict[str, dict[str, object]]] = {}
    with time_machine.travel(next_monday_morning(), tick=True):
        for count in arguments.events:
            counts[str(count)] = on_each_backend(_measuring(count, arguments.runs, arguments.search_only), backends)
            print(json.dumps({str(count): counts[str(count)]}), file=sys.stderr, flush=True)
    results.update(counts)
    results["side_by_side"] = side_by_side(counts)
    results["load_after"] = load_average()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
