"""Scaling benchmark: kiosk lists, the staff inbox and the occurrence refresh at 1k / 10k / 100k events.

Prints JSON, side by side per event count and backend (SQLite; PostgreSQL when
TREFFPUNKT_TEST_POSTGRES_URL is set): p50/p95 (ms) of the kiosk's today, week and district lists
(test client, on a Monday morning), one page of a district's open requests, and the seconds of a
full occurrence rebuild and of the next day's incremental refresh; the machine's load average
beside every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import time_machine
from sqlalchemy import delete, select

from bench.backend import load_average, percentiles, seed
from bench.bench_support import app_client, on_each_backend
from bench.kiosk import _fetcher, next_monday_morning
from shared.db import Database
from shared.models import District, RefreshState
from shared.seed.demo import seed_demo_kiosk
from shared.services.events import refresh_occurrences
from shared.services.requests import RequestQuery, list_requests


def _timed(run: Callable[[], object]) -> dict[str, float]:
    started = time.perf_counter()
    run()
    return {"seconds": round(time.perf_counter() - started, 2), "load": load_average()}


def measure(db: Database, events: int) -> dict[str, object]:
    """Seed *events* events (a tenth as many requests), then time lists and refreshes."""
    seed(db, events, max(1000, events))
    with db.session() as session:
        seed_demo_kiosk(session, "bz-hoerde", "")
        slugs = list(session.scalars(select(District.slug).order_by(District.id)))
        ids = list(session.scalars(select(District.id).order_by(District.id)))
    results: dict[str, object] = {"events": events}
    with app_client(db) as client:
        pages: dict[str, Callable[[int], str]] = {
            "kiosk_today": lambda n: "/kiosk/events/today",
            "kiosk_week": lambda n: "/kiosk/events/week",
            "kiosk_district": lambda n: f"/kiosk/events/district/{slugs[n % len(slugs)]}",
        }
        for name, path in pages.items():
            fetch = _fetcher(client, path)
            for number in range(5):
                fetch(number)
            results[name] = {**percentiles(fetch), "load": load_average()}
    with db.session() as session:
        results["inbox_page"] = {**percentiles(lambda n: list_requests(
            session, RequestQuery(district_ids=(ids[n % len(ids)],), limit=25))), "load": load_average()}

    def full() -> None:
        with db.session() as session:
            session.execute(delete(RefreshState))
            session.commit()
            refresh_occurrences(session)

    def next_day() -> None:
        with time_machine.travel(next_monday_morning() + timedelta(days=1), tick=True), db.session() as session:
            refresh_occurrences(session)

    results["refresh_full"] = _timed(full)
    results["refresh_incremental"] = _timed(next_day)
    return results


def _measuring(count: int) -> Callable[[Database], dict[str, object]]:
    return lambda db: measure(db, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, nargs="+", default=[1_000, 10_000, 100_000],
                        help="event counts to compare (default 1000 10000 100000)")
    arguments = parser.parse_args()
    results: dict[str, object] = {"benchmark": "scaling", "date": date.today().isoformat(),
                                  "load_before": load_average()}
    with time_machine.travel(next_monday_morning(), tick=True):
        for count in arguments.events:
            results[str(count)] = on_each_backend(_measuring(count))
            print(json.dumps({str(count): results[str(count)]}), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
