"""Engine and session handling for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from shared.folding import fold


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB: the occurrence indexes of a city stay in memory
    cursor.close()
    # SQLite's lower() folds ASCII only; fold() is what text searches compare with.
    dbapi_connection.create_function("fold", 1, fold, deterministic=True)


BACKGROUND = "background_write"  # execution option: this write may wait for the foreground's


class ForegroundWrites:
    """SQLite write transactions of requests (seniors, staff) in flight: background batches wait
    for them, so a senior's request never queues behind a refresh for more than one batch.

    A transaction counts from its first INSERT, UPDATE or DELETE (before SQLite grants the lock,
    so one blocked on a batch counts) until it commits or rolls back.
    """

    def __init__(self) -> None:
        self._open = 0
        self._changed = threading.Condition()

    def begin(self) -> None:
        with self._changed:
            self._open += 1

    def end(self) -> None:
        with self._changed:
            self._open -= 1
            self._changed.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait up to *timeout* seconds until no foreground write is open; whether none is."""
        with self._changed:
            return self._changed.wait_for(lambda: self._open <= 0, timeout)


_FOREGROUND: WeakKeyDictionary[Engine, ForegroundWrites] = WeakKeyDictionary()
_WRITES = ("insert", "update", "delete", "replace")


def foreground_writes(engine: Engine) -> ForegroundWrites | None:
    """The foreground write tracking of an SQLite *engine* (``None`` for PostgreSQL)."""
    return _FOREGROUND.get(engine)


def _track_foreground_writes(engine: Engine) -> None:
    writes = _FOREGROUND.setdefault(engine, ForegroundWrites())

    def before_execute(connection: Connection, _cursor: Any, statement: str, _parameters: Any,
                       context: Any, _many: bool) -> None:
        if ("foreground_write" not in connection.info and statement.lstrip()[:7].lower().startswith(_WRITES)
                and not (context is not None and context.execution_options.get(BACKGROUND))):
            connection.info["foreground_write"] = True
            writes.begin()

    def ended(connection: Connection) -> None:
        if connection.info.pop("foreground_write", False):
            writes.end()

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite files get WAL, foreign keys and a busy timeout.

    ``hide_parameters`` keeps SQL parameters (names, phone numbers, notes) out of every error
    message and log line, whatever fails.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        _track_foreground_writes(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


class Database:
    """One engine and its session factory, shared by web requests, workers and the CLI."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
