"""Event queries (today, this week, any range; by district, venue, topic, text) and upkeep.

Occurrences of recurring events are materialised for a rolling horizon, so the questions asked
thousands of times a day ("what is on today in Hörde?") are single index range scans.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, partial
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    cast,
    delete,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import QueryableAttribute, Session, contains_eager, defaultload, joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from shared.clock import as_local, local_today, utcnow
from shared.db import BACKGROUND, foreground_writes
from shared.errors import NotFound
from shared.models import Category, District, Event, Occurrence, RefreshState, Venue
from shared.services import event_search, occurrence_table
from shared.services.recurrence import Span, day_window, expand, expand_pairs

HORIZON_PAST_DAYS = 31
Columns = TypeVarTuple("Columns")
HORIZON_DAYS = 550
MULTI_DAY = timedelta(days=1)  # occurrences longer than this are flagged ``multi_day``


@dataclass(frozen=True)
class EventFilter:
    """What to list; every field is optional. ``last`` is inclusive."""

    first: date | None = None
    last: date | None = None
    districts: Sequence[str] = ()
    venue: str | None = None
    category: str | None = None
    text: str | None = None
    limit: int | None = None
    include_cancelled: bool = False
    ending_after: datetime | None = None  # only occurrences not over by then ("Heute" hides the past)


@dataclass(frozen=True)
class OccurrenceView:
    """One dated occurrence of an event, ready for any surface."""

    event: Event
    start: datetime
    end: datetime

    @property
    def local_start(self) -> datetime:
        return as_local(self.start)

    @property
    def local_end(self) -> datetime:
        return as_local(self.end)


@dataclass
class WeekPlan:
    """Occurrences grouped by local day, in order."""

    days: dict[date, list[OccurrenceView]] = field(default_factory=dict)


def horizon_days(days: int = HORIZON_DAYS) -> tuple[date, date]:
    """The first and last local day whose occurrences are materialised (*days* ahead)."""
    today = local_today()
    return today - timedelta(days=HORIZON_PAST_DAYS), today + timedelta(days=days)


def horizon(days: int = HORIZON_DAYS) -> tuple[datetime, datetime]:
    """The UTC window for which occurrences are materialised (*days* ahead; a kiosk node keeps fewer)."""
    return day_window(*horizon_days(days))


OccurrenceRow = tuple[int, int | None, datetime, datetime, bool, bool]
_EXPANDED = (Event.id, Event.district_id, Event.start, Event.end, Event.rrule, Event.exdates, Event.cancelled)
_ROW_COLUMNS = '(event_id, district_id, start, "end", multi_day, cancelled)'


def _occurrence_rows(event: Any, window: tuple[datetime, datetime],
                     since: datetime | None = None) -> list[OccurrenceRow]:
    """The rows to store for one event (or a row of :data:`_EXPANDED`) over *window*, in the order
    of :data:`_ROW_COLUMNS` (only those starting at or after *since*)."""
    event_id, district_id, cancelled = event.id, event.district_id, event.cancelled
    return [
        (event_id, district_id, start, end, end - start > MULTI_DAY, cancelled)
        for start, end in expand_pairs(event.start, event.end, event.rrule, event.exdates, *window)
        if since is None or start >= since
    ]


@lru_cache(maxsize=1 << 16)
def _stored(moment: datetime) -> str:
    """A datetime in the text form SQLAlchemy stores it in on SQLite (naive UTC, microseconds).

    Cached: series share their times, and a refresh stores millions."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _insert_occurrences(session: Session, rows: list[OccurrenceRow], table: str = "occurrences") -> None:
    """Insert *rows* into *table* in the session's transaction, through the driver: a full refresh
    writes millions, and per-row statement and type handling would cost more than the database's work.

    SQLite gets the text form of :func:`_stored`, PostgreSQL a ``COPY``. Nothing is synchronised
    with the session.
    """
    if not rows:
        return
    driver: Any = session.connection().connection.driver_connection
    if _embedded(session):
        driver.executemany(f"INSERT INTO {table} {_ROW_COLUMNS} VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608 - constants
                           [(event, district, _stored(start), _stored(end), multi, cancelled)
                            for event, district, start, end, multi, cancelled in rows])
        return
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} {_ROW_COLUMNS} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def materialise(session: Session, event: Event, window: tuple[datetime, datetime] | None = None) -> int:
    """Rewrite the stored occurrences of *event*; return how many were written."""
    session.flush()
    session.execute(delete(Occurrence).where(Occurrence.event_id == event.id),
                    execution_options={"synchronize_session": False})
    rows = _occurrence_rows(event, window or horizon())
    _insert_occurrences(session, rows)
    return len(rows)


