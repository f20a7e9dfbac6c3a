"""Security bench (issue 12): the worst API latency under far-date queries, and how long the
pathological ICS files take to be accepted or refused by the staff import.

Prints one JSON object: ``far_date`` (p50/p95/max in ms of the far-date query itself and of an
ordinary ``/api/v1/events`` query answered while three threads send far-date queries), ``ics``
(for each file: HTTP status and seconds until the answer of the preview; for the 500 events also
the confirmed import; the goal is < 3 s for every file) and the load average before and after.
``--samples N`` sets the number of API requests per thread; ``--events N`` adds N bulk-loaded
events (a quarter weekly series, with their occurrences) to check the API at scale.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask.testing import FlaskClient

from bench.backend import seed
from bench.bench_support import app_client, percentile, scratch_database
from shared.clock import BERLIN, local_today
from shared.db import Database
from shared.models import Event
from shared.seed.demo import seed_demo_events, seed_reference_data
from shared.services.events import save_event
from shared.services.places import venue_by_slug
from shared.services.staff_users import create_user
from tests.support import hostile_ics

PASSWORD = "bench password for the security run"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PREVIEW_TOKEN = re.compile(r'name="token" value="([^"]+)"')
FAR = "/api/v1/events?from=2999-01-01&to=2999-01-07"


def _seed(db: Database, events: int) -> None:
    if events:
        seed(db, events, 0)  # reference data, events and occurrences in bulk
    with db.session() as session:
        if not events:
            seed_reference_data(session)
        seed_demo_events(session)
        venue = venue_by_slug(session, "bz-hoerde")
        since = datetime(2000, 1, 3, 10, tzinfo=BERLIN)
        for rule in ("FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=MONTHLY;BYDAY=1TU"):
            save_event(session, Event(title=rule, start=since, end=since + timedelta(hours=1), rrule=rule,
                                      venue_id=venue.id, district_id=venue.district_id))
        create_user(session, "bench-hoerde", PASSWORD, "staff", "hoerde")


def _timed(call: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    status = call()
    return (time.perf_counter() - started) * 1000, status


def _figures(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(values, 0.5), 1), "p95_ms": round(percentile(values, 0.95), 1),
            "max_ms": round(max(values), 1)}


def far_date(client_factory: Callable[[], FlaskClient], samples: int) -> dict[str, object]:
    """Three threads send far-date queries while this one measures an ordinary query."""
    far: list[float] = []
    statuses: set[int] = set()
    stop = threading.Event()

    def attacker() -> None:
        client = client_factory()
        for _ in range(samples):
            elapsed, status = _timed(lambda: client.get(FAR).status_code)
            far.append(elapsed)
            statuses.add(status)
            if stop.is_set():
                return

    threads = [threading.Thread(target=attacker) for _ in range(3)]
    for thread in threads:
        thread.start()
    ordinary: list[float] = []
    client = client_factory()
    today = local_today()
    path = f"/api/v1/events?from={today.isoformat()}&to={(today + timedelta(days=7)).isoformat()}"
    for _ in range(samples):
        elapsed, status = _timed(lambda: client.get(path).status_code)
        ordinary.append(elapsed)
        statuses.add(status)
    stop.set()
    for thread in threads:
        thread.join()
    return {"far_date_query": _figures(far), "ordinary_query_meanwhile": _figures(ordinary),
            "worst_api_ms": round(max(far + ordinary), 1), "statuses": sorted(statuses)}


def _login(client: FlaskClient) -> None:
    page = client.get("/staff/login").get_data(as_text=True)
    token = CSRF.search(page)
    assert token is not None
    response = client.post("/staff/login", data={"username": "bench-hoerde", "password": PASSWORD,
                                                  "csrf_token": token.group(1)})
    assert response.status_code == 302, response.status_code


def ics_files(client: FlaskClient) -> dict[str, dict[str, object]]:
    """Upload each pathological file to the import preview; status and seconds to the answer."""
    _login(client)
    files = {"minutely_2025": hostile_ics.minutely(2025).encode(), "minutely_2000": hostile_ics.minutely(2000).encode(),
             "events_5000": hostile_ics.many_events(5000).encode(), "events_500": hostile_ics.many_events(500).encode(),
             "size_8mb": hostile_ics.oversized(8), "nul": hostile_ics.with_nul().encode()}
    results: dict[str, dict[str, object]] = {}
    for name, data in files.items():
        page = client.get("/staff/events/import").get_data(as_text=True)
        token = CSRF.search(page)
        assert token is not None
        started = time.perf_counter()
        response = client.post("/staff/events/import", content_type="multipart/form-data", data={
            "source": f"bench-{name}", "csrf_token": token.group(1), "file": (io.BytesIO(data), "bench.ics")})
        seconds = time.perf_counter() - started
        results[name] = {"bytes": len(data), "status": response.status_code, "seconds": round(seconds, 3)}
        preview = PREVIEW_TOKEN.search(response.get_data(as_text=True))
        if name == "events_500" and preview is not None:
            results["events_500_import"] = _confirm(client, f"bench-{name}", preview.group(1))
    return results


def _confirm(client: FlaskClient, source: str, preview: str) -> dict[str, object]:
    """Confirm a preview: the import itself (status and seconds)."""
    token = CSRF.search(client.get("/staff/events/import").get_data(as_text=True))
    assert token is not None
    started = time.perf_counter()
    response = client.post("/staff/events/import/confirm", data={
        "source": source, "csrf_token": token.group(1), "token": preview})
    return {"status": response.status_code, "seconds": round(time.perf_counter() - started, 3)}


def main() -> None:
    """Run both scenarios on a throw-away SQLite database and print the JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", "50")),
                        help="API requests per thread (default 50)")
    parser.add_argument("--events", type=int, default=int(os.environ.get("BENCH_EVENTS", "0")),
                        help="extra bulk-loaded events, e.g. 100000 (default 0: the demo events)")
    arguments = parser.parse_args()
    load_before = os.getloadavg()
    with scratch_database(None) as db:
        _seed(db, arguments.events)
        with app_client(db) as client:
            app = client.application
            app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
            far = far_date(app.test_client, arguments.samples)
            ics = ics_files(app.test_client())
    print(json.dumps({
        "events_extra": arguments.events, "far_date": far, "ics": ics,
        "ics_worst_seconds": max(float(str(item["seconds"])) for item in ics.values()),
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "cpu_count": os.cpu_count(),
    }, indent=2))


if __name__ == "__main__":
    main()
