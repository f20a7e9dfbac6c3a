"""TOTP second factor (issue 12): enrolment with a QR code, the code step, replay, throttle, admins must enrol."""

from __future__ import annotations

import base64
import re
import time

import pyotp
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.cli.main import main
from shared.config import Config
from shared.db import Database
from shared.models import AuditEntry, RecoveryCode, StaffSession, StaffUser
from shared.services import totp
from tests.staff.conftest import Staff
from tests.support.staff_login import PASSWORD, csrf_token, login, next_code, remember_secret, secret_of

RECOVERY_CODE = re.compile(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>")


def _password_step(client: FlaskClient, username: str) -> str:
    response = client.post("/staff/login", data={"username": username, "password": PASSWORD,
                                                  "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    return response.headers["Location"]


def _code_step(client: FlaskClient, code: str) -> int:
    return client.post("/staff/login/code", data={"code": code, "csrf_token": csrf_token(client, "/staff/login/code")}
                       ).status_code


def test_admin_without_totp_may_only_enrol(app: Flask, staff_users: Staff, db: Database) -> None:
    client = app.test_client()
    assert _password_step(client, "chefin") == "/staff/"
    for path in ("/staff/", "/staff/audit", "/staff/admin/users", "/staff/account/password", "/staff/events"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/staff/account/totp", path
    page = client.get("/staff/account/totp").get_data(as_text=True)
    secret = remember_secret(page, "chefin")
    assert 'src="data:image/svg+xml;base64,' in page
    svg = base64.b64decode(page.split('src="data:image/svg+xml;base64,')[1].split('"')[0])
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert f"secret={secret}" in totp.provisioning_uri(secret, "chefin")
    token = csrf_token(client, "/staff/account/totp")
    wrong = client.post("/staff/account/totp", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 400 and "Der Code passt nicht" in wrong.get_data(as_text=True)
    with db.session() as session:
        assert session.scalars(select(StaffUser.totp_secret).where(StaffUser.username == "chefin")).one() is None
    done = client.post("/staff/account/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert done.status_code == 200 and len(RECOVERY_CODE.findall(done.get_data(as_text=True))) == 10
    assert client.get("/staff/audit").status_code == 200
    with db.session() as session:
        assert session.scalars(select(StaffUser.totp_secret).where(StaffUser.username == "chefin")).one() == secret
        assert session.scalars(select(AuditEntry.detail).where(AuditEntry.detail == "totp enabled")).one()


def test_login_asks_for_the_code_and_refuses_wrong_and_replayed_codes(app: Flask, staff_users: Staff,
                                                                       db: Database) -> None:
    login(app.test_client(), "chefin")  # enrols
    secret = secret_of("chefin")
    assert secret is not None
    client = app.test_client()
    assert _password_step(client, "chefin") == "/staff/login/code"
    assert client.get("/staff/").status_code == 302  # no session yet: only the code step
    assert _code_step(client, "123456" if pyotp.TOTP(secret).now() != "123456" else "654321") == 401
    assert _code_step(client, "abcdef") == 401
    assert _code_step(client, "\x00" * 6) == 400  # NUL is refused before any view
    step = int(time.time() // 30) + 1
    code = pyotp.TOTP(secret).generate_otp(step)
    assert _code_step(client, code) == 302
    assert client.get("/staff/").status_code == 200
    replay = app.test_client()
    assert _password_step(replay, "chefin") == "/staff/login/code"
    assert _code_step(replay, code) == 401  # the same step again: refused
    assert _code_step(replay, pyotp.TOTP(secret).now()) == 401  # an earlier step: refused too
    assert replay.get("/staff/").status_code == 302
    with db.session() as session:
        failures = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "login_failed")).all()
        assert len(failures) == 4 and all("factor=totp" in detail for detail in failures)


def test_failed_codes_count_toward_the_login_throttle(app: Flask, staff_users: Staff) -> None:
    login(app.test_client(), "chefin")
    client = app.test_client()
    _password_step(client, "chefin")
    codes = [_code_step(client, "000000") for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    secret = secret_of("chefin")
    assert secret is not None
    assert _code_step(client, pyotp.TOTP(secret).now()) == 429  # even the right code waits


def test_code_step_without_a_password_step_goes_back_to_login(app: Flask, staff_users: Staff) -> None:
    client = app.test_client()
    response = client.get("/staff/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"


def test_staff_may_enrol_optionally(app: Flask, staff_users: Staff, db: Database) -> None:
    client = app.test_client()
    login(client, "hoerde1")
    assert client.get("/staff/").status_code == 200  # no enrolment forced
    page = client.get("/staff/account/totp").get_data(as_text=True)
    secret = remember_secret(page, "hoerde1")
    token = csrf_token(client, "/staff/account/totp")
    assert client.post("/staff/account/totp", data={"code": next_code(secret), "csrf_token": token}
                       ).status_code == 200
    other = app.test_client()
    assert _password_step(other, "hoerde1") == "/staff/login/code"
    login(app.test_client(), "hoerde1")  # the helper answers the next step's code
    with db.session() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == "hoerde1")).one()
        assert session.scalars(select(StaffSession).where(StaffSession.user_id == user.id)).all()


def test_codes_are_checked_in_a_drift_window_only() -> None:
    secret = totp.new_secret()
    generator = pyotp.TOTP(secret)
    now = time.time()
    assert totp.matching_step(secret, generator.at(now - 30), now) is not None
    assert totp.matching_step(secret, generator.at(now - 90), now) is None
    assert totp.matching_step(secret, "12345", now) is None
    assert totp.matching_step(secret, "١٢٣٤٥٦", now) is None  # Arabic-Indic digits are digits, not ASCII


def test_reset_totp_from_the_command_line(app: Flask, staff_users: Staff, db: Database, config: Config,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREFFPUNKT_DATABASE_URL", config.database_url)
    monkeypatch.setenv("TREFFPUNKT_DATA_DIR", str(config.data_dir))
    client = app.test_client()
    login(client, "chefin")
    assert client.get("/staff/audit").status_code == 200
    result = CliRunner().invoke(main, ["users", "reset-totp", "chefin"])
    assert result.exit_code == 0, result.output
    assert client.get("/staff/audit").status_code == 302  # the session ended
    fresh = app.test_client()
    assert _password_step(fresh, "chefin") == "/staff/"  # no code step: enrolment again
    assert fresh.get("/staff/audit").headers["Location"] == "/staff/account/totp"
    assert CliRunner().invoke(main, ["users", "reset-totp", "niemand"]).exit_code == 1
    with db.session() as session:
        assert session.scalars(select(AuditEntry.detail).where(AuditEntry.detail == "totp reset")).one()


def test_one_code_wins_once_even_when_claimed_twice(staff_users: Staff, db: Database) -> None:
    secret = totp.new_secret()
    code = pyotp.TOTP(secret).now()
    with db.session() as session:
        user = session.get(StaffUser, staff_users.hoerde)
        assert user is not None
        user.totp_secret = secret
    with db.session() as first, db.session() as second:  # two requests that read the user before either wrote
        one, two = first.get(StaffUser, staff_users.hoerde), second.get(StaffUser, staff_users.hoerde)
        assert one is not None and two is not None
        assert totp.verify(first, one, code)
        first.commit()
        assert not totp.verify(second, two, code)


def _enrol(app: Flask, username: str) -> tuple[FlaskClient, list[str]]:
    """A signed-in client of *username* after switching TOTP on, and the recovery codes shown."""
    client = app.test_client()
    _password_step(client, username)
    page = client.get("/staff/account/totp").get_data(as_text=True)
    secret = remember_secret(page, username)
    done = client.post("/staff/account/totp", data={"code": next_code(secret),
                                                     "csrf_token": csrf_token(client, "/staff/account/totp")})
    return client, RECOVERY_CODE.findall(done.get_data(as_text=True))


def test_recovery_codes_are_shown_once_hashed_and_each_works_once(app: Flask, staff_users: Staff,
                                                                   db: Database) -> None:
    _, codes = _enrol(app, "chefin")
    assert len(codes) == 10 and len(set(codes)) == 10
    with db.session() as session:
        stored = session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not any(code.replace("-", "") in row for code in codes for row in stored)
    client = app.test_client()
    _password_step(client, "chefin")
    assert _code_step(client, "aaaa-bbbb-cccc-dddd") == 401  # the shape of a code, but none of them
    assert _code_step(client, codes[3].upper().replace("-", " ")) == 302  # spaces and case do not matter
    assert client.get("/staff/").status_code == 200
    again = app.test_client()
    _password_step(again, "chefin")
    assert _code_step(again, codes[3]) == 401  # used once: gone
    assert again.get("/staff/").status_code == 302
    with db.session() as session:
        details = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all()
    assert "recovery codes issued=10" in details
    assert "recovery code used remaining=9" in details
    assert sum("factor=recovery_code" in detail for detail in details) == 2
    assert not any(code in detail for code in codes for detail in details)


def test_new_recovery_codes_replace_the_old_ones(app: Flask, staff_users: Staff, db: Database, config: Config,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREFFPUNKT_DATABASE_URL", config.database_url)
    monkeypatch.setenv("TREFFPUNKT_DATA_DIR", str(config.data_dir))
    client, old = _enrol(app, "chefin")
    page = client.get("/staff/account/totp").get_data(as_text=True)
    assert "Unbenutzte Wiederherstellungscodes: 10" in page
    renewed = client.post("/staff/account/totp/recovery-codes",
                          data={"csrf_token": csrf_token(client, "/staff/account/totp")})
    new = RECOVERY_CODE.findall(renewed.get_data(as_text=True))
    assert renewed.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    stale = app.test_client()
    _password_step(stale, "chefin")
    assert _code_step(stale, old[0]) == 401
    assert _code_step(stale, new[0]) == 302
    with db.session() as session:
        assert session.scalar(select(func.count(RecoveryCode.id))) == 10
    result = CliRunner().invoke(main, ["users", "reset-totp", "chefin"])
    assert result.exit_code == 0, result.output
    with db.session() as session:
        assert session.scalar(select(func.count(RecoveryCode.id))) == 0  # a reset second factor drops them


def test_an_admin_issues_recovery_codes_from_the_command_line(app: Flask, staff_users: Staff, config: Config,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREFFPUNKT_DATABASE_URL", config.database_url)
    monkeypatch.setenv("TREFFPUNKT_DATA_DIR", str(config.data_dir))
    assert CliRunner().invoke(main, ["users", "recovery-codes", "hoerde1"]).exit_code == 1  # no second factor
    _, old = _enrol(app, "chefin")
    result = CliRunner().invoke(main, ["users", "recovery-codes", "chefin"])
    assert result.exit_code == 0, result.output
    codes = result.output.split()
    assert len(codes) == 10 and not set(codes) & set(old)
    client = app.test_client()
    _password_step(client, "chefin")
    assert _code_step(client, old[0]) == 401
    assert _code_step(client, codes[0]) == 302
