"""Inbox and search latency with 100,000 requests, on SQLite and (if configured) PostgreSQL.

Prints one JSON object: for each backend and scenario the p50/p95/max in milliseconds of
``GET /staff/`` (inbox) and ``GET /staff/?q=…`` (search) through the whole Flask stack (login
check, session lookup, query, template), and ``sql_p95_ms``, the time of that page's SQL
statements alone (what the indexes decide; the rest is Python and grows with the machine's load).
Targets: inbox p95 <= 100 ms, search p95 <= 50 ms. The load average is printed with the figures.
``TREFFPUNKT_TEST_POSTGRES_URL`` adds a run on PostgreSQL in a private schema that is dropped
afterwards. ``BENCH_REQUESTS`` and ``BENCH_SAMPLES`` change the size of a run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select, text

from bench.bench_support import on_each_backend, percentile
from shared.app import create_app
from shared.config import load_config
from shared.db import Database
from shared.models import District, Request
from shared.models.vocabulary import CLOSED_STATUSES, OPEN_STATUSES
from shared.seed.demo import seed_reference_data
from shared.services import search
from shared.services.staff_users import create_user

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
PASSWORD = "bench password 123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FIRST_NAMES = ("Erika", "Hans", "Şükran", "Ольга", "Jürgen", "Agnieszka", "Mehmet", "Ingrid", "Wolfgang", "Renate",
               "Dragan", "Fatma", "Helga", "Klaus", "Łucja", "Günter", "Elif", "Dieter", "Brigitte", "Иван")
LAST_NAMES = ("Müller", "Schmidt", "Yılmaz", "Kowalski", "Wagner", "Becker", "Öztürk", "Петрова", "Hoffmann",
              "Schäfer", "Koch", "Nowak", "Demir", "Richter", "Klein", "Wolf", "Şahin", "Neumann", "Schwarz",
              "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Kaya", "Lehmann", "Köhler",
              "Walter", "König", "Иванов", "Mayer", "Huber", "Fuchs", "Peters", "Lang", "Scholz", "Möller")
TOPICS = ("Einkaufshilfe", "Hausbesuch gewünscht", "Frage zur Rente", "Begleitung zum Arzt", "Wohnberatung",
          "Pflegegrad beantragen", "Treffpunkt Seniorencafé", "Hilfe beim Formular", "Fahrdienst", "Notruf")


def seed(db: Database) -> None:
    """Reference data, two users and REQUESTS requests (about a quarter open) in bulk."""
    rng = random.Random(7)
    with db.session() as session:
        seed_reference_data(session)
        create_user(session, "bench-admin", PASSWORD, "admin")
        create_user(session, "bench-hoerde", PASSWORD, "staff", "hoerde")
        district_ids = list(session.scalars(select(District.id)))
    now = datetime.now(UTC)
    batch: list[dict[str, object]] = []
    with db.engine.begin() as connection:
        for number in range(REQUESTS):
            created = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
            status = rng.choice(OPEN_STATUSES) if rng.random() < 0.25 else rng.choice(CLOSED_STATUSES)
            batch.append({
                "reference": f"{10_000_000 + number}", "kind": rng.choice(("callback", "home_visit")),
                "channel": rng.choice(("kiosk", "phone", "staff")), "status": status,
                "district_id": rng.choice(district_ids),
                "caller_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "phone_e164": f"+49231{rng.randrange(1_000_000, 9_999_999)}", "preferred_time": "",
                "topic": rng.choice(TOPICS), "language": "de", "consent_data": True, "consent_recording": False,
                "due_date": (created + timedelta(days=2)).date(), "call_attempts": 0,
                "created_at": created, "updated_at": created,
                "closed_at": created + timedelta(days=3) if status in CLOSED_STATUSES else None,
            })
            if len(batch) == 5000:
                connection.execute(insert(Request), batch)
                batch.clear()
        if batch:
            connection.execute(insert(Request), batch)
        # Rows written in bulk bypass the session: the search text is built once afterwards.
        search.rebuild(connection)
        if db.engine.dialect.name == "sqlite":
            connection.execute(text("ANALYZE"))
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load: statistics and the visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE requests"))
            connection.execute(text("VACUUM ANALYZE request_search"))


SCENARIOS = (
    ("bench-hoerde", "district_open", "/staff/"),
    ("bench-admin", "admin_open", "/staff/"),
    ("bench-admin", "admin_overdue_page_5", "/staff/?overdue=1&page=5"),
    ("bench-admin", "admin_sort_newest", "/staff/?sort=-received"),
    ("bench-hoerde", "district_view_overdue_sort_oldest", "/staff/?view=overdue&sort=received"),
    ("bench-hoerde", "district_view_waiting", "/staff/?view=waiting"),
    ("bench-admin", "admin_view_new_page_3", "/staff/?view=new&page=3"),
    ("bench-hoerde", "search_district_reference", "/staff/?q=1004+2000"),
    ("bench-admin", "search_admin_reference", "/staff/?q=1009-9999"),
    ("bench-admin", "search_admin_phone", "/staff/?q=%2B49+231+5555555"),
    ("bench-hoerde", "search_district_name", "/staff/?q=yilmaz"),
    ("bench-admin", "search_admin_name_prefix", "/staff/?q=%C5%9Fahin+elif"),
    ("bench-admin", "search_admin_topic", "/staff/?q=pflegegrad"),
    ("bench-admin", "search_admin_no_hit", "/staff/?q=nirgendwo"),
)


def measure(db: Database, data_dir: Path) -> dict[str, dict[str, float]]:
    """Time the inbox and the search for a district member and for an admin."""
    config = load_config(environ={
        "TREFFPUNKT_DATA_DIR": str(data_dir), "TREFFPUNKT_DATABASE_URL": db.url,
        "TREFFPUNKT_SECRET_KEY": "bench-secret-key-0123456789", "TREFFPUNKT_LOG_LEVEL": "WARNING"})
    app = create_app(config, db)
    results: dict[str, dict[str, float]] = {}
    sql_seconds = [0.0]
    started: list[float] = []
    event.listen(db.engine, "before_cursor_execute", lambda *_: started.append(time.perf_counter()))
    event.listen(db.engine, "after_cursor_execute",
                 lambda *_: sql_seconds.__setitem__(0, sql_seconds[0] + time.perf_counter() - started.pop()))
    for username, scenario, path in SCENARIOS:
        client = app.test_client()
        token = CSRF.search(client.get("/staff/login").get_data(as_text=True))
        assert token is not None
        response = client.post("/staff/login", data={"username": username, "password": PASSWORD,
                                                     "csrf_token": token.group(1)})
        assert response.status_code == 302, response.status_code
        for _ in range(10):
            client.get(path)
        timings, sql_timings = [], []
        for _ in range(SAMPLES):
            sql_seconds[0] = 0.0
            start = time.perf_counter()
            page = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            sql_timings.append(sql_seconds[0] * 1000)
            assert page.status_code == 200
        results[scenario] = {"p50_ms": round(percentile(timings, 0.5), 1),
                             "p95_ms": round(percentile(timings, 0.95), 1), "max_ms": round(max(timings), 1),
                             "sql_p95_ms": round(percentile(sql_timings, 0.95), 1)}
    return results


def seed_and_measure(db: Database) -> dict[str, object]:
    """Seed, then time the inbox; the data directory is a temporary folder."""
    started = time.perf_counter()
    seed(db)
    seeded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        return {"seed_seconds": round(seeded, 1), **measure(db, Path(folder)),
                "load_average": round(os.getloadavg()[0], 2)}


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    figures = {"benchmark": "staff inbox GET /staff/ and search GET /staff/?q=", "requests": REQUESTS,
               "load_before": round(os.getloadavg()[0], 2),
               "samples": SAMPLES, "target_p95_ms": {"inbox": 100, "search": 50},
               **on_each_backend(seed_and_measure)}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
