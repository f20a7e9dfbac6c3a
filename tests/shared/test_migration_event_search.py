"""Migration 0024_event_search: existing events are indexed on upgrade; downgrade removes the index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Table, insert, inspect

from shared import migrate
from shared.db import Database
from shared.models import Event
from shared.services import event_search
from tests.conftest import BACKEND, POSTGRES_URL
from tests.support.scratch_database import scratch_database_url

pytestmark = pytest.mark.postgres


def test_upgrade_indexes_existing_events_and_downgrade_removes_the_index(tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    with scratch_database_url(POSTGRES_URL if BACKEND == "postgres" else None, tmp_path, "mig",
                              revision="0023_jobs") as url:
        db = Database(url)
        try:
            with db.engine.begin() as connection:
                connection.execute(insert(cast(Table, Event.__table__)).values(
                    title="Встреча am Phoenixsee", description="", start=start, end=start + timedelta(hours=1),
                    rrule="", exdates="", all_day=False, location="Łódź-Platz", cost="", barrier_free=False,
                    hearing_loop=False, registration_required=False, contact_phone="", url="", source="",
                    external_uid="", cancelled=False, created_at=start, updated_at=start))
            migrate.upgrade(db.engine)
            assert migrate.pending_changes(db.engine) == []
            with db.session() as session:
                for query in ("встреча", "LODZ PLA"):
                    found = event_search.matching(session, query)
                    assert found is not None and len(list(session.scalars(found))) == 1, query
            migrate.downgrade(db.engine, "0023_jobs")
            names = set(inspect(db.engine).get_table_names())
            assert not any(name.startswith("event_search") for name in names), names
            migrate.upgrade(db.engine)
        finally:
            db.dispose()
