"""The browser softphone for staff: the hotline through the microphone, over the stream protocol."""

from __future__ import annotations

import ipaddress
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template, request, url_for

from ivr.flow.call_record import CallRecord
from ivr.hotline import open_call
from ivr.transports.signatures import issue_stream_token
from shared.web.request_session import db_session

SIMULATED_PREFIX = "SIM"


def _allowed() -> bool:
    """Signed-in staff, or (without a staff surface) a browser on this machine."""
    if hasattr(current_app, "login_manager"):
        from flask_login import current_user

        return bool(current_user.is_authenticated)
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def start_simulated_call() -> tuple[str, str]:
    """A new simulated call and the one-time token its stream must present."""
    call_sid = SIMULATED_PREFIX + secrets.token_hex(16)
    session = db_session()
    call, _ = open_call(session, call_sid, "softphone")
    token, nonce = issue_stream_token(call_sid)
    CallRecord(stream_nonce=nonce).store(call)
    session.commit()
    return call_sid, token


def softphone() -> str:
    """The page: a keypad, a microphone button and the prompts as text."""
    if not _allowed():
        abort(403)
    call_sid, token = start_simulated_call()
    # url_for gives a ws:// URL for a WebSocket route; the page joins the path with its own host.
    stream_path = urlsplit(url_for("ivr.stream")).path
    return render_template("ivr/softphone.html", call_sid=call_sid, token=token, stream_path=stream_path)


def register(blueprint: Blueprint) -> None:
    """Add the softphone page."""
    blueprint.add_url_rule("/softphone", "softphone", softphone, methods=["GET"])
