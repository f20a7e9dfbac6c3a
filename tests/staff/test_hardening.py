"""Input that the database cannot hold is refused before any query; no personal data reaches a log.

Regression tests for issue 12 (audit findings "personal data in the server log" and "500s for
huge ids / NUL in query parameters").
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session
from werkzeug.test import create_environ

from shared.config import ConfigError, load_config
from shared.db import Database
from shared.seed.demo import seed_demo_kiosk
from shared.web.protection import TrustedProxyFix
from tests.staff.conftest import RequestFactory, Staff
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
    "/api/v1/venues?district=%00", "/kiosk/events/district/hoer%00de", "/kiosk/events/topic/%00",
    "/api/v1/venues/%00", "/staff/no-such-page%00",
])
def test_nul_in_the_path_or_query_parameters_is_a_bad_request(admin_client: FlaskClient, path: str) -> None:
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


def _failed_login(app: Flask, username: str, address: str, forwarded: str | None = None) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    token = csrf_token(client)
    return client.post("/staff/login", headers=headers, data={
        "username": username, "password": "definitely wrong", "csrf_token": token}).status_code


def test_forged_forwarded_for_does_not_escape_the_address_limit(app: Flask, staff_users: Staff) -> None:
    codes = [_failed_login(app, f"nobody{n}", "198.51.100.7", forwarded=f"203.0.113.{n}") for n in range(31)]
    assert codes[:30] == [401] * 30 and codes[30] == 429


def test_failed_logins_are_limited_per_account_from_any_address(app: Flask, staff_users: Staff) -> None:
    codes = [_failed_login(app, "hoerde1", f"198.51.100.{n}") for n in range(6)]
    assert codes == [401] * 5 + [429]
    assert _failed_login(app, "eving1", "198.51.100.9") == 401  # other accounts are not locked


def test_forwarded_headers_count_only_from_trusted_proxies() -> None:
    def peer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [str(environ["REMOTE_ADDR"]).encode()]

    fixed = TrustedProxyFix(peer, ("127.0.0.1", "10.0.0.0/8"))
    for remote, expected in (("127.0.0.1", "203.0.113.5"), ("10.1.2.3", "203.0.113.5"),
                             ("198.51.100.7", "198.51.100.7")):
        environ = create_environ(headers={"X-Forwarded-For": "203.0.113.5"}, environ_base={"REMOTE_ADDR": remote})
        assert b"".join(fixed(environ, lambda *_args: None)).decode() == expected
    untrusting = TrustedProxyFix(peer, ())
    environ = create_environ(headers={"X-Forwarded-For": "203.0.113.5"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert b"".join(untrusting(environ, lambda *_args: None)).decode() == "127.0.0.1"


def test_trusted_proxies_setting_is_validated() -> None:
    assert load_config(environ={"TREFFPUNKT_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}).trusted_proxies == (
        "127.0.0.1", "10.0.0.0/8")
    with pytest.raises(ConfigError):
        load_config(environ={"TREFFPUNKT_TRUSTED_PROXIES": "not-an-address"})
