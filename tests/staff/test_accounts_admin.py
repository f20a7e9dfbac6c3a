"""The admins' account page (issues 12 and 14): list, create, role and district, (de)activate, reset."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shared.db import Database
from shared.models import AuditEntry, StaffSession, StaffUser
from tests.staff.conftest import Staff, post
from tests.support.staff_login import PASSWORD, csrf_token, login

NEW_PASSWORD = "Kaffeekanne Zollverein 77"
USERS = "/staff/admin/users"


def _user(db: Database, username: str) -> StaffUser:
    with db.session() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).one()
        session.expunge(user)
        return user


def _audit_details(db: Database, user_id: int) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(AuditEntry.detail).where(
            AuditEntry.record_type == "staff_user", AuditEntry.record_id == str(user_id),
            AuditEntry.actor == "staff:chefin").order_by(AuditEntry.id)))


def test_only_admins_see_the_page(hoerde_client: FlaskClient, admin_client: FlaskClient, staff_users: Staff) -> None:
    assert hoerde_client.get(USERS).status_code == 403
    assert hoerde_client.post(f"{USERS}/{staff_users.eving}/active",
                              data={"active": "0", "csrf_token": csrf_token(hoerde_client, "/staff/")}
                              ).status_code == 403
    page = admin_client.get(USERS).get_data(as_text=True)
    assert "Hanna Hörde" in page and "Emil Eving" in page and "Hörde" in page and "noch nie" in page
    assert f'id="user-{staff_users.hoerde}"' in page


def test_create_an_account_checks_the_policy_and_is_audited(admin_client: FlaskClient, app: Flask,
                                                            db: Database) -> None:
    weak = post(admin_client, USERS, {"username": "neu1", "display_name": "Nina Neu", "role": "staff",
                                      "district": "eving", "password": "Passwort1234", "repeat": "Passwort1234"},
                USERS)
    assert weak.status_code == 400  # type: ignore[attr-defined]
    different = post(admin_client, USERS, {"username": "neu1", "role": "staff", "district": "eving",
                                           "password": NEW_PASSWORD, "repeat": NEW_PASSWORD + "x"}, USERS)
    assert "verschieden" in different.get_data(as_text=True)  # type: ignore[attr-defined]
    no_district = post(admin_client, USERS, {"username": "neu1", "role": "staff", "district": "",
                                             "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}, USERS)
    assert "Stadtbezirk" in no_district.get_data(as_text=True)  # type: ignore[attr-defined]
    with db.session() as session:
        assert session.scalars(select(StaffUser).where(StaffUser.username == "neu1")).first() is None
    created = post(admin_client, USERS, {"username": "neu1", "display_name": "Nina Neu", "role": "staff",
                                         "district": "eving", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD},
                   USERS)
    assert created.status_code == 302  # type: ignore[attr-defined]
    user = _user(db, "neu1")
    assert user.role == "staff" and user.district_id is not None and user.active
    assert _audit_details(db, user.id) == ["role=staff"]
    newcomer = app.test_client()
    login(newcomer, "neu1", NEW_PASSWORD)
    assert newcomer.get("/staff/").status_code == 200


def test_change_role_and_district(admin_client: FlaskClient, staff_users: Staff, db: Database) -> None:
    path = f"{USERS}/{staff_users.eving}/role"
    assert post(admin_client, path, {"role": "staff", "district": "atlantis"}, USERS).status_code == 400  # type: ignore[attr-defined]
    assert post(admin_client, path, {"role": "root", "district": "eving"}, USERS).status_code == 400  # type: ignore[attr-defined]
    assert post(admin_client, path, {"role": "leitstelle", "district": ""}, USERS).status_code == 302  # type: ignore[attr-defined]
    user = _user(db, "eving1")
    assert user.role == "leitstelle" and user.district_id is None
    assert _audit_details(db, user.id) == ["role=leitstelle district=None"]


def test_deactivate_ends_sessions_and_reactivate(admin_client: FlaskClient, eving_client: FlaskClient,
                                                 staff_users: Staff, app: Flask, db: Database) -> None:
    path = f"{USERS}/{staff_users.eving}/active"
    assert post(admin_client, path, {"active": "0"}, USERS).status_code == 302  # type: ignore[attr-defined]
    assert eving_client.get("/staff/").status_code == 302  # the open session is gone
    refused = app.test_client().post("/staff/login", data={
        "username": "eving1", "password": PASSWORD, "csrf_token": csrf_token(app.test_client())})
    assert refused.status_code in (400, 401)
    assert post(admin_client, path, {"active": "1"}, USERS).status_code == 302  # type: ignore[attr-defined]
    login(app.test_client(), "eving1")
    assert _audit_details(db, staff_users.eving) == ["deactivated", "reactivated"]


def test_reset_a_password_ends_that_users_sessions(admin_client: FlaskClient, hoerde_client: FlaskClient,
                                                   staff_users: Staff, app: Flask, db: Database) -> None:
    path = f"{USERS}/{staff_users.hoerde}/password"
    weak = post(admin_client, path, {"password": "hoerde1hoerde1", "repeat": "hoerde1hoerde1"}, USERS)
    assert weak.status_code == 400  # type: ignore[attr-defined]
    assert hoerde_client.get("/staff/").status_code == 200  # a refused reset changes nothing
    assert post(admin_client, path, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}, USERS).status_code == 302  # type: ignore[attr-defined]
    assert hoerde_client.get("/staff/").status_code == 302
    with db.session() as session:
        assert all(row.revoked_at is not None for row in session.scalars(
            select(StaffSession).where(StaffSession.user_id == staff_users.hoerde)))
    login(app.test_client(), "hoerde1", NEW_PASSWORD)
    assert _audit_details(db, staff_users.hoerde) == ["password reset by admin"]


def test_admin_cannot_lock_themselves_out_and_odd_ids(admin_client: FlaskClient, staff_users: Staff) -> None:
    assert post(admin_client, f"{USERS}/{staff_users.admin}/active", {"active": "0"}, USERS).status_code == 409  # type: ignore[attr-defined]
    assert post(admin_client, f"{USERS}/{staff_users.admin}/role", {"role": "staff", "district": "eving"},
                USERS).status_code == 409  # type: ignore[attr-defined]
    assert post(admin_client, f"{USERS}/99999999999999999999/active", {"active": "0"}, USERS).status_code == 404  # type: ignore[attr-defined]
    assert post(admin_client, f"{USERS}/424242/active", {"active": "0"}, USERS).status_code == 404  # type: ignore[attr-defined]
    assert admin_client.post(f"{USERS}/{staff_users.eving}/active", data={"active": "0"}).status_code == 400  # no CSRF
    assert admin_client.get("/staff/").status_code == 200
