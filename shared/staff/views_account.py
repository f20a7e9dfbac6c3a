"""The signed-in person's own account: changing the password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import logout_user
from werkzeug.wrappers import Response

from shared.credentials import verify_password
from shared.errors import ValidationFailed
from shared.services import audit
from shared.services.staff_users import set_password
from shared.staff.blueprint import bp
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
            error = "; ".join(problem.message for problem in problems.problems)
        else:
            audit.record(database, principal.actor, "update", "staff_user", user.id, user.district_id,
                         "password changed")
            database.commit()
            logout_user()
            session.clear()
            flash(gettext("Passwort geändert. Bitte melden Sie sich mit dem neuen Passwort an."), "info")
            return redirect(url_for("staff.login"))
    return render_template("staff/password.html", error=error), 400
