"""The admins' account page: list, create, change role and district, (de)activate, reset a password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from shared.errors import FieldProblem, ValidationFailed
from shared.models import District, StaffUser
from shared.services import audit
from shared.services.staff_users import (
    ROLES,
    all_users,
    change_role,
    create_user,
    deactivate_user,
    reactivate_user,
    set_password,
)
from shared.staff.auth import require_admin
from shared.staff.blueprint import bp
from shared.staff.forms import flash_problem
from shared.staff.i18n import gettext
from shared.staff.principal import StaffPrincipal
from shared.web.request_session import db_session

MAX_ID = 2**31 - 1  # larger ids cannot exist; refusing them early keeps PostgreSQL from an integer error


def _users_page(status: int = 200) -> tuple[str, int]:
    database = db_session()
    districts = list(database.scalars(select(District).order_by(District.name)))
    return render_template("staff/users.html", users=all_users(database), districts=districts, roles=ROLES), status


def _target(principal: StaffPrincipal, user_id: int) -> StaffUser:
    """The account changed by the form; an admin may not lock themselves out."""
    user = db_session().get(StaffUser, user_id) if user_id <= MAX_ID else None
    if user is None:
        abort(404)
    if user.id == principal.id:
        abort(409)
    return user


def _done(principal: StaffPrincipal, user: StaffUser, action: str, detail: str, message: str) -> Response:
    database = db_session()
    audit.record(database, principal.actor, action, "staff_user", user.id, user.district_id, detail)
    database.commit()
    flash(message, "info")
    return redirect(url_for("staff.users"))


def _refused(error: ValidationFailed) -> tuple[str, int]:
    db_session().rollback()
    flash_problem(error)
    return _users_page(400)


@bp.get("/admin/users")
def users() -> tuple[str, int]:
    """Every account with role, district, state and last login."""
    require_admin()
    return _users_page()


@bp.post("/admin/users")
def create_account() -> Response | tuple[str, int]:
    """Create an account with an initial password (the policy applies)."""
    principal = require_admin()
    form = request.form
    try:
        if form.get("password", "") != form.get("repeat", ""):
            raise ValidationFailed([FieldProblem("repeat", "different",
                                                 gettext("Die beiden Passwörter sind verschieden."))])
        user = create_user(db_session(), form.get("username", ""), form.get("password", ""), form.get("role", ""),
                           form.get("district") or None, form.get("display_name", "").strip()[:120])
    except ValidationFailed as error:
        return _refused(error)
    return _done(principal, user, "create", f"role={user.role}", gettext("Das Konto ist angelegt."))


@bp.post("/admin/users/<int:user_id>/role")
def change_account_role(user_id: int) -> Response | tuple[str, int]:
    """Give an account another role and district."""
    principal = require_admin()
    user = _target(principal, user_id)
    try:
        change_role(db_session(), user, request.form.get("role", ""), request.form.get("district") or None)
    except ValidationFailed as error:
        return _refused(error)
    return _done(principal, user, "update", f"role={user.role} district={user.district_id}",
                 gettext("Rolle und Stadtbezirk sind geändert."))


@bp.post("/admin/users/<int:user_id>/active")
def change_account_state(user_id: int) -> Response:
    """Deactivate (every session ends) or reactivate an account."""
    principal = require_admin()
    user = _target(principal, user_id)
    if request.form.get("active") == "1":
        reactivate_user(user)
        return _done(principal, user, "update", "reactivated", gettext("Das Konto ist wieder aktiv."))
    deactivate_user(db_session(), user)
    return _done(principal, user, "update", "deactivated", gettext("Das Konto ist deaktiviert."))


@bp.post("/admin/users/<int:user_id>/password")
def reset_account_password(user_id: int) -> Response | tuple[str, int]:
    """Set a new password chosen by the admin (policy checked); that person's sessions end."""
    principal = require_admin()
    user = _target(principal, user_id)
    try:
        if request.form.get("password", "") != request.form.get("repeat", ""):
            raise ValidationFailed([FieldProblem("repeat", "different",
                                                 gettext("Die beiden Passwörter sind verschieden."))])
        set_password(db_session(), user, request.form.get("password", ""))
    except ValidationFailed as error:
        return _refused(error)
    return _done(principal, user, "update", "password reset by admin", gettext("Das Passwort ist neu gesetzt."))
