"""The staff inbox query: requests filtered by status, kind, channel and overdue, by due date."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    and_,
    any_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from shared.clock import local_today
from shared.models import Request
from shared.models.requests import OPEN_CONDITION
from shared.models.vocabulary import OPEN_STATUSES, RequestStatus
from shared.services import search

PAGE_SIZE = 50
# Counted exactly up to this many (20 pages); beyond, the inbox says "more than" and asks to narrow.
COUNT_LIMIT = 1000
UNROUTED = 0  # district_id of the Leitstelle's inbox: requests without a district
# ?sort= keys: earliest due first (default), by due date descending, newest or oldest received first.
SORTS: dict[str, tuple[Any, ...]] = {
    "due": (Request.due_date, Request.id),
    "-due": (Request.due_date.desc(), Request.id.desc()),
    "received": (Request.created_at, Request.id),
    "-received": (Request.created_at.desc(), Request.id.desc()),
}
# Saved views (?view=): each fixes the statuses and/or the overdue and "mine" filters.
STATUS_VIEWS = (RequestStatus.NEW, RequestStatus.WAITING, RequestStatus.INCOMPLETE)  # one status each
VIEWS = ("mine", RequestStatus.NEW, "overdue", RequestStatus.WAITING, RequestStatus.INCOMPLETE)


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows; ``district_id`` None means every district (admins only)."""

    district_id: int | None
    statuses: tuple[str, ...] = OPEN_STATUSES
    kind: str | None = None
    channel: str | None = None
    overdue: bool = False
    ready: bool = False  # only what can be worked on today: a request waiting for a later date is left out
    assignee_id: int | None = None
    query: str = ""
    sort: str = "due"
    page: int = 1


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox."""

    requests: list[Request]
    total: int
    page: int
    pages: int
    today: date
    truncated: bool = False
    capped: bool = False  # more than COUNT_LIMIT match: ``total`` is COUNT_LIMIT


def _among(ids: list[int], dialect: str) -> ColumnElement[bool]:
    """``Request.id`` is one of *ids*, bound as ONE parameter (an array; a JSON array on SQLite).

    A thousand ids as a thousand bound parameters cost more to compile than the query takes.
    """
    if not ids:
        return false()
    if dialect == "postgresql":
        return Request.id == any_(bindparam("hit_ids", ids, type_=ARRAY(Integer)))
    listed = func.json_each(bindparam("hit_ids", json.dumps(ids))).table_valued("value")
    return Request.id.in_(select(listed.c.value))


def _conditions(session: Session, criteria: InboxFilter, today: date,
                hits: search.SearchHits | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if hits is not None:
        # The search's indexed lookups yield ids; the inbox filters and sorts only those.
        conditions.append(_among(hits.ids, session.get_bind().dialect.name))
    if criteria.district_id == UNROUTED:
        conditions.append(Request.district_id.is_(None))
    elif criteria.district_id is not None:
        conditions.append(Request.district_id == criteria.district_id)
    if set(criteria.statuses) == set(OPEN_STATUSES):
        conditions.append(_OPEN_INDEXED)
    elif criteria.statuses:
        conditions.append(Request.status.in_(criteria.statuses))
    if criteria.kind:
        conditions.append(Request.kind == criteria.kind)
    if criteria.channel:
        conditions.append(Request.channel == criteria.channel)
    if criteria.overdue:
        conditions.append(overdue_condition(today))
    if criteria.ready:
        conditions.append(not_waiting_condition(today))
    if criteria.assignee_id is not None:
        conditions.append(Request.assignee_id == criteria.assignee_id)
    return conditions


# Open requests in the words of the partial index ix_requests_open_district_due (see OPEN_CONDITION).
_OPEN_INDEXED: ColumnElement[bool] = literal_column(f"requests.{OPEN_CONDITION}")


def not_waiting_condition(today: date) -> ColumnElement[bool]:
    """Not waiting for a later date: a waiting request is back from the date it waits for."""
    return or_(Request.status != RequestStatus.WAITING, Request.waiting_until.is_(None),
               Request.waiting_until <= today)


def overdue_condition(today: date) -> ColumnElement[bool]:
    """Open and past its due date; a waiting request only from the date it waits for."""
    return and_(Request.due_date < today, Request.status.in_(OPEN_STATUSES), not_waiting_condition(today))


# The same orders on expressions no index has. PostgreSQL, given a thousand search hits, would walk
# the due or received index and test every row against the hit list (the newest hits come last);
# sorting these keys makes it fetch the hits by primary key and sort only them.
_HIT_SORTS: dict[str, tuple[Any, ...]] = {
    "due": (Request.due_date + 0, Request.id + 0),
    "-due": ((Request.due_date + 0).desc(), (Request.id + 0).desc()),
    "received": (Request.created_at + literal_column("interval '0 seconds'"), Request.id + 0),
    "-received": ((Request.created_at + literal_column("interval '0 seconds'")).desc(), (Request.id + 0).desc()),
}


def _order(session: Session, criteria: InboxFilter) -> tuple[Any, ...]:
    sorts = _HIT_SORTS if criteria.query.strip() and session.get_bind().dialect.name == "postgresql" else SORTS
    return sorts.get(criteria.sort, sorts["due"])


def _search(session: Session, criteria: InboxFilter) -> search.SearchHits | None:
    return search.find(session, criteria.query, criteria.district_id) if criteria.query.strip() else None


def inbox_page(session: Session, criteria: InboxFilter) -> InboxPage:
    """One page of matching requests, the most urgent (earliest due) first."""
    today = local_today()
    hits = _search(session, criteria)
    conditions = _conditions(session, criteria, today, hits)
    # Counted up to COUNT_LIMIT + 1 ids (read from an index), never every match of a broad view.
    matching = select(Request.id).where(*conditions).limit(COUNT_LIMIT + 1).subquery()
    counted = session.scalar(select(func.count()).select_from(matching)) or 0
    total = min(counted, COUNT_LIMIT)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, criteria.page), pages)
    # District and assignee are many-to-one: joined in the same statement, after the LIMIT's rows.
    rows: list[Request] = list(session.scalars(
        select(Request).where(*conditions).options(joinedload(Request.district), joinedload(Request.assignee))
        .order_by(*_order(session, criteria))
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ))
    return InboxPage(rows, total, page, pages, today, hits.truncated if hits else False, counted > COUNT_LIMIT)


def export_requests(session: Session, criteria: InboxFilter, limit: int) -> list[Request]:
    """Every matching request (up to *limit*), in inbox order, for an export."""
    return list(session.scalars(
        select(Request).where(*_conditions(session, criteria, local_today(), _search(session, criteria)))
        .options(selectinload(Request.district))
        .order_by(*_order(session, criteria)).limit(limit)
    ))


def is_overdue(request: Request, today: date) -> bool:
    """An open request past its due date; a waiting one only from the date it waits for."""
    if request.status == RequestStatus.WAITING and request.waiting_until is not None and request.waiting_until > today:
        return False
    return request.status in OPEN_STATUSES and request.due_date < today
