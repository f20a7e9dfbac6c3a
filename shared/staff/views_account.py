"""The signed-in person's own account: changing the password, switching on the TOTP second factor."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import logout_user
from werkzeug.wrappers import Response

from shared.credentials import verify_password
from shared.errors import ValidationFailed
from shared.services import audit, totp
from shared.services.login_throttle import account_key, address_key
from shared.services.recovery_codes import new_recovery_codes, remaining
from shared.services.staff_users import set_password
from shared.staff.auth import throttle
from shared.staff.blueprint import bp
from shared.staff.forms import problems_text
from shared.staff.i18n import gettext
from shared.staff.principal import staff
from shared.web.request_session import db_session


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> str | Response | tuple[str, int]:
    """Change my password (the policy applies); every session of mine ends, this one too."""
    if request.method == "GET":
        return render_template("staff/password.html")
    principal = staff()
    database = db_session()
    user = principal.user
    new = request.form.get("new", "")
    if not verify_password(user.password_hash, request.form.get("current", "")):
        error = gettext("Das bisherige Passwort ist falsch.")
    elif new != request.form.get("repeat", ""):
        error = gettext("Die beiden neuen Passwörter sind verschieden.")
    else:
        try:
            set_password(database, user, new)
        except ValidationFailed as problems:
            error = problems_text(problems)
        else:
            audit.record(database, principal.actor, "update", "staff_user", user.id, user.district_id,
                         "password changed")
            database.commit()
            logout_user()
            session.clear()
            flash(gettext("Passwort geändert. Bitte melden Sie sich mit dem neuen Passwort an."), "info")
            return redirect(url_for("staff.login"))
    return render_template("staff/password.html", error=error), 400


ENROL_KEY = "totp_enrol"  # the secret shown, kept until the first code confirms it


def _enrolment_page(error: str = "") -> str:
    user = staff().user
    if user.totp_secret:
        return render_template("staff/totp.html", enabled=True, remaining=remaining(db_session(), user))
    secret = session.get(ENROL_KEY) or totp.new_secret()
    session[ENROL_KEY] = secret
    return render_template("staff/totp.html", enabled=False, required=user.is_admin, secret=secret,
                           qr=totp.qr_data_uri(totp.provisioning_uri(secret, user.username)), error=error)


@bp.route("/account/totp", methods=["GET", "POST"])
def enrol_totp() -> str | Response | tuple[str, int]:
    """Switch on the TOTP second factor; the first valid code confirms the app has the secret."""
    if request.method == "GET" or staff().user.totp_secret:
        return _enrolment_page()
    principal = staff()
    database = db_session()
    keys = (account_key(principal.user.username), address_key(request.remote_addr or ""))
    if throttle().blocked(keys):
        abort(429)
    secret = session.get(ENROL_KEY)
    if not secret or not totp.confirm_enrolment(principal.user, secret, request.form.get("code", "")):
        throttle().failed(keys)
        return _enrolment_page(gettext("Der Code passt nicht. Bitte versuchen Sie es mit dem aktuellen Code.")), 400
    session.pop(ENROL_KEY, None)
    audit.record(database, principal.actor, "update", "staff_user", principal.id, principal.district_id,
                 "totp enabled")
    return _show_recovery_codes(gettext("Der zweite Faktor ist eingeschaltet."))


@bp.post("/account/totp/recovery-codes")
def renew_recovery_codes() -> str:
    """New recovery codes for the signed-in account (the old ones stop working), shown once."""
    principal = staff()
    if not principal.user.totp_secret:
        abort(409)
    return _show_recovery_codes(gettext("Neue Wiederherstellungscodes erzeugt; die alten gelten nicht mehr."))


def _show_recovery_codes(notice: str) -> str:
    """Make new recovery codes for the signed-in account, audit it and show them this once."""
    principal = staff()
    database = db_session()
    codes = new_recovery_codes(database, principal.user)
    audit.record(database, principal.actor, "update", "staff_user", principal.id, principal.district_id,
                 f"recovery codes issued={len(codes)}")
    database.commit()
    return render_template("staff/recovery_codes.html", codes=codes, notice=notice)
