"""Login, logout and the login check in front of every dashboard page.

Sessions live in the ``staff_sessions`` table: the signed cookie only carries a random token
whose hash is looked up on each request, so logout, idle expiry and deactivation end a session
on the server. Failed logins are throttled per account and per client address
(:mod:`shared.services.login_throttle`).

An account with TOTP answers a six-digit code after the password before a session starts
(failed codes count toward the same throttle); an admin without TOTP may only enrol.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from shared.errors import NotFound
from shared.models import StaffUser
from shared.runtime import get_runtime
from shared.services import audit, totp
from shared.services.login_throttle import LoginThrottle, account_key, address_key, throttle_for
from shared.services.recovery_codes import looks_like_recovery_code, remaining, use_recovery_code
from shared.services.staff_users import authenticate, open_session, resume_session, revoke_session
from shared.staff.blueprint import bp
from shared.staff.i18n import SESSION_KEY, gettext
from shared.staff.principal import StaffPrincipal, staff
from shared.web.request_session import db_session

THROTTLE = "treffpunkt-login-throttle"
PUBLIC_ENDPOINTS = frozenset({"staff.login", "staff.login_code", "staff.static", "staff.set_language"})
ENROLMENT_ENDPOINTS = frozenset({"staff.enrol_totp", "staff.logout"})
PENDING_KEY = "totp_pending"  # user id, time and target between password and code
PENDING_SECONDS = 300

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
    if staff().is_admin and not staff().user.totp_secret and request.endpoint not in ENROLMENT_ENDPOINTS:
        return redirect(url_for("staff.enrol_totp"))  # admins must have a second factor before anything else
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


def throttle() -> LoginThrottle:
    """The login throttle of this app (shared between processes where configured)."""
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
    if throttle().blocked(keys):  # checked before the password: a blocked guess is not even tried
        abort(429)
    user = authenticate(database, username, request.form.get("password", ""))
    if user is None:
        throttle().failed(keys)
        audit.record(database, "anonymous", "login_failed", "staff_user", "-", None, failed_login_detail(username))
        database.commit()
        flash(gettext("Benutzername oder Passwort ist falsch."), "error")
        return render_template("staff/login.html", next=request.form.get("next", "")), 401
    if user.totp_secret:
        database.commit()
        _restart_session()
        session[PENDING_KEY] = {"user": user.id, "at": time.time(), "next": request.form.get("next", "")}
        return redirect(url_for("staff.login_code"))
    return _start_session(user, request.form.get("next"))


def _restart_session() -> None:
    """A new browser session at each login step: nothing from before survives but the language."""
    language = session.get(SESSION_KEY)
    session.clear()
    if language:
        session[SESSION_KEY] = language


def _start_session(user: StaffUser, target: str | None) -> Response:
    database = db_session()
    token = open_session(database, user)
    audit.record(database, f"staff:{user.username}", "login", "staff_user", user.id, user.district_id)
    database.commit()
    _restart_session()
    login_user(StaffPrincipal(user, token))
    return redirect(_safe_next(target))


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> str | Response | tuple[str, int]:
    """The second login step: the six-digit code of the authenticator app."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        flash(gettext("Bitte melden Sie sich erneut an."), "info")
        return redirect(url_for("staff.login"))
    if request.method == "GET":
        return render_template("staff/login_code.html")
    database = db_session()
    user = database.get(StaffUser, int(pending["user"]))
    if user is None or not user.active:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("staff.login"))
    keys = (account_key(user.username), address_key(request.remote_addr or ""))
    if throttle().blocked(keys):
        abort(429)
    code = request.form.get("code", "")
    by_recovery = looks_like_recovery_code(code)
    verified = use_recovery_code(database, user, code) if by_recovery else totp.verify(database, user, code)
    factor = "recovery_code" if by_recovery else "totp"
    if not verified:
        database.rollback()  # a refused claim must not hold the write lock while the throttle writes
        throttle().failed(keys)
        audit.record(database, "anonymous", "login_failed", "staff_user", user.id, None,
                     failed_login_detail(user.username) + f" factor={factor}")
        database.commit()
        flash(gettext("Der Code ist falsch oder schon benutzt."), "error")
        return render_template("staff/login_code.html"), 401
    left = remaining(database, user)
    if by_recovery:
        audit.record(database, f"staff:{user.username}", "update", "staff_user", user.id, user.district_id,
                     f"recovery code used remaining={left}")
    database.commit()
    response = _start_session(user, str(pending.get("next", "")))
    if by_recovery:  # after the session restart, which clears earlier messages
        flash(gettext("Sie haben einen Wiederherstellungscode benutzt. Noch übrig: %(count)s.", count=left), "info")
    return response


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
