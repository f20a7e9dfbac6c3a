"""ICS import as an attacker sends it (issue 12): size first, bounded work, NUL, plain German
errors with line numbers, no partial import, preview files cleaned up."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.config import Config
from shared.db import Database
from shared.models import Event, Occurrence
from shared.models.events import event_categories
from tests.support import hostile_ics
from tests.support.staff_login import csrf_token

ANSWER_WITHIN_SECONDS = 3.0


def _upload(client: FlaskClient, data: bytes, source: str = "feed") -> tuple[int, str, float]:
    token = csrf_token(client, "/staff/events/import")
    started = time.perf_counter()
    response = client.post("/staff/events/import", data={
        "source": source, "csrf_token": token, "file": (io.BytesIO(data), "termine.ics"),
    }, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True), time.perf_counter() - started


def _event_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count(Event.id))) or 0


@pytest.mark.parametrize("year", [2025, 2000])
def test_minutely_rule_is_answered_within_three_seconds(hoerde_client: FlaskClient, year: int) -> None:
    status, body, seconds = _upload(hoerde_client, hostile_ics.minutely(year).encode())
    assert seconds < ANSWER_WITHIN_SECONDS
    assert status == 400, body
    assert "Zeile 10" in body and "zu oft" in body


def test_five_thousand_events_are_refused_quickly(hoerde_client: FlaskClient, db: Database) -> None:
    status, body, seconds = _upload(hoerde_client, hostile_ics.many_events(5000).encode())
    assert seconds < ANSWER_WITHIN_SECONDS
    assert status == 400 and "mehr als 500 Termine" in body
    assert _event_count(db) == 0


def test_oversized_upload_is_refused_before_it_is_read(hoerde_client: FlaskClient, app: object) -> None:
    data = hostile_ics.oversized(6)
    status, body, seconds = _upload(hoerde_client, data)
    assert status == 413 and "zu groß" in body
    assert seconds < ANSWER_WITHIN_SECONDS


def test_oversized_upload_is_refused_by_the_declared_length_without_reading(hoerde_client: FlaskClient) -> None:
    class Unreadable(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            raise AssertionError("the body of an oversized upload was read")

        def readline(self, size: int | None = -1, /) -> bytes:
            raise AssertionError("the body of an oversized upload was read")

    token = csrf_token(hoerde_client, "/staff/events/import")
    response = hoerde_client.post("/staff/events/import", input_stream=Unreadable(bytes(6 * 1024 * 1024)),
                                  content_type="multipart/form-data; boundary=x",
                                  headers={"Content-Length": str(6 * 1024 * 1024), "X-CSRFToken": token})
    assert response.status_code == 413


def test_nul_byte_gives_a_clear_error_not_500(hoerde_client: FlaskClient) -> None:
    status, body, _ = _upload(hoerde_client, hostile_ics.with_nul().encode())
    assert status == 400
    assert "Zeile 8: Die Zeile enthält ein ungültiges Zeichen (NUL)." in body


def test_errors_are_plain_german_without_python_text_or_foreign_content(hoerde_client: FlaskClient) -> None:
    hostile = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\n"
               "DTSTART:<script>alert(1)</script>\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    status, body, _ = _upload(hoerde_client, hostile.encode())
    assert status == 400 and "Zeile 5: DTSTART ist kein gültiges Datum.</" in body
    page = body.split("<main", 1)[-1]
    for leak in ("alert(1)", "&lt;script", "Traceback", "Error", "Exception", "xpected"):
        assert leak not in page
    status, body, _ = _upload(hoerde_client, b"GET /secret HTTP/1.1\r\nhidden-token-123\r\n")
    assert status == 400 and "Zeile 1" in body and "hidden-token-123" not in body


def test_a_malformed_event_refuses_the_whole_file(hoerde_client: FlaskClient, db: Database) -> None:
    good = hostile_ics.many_events(3)
    broken = good.replace("DTSTART:20270105T100000\r\nDTEND:20270105T235900\r\nSUMMARY:Termin e2@audit",
                          "DTSTART:kaputt\r\nDTEND:20270105T235900\r\nSUMMARY:Termin e2@audit")
    status, body, _ = _upload(hoerde_client, broken.encode())
    assert status == 400 and "DTSTART" in body
    assert _event_count(db) == 0


def test_preview_files_are_cleaned_up(hoerde_client: FlaskClient, config: Config) -> None:
    folder = Path(config.data_dir) / "ics-previews"
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / ("0" * 32 + ".ics")
    stale.write_text("old", encoding="utf-8")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    status, body, _ = _upload(hoerde_client, hostile_ics.many_events(1).encode())
    assert status == 200, body
    assert not stale.exists()
    assert len(list(folder.glob("*.ics"))) == 1


def test_five_hundred_events_are_previewed_and_imported_within_three_seconds(
        hoerde_client: FlaskClient, db: Database) -> None:
    data = hostile_ics.many_events(500).encode()
    status, body, seconds = _upload(hoerde_client, data)
    assert status == 200, body
    assert seconds < ANSWER_WITHIN_SECONDS
    assert _event_count(db) == 0  # the preview writes nothing
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match is not None
    token = csrf_token(hoerde_client, "/staff/events/import")
    started = time.perf_counter()
    response = hoerde_client.post("/staff/events/import/confirm", data={
        "source": "feed", "csrf_token": token, "token": match.group(1)})
    assert response.status_code == 302
    assert time.perf_counter() - started < ANSWER_WITHIN_SECONDS
    with db.session() as session:
        assert session.scalar(select(func.count(Event.id))) == 500
        assert session.scalar(select(func.count(Occurrence.id))) == 500
        assert session.scalar(select(func.count()).select_from(event_categories)) == 0
    # The same file again changes nothing; one event less removes it (with its tombstone).
    shorter = hostile_ics.many_events(499).encode()
    status, body, _ = _upload(hoerde_client, shorter)
    assert status == 200 and "Entfernt: 1 · Unverändert: 499" in body
