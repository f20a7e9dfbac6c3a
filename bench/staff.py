"""Inbox and search latency with 100,000 requests, on SQLite and (if configured) PostgreSQL.

Prints one JSON object: for each backend and scenario the p50/p95/max in milliseconds of
``GET /staff/`` (inbox, its saved views and sort orders) and ``GET /staff/?q=…`` (search by
reference with and without spaces, phone number in several formats, name in another script, case
or without diacritics, topic and note text) through the whole Flask stack (login check, session
lookup, query, audit entry, template), ``sql_p95_ms``, the time of that page's SQL statements
alone, ``cpu_p95_ms``, the CPU time this process spent on the page (what a busy machine stretches
into wall-clock time; the database server's own time is in ``sql_p95_ms``), and ``load`` (the
1-minute load average right after the scenario). Targets: inbox p95 <= 100 ms, search p95 <= 50 ms.
``TREFFPUNKT_TEST_POSTGRES_URL`` adds a run on PostgreSQL in a private schema that is dropped
afterwards. The requests are written with the database driver (executemany on SQLite, COPY on
PostgreSQL), so a run takes minutes. ``--requests`` and ``--samples`` change the size of a run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask.testing import FlaskClient
from sqlalchemy import event, select, text

from bench.bench_support import on_each_backend, percentile
from shared.app import create_app
from shared.config import load_config
from shared.db import Database
from shared.models import District
from shared.models.vocabulary import CLOSED_STATUSES, OPEN_STATUSES, RequestStatus
from shared.seed.demo import seed_reference_data
from shared.services.search import compose
from shared.services.staff_users import create_user
from tests.support.staff_login import login

PASSWORD = "bench password 123"
FIRST_NAMES = ("Erika", "Hans", "Şükran", "Ольга", "Jürgen", "Agnieszka", "Mehmet", "Ingrid", "Wolfgang", "Renate",
               "Dragan", "Fatma", "Helga", "Klaus", "Łucja", "Günter", "Elif", "Dieter", "Brigitte", "Иван")
LAST_NAMES = ("Müller", "Schmidt", "Yılmaz", "Kowalski", "Wagner", "Becker", "Öztürk", "Петрова", "Hoffmann",
              "Schäfer", "Koch", "Nowak", "Demir", "Richter", "Klein", "Wolf", "Şahin", "Neumann", "Schwarz",
              "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Kaya", "Lehmann", "Köhler",
              "Walter", "König", "Иванов", "Mayer", "Huber", "Fuchs", "Peters", "Lang", "Scholz", "Möller")
TOPICS = ("Einkaufshilfe", "Hausbesuch gewünscht", "Frage zur Rente", "Begleitung zum Arzt", "Wohnberatung",
          "Pflegegrad beantragen", "Treffpunkt Seniorencafé", "Hilfe beim Formular", "Fahrdienst", "Notruf")
NOTES = ("Tochter ruft zurück", "Braucht einen Rollator vom Sanitätshaus", "Termin beim Hausarzt am Donnerstag",
         "Antrag liegt bei der Pflegekasse", "Nachbarin hilft beim Einkauf")
REQUEST_COLUMNS = ("id", "reference", "kind", "channel", "status", "district_id", "caller_name", "phone_e164",
                   "preferred_time", "topic", "language", "consent_data", "consent_recording", "assignee_id",
                   "due_date", "waiting_until", "call_attempts", "created_at", "updated_at", "closed_at")
NOTE_COLUMNS = ("request_id", "author_id", "kind", "text", "created_at")
# One known request, found by each kind of search (its reference, number, name and note are fixed).
KNOWN_ID = 4242
KNOWN_NAME = "Şükran Yılmaz-Öztürk"
KNOWN_PHONE = "+492319876543"


@dataclass(frozen=True)
class Seeded:
    """Rows to write: requests, notes and the search text of each request."""

    requests: list[tuple[Any, ...]]
    notes: list[tuple[Any, ...]]
    search: list[tuple[int, str]]


def generate(count: int, district_ids: list[int], hoerde: int, hoerde_user: int) -> Seeded:
    """*count* requests (about a quarter open, some waiting, some assigned), a note on every fifth."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    today = now.date()
    requests: list[tuple[Any, ...]] = []
    notes: list[tuple[Any, ...]] = []
    search: list[tuple[int, str]] = []
    for number in range(1, count + 1):
        created = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
        status = rng.choice(OPEN_STATUSES) if rng.random() < 0.25 else rng.choice(CLOSED_STATUSES)
        district = hoerde if number == KNOWN_ID else rng.choice(district_ids)
        name = KNOWN_NAME if number == KNOWN_ID else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        phone = KNOWN_PHONE if number == KNOWN_ID else f"+49231{rng.randrange(1_000_000, 9_999_999)}"
        topic = rng.choice(TOPICS)
        waiting_until: date | None = None
        if status == RequestStatus.WAITING:
            waiting_until = today + timedelta(days=rng.randrange(-10, 20))
        assignee = hoerde_user if district == hoerde and status in OPEN_STATUSES and rng.random() < 0.3 else None
        requests.append((number, f"{10_000_000 + number}", rng.choice(("callback", "home_visit")),
                         rng.choice(("kiosk", "phone", "staff")), str(status), district, name, phone, "", topic,
                         "de", True, False, assignee, (created + timedelta(days=2)).date(), waiting_until, 0,
                         created, created, created + timedelta(days=3) if status in CLOSED_STATUSES else None))
        texts = [name, topic]
        if number % 5 == 0 or number == KNOWN_ID:
            note = "Rollator über die Quartiershilfe organisiert" if number == KNOWN_ID else rng.choice(NOTES)
            notes.append((number, None, "note", note, created + timedelta(hours=1)))
            texts.append(note)
        search.append((number, compose(district, texts)))
    return Seeded(requests, notes, search)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's DateTime on SQLite
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write(db: Database, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Write *rows* with the driver: executemany on SQLite, COPY on PostgreSQL."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        names = ", ".join(columns)
        if db.engine.dialect.name == "sqlite":
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                               [tuple(_sqlite_value(value) for value in row) for row in rows])
        else:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def seed(db: Database, count: int) -> None:
    """Reference data, an admin and a Hörde team member, *count* requests with notes and search text."""
    with db.session() as session:
        seed_reference_data(session)
        create_user(session, "bench-admin", PASSWORD, "admin")
        hoerde_user = create_user(session, "bench-hoerde", PASSWORD, "staff", "hoerde").id
        district_ids = list(session.scalars(select(District.id)))
        hoerde = session.scalars(select(District.id).where(District.slug == "hoerde")).one()
    seeded = generate(count, district_ids, hoerde, hoerde_user)
    _write(db, "requests", REQUEST_COLUMNS, seeded.requests)
    _write(db, "request_notes", NOTE_COLUMNS, seeded.notes)
    _write(db, "request_search", ("request_id", "body"), seeded.search)
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        return
    # What autovacuum does soon after a bulk load: statistics and the visibility map.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT setval(pg_get_serial_sequence('requests', 'id'), max(id)) FROM requests"))
        for table in ("requests", "request_notes", "request_search"):
            connection.execute(text(f"VACUUM ANALYZE {table}"))


