"""What one senior has entered so far: kept on the server, found through a random id in the session.

The signed (not encrypted) session cookie holds only that id, the language and the text size; the
answers (name, phone number, ...) live in the ``kiosk_forms`` table, keyed by the id's SHA-256, for
at most :data:`FORM_TTL`. Every session value starts with ``kiosk_``; :func:`forget_everything`
removes all of it and the stored answers, so nothing of one senior is ever shown to the next.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import g, session
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.clock import as_utc, utcnow
from shared.models import KioskForm
from shared.web.request_session import db_session

FORM_KEY = "kiosk_form"
RECEIPT_KEY = "kiosk_receipt"
LARGE_TEXT_KEY = "kiosk_large_text"
PREFIX = "kiosk_"
FORM_TTL = timedelta(minutes=15)


def _key_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _stored() -> KioskForm | None:
    """The stored form of this session, if there is one and it has not expired."""
    token = session.get(FORM_KEY)
    if not isinstance(token, str):
        return None
    row = db_session().get(KioskForm, _key_hash(token))
    if row is None or as_utc(row.updated_at) < utcnow() - FORM_TTL:
        return None
    return row


def form() -> dict[str, Any]:
    """The request form in progress (an empty dict if none), read once per web request."""
    if "kiosk_form" not in g:
        row = _stored()
        g.kiosk_form = dict(row.answers) if row is not None else {}
    answers: dict[str, Any] = g.kiosk_form
    return answers


def _save(answers: dict[str, Any]) -> dict[str, Any]:
    """Store *answers* under this session's form id, creating the row if needed."""
    db = db_session()
    row = _stored()
    if row is None:
        token = secrets.token_urlsafe(32)
        session[FORM_KEY] = token
        purge_expired(db)
        row = KioskForm(key_hash=_key_hash(token))
        db.add(row)
    row.answers = answers
    row.updated_at = utcnow()
    db.commit()
    g.kiosk_form = dict(answers)
    return answers


def start_form() -> dict[str, Any]:
    """Begin a fresh request form with its own idempotency key (any earlier one is deleted)."""
    forget_form()
    return _save({"id": secrets.token_urlsafe(16)})


def update_form(**values: Any) -> dict[str, Any]:
    """Store answers in the form in progress (starting one if needed)."""
    current = dict(form()) or {"id": secrets.token_urlsafe(16)}
    current.update(values)
    return _save(current)


def forget_form() -> None:
    """Delete the form in progress and drop any receipt shown for a finished one."""
    token = session.pop(FORM_KEY, None)
    session.pop(RECEIPT_KEY, None)
    g.kiosk_form = {}
    if isinstance(token, str):
        db = db_session()
        db.execute(delete(KioskForm).where(KioskForm.key_hash == _key_hash(token)))
        db.commit()


def forget_everything() -> None:
    """Idle reset: every kiosk value (form, receipt, language, text size) is removed."""
    forget_form()
    for key in [key for key in session if key.startswith(PREFIX)]:
        session.pop(key)


def purge_expired(db: Session) -> int:
    """Delete forms nobody touched for :data:`FORM_TTL` (a daily job); return how many."""
    result = db.execute(delete(KioskForm).where(KioskForm.updated_at < utcnow() - FORM_TTL))
    return int(result.rowcount)  # type: ignore[attr-defined]


def once(db: Session, key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run *action* (which adds rows to *db*) at most once for *key* and return its result.

    One tap, one action: the result is stored in ``kiosk_forms`` under the hash of ``once:`` + *key*,
    committed together with what *action* added. The primary key lets only one of two simultaneous
    requests commit; the other rolls back its rows and returns the first one's result. Kept for
    :data:`FORM_TTL` like any form.
    """
    key_hash = once_key(key)
    done = db.get(KioskForm, key_hash)
    if done is not None:
        return dict(done.answers)
    result = action()
    db.add(KioskForm(key_hash=key_hash, answers=result, updated_at=utcnow()))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        done = db.get(KioskForm, key_hash, populate_existing=True)
        if done is None:
            raise
        return dict(done.answers)
    return result


def once_key(key: str) -> str:
    """The ``kiosk_forms`` key under which :func:`once` keeps the result for *key*."""
    return _key_hash("once:" + key)


def once_token() -> str:
    """A fresh key for one screen's print or submit button (see :func:`once`)."""
    return secrets.token_urlsafe(16)


def large_text() -> bool:
    """Whether the senior asked for larger text."""
    return bool(session.get(LARGE_TEXT_KEY, False))