REFRESH_STATE = "occurrences"
REBUILD_BATCH = 1000  # events a transaction while a full rebuild fills its new table
REFRESH_BATCH = 200  # events per transaction: the write lock is held for one batch at a time
FOREGROUND_WAIT = 2.0  # SQLite: longest wait for requests' writes before a batch (then it goes ahead)
LOCK_RETRIES = 5


def refresh_occurrences(session: Session, days: int = HORIZON_DAYS) -> int:
    """Bring the stored occurrences up to the current horizon (at start-up and daily).

    Incremental: events changed since the last refresh are re-expanded, the others only over the
    horizon's new days; a full rebuild when there is no state or the horizon jumped. Work goes in
    batches of :data:`REFRESH_BATCH` events, each its own short transaction of Core statements
    (nothing is loaded into the session). *days* is how far ahead (see :func:`horizon`). Returns the
    occurrences written.
    """
    started = utcnow()
    window = horizon(days)
    session.commit()  # end any open transaction: each batch below is its own
    state = session.get(RefreshState, REFRESH_STATE)
    total = 0
    if state is None or not state.horizon_end <= window[1] <= state.horizon_end + timedelta(days=days):
        total += _rebuild(session, window)
    else:
        changed = Event.updated_at > state.watermark
        total += _expand_in_batches(session, changed, window, replace_from=None)
        if window[1] > state.horizon_end:
            new_days = (state.horizon_end, window[1])
            reaching = (~changed) & (Event.start < window[1]) & or_(Event.rrule != "",
                                                                   Event.end > state.horizon_end)
            total += _expand_in_batches(session, reaching, new_days, replace_from=state.horizon_end)
    _yield_to_requests(session)
    _with_retry(session, lambda: session.execute(
        delete(Occurrence).where(Occurrence.start < window[0], Occurrence.end <= window[0]),
        execution_options={"synchronize_session": False, BACKGROUND: True}))
    values = {"horizon_start": window[0], "horizon_end": window[1], "watermark": started}

    def save_state() -> None:
        current = session.get(RefreshState, REFRESH_STATE)
        if current is None:
            session.add(RefreshState(name=REFRESH_STATE, **values))
        else:
            for key, value in values.items():
                setattr(current, key, value)
        session.flush()

    _with_retry(session, save_state)
    return total


def _rebuild(session: Session, window: tuple[datetime, datetime]) -> int:
    """Rewrite every occurrence into a new table, in event order, :data:`REBUILD_BATCH` events a
    transaction, and swap it in once indexed (see :mod:`shared.services.occurrence_table`).

    Events saved meanwhile wrote their rows into the old table: they are expanded again after the swap.
    """
    started = utcnow()
    embedded = _embedded(session)
    events = session.execute(select(*_EXPANDED).order_by(Event.id)).all()
    session.commit()
    occurrence_table.create_new_table(session, embedded)
    total = 0
    for offset in range(0, len(events), REBUILD_BATCH):
        rows = [row for event in events[offset:offset + REBUILD_BATCH] for row in _occurrence_rows(event, window)]
        _yield_to_requests(session)
        _with_retry(session, partial(_insert_occurrences, session, rows, occurrence_table.NEW))
        total += len(rows)
    del events
    if not embedded:
        occurrence_table.index_new_table(session)
    _yield_to_requests(session)
    occurrence_table.swap(session, embedded)
    _expand_in_batches(session, Event.updated_at >= started, window, replace_from=None)
    if not embedded:
        # What autovacuum would do some minutes later: statistics for the planner, and the
        # visibility map that lets lists count from the indexes alone.
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) occurrences"))
    return total