REFERENCE = f"{10_000_000 + KNOWN_ID}"
INBOX = (
    ("bench-hoerde", "inbox_district_open", "/staff/"),
    ("bench-admin", "inbox_admin_open", "/staff/"),
    ("bench-admin", "inbox_admin_overdue_page_5", "/staff/?overdue=1&page=5"),
    ("bench-admin", "inbox_admin_sort_newest", "/staff/?sort=-received"),
    ("bench-admin", "inbox_admin_sort_due_latest", "/staff/?sort=-due"),
    ("bench-hoerde", "inbox_district_view_mine", "/staff/?view=mine"),
    ("bench-hoerde", "inbox_district_view_mine_newest", "/staff/?view=mine&sort=-received"),
    ("bench-hoerde", "inbox_district_view_new", "/staff/?view=new"),
    ("bench-hoerde", "inbox_district_view_overdue_oldest", "/staff/?view=overdue&sort=received"),
    ("bench-hoerde", "inbox_district_view_waiting", "/staff/?view=waiting"),
    ("bench-hoerde", "inbox_district_view_incomplete_newest", "/staff/?view=incomplete&sort=-received"),
    ("bench-admin", "inbox_admin_view_new_page_3", "/staff/?view=new&page=3"),
    ("bench-admin", "inbox_admin_view_waiting_newest", "/staff/?view=waiting&sort=-received"),
    ("bench-admin", "inbox_admin_view_incomplete", "/staff/?view=incomplete"),
)
SEARCH = (
    ("bench-hoerde", "search_district_reference_spaced", f"/staff/?q={REFERENCE[:4]}+{REFERENCE[4:]}"),
    ("bench-admin", "search_admin_reference", f"/staff/?q={REFERENCE}"),
    ("bench-admin", "search_admin_phone_national", "/staff/?q=0231+98+76+543"),
    ("bench-hoerde", "search_district_phone_international", "/staff/?q=%2B49+231+9876543"),
    ("bench-hoerde", "search_district_name_folded", "/staff/?q=sukran+yilmaz"),
    ("bench-admin", "search_admin_name_upper", "/staff/?q=%C5%9E%C3%9CKRAN"),
    ("bench-admin", "search_admin_name_cyrillic", "/staff/?q=%D0%BF%D0%B5%D1%82%D1%80%D0%BE%D0%B2%D0%B0"),
    ("bench-admin", "search_admin_topic_broad", "/staff/?q=pflegegrad"),
    ("bench-hoerde", "search_district_topic", "/staff/?q=hausbesuch"),
    ("bench-admin", "search_admin_note", "/staff/?q=quartiershilfe"),
    ("bench-hoerde", "search_district_note_broad", "/staff/?q=rollator"),
    ("bench-admin", "search_admin_no_hit", "/staff/?q=nirgendwo"),
)


