"""A half-filled request form lives on the server: the session cookie holds a random id, no name
or number; the answers are deleted on completion, on idle reset, on Start and after 15 minutes."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kiosk import form_state
from shared.clock import utcnow
from shared.db import Database
from shared.models import KioskForm
from tests.kiosk.kiosk_data import session_json
from tests.support.staff_login import csrf_token

NAME = "ÖZLEM"  # typed as Ö, Z, L, E, M: stored as "Özlem"


def _type_name_and_phone(client: FlaskClient) -> str:
    """Answer kind, name and phone through the real forms; return the CSRF token used."""
    client.get("/kiosk/request")
    token = csrf_token(client, "/kiosk/request/kind")
    client.post("/kiosk/request/kind", data={"kind": "callback", "csrf_token": token})
    for key in NAME:
        client.post("/kiosk/request/name", data={"key": key, "csrf_token": token})
    client.post("/kiosk/request/name", data={"action": "next", "csrf_token": token})
    for digit in "02311234567":
        client.post("/kiosk/request/phone", data={"key": digit, "csrf_token": token})
    return token


def _cookie(app: Flask, client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return session_json(app, cookie.value)


def _stored(db: Database) -> list[dict[str, object]]:
    with db.session() as session:
        return [dict(row.answers) for row in session.scalars(select(KioskForm))]


def test_answers_are_on_the_server_and_not_in_the_cookie(app: Flask, client: FlaskClient, kiosk_db: Database) -> None:
    _type_name_and_phone(client)
    [answers] = _stored(kiosk_db)
    assert (answers["name"], answers["phone"], answers["kind"]) == ("Özlem", "02311234567", "callback")
    cookie = _cookie(app, client)
    assert "Özlem" not in cookie and "1234567" not in cookie and "callback" not in cookie, cookie
    assert "Özlem" in client.get("/kiosk/request/summary").get_data(as_text=True)


def test_another_browser_sees_nothing_of_it(app: Flask, client: FlaskClient, kiosk_db: Database) -> None:
    _type_name_and_phone(client)
    other = app.test_client()
    page = other.get("/kiosk/request/summary").get_data(as_text=True)
    assert "Özlem" not in page and "1234567" not in page
    assert len(_stored(kiosk_db)) == 2, "the other browser got a fresh, empty form of its own"


def test_idle_reset_deletes_the_answers(client: FlaskClient, kiosk_db: Database) -> None:
    token = _type_name_and_phone(client)
    client.post("/kiosk/language", data={"language": "tr", "csrf_token": token})
    assert client.post("/kiosk/reset", data={"csrf_token": token}).status_code == 302
    assert _stored(kiosk_db) == []
    page = client.get("/kiosk/request/summary").get_data(as_text=True)
    assert "Özlem" not in page and 'lang="de"' in page


def test_going_to_start_abandons_the_form(client: FlaskClient, kiosk_db: Database) -> None:
    _type_name_and_phone(client)
    client.get("/kiosk/")
    assert _stored(kiosk_db) == []


def test_sending_deletes_the_answers(client: FlaskClient, kiosk_db: Database) -> None:
    token = _type_name_and_phone(client)
    client.post("/kiosk/request/phone", data={"action": "next", "csrf_token": token})
    for step, field, value in (("district", "district", "hoerde"), ("topic", "topic", "pflege"),
                               ("time", "time", "any"), ("consent", "consent", "yes")):
        client.post(f"/kiosk/request/{step}", data={field: value, "csrf_token": token})
    response = client.post("/kiosk/request/summary", data={"action": "send", "csrf_token": token})
    assert response.headers["Location"].endswith("/kiosk/request/done")
    [receipt] = _stored(kiosk_db)  # what a second, simultaneous "send" shows: the receipt, no answers
    assert set(receipt) == {"reference", "office_name", "office_phone", "job_id", "kind"}
    assert "Özlem" not in str(receipt)
    assert "Özlem" not in _cookie(client.application, client)


def test_answers_expire_after_fifteen_minutes(client: FlaskClient, kiosk_db: Database) -> None:
    _type_name_and_phone(client)
    later = utcnow() + form_state.FORM_TTL + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        page = client.get("/kiosk/request/summary").get_data(as_text=True)
        assert "Özlem" not in page and "1234567" not in page
        assert [set(answers) for answers in _stored(kiosk_db)] == [{"id"}], "only a fresh, empty form is left"


def test_a_daily_job_deletes_forms_left_behind(client: FlaskClient, kiosk_db: Database) -> None:
    _type_name_and_phone(client)
    later = utcnow() + form_state.FORM_TTL + timedelta(seconds=1)
    with time_machine.travel(later, tick=False), kiosk_db.session() as session:
        assert form_state.purge_expired(session) == 1
    assert _stored(kiosk_db) == []


def test_pages_are_never_cached(client: FlaskClient, kiosk_db: Database) -> None:
    _type_name_and_phone(client)
    assert client.get("/kiosk/request/name").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/kiosk/static/kiosk.css").headers.get("Cache-Control", "")
