"""The node's copy of the schedule: apply the central feed to the local database, remember the cursor.

Rows arrive as the shared tables' own rows (see :mod:`shared.services.schedule_feed`) and are
stored with the central ids, so the kiosk screens, print queue and request flow run unchanged on
the copy. The cursor, ETag and places digest live in a small JSON file next to the database; it
is written only after the rows are committed, so a crash in between just repeats a sync.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, TypeDecorator, delete, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from kiosk.node.backend import FEED_TIMEOUT_SECONDS, Backend
from shared.db import Database
from shared.models import Event, Occurrence, event_categories
from shared.services import event_search
from shared.services.events import materialise_events
from shared.services.schedule_feed import EVENT_TABLE, PLACE_TABLES, digest

log = logging.getLogger(__name__)

STATE_FILE = "kiosk-node-sync.json"
NODE_HORIZON_DAYS = 42  # the node stores the coming six weeks (and today): a kiosk looks two weeks ahead
BATCH = 500  # events per transaction: the kiosk's own writes (a request, a print job) wait at most one batch


class SyncRefused(Exception):
    """The central server refused the feed (e.g. HTTP 401 for a wrong kiosk token)."""


@dataclass
class SyncState:
    """Where the last sync left off: the feed's cursor, its ETag and the digest of the places held."""

    cursor: str = ""
    version: str = ""
    places: str = ""

    @classmethod
    def load(cls, path: Path) -> SyncState:
        """The saved state, or a fresh one (a full sync) when there is none or it is unreadable."""
        try:
            data = json.loads(path.read_text())
            return cls(**{key: str(data.get(key, "")) for key in ("cursor", "version", "places")})
        except (OSError, ValueError, AttributeError):
            return cls()

    def save(self, path: Path) -> None:
        """Write atomically (a new file renamed over the old)."""
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(asdict(self)))
        partial.replace(path)


@dataclass(frozen=True)
class SyncResult:
    """What one sync did and cost."""

    not_modified: bool
    full: bool
    events: int
    deleted: int
    wire_bytes: int
    fetch_seconds: float = 0.0  # of the whole sync, the time waiting for the server's answer


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A feed row as column values of *table* (ISO text back to dates and times; unknown keys dropped)."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in row:
            continue
        value = row[column.name]
        kind = _python_type(column)
        if isinstance(value, str) and kind in (datetime, date, time_of_day):
            value = kind.fromisoformat(value)
        values[column.name] = value
    return values


def _python_type(column: Column[Any]) -> type:
    column_type: TypeEngine[Any] = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    try:
        return column_type.python_type
    except NotImplementedError:  # SQLAlchemy's answer for types without one (JSON): the value stays as decoded
        return object


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def apply_places(session: Session, places: dict[str, list[dict[str, Any]]]) -> None:
    """Insert or update districts, venues and topics; replace office hours (parents before children)."""
    for table in PLACE_TABLES:
        rows = [_decode(table, row) for row in places.get(table.name, [])]
        if table.name == "office_hours":
            session.execute(delete(table))
            if rows:
                session.execute(insert(table), rows)
            continue
        known = set(session.scalars(select(table.c.id)))
        for row in rows:
            if row["id"] in known:
                session.execute(update(table).where(table.c.id == row["id"]).values(**row))
            else:
                session.execute(insert(table).values(**row))


def _delete_events(session: Session, ids: Sequence[int]) -> None:
    for chunk in _chunks(ids):
        session.execute(delete(Event).where(Event.id.in_(chunk)), execution_options={"synchronize_session": False})


def apply_events(session: Session, rows: list[dict[str, Any]], deleted: Sequence[int], full: bool) -> None:
    """Replace the given events (and their topics and occurrences over the node's
    :data:`NODE_HORIZON_DAYS`), drop deleted ones; in a full sync drop every local event the feed
    did not list."""
    for chunk in _chunks(rows):
        ids = [int(row["id"]) for row in chunk]
        session.execute(delete(event_categories).where(event_categories.c.event_id.in_(ids)))
        session.execute(delete(Occurrence).where(Occurrence.event_id.in_(ids)))
        _delete_events(session, ids)
        session.execute(insert(EVENT_TABLE), [_decode(EVENT_TABLE, row) for row in chunk])
        event_search.reindex(session.connection(), ids)  # deleted events lose theirs by cascade
        topics = [{"event_id": row["id"], "category_id": category} for row in chunk for category in row["categories"]]
        if topics:
            session.execute(insert(event_categories), topics)
        session.commit()
        materialise_events(session, ids, NODE_HORIZON_DAYS)
    gone = list(deleted)
    if full:
        listed = {int(row["id"]) for row in rows}
        gone += [event_id for event_id in session.scalars(select(Event.id)) if event_id not in listed]
    _delete_events(session, gone)
    session.commit()


def sync_once(db: Database, backend: Backend, state_path: Path) -> SyncResult:
    """Fetch what changed since the last sync and apply it; raises BackendUnreachable or SyncRefused."""
    state = SyncState.load(state_path)
    started = time.perf_counter()
    answer = backend.get("/kiosk/schedule", {"since": state.cursor, "places": state.places},
                         etag=f'"{state.version}"' if state.cursor and state.version else "",
                         timeout=FEED_TIMEOUT_SECONDS)
    fetched = time.perf_counter() - started
    if answer.status == 304:
        return SyncResult(not_modified=True, full=False, events=0, deleted=0, wire_bytes=answer.wire_bytes,
                          fetch_seconds=fetched)
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise SyncRefused(f"HTTP {answer.status}")
    feed: dict[str, Any] = answer.body
    with db.session() as session:
        if feed["places"] is not None:
            apply_places(session, feed["places"])
            session.commit()
        apply_events(session, feed["events"], feed["deleted"], feed["full"])
    places = digest(feed["places"]) if feed["places"] is not None else state.places
    SyncState(cursor=feed["cursor"], version=feed["version"], places=places).save(state_path)
    log.info("schedule synced: full=%s events=%d deleted=%d bytes=%d", feed["full"], len(feed["events"]),
             len(feed["deleted"]), answer.wire_bytes)
    return SyncResult(not_modified=False, full=feed["full"], events=len(feed["events"]),
                      deleted=len(feed["deleted"]), wire_bytes=answer.wire_bytes, fetch_seconds=fetched)
