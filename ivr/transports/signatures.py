"""Webhook signatures (Twilio's scheme) and the one-time tokens that tie a stream to its call."""

from __future__ import annotations

import functools
import hmac
import secrets
from dataclasses import dataclass
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
    validator = _validator_for(token)
    params: Any = request.form if request.method == "POST" else {}
    url = public_url(request)
    if hmac.compare_digest(validator.compute_signature(url, params), signature):
        return  # the usual case, one HMAC; else Twilio's own check, which also tries the URL with and without port
    if not validator.validate(url, params, signature):
        abort(403)


@functools.lru_cache(maxsize=4)
def _validator_for(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    """One serializer per key (building one derives its signer; every new call needs a token)."""
    return URLSafeTimedSerializer(secret_key, salt=STREAM_TOKEN_SALT)


@dataclass(frozen=True)
class StreamClaim:
    """What a valid stream token says: the call, its one-time nonce and the caller as Twilio gave it."""

    call_sid: str
    nonce: str
    caller: str = ""


def issue_stream_token(call_sid: str, caller: str = "") -> tuple[str, str]:
    """A signed token for the stream of *call_sid* from *caller* (as Twilio sent it); returns ``(token, nonce)``.

    The token carries all the stream needs to open its call, so the first webhook writes nothing;
    the caller's number goes only to Twilio (who sent it) and back, never into a URL or a log."""
    nonce = secrets.token_urlsafe(12)
    payload = {"sid": call_sid, "nonce": nonce, **({"from": caller} if caller else {})}
    return _serializer().dumps(payload), nonce


def read_stream_token(token: str) -> StreamClaim | None:
    """The claim of a valid, unexpired token, else None."""
    try:
        data = _serializer().loads(token, max_age=STREAM_TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or "sid" not in data or "nonce" not in data:
        return None
    return StreamClaim(str(data["sid"]), str(data["nonce"]), str(data.get("from", "")))
