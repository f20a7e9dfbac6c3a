"""Many events written at once (an ICS import): a few set-based statements, not an ORM flush per event.

Events are inserted in batches that return their ids, changed ones updated by one executemany,
their topics and occurrences replaced in bulk (occurrences through the driver, as a refresh writes
them), removed ones deleted with their tombstones, the search text of the written ones recomputed.
Everything runs in the session's transaction; nothing is
synchronised with objects the session holds (the caller expires them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from shared.clock import utcnow
from shared.models import DeletedEvent, Event, Occurrence
from shared.models.events import event_categories
from shared.services import event_search
from shared.services.events import _insert_occurrences, _occurrence_rows, horizon


class _Expandable(NamedTuple):
    """The columns :func:`shared.services.events._occurrence_rows` reads."""

    id: int
    district_id: int | None
    start: datetime
    end: datetime
    rrule: str
    exdates: str
    cancelled: bool


@dataclass(frozen=True)
class EventRow:
    """One event to write: its column values and topic ids (``id`` set for an update)."""

    values: Mapping[str, Any]
    category_ids: Sequence[int]
    id: int | None = None


def _table() -> Table:
    return cast(Table, Event.__table__)  # a declarative model's table is a Table


def write_events(session: Session, added: Sequence[EventRow], changed: Sequence[EventRow],
                 removed: Sequence[int]) -> None:
    """Insert *added*, update *changed* (by id), delete the events *removed*; re-expand occurrences."""
    now = utcnow()
    table = _table()
    new_ids: list[int] = []
    if added:
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        result = session.execute(statement, [{**row.values, "created_at": now, "updated_at": now} for row in added])
        new_ids = list(result.scalars())
    if changed:
        keys = list(changed[0].values)
        session.execute(update(table).where(table.c.id == bindparam("row_id"))
                        .values({key: bindparam(key) for key in (*keys, "updated_at")}),
                        [{**row.values, "row_id": row.id, "updated_at": now} for row in changed])
    written = [*zip(new_ids, added, strict=True), *((row.id, row) for row in changed)]
    if changed:
        old = [row.id for row in changed]
        session.execute(delete(event_categories).where(event_categories.c.event_id.in_(old)))
        session.execute(delete(Occurrence).where(Occurrence.event_id.in_(old)),
                        execution_options={"synchronize_session": False})
    topics = [{"event_id": event_id, "category_id": category}
              for event_id, row in written for category in row.category_ids]
    if topics:
        session.execute(insert(event_categories), topics)
    window = horizon()
    occurrences = [occurrence for event_id, row in written if event_id is not None
                   for occurrence in _occurrence_rows(_expandable(event_id, row.values), window)]
    _insert_occurrences(session, occurrences)
    event_search.reindex(session.connection(), [event_id for event_id, _row in written if event_id is not None])
    if removed:
        session.execute(delete(table).where(table.c.id.in_(removed)))  # their search rows go by cascade
        session.execute(insert(DeletedEvent), [{"event_id": event_id, "deleted_at": now} for event_id in removed])


def _expandable(event_id: int, values: Mapping[str, Any]) -> _Expandable:
    return _Expandable(event_id, values["district_id"], values["start"], values["end"], values["rrule"],
                       values["exdates"], values["cancelled"])
