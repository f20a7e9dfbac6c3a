"""Accounts (issue 12): the password policy with the bundled common-password list, password
changes ending sessions, and argon2's memory bounded under a burst of failed logins."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from shared.cli.main import main
from shared.config import Config
from shared.credentials import hash_password, verify_password
from shared.db import Database
from shared.errors import ValidationFailed
from shared.models import AuditEntry, StaffSession, StaffUser
from shared.services.password_policy import common_passwords, password_problems
from shared.services.staff_users import create_user, open_session, set_password
from tests.support.staff_login import csrf_token, login


@pytest.mark.parametrize("password", ["Passwort1234", "passwort12345!", "123456789012", "qwertzuiop123",
                                      "Borussia09!!!", "aaaaaaaaaaaaaaa", "!!!Sommer2024!!!", "kurz"])
def test_weak_passwords_are_refused(password: str) -> None:
    assert password_problems(password, "hanna")


def test_a_password_must_not_contain_the_user_name() -> None:
    problems = password_problems("hanna-hoerde-sagt-hallo", "hanna-hoerde")
    assert [problem.code for problem in problems] == ["contains_username"]
    assert problems[0].message == "Das Passwort darf den Benutzernamen nicht enthalten."


@pytest.mark.parametrize("password", ["correct horse battery staple", "Kaffee-um-drei-im-Park", "zG7#pQ2!vLx9"])
def test_good_passwords_pass(password: str) -> None:
    assert password_problems(password, "hanna") == []


def test_the_list_ships_inside_the_package() -> None:
    listed = common_passwords()
    assert len(listed) > 150 and "passwort" in listed and "borussia" in listed


def test_create_user_applies_the_policy(db: Database) -> None:
    with db.session() as session, pytest.raises(ValidationFailed) as refused:
        create_user(session, "emil", "Passwort12345", "staff", "eving")
    assert refused.value.problems[0].code == "common"


def test_a_new_password_ends_every_session(db: Database) -> None:
    with db.session() as session:
        user = create_user(session, "emil", "correct horse battery staple", "staff", "eving")
        open_session(session, user)
        with pytest.raises(ValidationFailed):
            set_password(session, user, "emil-emil-emil-emil")
        set_password(session, user, "ein ganz anderes langes Passwort")
    with db.session() as session:
        stored = session.scalars(select(StaffUser).where(StaffUser.username == "emil")).one()
        assert verify_password(stored.password_hash, "ein ganz anderes langes Passwort")
        assert all(row.revoked_at is not None for row in session.scalars(select(StaffSession)))


MEASURE = textwrap.dedent("""
    import json, resource, threading
    from shared.credentials import hash_password, verify_password
    stored = hash_password("correct horse battery staple")
    def rss_mb():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    before = rss_mb()
    threads = [threading.Thread(target=verify_password, args=(stored, f"falsch-{n}")) for n in range(16)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    print(json.dumps({"before_mb": before, "peak_mb": rss_mb()}))
""")


def test_sixteen_parallel_failed_logins_stay_within_bounded_memory() -> None:
    """Was 177 MB → 1.2 GB per process (16 × 64 MiB argon2 buffers at once)."""
    done = subprocess.run([sys.executable, "-c", MEASURE], capture_output=True, text=True, timeout=120, check=True)
    figures = json.loads(done.stdout)
    assert figures["peak_mb"] - figures["before_mb"] < 100, figures


def test_old_hashes_still_verify_and_are_rehashed() -> None:
    from argon2 import PasswordHasher

    from shared.credentials import needs_rehash

    old = PasswordHasher().hash("correct horse battery staple")  # the library's 64 MiB default
    assert verify_password(old, "correct horse battery staple") and needs_rehash(old)
    assert not needs_rehash(hash_password("correct horse battery staple"))


def test_failed_logins_are_audited_with_the_name_tried_and_a_hashed_address(app: Flask, db: Database) -> None:
    client = app.test_client()
    for address in ("203.0.113.7", "203.0.113.7", "198.51.100.9"):
        response = client.post("/staff/login", data={"username": " Hanna\x07 ", "password": "falsches Passwort",
                                                     "csrf_token": csrf_token(client)},
                               environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 401
    with db.session() as session:
        details = list(session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "login_failed")
                                       .order_by(AuditEntry.id)))
    assert len(details) == 3 and all(detail.startswith("user=hanna address=") for detail in details)
    hashes = [detail.rsplit("=", 1)[1] for detail in details]
    assert hashes[0] == hashes[1] != hashes[2] and len(hashes[0]) == 16
    assert not any("203.0.113" in detail for detail in details)


def test_reset_password_and_deactivate_from_the_command_line(app: Flask, db: Database, config: Config,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREFFPUNKT_DATABASE_URL", config.database_url)
    monkeypatch.setenv("TREFFPUNKT_DATA_DIR", str(config.data_dir))
    with db.session() as session:
        create_user(session, "emil", "correct horse battery staple", "staff", "eving")
    client = app.test_client()
    login(client, "emil")
    assert client.get("/staff/").status_code == 200
    runner = CliRunner()
    monkeypatch.setenv("TREFFPUNKT_NEW_PASSWORD", "Passwort12345")
    weak = runner.invoke(main, ["users", "reset-password", "emil"])
    assert weak.exit_code == 1 and "zu verbreitet" in weak.output
    monkeypatch.setenv("TREFFPUNKT_NEW_PASSWORD", "ein neues langes Passwort")
    reset = runner.invoke(main, ["users", "reset-password", "emil"])
    assert reset.exit_code == 0, reset.output
    assert client.get("/staff/").status_code == 302  # the old session ended
    login(client, "emil", "ein neues langes Passwort")
    assert client.get("/staff/").status_code == 200
    gone = runner.invoke(main, ["users", "deactivate", "emil"])
    assert gone.exit_code == 0, gone.output
    assert client.get("/staff/").status_code == 302
    assert runner.invoke(main, ["users", "deactivate", "niemand"]).exit_code == 1
    with db.session() as session:
        details = list(session.scalars(select(AuditEntry.detail).where(AuditEntry.record_type == "staff_user")))
    assert "password reset" in details and "deactivated" in details


def test_a_person_changes_their_own_password(app: Flask, db: Database) -> None:
    with db.session() as session:
        create_user(session, "emil", "correct horse battery staple", "staff", "eving")
    client = app.test_client()
    login(client, "emil")
    other = app.test_client()
    login(other, "emil")

    def change(current: str, new: str, repeat: str | None = None) -> tuple[int, str]:
        response = client.post("/staff/account/password", data={
            "current": current, "new": new, "repeat": new if repeat is None else repeat,
            "csrf_token": csrf_token(client, "/staff/account/password")})
        return response.status_code, response.get_data(as_text=True)

    status, body = change("falsch", "ein neues langes Passwort")
    assert status == 400 and "Das bisherige Passwort ist falsch." in body
    status, body = change("correct horse battery staple", "ein neues langes Passwort", "ein anderes")
    assert status == 400 and "verschieden" in body
    status, body = change("correct horse battery staple", "Passwort2024!!")
    assert status == 400 and "zu verbreitet" in body
    status, _ = change("correct horse battery staple", "ein neues langes Passwort")
    assert status == 302
    assert other.get("/staff/").status_code == 302  # every session of the account ended
    login(client, "emil", "ein neues langes Passwort")
    assert client.get("/staff/").status_code == 200
    with db.session() as session:
        assert "password changed" in session.scalars(select(AuditEntry.detail)).all()


def test_the_english_dashboard_says_the_policy_in_english(app: Flask, db: Database, staff_users: object) -> None:
    with db.session() as session:
        create_user(session, "emil", "correct horse battery staple", "staff", "eving")
    client = app.test_client()
    login(client, "emil")
    client.post("/staff/language", data={"language": "en", "csrf_token": csrf_token(client, "/staff/account/password")})
    english = {"kurz": "The password needs at least 12 characters.",
               "x" * 129: "The password may have at most 128 characters.",
               "emil hat ein langes Passwort": "The password must not contain the user name.",
               "Passwort2024!!": "This password is too common and easy to guess."}
    for new, message in english.items():
        response = client.post("/staff/account/password", data={
            "current": "correct horse battery staple", "new": new, "repeat": new,
            "csrf_token": csrf_token(client, "/staff/account/password")})
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and message in body, new
        assert "Passwort" not in body.split("<main", 1)[1].split("</form>", 1)[0].replace(new, ""), new
    admin = app.test_client()
    login(admin, "chefin")
    admin.post("/staff/language", data={"language": "en", "csrf_token": csrf_token(admin, "/staff/admin/users")})
    response = admin.post("/staff/admin/users", data={
        "username": "emil", "password": "kurz", "repeat": "kurz", "role": "staff", "district": "",
        "csrf_token": csrf_token(admin, "/staff/admin/users")}, follow_redirects=True)
    body = response.get_data(as_text=True)
    for message in ("This user name is already taken.", "District staff need a district.",
                    "The password needs at least 12 characters."):
        assert message in body
