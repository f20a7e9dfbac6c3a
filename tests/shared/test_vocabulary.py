"""Domain words are enums in code and CHECK constraints in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.models.vocabulary import Channel, RequestKind, RequestStatus
from shared.services.requests import CHANNELS, KINDS, STATUSES


def test_service_constants_are_the_enums() -> None:
    assert KINDS == ("callback", "home_visit")
    assert tuple(Channel) == CHANNELS
    assert STATUSES[:4] == ("new", "in_progress", "waiting", "incomplete")
    assert RequestKind("home_visit") is RequestKind.HOME_VISIT


@pytest.mark.parametrize(("column", "value"), [
    ("kind", "homevisit"), ("channel", "fax"), ("status", "closed"), ("preferred_time", "night"),
])
def test_database_refuses_unknown_words(session: Session, column: str, value: str) -> None:
    values = {"kind": "callback", "channel": "phone", "status": RequestStatus.NEW.value, "preferred_time": ""}
    values[column] = value
    with pytest.raises(IntegrityError):
        session.execute(text(
            "INSERT INTO requests (reference, kind, channel, status, caller_name, phone_e164, preferred_time,"
            " topic, language, consent_data, consent_recording, due_date, call_attempts, created_at, updated_at)"
            " VALUES ('T1', :kind, :channel, :status, '', '', :preferred_time, '', 'de', false, false,"
            " '2026-12-01', 0, '2026-12-01 10:00:00', '2026-12-01 10:00:00')"), values)
        session.flush()
    session.rollback()


def test_database_accepts_known_words(session: Session) -> None:
    session.execute(text(
        "INSERT INTO requests (reference, kind, channel, status, caller_name, phone_e164, preferred_time,"
        " topic, language, consent_data, consent_recording, due_date, call_attempts, created_at, updated_at)"
        " VALUES ('T2', 'home_visit', 'kiosk', 'waiting', '', '', 'midday', '', 'de', false, false,"
        " '2026-12-01', 0, '2026-12-01 10:00:00', '2026-12-01 10:00:00')"))
    session.flush()
    assert session.execute(text("SELECT status FROM requests WHERE reference = 'T2'")).scalar_one() == "waiting"
