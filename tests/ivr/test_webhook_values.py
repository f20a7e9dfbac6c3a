"""Odd values in correctly signed webhooks (issue 12): validated, never a 500, never non-standard
JSON in ``calls.state``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ivr.transports.webhooks import keypad_digits, recording_seconds
from shared.db import Database
from shared.models import Call
from tests.ivr.conftest import TwilioPhone


def _state_is_standard_json(db: Database) -> None:
    with db.session() as session:
        for call in session.scalars(select(Call)):
            json.dumps(call.state, allow_nan=False)  # raises on NaN/Infinity


@pytest.mark.parametrize("digits", ["²", "٣", "1" * 5000, "１"])
def test_odd_digits_are_treated_as_no_input(phone: TwilioPhone, db: Database, digits: str) -> None:
    phone.dial_in()
    turn = phone.press(digits)
    assert turn.status == 200 and turn.find("Gather") is not None
    _state_is_standard_json(db)


@pytest.mark.parametrize("duration", ["abc", "inf", "-inf", "nan", "1e999", "-5", ""])
def test_odd_recording_durations_are_refused_cleanly(phone: TwilioPhone, db: Database, duration: str) -> None:
    phone.dial_in()
    phone.press("2")
    phone.press("1")
    name = phone.press("1")  # consent → record the name
    assert name.find("Record") is not None
    turn = phone.post(name.action_path("Record"), {"RecordingUrl": "https://api.twilio.com/x/Recordings/RE1",
                                                   "RecordingDuration": duration, "RecordingSid": "RE1"})
    assert turn.status == 200
    _state_is_standard_json(db)


def test_value_checks() -> None:
    assert keypad_digits("0231#") == "0231" and keypad_digits("*9") == "*9"
    assert keypad_digits("²") == "" and keypad_digits("1" * 33) == ""
    assert recording_seconds("12.5") == 12.5
    assert recording_seconds("inf") == 0.0 and recording_seconds("abc") == 0.0 and recording_seconds("7200") == 0.0
