"""Migration 0023_jobs: print_jobs rows become jobs of kind "print" and come back on downgrade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from shared import migrate
from shared.db import Database
from tests.conftest import BACKEND, POSTGRES_URL
from tests.support.scratch_database import scratch_database_url

pytestmark = pytest.mark.postgres
SLIP = '{"kind": "request", "centre": "BZ H\\u00f6rde"}'


def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_print_jobs_move_into_jobs_and_back(tmp_path: Path) -> None:
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    with scratch_database_url(POSTGRES_URL if BACKEND == "postgres" else None, tmp_path, "mig",
                              revision="0019_accounts") as url:
        db = Database(url)
        try:
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO print_jobs (printer, kind, payload, state, attempts, last_error, created_at, "
                    "next_attempt_at, expires_at, started_at) VALUES "
                    "('bz-hoerde', 'request', :slip, 'queued', 2, 'paper_out: leer', :now, :later, :end, NULL), "
                    "('bz-eving', 'request', :slip, 'printing', 1, '', :now, :now, :end, :now)"),
                    {"slip": SLIP, "now": now, "later": now + timedelta(seconds=8), "end": now + timedelta(minutes=15)})
            migrate.upgrade(db.engine)
            assert migrate.pending_changes(db.engine) == []
            moved = _rows(db, "SELECT kind, queue, state, attempts, last_error, lease_until IS NOT NULL "
                              "FROM jobs ORDER BY id")
            assert moved == [("print", "bz-hoerde", "queued", 2, "paper_out: leer", False),
                             ("print", "bz-eving", "running", 1, None, True)]
            assert _rows(db, "SELECT payload FROM jobs")[0][0] in ({"kind": "request", "centre": "BZ Hörde"}, SLIP)
            migrate.downgrade(db.engine, "0019_accounts")
            back = _rows(db, "SELECT printer, kind, state, attempts, last_error FROM print_jobs ORDER BY id")
            assert back == [("bz-hoerde", "request", "queued", 2, "paper_out: leer"),
                            ("bz-eving", "request", "printing", 1, "")]
            assert _rows(db, "SELECT count(*) FROM jobs") == [(0,)]
            migrate.upgrade(db.engine)
            assert migrate.pending_changes(db.engine) == []
        finally:
            db.dispose()