def materialise_events(session: Session, event_ids: Sequence[int], days: int = HORIZON_DAYS) -> int:
    """Re-expand the occurrences of these events over the horizon of *days*, in batches (a kiosk node after a sync)."""
    return _expand_in_batches(session, Event.id.in_(event_ids), horizon(days), replace_from=None)


def _expand_in_batches(session: Session, which: ColumnElement[bool], window: tuple[datetime, datetime],
                       replace_from: datetime | None) -> int:
    """Re-expand the events matching *which* over *window*, :data:`REFRESH_BATCH` events a transaction.

    With *replace_from*, only occurrences starting from then on are replaced (the horizon's new days).
    """
    total = 0
    last_id = 0
    while True:
        batch = session.execute(select(*_EXPANDED).where(which, Event.id > last_id)
                                .order_by(Event.id).limit(REFRESH_BATCH)).all()
        session.commit()  # the read ends here: the write below holds the lock only for itself
        if not batch:
            return total
        last_id = batch[-1].id
        rows = [row for event in batch for row in _occurrence_rows(event, window, since=replace_from)]
        ids = [event.id for event in batch]

        def write(ids: list[int] = ids, rows: list[OccurrenceRow] = rows) -> None:
            old = delete(Occurrence).where(Occurrence.event_id.in_(ids))
            if replace_from is not None:
                old = old.where(Occurrence.start >= replace_from)
            session.execute(old, execution_options={"synchronize_session": False, BACKGROUND: True})
            _insert_occurrences(session, rows)

        _yield_to_requests(session)
        _with_retry(session, write)
        total += len(rows)


def _yield_to_requests(session: Session) -> None:
    """SQLite: let the requests' open write transactions (a senior's request) finish first, and
    checkpoint the WAL here, so no request's commit has to copy a refresh's pages."""
    bind = session.get_bind()
    writes = foreground_writes(bind) if isinstance(bind, Engine) else None
    if writes is None:
        return
    writes.wait_until_idle(FOREGROUND_WAIT)
    session.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
    session.commit()


def _with_retry(session: Session, write: Callable[[], object]) -> None:
    """Run *write* in its own transaction and commit; retry when SQLite reports the database locked."""
    for attempt in range(LOCK_RETRIES):
        try:
            write()
            session.commit()
            return
        except OperationalError as exc:
            session.rollback()
            if "locked" not in str(exc) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def touch(event: Event) -> None:
    """Set the timestamps of a new or changed event."""
    now = utcnow()
    event.created_at = event.__dict__.get("created_at") or now
    event.updated_at = now


def save_event(session: Session, event: Event) -> Event:
    """Store a new or changed event and re-expand its occurrences."""
    touch(event)
    session.add(event)
    session.flush()
    materialise(session, event)
    return event


def cancel_event(session: Session, event: Event) -> None:
    """Mark an event cancelled; lists leave it out unless they ask for cancelled events."""
    event.cancelled = True
    touch(event)
    materialise(session, event)


def _embedded(session: Session) -> bool:
    """SQLite runs in-process: an extra statement costs nothing, a complex one costs planning.

    PostgreSQL is the other way round: every statement is a round trip.
    """
    return session.get_bind().dialect.name == "sqlite"