@dataclass
class SqlClock:
    """The time the engine's statements take (summed per page)."""

    seconds: float = 0.0
    started: float = 0.0

    def watch(self, db: Database) -> None:
        event.listen(db.engine, "before_cursor_execute", self._before)
        event.listen(db.engine, "after_cursor_execute", self._after)

    def _before(self, *_: object) -> None:
        self.started = time.perf_counter()

    def _after(self, *_: object) -> None:
        self.seconds += time.perf_counter() - self.started


@dataclass
class Clients:
    """One logged-in test client per user (an admin's TOTP code is single-use: one login each)."""

    app: Any
    by_user: dict[str, FlaskClient]

    def __call__(self, username: str) -> FlaskClient:
        if username not in self.by_user:
            client = self.app.test_client()
            login(client, username, PASSWORD)
            self.by_user[username] = client
        return self.by_user[username]


def _app(db: Database, data_dir: Path) -> Any:
    config = load_config(environ={
        "TREFFPUNKT_DATA_DIR": str(data_dir), "TREFFPUNKT_DATABASE_URL": db.url,
        "TREFFPUNKT_SECRET_KEY": "bench-secret-key-0123456789", "TREFFPUNKT_LOG_LEVEL": "WARNING"})
    return create_app(config, db)


def measure(db: Database, data_dir: Path, samples: int) -> Iterator[tuple[str, dict[str, float]]]:
    """Time each scenario: whole page and its SQL, with the load average right after it."""
    clients = Clients(_app(db, data_dir), {})
    clock = SqlClock()
    clock.watch(db)
    for username, scenario, path in (*INBOX, *SEARCH):
        client = clients(username)
        for _ in range(5):
            assert client.get(path).status_code == 200, path
        timings, sql_timings, cpu_timings = [], [], []
        for _ in range(samples):
            clock.seconds = 0.0
            start, cpu_start = time.perf_counter(), time.process_time()
            page = client.get(path)
            cpu_timings.append((time.process_time() - cpu_start) * 1000)
            timings.append((time.perf_counter() - start) * 1000)
            sql_timings.append(clock.seconds * 1000)
            assert page.status_code == 200
        if scenario.startswith("search_") and scenario != "search_admin_no_hit":
            assert "/staff/requests/" in page.get_data(as_text=True), f"{scenario} found nothing"
        yield scenario, {"p50_ms": round(percentile(timings, 0.5), 1), "p95_ms": round(percentile(timings, 0.95), 1),
                         "max_ms": round(max(timings), 1), "sql_p95_ms": round(percentile(sql_timings, 0.95), 1),
                         "cpu_p95_ms": round(percentile(cpu_timings, 0.95), 1),
                         "load": round(os.getloadavg()[0], 2)}


def run(db: Database, count: int, samples: int) -> dict[str, object]:
    """Seed, then time every scenario; the data directory is a temporary folder."""
    started = time.perf_counter()
    seed(db, count)
    figures: dict[str, object] = {"seed_seconds": round(time.perf_counter() - started, 1),
                                  "load_after_seed": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as folder:
        figures.update(measure(db, Path(folder), samples))
    worst = {kind: max(float(value["p95_ms"]) for name, value in figures.items()
                       if name.startswith(f"{kind}_") and isinstance(value, dict))
             for kind in ("inbox", "search")}
    figures["worst_p95_ms"] = worst
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000, help="requests to seed (default 100000)")
    parser.add_argument("--samples", type=int, default=200, help="timed pages per scenario (default 200)")
    arguments = parser.parse_args()
    load_before = round(os.getloadavg()[0], 2)
    results = on_each_backend(lambda db: run(db, arguments.requests, arguments.samples))
    print(json.dumps({"benchmark": "staff inbox GET /staff/ and search GET /staff/?q=",
                      "requests": arguments.requests, "samples": arguments.samples, "load_before": load_before,
                      "target_p95_ms": {"inbox": 100, "search": 50}, **results,
                      "load_after": round(os.getloadavg()[0], 2)}, indent=2))


if __name__ == "__main__":
    main()
