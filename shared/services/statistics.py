"""Figures for the statistics page: per day and week, by district and status, time to first contact.

First contact is the first call attempt or note (``Request.first_contact_at``), not closing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.clock import BERLIN, as_local, local_today
from shared.models import Call, District, Request

FIRST_CONTACT_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 4 h", 4), ("< 1 Tag", 24), ("< 2 Tage", 48), ("< 5 Tage", 120), ("später", float("inf")),
)


@dataclass(frozen=True)
class Statistics:
    """All figures of one period (local days ``first`` to ``last``)."""

    first: date
    last: date
    calls_per_day: list[tuple[date, int]]
    requests_per_day: list[tuple[date, int]]
    by_district: list[tuple[str, int]]  # "" for requests without a district
    by_status: list[tuple[str, int]]
    first_contact_buckets: list[tuple[str, int]]
    first_contact_median_hours: float | None
    weeks: list[WeekFigures]


WEEKS = 12


@dataclass(frozen=True)
class WeekFigures:
    """One calendar week: requests received and the median hours to first contact."""

    label: str
    requests: int
    median_hours: float | None


def _weeks(session: Session, scope: list[Any], last: date) -> list[WeekFigures]:
    """The last :data:`WEEKS` calendar weeks (Monday to Sunday) up to *last*, oldest first."""
    monday = last - timedelta(days=last.weekday())
    first = monday - timedelta(weeks=WEEKS - 1)
    start, end = _window(first, monday + timedelta(days=6))
    rows = session.execute(select(Request.created_at, Request.first_contact_at)
                           .where(*scope, Request.created_at >= start, Request.created_at < end)).all()
    counts: Counter[date] = Counter()
    hours: dict[date, list[float]] = {}
    for made, contact in rows:
        week = as_local(made).date() - timedelta(days=as_local(made).weekday())
        counts[week] += 1
        if contact is not None:
            hours.setdefault(week, []).append((contact - made).total_seconds() / 3600)
    weeks = [first + timedelta(weeks=offset) for offset in range(WEEKS)]
    return [WeekFigures(f"KW {week.isocalendar().week}", counts.get(week, 0),
                        round(median(hours[week]), 1) if week in hours else None) for week in weeks]


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, datetime.min.time(), BERLIN)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), BERLIN)
    return start, end


def _per_day(instants: list[datetime], first: date, last: date) -> list[tuple[date, int]]:
    counts = Counter(as_local(instant).date() for instant in instants)
    days = (last - first).days + 1
    return [(first + timedelta(days=offset), counts.get(first + timedelta(days=offset), 0)) for offset in range(days)]


def collect(session: Session, district_id: int | None, days: int = 30, today: date | None = None) -> Statistics:
    """Figures of the last *days* days for one district (None: the whole city)."""
    last = today or local_today()
    first = last - timedelta(days=days - 1)
    start, end = _window(first, last)
    request_scope = [Request.created_at >= start, Request.created_at < end]
    call_scope = [Call.started_at >= start, Call.started_at < end]
    if district_id is not None:
        request_scope.append(Request.district_id == district_id)
        call_scope.append(Call.district_id == district_id)
    created = list(session.scalars(select(Request.created_at).where(*request_scope)))
    calls = list(session.scalars(select(Call.started_at).where(*call_scope)))
    by_district = session.execute(
        select(District.name, func.count(Request.id))
        .select_from(Request).outerjoin(District, Request.district_id == District.id)
        .where(*request_scope).group_by(District.name).order_by(func.count(Request.id).desc())
    ).all()
    by_status = session.execute(
        select(Request.status, func.count(Request.id)).where(*request_scope)
        .group_by(Request.status).order_by(Request.status)
    ).all()
    contacts = session.execute(
        select(Request.created_at, Request.first_contact_at)
        .where(*request_scope, Request.first_contact_at.is_not(None))
    ).all()
    hours = [(contact - made).total_seconds() / 3600 for made, contact in contacts if contact is not None]
    buckets = Counter(next(label for label, limit in FIRST_CONTACT_BUCKETS if value < limit) for value in hours)
    return Statistics(
        first=first, last=last,
        calls_per_day=_per_day(calls, first, last), requests_per_day=_per_day(created, first, last),
        by_district=[(str(name or ""), int(count)) for name, count in by_district],
        by_status=[(str(status), int(count)) for status, count in by_status],
        first_contact_buckets=[(label, buckets.get(label, 0)) for label, _ in FIRST_CONTACT_BUCKETS],
        first_contact_median_hours=round(median(hours), 1) if hours else None,
        weeks=_weeks(session, [Request.district_id == district_id] if district_id is not None else [], last),
    )
