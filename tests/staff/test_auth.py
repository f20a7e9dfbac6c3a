"""Login, sessions revoked on the server, CSRF, rate limit, headers and cookie flags."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shared.app import create_app
from shared.cli.main import main
from shared.clock import utcnow
from shared.config import Config
from shared.credentials import verify_password
from shared.db import Database
from shared.models import AuditEntry, StaffSession, StaffUser
from tests.staff.conftest import Staff
from tests.support.staff_login import PASSWORD, csrf_token, login


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/staff/requests/1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")


def test_login_and_logout_revokes_the_session_on_the_server(app: Flask, staff_users: Staff, db: Database) -> None:
    client = app.test_client()
    login(client, "hoerde1")
    assert client.get("/staff/").status_code == 200
    stolen_cookie = client.get_cookie("session")
    assert stolen_cookie is not None
    response = client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    assert response.status_code == 302
    with db.session() as session:
        record = session.scalars(select(StaffSession)).one()
        assert record.revoked_at is not None
    replay = app.test_client()
    replay.set_cookie("session", stolen_cookie.value)
    response = replay.get("/staff/")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_login_starts_a_fresh_session(app: Flask, staff_users: Staff) -> None:
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["planted"] = "by an attacker"
    login(client, "hoerde1")
    with client.session_transaction() as flask_session:
        assert "planted" not in flask_session


def test_idle_session_expires(app: Flask, staff_users: Staff) -> None:
    client = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        login(client, "hoerde1")
        assert client.get("/staff/").status_code == 200
        traveller.shift(31 * 60)
        response = client.get("/staff/")
    assert response.status_code == 302


def test_wrong_password_is_refused_and_audited(app: Flask, staff_users: Staff, db: Database) -> None:
    client = app.test_client()
    response = client.post("/staff/login", data={"username": "hoerde1", "password": "wrong password!",
                                                 "csrf_token": csrf_token(client)})
    assert response.status_code == 401
    assert "Benutzername oder Passwort ist falsch" in response.get_data(as_text=True)
    with db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions == ["login_failed"]


def test_sixth_failed_login_is_rate_limited(app: Flask, staff_users: Staff) -> None:
    client = app.test_client()
    token = csrf_token(client)
    codes = [client.post("/staff/login", data={"username": "hoerde1", "password": f"wrong-{n}",
                                               "csrf_token": token}).status_code for n in range(6)]
    assert codes == [401, 401, 401, 401, 401, 429]
    blocked = client.post("/staff/login", data={"username": "hoerde1", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429
    assert "Zu viele Versuche" in blocked.get_data(as_text=True)


def test_successful_logins_do_not_count_against_the_limit(app: Flask, staff_users: Staff) -> None:
    for _ in range(7):
        login(app.test_client(), "hoerde1")


def test_form_without_csrf_token_is_rejected(hoerde_client: FlaskClient) -> None:
    response = hoerde_client.post("/staff/logout")
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
    login_response = hoerde_client.post("/staff/login", data={"username": "hoerde1", "password": PASSWORD})
    assert login_response.status_code == 400


def test_security_headers_and_cookie_flags(config: Config, db: Database, staff_users: Staff) -> None:
    app = create_app(config.replace(secure_cookies=True), db)
    client = app.test_client()
    page = client.get("/staff/login")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store, private"
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    form = client.get("/staff/login", base_url="https://localhost").get_data(as_text=True)
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/staff/login", data={"username": "hoerde1", "password": PASSWORD, "csrf_token": token},
                           base_url="https://localhost", headers={"Referer": "https://localhost/staff/login"})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_generic_error_page(hoerde_client: FlaskClient) -> None:
    response = hoerde_client.get("/staff/requests/999999")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Diese Seite gibt es nicht" in body
    assert "Traceback" not in body and "NotFound" not in body


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/staff/", "/kiosk/"])
def test_no_open_redirect_after_login(app: Flask, staff_users: Staff, target: str) -> None:
    client = app.test_client()
    response = client.post("/staff/login", data={"username": "hoerde1", "password": PASSWORD, "next": target,
                                                 "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/staff/"


def test_create_user_command(db: Database, config: Config, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TREFFPUNKT_DATABASE_URL", config.database_url)
    monkeypatch.setenv("TREFFPUNKT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TREFFPUNKT_NEW_PASSWORD", "a very long password")
    runner = CliRunner()
    result = runner.invoke(main, ["create-user", "neu", "--role", "staff", "--district", "eving"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(main, ["create-user", "ohne", "--role", "staff"])
    assert refused.exit_code == 1
    assert "Stadtbezirk" in refused.output
    monkeypatch.delenv("TREFFPUNKT_NEW_PASSWORD")
    prompted = runner.invoke(main, ["create-user", "chef", "--role", "admin"],
                             input="another long password\nanother long password\n")
    assert prompted.exit_code == 0, prompted.output
    with db.session() as session:
        users = {user.username: user for user in session.scalars(select(StaffUser))}
        assert users["neu"].role == "staff" and users["neu"].district is not None
    assert verify_password(users["chef"].password_hash, "another long password")
    assert "another long password" not in users["chef"].password_hash
