"""Inbox page latency with 100,000 requests, on SQLite and (if configured) PostgreSQL.

Prints one JSON object: for each backend and scenario the p50/p95/max in milliseconds of
``GET /staff/`` through the whole Flask stack (login check, session lookup, query, template).
Target: p95 <= 100 ms. ``TREFFPUNKT_TEST_POSTGRES_URL`` adds a run on PostgreSQL in a private
schema that is dropped afterwards.
"""

from __future__ import annotations

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

from sqlalchemy import insert, select, text

from bench.bench_support import on_each_backend, percentile
from shared.app import create_app
from shared.config import load_config
from shared.db import Database
from shared.models import District, Request
from shared.seed.demo import seed_reference_data
from shared.services.requests import CLOSED_STATUSES, OPEN_STATUSES
from shared.services.staff_users import create_user

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
PASSWORD = "bench password 123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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
                "district_id": rng.choice(district_ids), "caller_name": f"Person {number}",
                "phone_e164": f"+49231{rng.randrange(1_000_000, 9_999_999)}", "preferred_time": "",
                "topic": "Bench", "language": "de", "consent_data": True, "consent_recording": False,
                "due_date": (created + timedelta(days=2)).date(), "call_attempts": 0,
                "created_at": created, "updated_at": created,
                "closed_at": created + timedelta(days=3) if status in CLOSED_STATUSES else None,
            })
            if len(batch) == 5000:
                connection.execute(insert(Request), batch)
                batch.clear()
        if batch:
            connection.execute(insert(Request), batch)
        if db.engine.dialect.name == "sqlite":
            connection.execute(text("ANALYZE"))
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load: statistics and the visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE requests"))


def measure(db: Database, data_dir: Path) -> dict[str, dict[str, float]]:
    """Time the inbox for a district member and for an admin."""
    config = load_config(environ={
        "TREFFPUNKT_DATA_DIR": str(data_dir), "TREFFPUNKT_DATABASE_URL": db.url,
        "TREFFPUNKT_SECRET_KEY": "bench-secret-key-0123456789", "TREFFPUNKT_LOG_LEVEL": "WARNING"})
    app = create_app(config, db)
    results: dict[str, dict[str, float]] = {}
    for username, scenario in (("bench-hoerde", "district_open"), ("bench-admin", "admin_open"),
                               ("bench-admin", "admin_overdue_page_5")):
        client = app.test_client()
        token = CSRF.search(client.get("/staff/login").get_data(as_text=True))
        assert token is not None
        response = client.post("/staff/login", data={"username": username, "password": PASSWORD,
                                                     "csrf_token": token.group(1)})
        assert response.status_code == 302, response.status_code
        path = "/staff/?overdue=1&page=5" if scenario.endswith("page_5") else "/staff/"
        for _ in range(10):
            client.get(path)
        timings = []
        for _ in range(SAMPLES):
            start = time.perf_counter()
            page = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert page.status_code == 200
        results[scenario] = {"p50_ms": round(percentile(timings, 0.5), 1),
                             "p95_ms": round(percentile(timings, 0.95), 1), "max_ms": round(max(timings), 1)}
    return results


def seed_and_measure(db: Database) -> dict[str, object]:
    """Seed, then time the inbox; the data directory is a temporary folder."""
    started = time.perf_counter()
    seed(db)
    seeded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        return {"seed_seconds": round(seeded, 1), **measure(db, Path(folder))}


def main() -> None:
    figures = {"benchmark": "staff inbox GET /staff/", "requests": REQUESTS, "samples": SAMPLES,
               "target_p95_ms": 100, **on_each_backend(seed_and_measure)}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