def _apply_filters(session: Session, query: Select[*Columns], criteria: EventFilter,
                   district_column: Any) -> Select[*Columns]:
    """Add the filter criteria; *district_column* is the indexed column to filter districts on."""
    if criteria.districts:
        district_ids = select(District.id).where(District.slug.in_(criteria.districts))
        # SQLite's planner starts from the (district, start) index only for literal ids.
        ids = list(session.scalars(district_ids)) if _embedded(session) else district_ids
        # A city-wide event (no district) belongs to every district's list.
        query = query.where(or_(district_column.in_(ids), district_column.is_(None)))
    if criteria.venue:
        venue_id = select(Venue.id).where(Venue.slug == criteria.venue).scalar_subquery()
        query = query.where(Event.venue_id == venue_id)
    if criteria.category:
        query = query.where(Event.categories.any(Category.slug == criteria.category))
    found = event_search.matching(session, criteria.text) if criteria.text else None
    if found is not None:
        query = query.where(Event.id.in_(found))
    if not criteria.include_cancelled:
        query = query.where(Event.cancelled.is_(False))
    return query


def _window(criteria: EventFilter) -> tuple[datetime, datetime]:
    first = criteria.first or local_today()
    last = criteria.last or first + timedelta(days=HORIZON_DAYS - 1)
    if last < first:
        raise ValueError("the end date lies before the start date")
    return day_window(first, last)


def list_occurrences(session: Session, criteria: EventFilter) -> list[OccurrenceView]:
    """Occurrences matching *criteria*, ordered by start time (one statement inside the horizon)."""
    window_start, window_end = _window(criteria)
    views = _materialised(session, criteria, window_start, window_end)
    extra = [view for first, last in _outside_horizon(window_start, window_end)
             for view in _expand_outside_horizon(session, criteria, first, last)
             if criteria.ending_after is None or view.end > criteria.ending_after]
    if extra:
        views = sorted(views + extra, key=lambda view: (view.start, view.event.title))
        if criteria.limit is not None:
            views = views[: criteria.limit]
    return views


