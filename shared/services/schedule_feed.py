"""The schedule feed kiosk nodes mirror: places and events as table rows, incremental by a cursor.

A node asks with the cursor of its last answer and gets only the events changed since, the ids
of the events deleted since, and the places (districts, venues, office hours, topics) only when
their digest differs from the one it holds. :func:`schedule_version` is a cheap fingerprint of the
whole schedule, used as the ETag: an unchanged schedule costs an empty 304.

Rows travel as ``{column: value}`` of the very tables both sides share (dates as ISO text), so
the node stores them with the same ids and its kiosk screens run unchanged on the copy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, delete, exists, func, select
from sqlalchemy.orm import Session

from shared.clock import utcnow
from shared.models import Category, DeletedEvent, District, Event, Kiosk, Occurrence, OfficeHours, Venue
from shared.models import event_categories as event_categories_table

PLACE_TABLES: tuple[Table, ...] = tuple(
    model.__table__ for model in (District, Venue, OfficeHours, Category)  # type: ignore[misc]
)
EVENT_TABLE: Table = Event.__table__  # type: ignore[assignment]
TOMBSTONE_DAYS = 60  # a node whose cursor is older syncs in full
# A change is seen if it commits within this long after the timestamp it carries: the cursor
# handed out lags the clock by it, and what changed in that lag is sent again (harmlessly).
CURSOR_LAG = timedelta(seconds=10)
MAX_PRINTER_STATUS = 20
MAX_VERSION = 40


def encode_value(value: Any) -> Any:
    """A column value as JSON (dates and times as ISO text)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _rows(session: Session, table: Table, *where: Any) -> list[dict[str, Any]]:
    rows = session.execute(select(table).where(*where).order_by(*table.primary_key.columns)).mappings()
    return [{key: encode_value(value) for key, value in row.items()} for row in rows]


def places(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every district, venue, office-hours slot and topic, keyed by table name."""
    return {table.name: _rows(session, table) for table in PLACE_TABLES}


def digest(data: object) -> str:
    """A short fingerprint of JSON-able *data*."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def schedule_version(session: Session, places_digest: str) -> str:
    """The ETag of the feed: changes with any event change, deletion or place change."""
    newest, count = session.execute(select(func.max(Event.updated_at), func.count(Event.id))).one()
    last_tombstone = session.scalar(select(func.max(DeletedEvent.id)))
    return digest([str(newest), count, last_tombstone, places_digest])


def _events(session: Session, *where: Any) -> list[dict[str, Any]]:
    """Event rows with their topic ids (``categories``), in id order."""
    rows = _rows(session, EVENT_TABLE, *where)
    ids = [row["id"] for row in rows]
    topics: dict[int, list[int]] = {}
    for start in range(0, len(ids), 5000):  # bounded IN lists
        pairs = session.execute(select(event_categories_table.c.event_id, event_categories_table.c.category_id)
                                .where(event_categories_table.c.event_id.in_(ids[start:start + 5000]))
                                .order_by(event_categories_table.c.category_id))
        for event_id, category_id in pairs:
            topics.setdefault(event_id, []).append(category_id)
    for row in rows:
        row["categories"] = topics.get(row["id"], [])
    return rows


@dataclass(frozen=True)
class Feed:
    """One answer of the feed."""

    full: bool
    cursor: str
    events: list[dict[str, Any]]
    deleted: list[int]
    places: dict[str, list[dict[str, Any]]] | None

    def as_json(self, version: str) -> dict[str, Any]:
        """The JSON body (see the ``ScheduleFeed`` schema of the OpenAPI document)."""
        return {"full": self.full, "cursor": self.cursor, "version": version, "events": self.events,
                "deleted": self.deleted, "places": self.places}


def build_feed(session: Session, since: datetime | None, known_places: str,
               current_places: Mapping[str, list[dict[str, Any]]], places_digest: str) -> Feed:
    """What changed since *since* (everything still to come when None or too old)."""
    now = utcnow()
    full = since is None or since < now - timedelta(days=TOMBSTONE_DAYS)
    if full:
        upcoming = exists().where(Occurrence.event_id == Event.id, Occurrence.end >= now)
        events = _events(session, upcoming)
        deleted: list[int] = []
    else:
        events = _events(session, Event.updated_at > since)
        deleted = list(session.scalars(select(DeletedEvent.event_id).where(DeletedEvent.deleted_at > since)
                                       .order_by(DeletedEvent.id)))
    return Feed(full=full, cursor=(now - CURSOR_LAG).isoformat(), events=events, deleted=deleted,
                places=dict(current_places) if known_places != places_digest else None)


def purge_tombstones(session: Session) -> int:
    """Daily: forget tombstones older than any cursor still answered incrementally."""
    cutoff = utcnow() - timedelta(days=TOMBSTONE_DAYS + 1)
    result = session.execute(delete(DeletedEvent).where(DeletedEvent.deleted_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Heartbeat:
    """What a kiosk node reports about itself."""

    printer_status: str
    version: str
    outbox_length: int


def record_heartbeat(session: Session, kiosk: Kiosk, beat: Heartbeat) -> None:
    """Store a node's heartbeat on its kiosk: now last seen."""
    kiosk.last_seen_at = utcnow()
    kiosk.printer_status = beat.printer_status[:MAX_PRINTER_STATUS]
    kiosk.software_version = beat.version[:MAX_VERSION]
    kiosk.outbox_length = beat.outbox_length
