"""Webhook signatures (Twilio's scheme) and the one-time tokens that tie a stream to its call."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Request, abort, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from twilio.request_validator import RequestValidator

from shared.runtime import get_runtime

STREAM_TOKEN_SALT = "treffpunkt-ivr-stream"  # noqa: S105 - a namespace, not a secret
STREAM_TOKEN_MAX_AGE = 300


def public_url(incoming: Request) -> str:
    """The URL Twilio called: PUBLIC_URL when set, else what ProxyFix reconstructed."""
    base = get_runtime().config.public_base_url
    if not base:
        return incoming.url
    query = incoming.query_string.decode()
    return f"{base}{incoming.path}" + (f"?{query}" if query else "")


def public_base() -> str:
    """Scheme and host the outside world uses to reach us (no trailing slash)."""
    base = get_runtime().config.public_base_url
    return base or request.host_url.rstrip("/")


def require_twilio_signature() -> None:
    """Abort with 403 unless ``X-Twilio-Signature`` matches the URL and form of this request."""
    token = get_runtime().config.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        abort(403)
    validator = RequestValidator(token)
    params: Any = request.form.to_dict(flat=True) if request.method == "POST" else {}
    if not validator.validate(public_url(request), params, signature):
        abort(403)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=STREAM_TOKEN_SALT)


def issue_stream_token(call_sid: str) -> tuple[str, str]:
    """A signed token for the stream of *call_sid*; returns ``(token, nonce)`` (keep the nonce)."""
    nonce = secrets.token_urlsafe(12)
    return _serializer().dumps({"sid": call_sid, "nonce": nonce}), nonce


def read_stream_token(token: str) -> tuple[str, str] | None:
    """``(call_sid, nonce)`` of a valid, unexpired token, else None."""
    try:
        data = _serializer().loads(token, max_age=STREAM_TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or "sid" not in data or "nonce" not in data:
        return None
    return str(data["sid"]), str(data["nonce"])
