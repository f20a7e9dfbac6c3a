"""The occurrence refresh: incremental runs give what a full rebuild gives; writes go on meanwhile;
a full rebuild's new table takes the old one's place with every key and index."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import Table, delete, func, insert, inspect, select, text, update
from sqlalchemy.orm import Session

from shared.clock import BERLIN
from shared.db import Database
from shared.migrate import pending_changes
from shared.models import District, Event, Occurrence, RefreshState, Venue
from shared.services import occurrence_table
from shared.services.events import horizon, materialise_events, refresh_occurrences, save_event
from shared.services.requests import NewRequest, create_request

BYDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _seed_events(db: Database, count: int, first: datetime) -> None:
    """*count* events by Core inserts, without occurrences; every fourth weekly."""
    with db.session() as session:
        venues = list(session.execute(select(Venue.id, Venue.district_id)))
    now = datetime.now(UTC)
    rows = []
    for number in range(count):
        venue_id, district_id = venues[number % len(venues)]
        start = first + timedelta(days=number % 200, hours=number % 9)
        rows.append({
            "title": f"Angebot {number}", "description": "", "start": start, "end": start + timedelta(minutes=90),
            "rrule": f"FREQ=WEEKLY;BYDAY={BYDAYS[start.astimezone(BERLIN).weekday()]}" if number % 4 == 0 else "",
            "exdates": "", "venue_id": venue_id, "district_id": district_id, "all_day": False, "location": "",
            "cost": "", "barrier_free": False, "hearing_loop": False, "registration_required": False,
            "contact_phone": "", "url": "", "source": "test", "external_uid": f"t-{number}", "cancelled": False,
            "created_at": now, "updated_at": now,
        })
    table = Event.__table__
    assert isinstance(table, Table)
    with db.engine.begin() as connection:
        for offset in range(0, len(rows), 2000):
            connection.execute(insert(table), rows[offset:offset + 2000])


def _stored(session: Session) -> set[tuple[int, datetime, datetime, bool]]:
    return {(row.event_id, row.start, row.end, row.multi_day) for row in session.execute(
        select(Occurrence.event_id, Occurrence.start, Occurrence.end, Occurrence.multi_day))}


def test_incremental_refresh_equals_a_full_rebuild(db: Database, session: Session) -> None:
    first = datetime(2026, 11, 2, 9, tzinfo=BERLIN)
    with time_machine.travel(datetime(2026, 11, 23, 4, tzinfo=BERLIN), tick=False):
        _seed_events(db, 400, first - timedelta(days=60))
        assert refresh_occurrences(session) > 0
        assert session.get(RefreshState, "occurrences") is not None
    with time_machine.travel(datetime(2026, 11, 27, 4, tzinfo=BERLIN), tick=False):
        changed = session.scalars(select(Event.id).order_by(Event.id).limit(3)).all()
        session.execute(update(Event).where(Event.id.in_(changed)).values(
            rrule="FREQ=DAILY;INTERVAL=3", updated_at=datetime.now(UTC)))
        session.commit()
        written = refresh_occurrences(session)
        incremental = _stored(session)
        session.execute(delete(RefreshState))
        session.execute(delete(Occurrence))
        session.commit()
        assert refresh_occurrences(session) > written  # a rebuild writes everything again
        rebuilt = _stored(session)
    assert incremental == rebuilt
    daily = {(event_id, start) for event_id, start, _, _ in rebuilt if event_id in changed}
    assert len(daily) > 150  # the changed rules were re-expanded


def test_a_rebuild_equals_expanding_event_by_event(db: Database, session: Session) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 4, tzinfo=BERLIN), tick=False):
        _seed_events(db, 300, datetime(2026, 9, 1, 9, tzinfo=BERLIN))
        window = horizon()
        # A multi-day series that began before the horizon and reaches into it, and one event ending
        # after the horizon's end; a stale row beyond the horizon must go.
        session.execute(update(Event).where(Event.id == 1).values(
            start=window[0] - timedelta(days=3), end=window[0] + timedelta(days=2), rrule="FREQ=MONTHLY"))
        session.execute(update(Event).where(Event.id == 2).values(
            start=window[1] - timedelta(hours=2), end=window[1] + timedelta(days=1), rrule=""))
        session.commit()
        ids = list(session.scalars(select(Event.id)))
        materialise_events(session, ids)
        by_event = _stored(session)
        session.execute(insert(Occurrence).values(event_id=3, district_id=None, start=window[1] + timedelta(days=9),
                                                  end=window[1] + timedelta(days=10)))
        session.commit()
        assert refresh_occurrences(session) == len(by_event)
        rebuilt = _stored(session)
    assert rebuilt == by_event
    assert any(start < window[0] for _, start, _, multi in rebuilt if multi)
    assert any(end > window[1] for _, _, end, _ in rebuilt)


def test_writes_during_a_refresh_of_10000_events_neither_fail_nor_wait(db: Database) -> None:
    _seed_events(db, 10_000, datetime.now(UTC) - timedelta(days=20))
    with db.session() as session:
        district = session.scalars(select(District.slug).order_by(District.id)).first()
    failures: list[BaseException] = []

    def refresh() -> None:
        try:
            with db.session() as session:
                refresh_occurrences(session)
        except BaseException as exc:  # reported by the test below
            failures.append(exc)


    def file_request(number: int) -> float:
        channel = ("kiosk", "phone")[number % 2]
        started = time.perf_counter()
        with db.session() as session:
            create_request(session, NewRequest(
                kind="callback", channel=channel, district_slug=district, phone="0231 1234567",
                caller_name="Test", consent_data=True, idempotency_key=f"refresh-{number}",
                call_sid=f"CA{number:032d}" if channel == "phone" else None), actor=channel)
        return time.perf_counter() - started

    file_request(0)  # warm up: first-use costs are not the refresh's
    # What the machine alone costs a write now (others' load): on a quiet machine a few ms.
    alone = max(file_request(100_000 + number) for number in range(20))
    worker = threading.Thread(target=refresh)
    worker.start()
    waits: list[float] = []
    while worker.is_alive():
        waits.append(file_request(len(waits) + 1))
        time.sleep(0.02)
    worker.join()
    assert not failures
    assert len(waits) >= 5, "the refresh ended before requests could be written during it"
    slow = sorted((wait, index) for index, wait in enumerate(waits))[-3:]
    # Every write gets through within a second: the refresh lets open request writes go first and
    # checkpoints the WAL itself, so a write waits at most for the one batch under way. On a
    # machine loaded by others, a write waits that long without any refresh too: that is allowed for.
    assert max(waits) < 1.0 + alone, f"slowest writes (s, index) {slow} of {len(waits)}; alone {alone:.2f} s"
    with db.session() as session:
        assert session.scalar(select(Occurrence.id).limit(1)) is not None


def test_a_rebuild_swaps_in_a_table_the_schema_knows(db: Database, session: Session) -> None:
    """The new table replaces the old one with every key and index the models declare; a table left
    by an interrupted rebuild is dropped."""
    with time_machine.travel(datetime(2026, 11, 23, 4, tzinfo=BERLIN), tick=False):
        _seed_events(db, 200, datetime(2026, 11, 1, 9, tzinfo=BERLIN))
        assert refresh_occurrences(session) > 0
        first = _stored(session)
        session.execute(text(f"CREATE TABLE {occurrence_table.NEW} (leftover INTEGER)"))
        session.execute(delete(RefreshState))
        session.commit()
        assert refresh_occurrences(session) == len(first)
        assert _stored(session) == first
    assert pending_changes(db.engine) == []
    tables = inspect(db.engine).get_table_names()
    assert "occurrences" in tables and occurrence_table.NEW not in tables
    # The foreign key cascades again: deleting an event deletes its occurrences.
    gone = session.scalars(select(Event.id).order_by(Event.id).limit(1)).one()
    session.execute(delete(Event).where(Event.id == gone))
    session.commit()
    assert session.scalar(select(func.count()).select_from(Occurrence).where(Occurrence.event_id == gone)) == 0


def test_events_saved_or_deleted_while_a_rebuild_runs_are_right_after_it(
        db: Database, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Their rows went to the old table: the swap must neither lose the change nor keep a deleted event."""
    with time_machine.travel(datetime(2026, 11, 23, 4, tzinfo=BERLIN), tick=True):
        _seed_events(db, 100, datetime(2026, 11, 1, 9, tzinfo=BERLIN))
        refresh_occurrences(session)
        changed, deleted = session.scalars(select(Event.id).order_by(Event.id).limit(2)).all()
        real_swap = occurrence_table.swap

        def swap_after_staff_edits(swap_session: Session, embedded: bool) -> None:
            with db.session() as staff:
                event = staff.get(Event, changed)
                assert event is not None
                event.rrule = "FREQ=DAILY"
                save_event(staff, event)
                staff.execute(delete(Event).where(Event.id == deleted))
            real_swap(swap_session, embedded)

        monkeypatch.setattr(occurrence_table, "swap", swap_after_staff_edits)
        session.execute(delete(RefreshState))
        session.commit()
        refresh_occurrences(session)
        counts = dict(session.execute(select(Occurrence.event_id, func.count()).group_by(Occurrence.event_id)).all())
    assert counts.get(changed, 0) > 500  # daily over the horizon, not the weekly or single rows of before
    assert deleted not in counts
