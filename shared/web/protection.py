"""Web-wide protections: CSRF on every form, security headers with a CSP, rate limiting.

The JSON API (token-authenticated) and the Twilio webhooks (signature-checked) are exempt from
CSRF; everything else that accepts a POST needs a valid token.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from flask import Flask, Request, Response, abort, jsonify, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from shared.config import Config
from shared.web.load_shedding import WEBHOOK_PREFIX

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
CSRF_EXEMPT_BLUEPRINTS = ("api", "ivr")


@limiter.request_filter
def _is_signed_webhook() -> bool:
    """Twilio's webhooks carry no rate limit (all come from Twilio's addresses, each is signature-checked,
    and the load shedder bounds them): the limiter skips them before looking for limits."""
    return request.path.startswith(WEBHOOK_PREFIX)

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "connect-src 'self' ws: wss:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.path.startswith(WEBHOOK_PREFIX):  # TwiML for Twilio, never rendered by a browser
        return response
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), geolocation=(), microphone=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


NUL_MESSAGE = "Die Eingabe enthält ein ungültiges Zeichen (NUL)."
MAX_ID = 2**31 - 1  # the largest id an integer column holds


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that never matches beyond the database's integer range (404, not a driver error)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _contains_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


def _refuse_nul() -> None:
    """NUL can be neither stored nor compared in PostgreSQL text: refuse it before any view runs
    (in the path, a header, the query, a form or a JSON body)."""
    fields: list[object] = [request.path, *(value for _key, value in request.headers.items()),
                            *(value for _key, values in request.args.lists() for value in values)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields.extend(value for _key, values in request.form.lists() for value in values)
    elif request.is_json:
        fields.append(request.get_json(silent=True))
    if any(_contains_nul(value) for value in fields):
        abort(400, NUL_MESSAGE)


def _json_errors_for_api(error: HTTPException) -> HTTPException | tuple[Response, int]:
    """Paths under ``/api/`` answer errors as JSON even when no API route matched."""
    if request.path.startswith("/api/"):
        return jsonify({"error": error.name, "message": error.description}), error.code or 500
    return error


class TrustedProxyFix:
    """Apply ``X-Forwarded-*`` only when the direct peer is a configured proxy.

    Without ``TREFFPUNKT_TRUSTED_PROXIES`` no forwarded header is believed, so a client cannot
    pick its own address for the login limit or the audit log.
    """

    def __init__(self, app: Any, networks: tuple[str, ...]) -> None:
        self.app = app
        self.networks = tuple(ipaddress.ip_network(network, strict=False) for network in networks)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)

    def trusts(self, address: str) -> bool:
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.trusts(str(environ.get("REMOTE_ADDR", ""))):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


class WebhookFreeSessions(SecureCookieSessionInterface):
    """Cookie sessions, except for Twilio's webhooks: Twilio sends no cookie, so there is nothing to open,
    sign or vary on (a webhook that tried to store something in a session would fail loudly)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(WEBHOOK_PREFIX):
            return None  # Flask's null session
        return super().open_session(app, request)


def init_app(app: Flask, config: Config) -> None:
    """Install CSRF protection, the rate limiter, the security headers and the session interface."""
    app.session_interface = WebhookFreeSessions()
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    storage = config.ratelimit_storage_url  # "database" is the login throttle's own store
    app.config["RATELIMIT_STORAGE_URI"] = storage if "://" in storage else "memory://"
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(_security_headers)
    app.before_request(_refuse_nul)
    app.register_error_handler(HTTPException, _json_errors_for_api)


def exempt_blueprints(app: Flask) -> None:
    """Exempt the token- or signature-authenticated blueprints from CSRF (after registration)."""
    for name in CSRF_EXEMPT_BLUEPRINTS:
        blueprint = app.blueprints.get(name)
        if blueprint is not None:
            csrf.exempt(blueprint)
