"""Requests: validation, E.164, idempotency, due dates on NRW working days, status machine."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.clock import BERLIN, utcnow
from shared.db import Database
from shared.errors import InvalidTransition, ValidationFailed
from shared.models import AuditEntry, Request
from shared.services.requests import (
    MAX_CALL_ATTEMPTS,
    NewRequest,
    add_note,
    change_status,
    complete_incomplete,
    create_request,
    format_reference,
    record_call_attempt,
)
from shared.services.workdays import add_working_days, is_working_day

KIOSK_REQUEST = NewRequest(kind="home_visit", channel="kiosk", district_slug="hoerde", phone="0231 1234567",
                           caller_name="Erika Muster", consent_data=True)


def _kiosk(**changes: Any) -> NewRequest:
    return replace(KIOSK_REQUEST, **changes)


def test_kiosk_request_is_normalised_and_audited(session: Session) -> None:
    request, created = create_request(session, _kiosk(), actor="kiosk:test")
    assert created and request.status == "new" and request.phone_e164 == "+492311234567"
    assert len(request.reference) == 8 and request.reference.isdigit()
    assert format_reference("48271930") == "4827 1930"
    assert [change.to_status for change in request.history] == ["new"]
    audit_rows = session.scalars(select(AuditEntry).where(AuditEntry.record_type == "request")).all()
    assert [(row.action, row.record_id) for row in audit_rows] == [("create", str(request.id))]
    assert "Erika" not in audit_rows[0].detail and "1234567" not in audit_rows[0].detail


def test_missing_fields_are_reported_together_in_plain_german(session: Session) -> None:
    with pytest.raises(ValidationFailed) as raised:
        create_request(session, _kiosk(kind="", district_slug=None, phone="", caller_name="", consent_data=False),
                       actor="kiosk:test")
    fields = {problem.field: problem.message for problem in raised.value.problems}
    assert set(fields) == {"kind", "district", "phone", "name", "consent"}
    assert fields["district"] == "Bitte wählen Sie Ihren Stadtbezirk."
    assert session.scalar(select(func.count()).select_from(Request)) == 0


def test_idempotency_key_creates_one_request(session: Session) -> None:
    first, created_first = create_request(session, _kiosk(idempotency_key="k-1"), actor="kiosk:test")
    second, created_second = create_request(session, _kiosk(idempotency_key="k-1"), actor="kiosk:test")
    assert created_first and not created_second and first.id == second.id
    assert session.scalar(select(func.count()).select_from(Request)) == 1


def test_incomplete_phone_request_keeps_what_was_given(session: Session) -> None:
    request, _ = create_request(session, NewRequest(kind="callback", channel="phone", district_slug=None,
                                                    phone="", incomplete=True, call_sid="CA123"),
                                actor="phone")
    assert request.status == "incomplete" and request.phone_e164 == "" and request.district_id is None
    complete_incomplete(session, request, "phone")
    assert request.status == "new"


@pytest.mark.parametrize(("created", "due"), [
    (datetime(2026, 11, 20, 16, tzinfo=BERLIN), date(2026, 11, 24)),  # Friday → Tuesday
    (datetime(2026, 11, 21, 9, tzinfo=BERLIN), date(2026, 11, 24)),   # Saturday → Tuesday
    (datetime(2026, 12, 23, 9, tzinfo=BERLIN), date(2026, 12, 28)),   # Christmas holidays skipped
    (datetime(2026, 6, 3, 9, tzinfo=BERLIN), date(2026, 6, 8)),       # Fronleichnam (4 June, NRW) skipped
])
def test_due_date_is_two_nrw_working_days_later(session: Session, created: datetime, due: date) -> None:
    with time_machine.travel(created, tick=False):
        request, _ = create_request(session, _kiosk(), actor="kiosk:test")
    assert request.due_date == due


def test_working_days_know_nrw_holidays() -> None:
    assert not is_working_day(date(2026, 11, 1))  # Allerheiligen (a Sunday anyway)
    assert not is_working_day(date(2027, 11, 1))  # Allerheiligen on a Monday, holiday in NRW
    assert not is_working_day(date(2026, 10, 31))  # Saturday
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def _state(request: Request) -> tuple[str, bool, date | None]:
    """Status, whether closed, waiting date: read through a call, so no assertion narrows them for later changes."""
    return request.status, request.closed_at is not None, request.waiting_until


def test_status_machine(session: Session) -> None:
    request, _ = create_request(session, _kiosk(), actor="kiosk:test")
    change_status(session, request, "in_progress", "staff:1")
    # First contact is the first call attempt or note, never a status change (not even "done").
    assert request.first_contact_at is None
    add_note(session, request, "Rückruf vereinbart", None, "staff:1")
    assert request.first_contact_at == request.notes[0].created_at
    with pytest.raises(ValidationFailed):
        change_status(session, request, "waiting", "staff:1")
    change_status(session, request, "waiting", "staff:1", waiting_until=date(2026, 12, 1))
    assert _state(request) == ("waiting", False, date(2026, 12, 1))
    change_status(session, request, "done", "staff:1", reason="Besuch vereinbart")
    assert _state(request) == ("done", True, None)
    with pytest.raises(InvalidTransition):
        change_status(session, request, "waiting", "staff:1", waiting_until=date(2026, 12, 1))
    with pytest.raises(ValidationFailed):
        change_status(session, request, "in_progress", "staff:1")
    change_status(session, request, "in_progress", "staff:1", reason="Rückfrage der Tochter")
    assert _state(request) == ("in_progress", False, None)
    assert [c.to_status for c in request.history] == ["new", "in_progress", "waiting", "done", "in_progress"]


def test_three_unanswered_calls_make_a_request_unreachable(session: Session) -> None:
    request, _ = create_request(session, _kiosk(), actor="kiosk:test")
    for _ in range(MAX_CALL_ATTEMPTS - 1):
        record_call_attempt(session, request, answered=False, author_id=None, actor="staff:1")
    assert request.status == "new"
    with pytest.raises(ValidationFailed, match="späteren Tag"):
        record_call_attempt(session, request, answered=False, author_id=None, actor="staff:1")
    assert request.status == "new" and request.call_attempts == 2
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        record_call_attempt(session, request, answered=False, author_id=None, actor="staff:1")
    assert request.status == "unreachable" and request.call_attempts == 3
    assert [note.kind for note in request.notes] == ["call"] * 3


def test_audit_entries_are_append_only(session: Session) -> None:
    create_request(session, _kiosk(), actor="kiosk:test")
    session.commit()
    entry = session.scalars(select(AuditEntry)).first()
    assert entry is not None
    entry.detail = "changed"
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()
    entry = session.scalars(select(AuditEntry)).first()
    assert entry is not None
    session.delete(entry)
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()


def test_concurrent_replays_with_one_key_create_one_request(db: Database) -> None:
    barrier = threading.Barrier(4)
    references: list[str] = []

    def submit() -> None:
        with db.session() as own_session:
            barrier.wait()
            request, _ = create_request(own_session, _kiosk(idempotency_key="replayed-webhook"), actor="phone")
            references.append(request.reference)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.session() as check:
        assert check.scalar(select(func.count()).select_from(Request)) == 1
    assert len(references) == 4 and len(set(references)) == 1


def test_nul_characters_are_refused_before_any_lookup(session: Session) -> None:
    with pytest.raises(ValidationFailed) as raised:
        create_request(session, _kiosk(district_slug="\x00", caller_name="Erika\x00", idempotency_key="k\x00"),
                       actor="kiosk:test")
    assert {problem.field for problem in raised.value.problems} == {"district", "name", "idempotency_key"}
