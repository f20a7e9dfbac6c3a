"""Web-wide protections: CSRF on every form, security headers with a CSP, rate limiting.

The JSON API (token-authenticated) and the Twilio webhooks (signature-checked) are exempt from
CSRF; everything else that accepts a POST needs a valid token.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from shared.config import Config

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
CSRF_EXEMPT_BLUEPRINTS = ("api", "ivr")

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
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), geolocation=(), microphone=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def init_app(app: Flask, config: Config) -> None:
    """Install CSRF protection, the rate limiter and the security headers."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config["RATELIMIT_STORAGE_URI"] = config["RATELIMIT_STORAGE_URL"]
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(_security_headers)


def exempt_blueprints(app: Flask) -> None:
    """Exempt the token- or signature-authenticated blueprints from CSRF (after registration)."""
    for name in CSRF_EXEMPT_BLUEPRINTS:
        blueprint = app.blueprints.get(name)
        if blueprint is not None:
            csrf.exempt(blueprint)
