"""Request-scoped database sessions and small helpers every blueprint uses."""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy.orm import Session

from shared.runtime import get_runtime


def db_session() -> Session:
    """The database session of the current web request (closed at teardown)."""
    if "db_session" not in g:
        g.db_session = get_runtime().db.sessions()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Close each request's session when the request ends."""
    app.teardown_appcontext(_close_session)
