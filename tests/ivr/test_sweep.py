"""Calls whose end-of-call callback never came are swept into incomplete requests."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask
from sqlalchemy import select

from ivr.hotline import get_hotline
from ivr.transports.sweep import LONGEST_STEP, sweep_abandoned
from shared.db import Database
from shared.models import Call, Request
from tests.ivr.conftest import CALLER, TwilioPhone
from tests.ivr.test_webhooks import OFFICE_OPEN


def test_call_without_end_callback_becomes_one_incomplete_request(phone: TwilioPhone, ivr_app: Flask,
                                                                   db: Database) -> None:
    with time_machine.travel(OFFICE_OPEN, tick=False):
        phone.dial_in()
        phone.press("2")   # request
        phone.press("1")   # home visit → consent
        phone.press("2")   # no consent → district
        phone.press("2")   # Osten und Hörde
        phone.press("4")   # Hörde → number read back; then the server dies, no status callback
    hotline = get_hotline(ivr_app)
    with db.session() as session:
        assert sweep_abandoned(session, hotline, OFFICE_OPEN + timedelta(minutes=1)) == 0  # still in time
        assert sweep_abandoned(session, hotline, OFFICE_OPEN + LONGEST_STEP + timedelta(minutes=1)) == 1
        assert sweep_abandoned(session, hotline, OFFICE_OPEN + timedelta(hours=1)) == 0  # only once
    with db.session() as session:
        request = session.scalars(select(Request)).one()
        assert (request.status, request.kind, request.phone_e164) == ("incomplete", "home_visit", CALLER)
        assert request.district is not None and request.district.slug == "hoerde"
        call = session.scalars(select(Call)).one()
        assert call.ended_at is not None and call.outcome == "incomplete"
    late = phone.post("/ivr/twilio/status", {"CallStatus": "completed"})  # the callback after all
    assert late.status == 204
    with db.session() as session:
        assert len(list(session.scalars(select(Request)))) == 1
