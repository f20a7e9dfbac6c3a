"""Event text search: title, description and location folded into ``event_search`` on every write.

The machinery is the staff search's (:mod:`shared.services.fulltext`): FTS5 ``unicode61`` on
SQLite, a GIN ``tsvector`` index on PostgreSQL. Every word of a query must appear, the last one as
a prefix (the kiosk and the staff list search as one types). ORM writes are indexed at flush;
bulk writes (:mod:`shared.services.event_bulk`) call :func:`reindex` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, delete, event, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from shared.folding import fold_with_transcriptions
from shared.models import Event, EventSearch
from shared.services.fulltext import FullTextIndex, terms

INDEX = FullTextIndex("event_search", "event_id")
BATCH = 2000


def compose(title: str, description: str | None, location: str | None) -> str:
    """The search text of an event."""
    return fold_with_transcriptions(" ".join((title, description or "", location or "")))


def matching(session: Session, query: str) -> Select[int] | None:
    """The ids of the events whose text has every word of *query* (the last as a prefix); None
    when *query* has no words (no filter)."""
    words = terms(query)
    return INDEX.matching(session, words, every_prefix=False) if words else None


def reindex(connection: Connection, event_ids: Iterable[int]) -> None:
    """Recompute the search text of *event_ids* in batches (rows of deleted events are dropped)."""
    ids = sorted(set(event_ids))
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        rows = connection.execute(select(Event.id, Event.title, Event.description, Event.location)
                                  .where(Event.id.in_(batch))).all()
        connection.execute(delete(EventSearch).where(EventSearch.event_id.in_(batch)))
        if rows:
            connection.execute(insert(EventSearch), [
                {"event_id": row.id, "body": compose(row.title, row.description, row.location)} for row in rows])


def rebuild(connection: Connection) -> int:
    """Recompute the search text of every event (after bulk loads, in a migration); returns the count."""
    connection.execute(delete(EventSearch))
    rows = connection.execute(select(Event.id, Event.title, Event.description, Event.location)).all()
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(EventSearch), [
            {"event_id": row.id, "body": compose(row.title, row.description, row.location)}
            for row in rows[start:start + BATCH]])
    return len(rows)


def _touched(session: Session) -> set[int]:
    return {obj.id for obj in [*session.new, *session.dirty, *session.deleted]
            if isinstance(obj, Event) and obj.id is not None}


@event.listens_for(Session, "after_flush")
def _keep_index(session: Session, _context: object) -> None:
    ids = _touched(session)
    if ids:
        reindex(session.connection(), ids)