def _outside_horizon(window_start: datetime, window_end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of a window without materialised occurrences (usually none)."""
    horizon_start, horizon_end = horizon()
    parts = [(window_start, min(window_end, horizon_start)), (max(window_start, horizon_end), window_end)]
    return [(first, last) for first, last in parts if first < last]


def _overlapping(window_start: datetime, window_end: datetime) -> tuple[ColumnElement[bool], ...]:
    """Stored occurrences overlapping the window.

    Only occurrences starting at most a day before the window can reach into it, apart from the
    few flagged ``multi_day``: so the (district, start) index is scanned over the window alone.
    """
    return (Occurrence.start < window_end, Occurrence.end > window_start,
            or_(Occurrence.start >= window_start - MULTI_DAY, Occurrence.multi_day))


@dataclass(frozen=True)
class OccurrencePage:
    """One page of a list of occurrences: its entries, its number (1-based), how many pages and entries."""

    views: list[OccurrenceView]
    number: int
    count: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def _page_range(number: int, size: int, total: int) -> tuple[int, int, slice]:
    """Page *number* clamped to the pages a list of *total* entries has, the page count, its slice."""
    count = max(1, -(-total // size))
    number = min(max(1, number), count)
    return number, count, slice((number - 1) * size, number * size)


def page_of_occurrences(session: Session, criteria: EventFilter, number: int, size: int,
                        first_district_id: int | None = None, counted: bool = True) -> OccurrencePage:
    """Page *number* (clamped to the pages there are) of :func:`list_occurrences`, district
    *first_district_id* first, *size* entries a page.

    Lists that filter on occurrences alone (day, week, districts) are counted and cut on the
    (start, end, cancelled) indexes (:func:`_page_by_index`; without *counted* the count is left
    out, the page's ``total`` is what it holds, and the cost does not grow with the window); the
    others get their order from one narrow statement (occurrence ids, districts, titles). Only the
    page is loaded in full.
    """
    window_start, window_end = _window(criteria)
    if _outside_horizon(window_start, window_end):  # far ahead or back: expanded on the fly, cut in memory
        views = list_occurrences(session, criteria)
        if first_district_id is not None:
            views.sort(key=lambda view: view.event.district_id != first_district_id)
        number, count, part = _page_range(number, size, len(views))
        return OccurrencePage(views[part], number, count, len(views))
    if first_district_id is None and not (criteria.venue or criteria.category or criteria.text):
        return _page_by_index(session, criteria, number, size, counted)
    # The rank of each start time stands in for the time itself: no date is converted for 600 rows.
    slot = func.dense_rank().over(order_by=Occurrence.start).label("slot")
    rows = session.execute(_apply_filters(session, select(Occurrence.id, Occurrence.district_id, slot, Event.title)
                                          .join(Event, Event.id == Occurrence.event_id)
                                          .where(*_overlapping(window_start, window_end), *_not_ended(criteria)),
                                          criteria, Occurrence.district_id)).all()
    listed = sorted(rows, key=lambda row: (row.slot, row.title, row.id))[: criteria.limit]
    if first_district_id is not None:
        listed.sort(key=lambda row: row.district_id != first_district_id)
    number, count, part = _page_range(number, size, len(listed))
    return OccurrencePage(_loaded(session, [row.id for row in listed[part]]), number, count, len(listed))


def _not_ended(criteria: EventFilter) -> tuple[ColumnElement[bool], ...]:
    return () if criteria.ending_after is None else (Occurrence.end > criteria.ending_after,)


# The flag as the partial index ix_occurrences_multi_day names it: SQLite uses a partial index only
# when the query repeats its condition, and ``multi_day = 1`` is not ``multi_day``.
_MULTI_DAY_INDEXED: ColumnElement[bool] = literal_column("occurrences.multi_day")


def _page_by_index(session: Session, criteria: EventFilter, number: int, size: int,
                   counted: bool = True) -> OccurrencePage:
    """A page of a list filtered on occurrences alone, at a cost that does not grow with the data.

    The count and the first ``number * size`` entries (by start, then id) come from index ranges
    in one statement (:func:`_starts`): the window's own, and the few ``multi_day`` occurrences that
    began earlier. Only the entries starting at the page's first and last start times and between
    them are read with their titles, which order entries starting at the same time.
    """
    window_start, window_end = _window(criteria)
    # The window's end first: the page's last entries are read without it (see ``tied``).
    conditions = [Occurrence.start < window_end, Occurrence.end > window_start, *_not_ended(criteria)]
    if not criteria.include_cancelled:
        conditions.append(Occurrence.cancelled.is_(False))
    branches: list[tuple[ColumnElement[bool], ...]] = [()]
    if criteria.districts:
        # One index range per district and one for the city-wide (a city-wide event belongs to every
        # district's list), counted and cut each on its own: over their OR, both databases collect
        # and sort the rows of the whole window.
        branches = [*((Occurrence.district_id == key,) for key in _district_keys(session, criteria.districts)),
                    (Occurrence.district_id.is_(None),)]
    reach = max(1, number) * size
    starts = _starts(session, window_start, conditions, branches, criteria.districts, counted,
                     reach if reach <= PREFETCHED_STARTS or not counted else 0)
    total = len(starts.earlier) + (starts.counted if counted else reach)
    total = min(total, criteria.limit) if criteria.limit is not None else total
    number, count, part = _page_range(number, size, total)
    wanted = min(part.stop, total)
    if part.start >= wanted:
        return OccurrencePage([], number, count, total)
    if len(starts.earlier) + len(starts.recent) < wanted:  # a page far back: its starts read now
        starts = _starts(session, window_start, conditions, branches, criteria.districts, False, wanted)
    head = [*starts.earlier, *starts.recent][:wanted]
    if not counted:
        total = wanted = len(head)
        number, count, part = _page_range(number, size, total)
        if part.start >= wanted:
            return OccurrencePage([], number, count, total)
    first, last = head[part.start], head[-1]
    before = sum(1 for start in head if start < first)
    reach_back = () if first >= window_start - MULTI_DAY else (
        or_(Occurrence.start >= window_start - MULTI_DAY, _MULTI_DAY_INDEXED),)
    in_district = (or_(*(branch[0] for branch in branches)),) if criteria.districts else ()
    tied = session.execute(select(Occurrence.id, Occurrence.start, Event.title)
                           .join(Event, Event.id == Occurrence.event_id)
                           # the page's own start range alone bounds the index scan (the window's end
                           # would have SQLite scan the rest of the window)
                           .where(*conditions[1:], *in_district, Occurrence.start >= first,
                                  Occurrence.start <= last, *reach_back)
                           ).all()
    ordered = sorted(tied, key=lambda row: (row.start, row.title, row.id))
    chosen = [row.id for row in ordered[part.start - before:wanted - before]]
    return OccurrencePage(_loaded(session, chosen), number, count, total)


PREFETCHED_STARTS = 400  # a page ending further down reads its starts once it knows the count
_EARLIER, _COUNT, _RECENT = 0, 1, 2  # the parts of _starts' statement


@dataclass(frozen=True)
class _Starts:
    """Start times of a list's entries, from the indexes (each part sorted)."""

    earlier: list[datetime]  # multi-day entries that began more than a day before the window
    counted: int  # how many entries start later, up to the window's end (0 if not counted)
    recent: list[datetime]  # the first of those


def _starts(session: Session, window_start: datetime, conditions: list[ColumnElement[bool]],
            branches: list[tuple[ColumnElement[bool], ...]], districts: Sequence[str], counted: bool,
            limit: int) -> _Starts:
    """The list's :class:`_Starts` in one statement: each *branch* (index range) is counted if
    *counted* and read up to *limit* starts; the earlier multi-day entries are read with their
    district's slug and picked from *districts* here (with a district in the statement, the planner
    would rather scan the district's last month than the partial index)."""
    recent = (*conditions, Occurrence.start >= window_start - MULTI_DAY)
    no_count, no_slug = cast(null(), Integer), cast(null(), District.slug.type)
    parts: list[Select[*tuple[Any, ...]]] = [
        select(literal(_EARLIER), no_count, Occurrence.start, District.slug)
        .outerjoin(District, District.id == Occurrence.district_id)
        .where(*conditions, Occurrence.start < window_start - MULTI_DAY, _MULTI_DAY_INDEXED)]
    for branch in branches:
        where = (*recent, *branch)
        if counted:
            parts.append(select(literal(_COUNT), func.count(), null(), no_slug).select_from(Occurrence).where(*where))
        if limit:
            first = select(Occurrence.start).where(*where).order_by(Occurrence.start).limit(limit).subquery()
            parts.append(select(literal(_RECENT), no_count, first.c.start, no_slug))
    rows = session.execute(union_all(*parts)).all()
    return _Starts(
        earlier=sorted(row.start for row in rows if row[0] == _EARLIER
                       and (not districts or row.slug is None or row.slug in districts)),
        counted=sum(row[1] for row in rows if row[0] == _COUNT),
        recent=sorted(row.start for row in rows if row[0] == _RECENT)[:limit])


def _district_keys(session: Session, slugs: Sequence[str]) -> list[Any]:
    """The ids of the districts *slugs* name, for one index range each: literal ids on SQLite (its
    planner starts from the (district, start) index only for those), a subquery per slug on
    PostgreSQL (no round trip of its own)."""
    if _embedded(session):
        return sorted(session.scalars(select(District.id).where(District.slug.in_(slugs))))
    return [select(District.id).where(District.slug == slug).scalar_subquery() for slug in sorted(set(slugs))]


def _loaded(session: Session, chosen: list[int]) -> list[OccurrenceView]:
    """The occurrences *chosen* (ids, in that order) with their events, venues, districts and topics."""
    loaded = {occurrence.id: occurrence for occurrence in session.scalars(
        select(Occurrence).where(Occurrence.id.in_(chosen))
        .options(joinedload(Occurrence.event), *_event_details(not _embedded(session), Occurrence.event))).unique()}
    return [OccurrenceView(loaded[key].event, loaded[key].start, loaded[key].end) for key in chosen]


def _materialised(
    session: Session, criteria: EventFilter, window_start: datetime, window_end: datetime
) -> list[OccurrenceView]:
    """Stored occurrences overlapping the window, with their events, venues, districts and topics."""
    query = (
        select(Occurrence)
        .join(Occurrence.event)
        .where(*_overlapping(window_start, window_end), *_not_ended(criteria))
        .options(contains_eager(Occurrence.event),
                 *_event_details(_topics_joined(session, criteria), Occurrence.event))
        .order_by(Occurrence.start, Event.title, Occurrence.id)
    )
    query = _apply_filters(session, query, criteria, Occurrence.district_id)
    if criteria.limit is not None:
        query = query.limit(criteria.limit)
    return [OccurrenceView(row.event, row.start, row.end) for row in session.scalars(query).unique()]


def _topics_joined(session: Session, criteria: EventFilter) -> bool:
    """Whether topics come in the main statement: on PostgreSQL, unless a LIMIT applies (it would
    count topic rows, not occurrences). SQLite would materialise the nested topic join: there they
    come in a second statement."""
    return criteria.limit is None and not _embedded(session)


def _event_details(topics_joined: bool, via: QueryableAttribute[Event] | None = None) -> tuple[ORMOption, ...]:
    """Load options for an event's venue, district and topics (of the event reached *via*)."""
    if via is None:
        topics = joinedload(Event.categories) if topics_joined else selectinload(Event.categories)
        return joinedload(Event.venue), joinedload(Event.district), topics
    path = defaultload(via)
    topics = path.joinedload(Event.categories) if topics_joined else path.selectinload(Event.categories)
    return path.joinedload(Event.venue), path.joinedload(Event.district), topics


def _expand_outside_horizon(
    session: Session, criteria: EventFilter, window_start: datetime, window_end: datetime
) -> list[OccurrenceView]:
    """Expand events on the fly for the part of a range outside the materialised horizon."""
    query = select(Event).where(Event.start < window_end, or_(Event.rrule != "", Event.end > window_start))
    query = query.options(*_event_details(_topics_joined(session, criteria)))
    query = _apply_filters(session, query, criteria, Event.district_id)
    views: list[OccurrenceView] = []
    for event in session.scalars(query).unique():
        spans: list[Span] = list(
            expand(event.start, event.end, event.rrule, event.exdates, window_start, window_end)
        )
        views.extend(OccurrenceView(event, span.start, span.end) for span in spans)
    return views


def group_by_day(views: Sequence[OccurrenceView]) -> WeekPlan:
    """Group occurrences by their local start date."""
    plan = WeekPlan()
    for view in views:
        plan.days.setdefault(view.local_start.date(), []).append(view)
    return plan


def get_event(session: Session, event_id: int) -> Event:
    """Load one event with its venue, district and categories or raise :class:`NotFound`."""
    event = session.scalars(
        select(Event)
        .where(Event.id == event_id)
        .options(*_event_details(not _embedded(session)))
    ).first()
    if event is None:
        raise NotFound(f"event {event_id}")
    return event


def next_occurrences(session: Session, event: Event, count: int = 5) -> list[OccurrenceView]:
    """The next *count* dates of one event from now on."""
    rows = session.scalars(
        select(Occurrence)
        .where(Occurrence.event_id == event.id, Occurrence.end > utcnow())
        .order_by(Occurrence.start)
        .limit(count)
    )
    return [OccurrenceView(event, row.start, row.end) for row in rows]


def this_week(today: date | None = None) -> tuple[date, date]:
    """Today until Sunday of this week (on Sunday: today only)."""
    first = today or local_today()
    return first, first + timedelta(days=6 - first.weekday())
