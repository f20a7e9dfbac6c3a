"""Input that the database cannot hold is refused before any query; no personal data reaches a log.

Regression tests for issue 12 (audit findings "personal data in the server log" and "500s for
huge ids / NUL in query parameters").
"""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from shared.db import Database
from shared.seed.demo import seed_demo_kiosk
from tests.staff.conftest import RequestFactory
from tests.support.staff_login import csrf_token

NAME = "Gerlinde Geheimnisvoll"
PHONE = "0231 7654321"
PHONE_DIGITS = "7654321"
KIOSK = {"Authorization": "Bearer hardening-kiosk-token"}


def _payload(**extra: object) -> dict[str, object]:
    return {"kind": "callback", "district": "hoerde", "phone": PHONE, "name": NAME, "consent": True, **extra}


def _assert_no_personal_data(caplog: pytest.LogCaptureFixture) -> None:
    logged = caplog.text
    assert NAME not in logged and PHONE not in logged and PHONE_DIGITS not in logged


@pytest.mark.parametrize("extra, field", [
    ({"idempotency_key": "k" * 129}, "idempotency_key"),
    ({"event_id": 2_000_000_000}, "event_id"),
    ({"event_id": 2**40}, "event_id"),
    ({"event_id": 0}, "event_id"),
    ({"topic": "Hilfe\x00beim Einkauf"}, None),
    ({"name": NAME + "\x00"}, None),
])
def test_api_refuses_unstorable_input_without_logging_it(
    client: FlaskClient, session: Session, caplog: pytest.LogCaptureFixture,
    extra: dict[str, object], field: str | None,
) -> None:
    seed_demo_kiosk(session, "bz-hoerde", "hardening-kiosk-token")
    session.commit()
    caplog.set_level(logging.DEBUG)
    response = client.post("/api/v1/requests", json=_payload(**extra), headers=KIOSK)
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    if field is None:
        assert "NUL" in body["message"]
    else:
        assert field in body["errors"]
    _assert_no_personal_data(caplog)


def test_api_refuses_non_integer_event_id_and_key(client: FlaskClient, session: Session) -> None:
    seed_demo_kiosk(session, "bz-hoerde", "hardening-kiosk-token")
    session.commit()
    for extra in ({"event_id": "12"}, {"event_id": True}, {"idempotency_key": {"a": 1}}):
        assert client.post("/api/v1/requests", json=_payload(**extra), headers=KIOSK).status_code == 400


def test_sql_parameters_never_appear_in_database_errors(db: Database) -> None:
    """Whatever fails, the driver's error text carries no parameters (``hide_parameters``)."""
    with pytest.raises(StatementError) as raised, db.engine.connect() as connection:
        connection.execute(text("INSERT INTO no_such_table (name) VALUES (:name)"), {"name": NAME})
    assert NAME not in str(raised.value)


@pytest.mark.parametrize("path", [
    "/staff/requests/99999999999999999999",
    "/staff/requests/2147483648",
    "/kiosk/event/99999999999999999999",
    "/kiosk/event/2147483648/qr.png",
    "/api/v1/events/99999999999999999999",
])
def test_huge_ids_are_not_found(admin_client: FlaskClient, path: str) -> None:
    assert admin_client.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    "/staff/events?q=%00", "/staff/audit?action=%00", "/staff/?status=%00", "/kiosk/?q=a%00b",
    "/api/v1/venues?district=%00",
])
def test_nul_in_query_parameters_is_a_bad_request(admin_client: FlaskClient, path: str) -> None:
    assert admin_client.get(path).status_code == 400


def test_nul_in_a_staff_note_is_refused_without_logging_it(
    hoerde_client: FlaskClient, make_request: RequestFactory, caplog: pytest.LogCaptureFixture,
) -> None:
    item = make_request(name=NAME, phone=PHONE)
    caplog.set_level(logging.DEBUG)
    response = hoerde_client.post(f"/staff/requests/{item.id}/notes", data={
        "text": f"{NAME} \x00 {PHONE}", "csrf_token": csrf_token(hoerde_client, "/staff/")})
    assert response.status_code == 400
    _assert_no_personal_data(caplog)


def test_unknown_api_paths_answer_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"] == "Not Found"
    wrong_method = client.delete("/api/v1/districts")
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert not client.get("/staff/no-such-page").is_json
