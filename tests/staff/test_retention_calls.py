"""Retention and erasure reach hotline calls and incomplete requests (issue 12)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import time_machine

from shared.clock import utcnow
from shared.config import Config
from shared.db import Database
from shared.models import Call, Request
from shared.services.requests import change_status
from shared.services.retention import erase_person, export_person, purge
from tests.staff.conftest import RequestFactory, wav_bytes

CALLER = "+492311234567"


def _call(db: Database, sid: str, caller: str = CALLER, request_id: int | None = None) -> int:
    with db.session() as session:
        call = Call(call_sid=sid, transport="stream", started_at=utcnow(), ended_at=utcnow(), request_id=request_id,
                    state={"caller": caller, "flow": {"heard": ["mein Name ist Erika Muster"]}})
        session.add(call)
        session.flush()
        return call.id


def _state(db: Database, call_id: int) -> dict[str, Any]:
    with db.session() as session:
        call = session.get(Call, call_id)
        assert call is not None
        return dict(call.state)


def test_calls_lose_number_and_transcript_with_the_voice_data(db: Database, config: Config,
                                                             make_request: RequestFactory) -> None:
    start = utcnow()
    with time_machine.travel(start, tick=False) as traveller:
        lonely = _call(db, "CA-no-request")
        request = make_request(voice=wav_bytes())
        linked = _call(db, "CA-linked", request_id=request.id)
        with db.session() as session:
            stored = session.get(Request, request.id)
            assert stored is not None
            change_status(session, stored, "done", "test", reason="erledigt")
        traveller.shift(timedelta(days=89))
        with db.session() as session:
            assert purge(session, config.data_dir, 90, 365).calls == 0
        assert _state(db, lonely)["caller"] == CALLER
        traveller.shift(timedelta(days=2))
        with db.session() as session:
            report = purge(session, config.data_dir, 90, 365)
        assert report.calls == 2 and report.voice_messages == 1
        assert _state(db, lonely) == {} and _state(db, linked) == {}
        with db.session() as session:
            assert purge(session, config.data_dir, 90, 365).calls == 0  # counted once


def test_incomplete_requests_are_purged(db: Database, config: Config, make_request: RequestFactory) -> None:
    start = utcnow()
    with time_machine.travel(start, tick=False) as traveller:
        incomplete = make_request(district=None)
        with db.session() as session:
            stored = session.get(Request, incomplete.id)
            assert stored is not None and stored.status == "incomplete"
        traveller.shift(timedelta(days=366))
        with db.session() as session:
            assert purge(session, config.data_dir, 90, 365).requests == 1
        with db.session() as session:
            assert session.get(Request, incomplete.id) is None


def test_erasure_and_export_cover_calls(db: Database, config: Config, make_request: RequestFactory) -> None:
    request = make_request(voice=wav_bytes())
    linked = _call(db, "CA-1", caller="", request_id=request.id)
    unlinked = _call(db, "CA-2", caller="0231/1234567")
    other = _call(db, "CA-3", caller="+492319999999")
    with db.session() as session:
        exported = export_person(session, config.data_dir, "0231 1234567", "test")
    with zipfile.ZipFile(io.BytesIO(exported.body)) as archive:
        document = json.loads(archive.read("data.json"))
    sids = [call["started_at"] for call in document["calls"]]
    assert len(sids) == 2
    assert {call["request"] for call in document["calls"]} == {request.reference, None}
    with db.session() as session:
        assert erase_person(session, config.data_dir, "0231 1234567", "test") == 1
    assert _state(db, linked) == {} and _state(db, unlinked) == {}
    assert _state(db, other)["caller"] == "+492319999999"
