"""Backend query benchmark: 10,000 events and 100,000 requests, on SQLite and PostgreSQL.

Prints JSON with p50/p95 (ms) of "events of a day in a district" (target p95 <= 10 ms) and
"one page of open requests of a district sorted by due date" (target p95 <= 50 ms).
PostgreSQL runs when TREFFPUNKT_TEST_POSTGRES_URL is set (in a private, dropped schema).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Table, insert, select, text

from bench.bench_support import on_each_backend, percentile
from shared.clock import BERLIN, local_today
from shared.db import Database
from shared.models import District, Event, Occurrence, Request, Venue
from shared.seed.demo import seed_reference_data
from shared.services import event_search
from shared.services.events import EventFilter, horizon, list_occurrences
from shared.services.recurrence import expand
from shared.services.requests import RequestQuery, list_requests

EVENTS = 10_000
REQUESTS = 100_000
RUNS = 300
BYDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# One of these words in every title, so a text search finds a share of the events (any script).
TITLE_WORDS = ("Gymnastik", "Erzählcafé", "Встреча", "Şükran", "Łódź", "Spielegruppe", "Münster", "Kaffeeklatsch",
               "Gedächtnistraining", "Skat", "Wandergruppe", "Handarbeit", "Tanztee", "Vortrag", "Singkreis",
               "Computerkurs", "Schach", "Frühstück", "Yoga", "Ausflug")


def seed(db: Database, events_count: int = EVENTS, requests_count: int = REQUESTS, occurrences: bool = True) -> None:
    """Bulk-load the data set (Core inserts; occurrences expanded like save_event does, unless
    *occurrences* is false: then the occurrence refresh is left to make them)."""
    rng = random.Random(7)
    with db.session() as session:
        seed_reference_data(session)
        venues = list(session.execute(select(Venue.id, Venue.district_id)))
        district_ids = list(session.scalars(select(District.id)))
    now = datetime.now(UTC)
    today = local_today()
    window = horizon()
    events: list[dict[str, object]] = []
    occurrence_rows: list[dict[str, object]] = []
    for number in range(events_count):
        venue_id, district_id = rng.choice(venues)
        day = today + timedelta(days=rng.randint(-20, 180))
        start = datetime.combine(day, datetime.min.time(), BERLIN).replace(hour=rng.randint(8, 19))
        end = start + timedelta(minutes=90)
        rrule = f"FREQ=WEEKLY;BYDAY={BYDAYS[start.weekday()]}" if number % 4 == 0 else ""
        events.append({
            "id": number + 1, "title": f"Angebot {number} {TITLE_WORDS[number % len(TITLE_WORDS)]}",
            "description": "Beschreibung " * 5,
            "start": start, "end": end, "rrule": rrule,
            "exdates": "", "venue_id": venue_id, "district_id": district_id, "all_day": False,
            "location": "", "cost": "", "barrier_free": True, "hearing_loop": False,
            "registration_required": False, "contact_phone": "", "url": "", "source": "bench",
            "external_uid": f"bench-{number}", "cancelled": False, "created_at": now, "updated_at": now,
        })
        if occurrences:
            occurrence_rows.extend({"event_id": number + 1, "district_id": district_id, "start": span.start,
                                    "end": span.end} for span in expand(start, end, rrule, "", *window))
    statuses = ("new", "in_progress", "waiting", "incomplete", "done", "done", "done", "unreachable", "cancelled")
    requests = [{
        "reference": f"{10_000_000 + number}", "kind": rng.choice(("callback", "home_visit")),
        "channel": rng.choice(("kiosk", "phone", "staff")), "status": rng.choice(statuses),
        "district_id": rng.choice(district_ids), "caller_name": "Bench", "phone_e164": "+492311234567",
        "preferred_time": "", "topic": "", "language": "de", "consent_data": True,
        "consent_recording": False, "due_date": today + timedelta(days=rng.randint(-60, 10)),
        "call_attempts": 0, "created_at": now, "updated_at": now,
    } for number in range(requests_count)]
    with db.engine.begin() as connection:
        for model, rows in ((Event, events), (Occurrence, occurrence_rows), (Request, requests)):
            table = model.__table__
            assert isinstance(table, Table)
            for offset in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[offset:offset + 5000])
        event_search.rebuild(connection)
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval(pg_get_serial_sequence('events', 'id'), :top)"),
                               {"top": events_count + 10_000})
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))


def percentiles(run: Callable[[int], object], clock: Callable[[], float] = time.perf_counter,
                prefix: str = "") -> dict[str, float]:
    """p50/p95 (ms by *clock*: wall time, or e.g. ``time.thread_time`` for CPU) of :data:`RUNS` runs."""
    timings = []
    for number in range(RUNS):
        started = clock()
        run(number)
        timings.append((clock() - started) * 1000)
    return {f"{prefix}{name}_ms": round(percentile(timings, share), 3) for name, share in (("p50", 0.5), ("p95", 0.95))}


def measure(db: Database, events_count: int = EVENTS) -> dict[str, object]:
    seed(db, events_count)
    with db.session() as session:
        slugs = list(session.scalars(select(District.slug)))
        ids = list(session.scalars(select(District.id)))
        today = local_today()
        day_counts: list[int] = []

        def day_in_district(number: int) -> None:
            day = today + timedelta(days=number % 60)
            views = list_occurrences(session, EventFilter(first=day, last=day, districts=(slugs[number % 12],)))
            day_counts.append(len(views))

        def open_requests(number: int) -> None:
            list_requests(session, RequestQuery(district_ids=(ids[number % 12],), limit=25))

        events = percentiles(day_in_district)
        requests = percentiles(open_requests)
        occurrences = session.scalar(select(text("count(*)")).select_from(Occurrence))
    return {
        "events_of_a_day_in_a_district": {**events, "target_p95_ms": 10,
                                           "mean_events_returned": round(statistics.mean(day_counts), 1)},
        "open_requests_page_of_a_district": {**requests, "target_p95_ms": 50, "page_size": 25},
        "events": events_count, "occurrences": occurrences, "requests": REQUESTS, "runs": RUNS,
    }


def load_average() -> float:
    """The machine's 1-minute load average, printed beside every figure."""
    return round(os.getloadavg()[0], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=EVENTS, help=f"events to seed (default {EVENTS})")
    arguments = parser.parse_args()
    results = {"benchmark": "backend", "date": date.today().isoformat(), "load_before": load_average(),
               **on_each_backend(lambda db: {**measure(db, arguments.events), "load": load_average()})}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
