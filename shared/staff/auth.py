"""Login, logout and the login check in front of every dashboard page.

Sessions live in the ``staff_sessions`` table: the signed cookie only carries a random token
whose hash is looked up on each request, so logout, idle expiry and deactivation end a session
on the server. Failed logins are throttled per account and per client address
(:mod:`shared.services.login_throttle`).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from shared.errors import NotFound
from shared.runtime import get_runtime
from shared.services import audit
from shared.services.login_throttle import LoginThrottle, account_key, address_key, throttle_for
from shared.services.staff_users import authenticate, open_session, resume_session, revoke_session
from shared.staff.blueprint import bp
from shared.staff.i18n import SESSION_KEY, gettext
from shared.staff.principal import StaffPrincipal, staff
from shared.web.request_session import db_session

THROTTLE = "treffpunkt-login-throttle"
PUBLIC_ENDPOINTS = frozenset({"staff.login", "staff.static", "staff.set_language"})

login_manager = LoginManager()
login_manager.session_protection = "basic"


@login_manager.user_loader  # type: ignore[untyped-decorator]
def _load_principal(token: str) -> StaffPrincipal | None:
    database = db_session()
    try:
        active = resume_session(database, token, get_runtime().config.staff_session_idle_minutes)
    except NotFound:
        database.commit()  # keeps the revocation of an expired session
        return None
    database.commit()
    return StaffPrincipal(active.user, token)


@bp.before_request
def _require_login() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("staff.login", next=request.full_path if request.method == "GET" else None))
    return None


def _safe_next(target: str | None) -> str:
    """Only follow a ``next`` that stays inside the dashboard (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/staff/") and "\\" not in target:
            return target
    return url_for("staff.inbox")


def failed_login_detail(username: str) -> str:
    """Audit detail of a failed login: the name tried (printable, cut) and a keyed hash of the address.

    The hash lets an admin see that attempts came from one place without storing the address.
    """
    name = "".join(char for char in username.strip().casefold() if char.isprintable())[:80]
    key = str(get_runtime().config.secret_key).encode()
    address = hmac.new(key, (request.remote_addr or "").encode(), hashlib.sha256).hexdigest()[:16]
    return f"user={name} address={address}"


def _throttle() -> LoginThrottle:
    throttle: LoginThrottle = current_app.extensions[THROTTLE]
    return throttle


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """The login form; a successful login starts a fresh session."""
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("staff.inbox"))
        return render_template("staff/login.html", next=request.args.get("next", ""))
    database = db_session()
    username = request.form.get("username", "")
    keys = (account_key(username[:150]), address_key(request.remote_addr or ""))
    if _throttle().blocked(keys):  # checked before the password: a blocked guess is not even tried
        abort(429)
    user = authenticate(database, username, request.form.get("password", ""))
    if user is None:
        _throttle().failed(keys)
        audit.record(database, "anonymous", "login_failed", "staff_user", "-", None, failed_login_detail(username))
        database.commit()
        flash(gettext("Benutzername oder Passwort ist falsch."), "error")
        return render_template("staff/login.html", next=request.form.get("next", "")), 401
    token = open_session(database, user)
    audit.record(database, f"staff:{user.username}", "login", "staff_user", user.id, user.district_id)
    database.commit()
    language = session.get(SESSION_KEY)
    session.clear()  # a new session on login: nothing from before the login survives
    if language:
        session[SESSION_KEY] = language
    login_user(StaffPrincipal(user, token))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """End the session on the server and in the browser."""
    principal = staff()
    database = db_session()
    revoke_session(database, principal.token)
    audit.record(database, principal.actor, "logout", "staff_user", principal.id, principal.district_id)
    database.commit()
    logout_user()
    session.clear()
    flash(gettext("Sie sind abgemeldet."), "info")
    return redirect(url_for("staff.login"))


def require_admin() -> StaffPrincipal:
    """The current user if an admin, else 403."""
    principal = staff()
    if not principal.is_admin:
        abort(403)
    return principal


def init_app(app: Flask) -> None:
    """Install Flask-Login for the dashboard and the login throttle."""
    runtime = get_runtime(app)
    app.extensions[THROTTLE] = throttle_for(str(runtime.config.ratelimit_storage_url), runtime.db)
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
