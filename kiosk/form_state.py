"""What one senior has entered so far, kept in the signed session cookie of the kiosk browser.

Everything lives under keys starting with ``kiosk_``; :func:`forget_everything` removes all of it,
so nothing of one senior is ever shown to the next.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import session

FORM_KEY = "kiosk_form"
RECEIPT_KEY = "kiosk_receipt"
LARGE_TEXT_KEY = "kiosk_large_text"
PREFIX = "kiosk_"


def form() -> dict[str, Any]:
    """The request form in progress (an empty dict if none)."""
    value: dict[str, Any] = session.get(FORM_KEY, {})
    return value


def start_form() -> dict[str, Any]:
    """Begin a fresh request form with its own idempotency key."""
    new: dict[str, Any] = {"id": secrets.token_urlsafe(16)}
    session[FORM_KEY] = new
    session.pop(RECEIPT_KEY, None)
    return new


def update_form(**values: Any) -> dict[str, Any]:
    """Store answers in the form in progress (starting one if needed)."""
    current = dict(form()) or {"id": secrets.token_urlsafe(16)}
    current.update(values)
    session[FORM_KEY] = current
    return current


def forget_form() -> None:
    """Drop the form in progress and any receipt shown for a finished one."""
    session.pop(FORM_KEY, None)
    session.pop(RECEIPT_KEY, None)


def forget_everything() -> None:
    """Idle reset: every kiosk value (form, receipt, language, text size) is removed."""
    for key in [key for key in session if key.startswith(PREFIX)]:
        session.pop(key)


def large_text() -> bool:
    """Whether the senior asked for larger text."""
    return bool(session.get(LARGE_TEXT_KEY, False))
