"""Expansion of (recurring) events into dated occurrences in Europe/Berlin local time.

Recurrence rules are evaluated on wall-clock time, so a weekly 10:00 meeting stays at 10:00 across
the DST changes; each occurrence is then converted to UTC for storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, HOURLY, MINUTELY, MONTHLY, SECONDLY, WEEKLY, YEARLY, rrulestr
from dateutil.rrule import rrule as Rule  # noqa: N812 - the class, beside expand's rrule text

from shared.clock import BERLIN, as_local

MAX_OCCURRENCES = 2000
# Candidates a rule may produce (before the window, excluded, inside) per expansion: the cap by work.
MAX_ITERATIONS = 10_000
_FIXED_PERIODS = {WEEKLY: timedelta(weeks=1), DAILY: timedelta(days=1), HOURLY: timedelta(hours=1),
                  MINUTELY: timedelta(minutes=1), SECONDLY: timedelta(seconds=1)}
_ANCHOR = datetime(2000, 1, 1)
_DAY_RULES = ("byweekno", "byyearday", "bymonthday", "byweekday", "byeaster")


@dataclass(frozen=True)
class Span:
    """One occurrence as aware UTC start and end."""

    start: datetime
    end: datetime


def parse_exdates(text: str) -> set[datetime]:
    """Parse the stored EXDATE list (local ISO datetimes, comma separated) to naive local times."""
    return {datetime.fromisoformat(part) for part in text.split(",") if part.strip()}


def format_exdates(values: set[datetime]) -> str:
    """Store EXDATEs as sorted naive local ISO datetimes."""
    return ",".join(sorted(value.replace(tzinfo=None).isoformat() for value in values))


@lru_cache(maxsize=1 << 16)
def _localise(naive: datetime) -> datetime:
    """Attach Berlin time; a wall time skipped by the spring change moves one hour later.

    Cached: series share their wall times (10:00 on Mondays), and a refresh localises millions.
    """
    aware = naive.replace(tzinfo=BERLIN)
    roundtrip = aware.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None)
    if roundtrip != naive:
        aware = (naive + timedelta(hours=1)).replace(tzinfo=BERLIN)
    return aware.astimezone(UTC)


@lru_cache(maxsize=1024)
def _parsed(text: str) -> Rule | None:
    """The rule of *text* (parsed once per text); ``None`` for a set of rules."""
    rule = rrulestr(text, dtstart=_ANCHOR, ignoretz=True)
    return rule if isinstance(rule, Rule) else None


def _rule(text: str, dtstart: datetime) -> Iterable[datetime]:
    """The dates of rule *text* from *dtstart*."""
    parsed = _parsed(text)
    if parsed is None:
        return rrulestr(text, dtstart=dtstart, ignoretz=True)
    return parsed.replace(dtstart=dtstart)


def _one_a_period(rule: Rule) -> timedelta | None:
    """The period of a daily or weekly *rule* that yields exactly its start's wall time once a period
    (``FREQ=WEEKLY``, ``FREQ=WEEKLY;BYDAY=<the start's day>``, ``FREQ=DAILY``, any INTERVAL and
    UNTIL, no COUNT); ``None`` for every other rule."""
    # dateutil keeps these private, without accessors.
    values = vars(rule)
    start: datetime = values["_dtstart"]
    frequency = values["_freq"]
    if frequency not in (DAILY, WEEKLY) or values["_count"] is not None or start.microsecond:
        return None
    weekdays = (start.weekday(),) if frequency == WEEKLY else None
    simple = (values["_byweekday"] == weekdays and not values["_bynweekday"] and not values["_bysetpos"]
              and not values["_bymonth"] and not values["_bymonthday"] and not values["_bynmonthday"]
              and not values["_byyearday"] and not values["_byweekno"] and not values["_byeaster"]
              and set(values["_byhour"]) == {start.hour} and set(values["_byminute"]) == {start.minute}
              and set(values["_bysecond"]) == {start.second})
    return _FIXED_PERIODS[frequency] * values["_interval"] if simple else None


def _dates(rule: Rule) -> Iterator[datetime]:
    """The dates of *rule*, as iterating it gives them; simple series by plain addition (a refresh
    expands millions, and dateutil's general iteration costs tens of microseconds a date)."""
    period = _one_a_period(rule)
    if period is None:
        yield from rule
        return
    local: datetime = getattr(rule, "_dtstart")  # noqa: B009
    until: datetime | None = getattr(rule, "_until")  # noqa: B009
    while until is None or local <= until:
        yield local
        local += period


def _skipped(rule: Rule, dtstart: datetime, before: datetime) -> Rule:
    """*rule* started whole periods later, at most two periods before *before*: same dates from there.

    Only the start moves, by a multiple of the interval, so period alignment (week, month, year
    counting) is kept; the by-values RFC 5545 derives from the start are spelled out so they do not
    move with it. Rules with COUNT cannot skip (the count runs from the first date).
    """
    # dateutil keeps these private, without accessors.
    if getattr(rule, "_count") is not None or before <= dtstart:  # noqa: B009
        return rule
    frequency: int = getattr(rule, "_freq")  # noqa: B009
    interval: int = getattr(rule, "_interval")  # noqa: B009
    given: dict[str, Any] = dict(getattr(rule, "_original_rule"))  # noqa: B009
    defaults: dict[str, Any] = {}
    if not any(given.get(name) for name in _DAY_RULES):
        if frequency == YEARLY:
            defaults = {"bymonth": given.get("bymonth") or dtstart.month, "bymonthday": dtstart.day}
        elif frequency == MONTHLY:
            defaults = {"bymonthday": dtstart.day}
        elif frequency == WEEKLY:
            defaults = {"byweekday": dtstart.weekday()}
    if frequency in _FIXED_PERIODS:
        period = _FIXED_PERIODS[frequency] * interval
        periods = (before - dtstart) // period - 1
        if periods <= 0:
            return rule
        start = dtstart + period * periods
    else:
        months = (before.year - dtstart.year) * 12 + before.month - dtstart.month
        step = interval * (12 if frequency == YEARLY else 1)
        periods = months // step - 1
        if periods <= 0:
            return rule
        moved = dtstart.replace(day=1) + relativedelta(months=step * periods)
        start = moved.replace(month=1) if frequency == YEARLY else moved
    return rule.replace(dtstart=start, **defaults)


def expand(
    start: datetime,
    end: datetime,
    rrule: str,
    exdates: str,
    window_start: datetime,
    window_end: datetime,
) -> Iterator[Span]:
    """Yield the occurrences overlapping [window_start, window_end) (aware datetimes)."""
    for occurrence_start, occurrence_end in expand_pairs(start, end, rrule, exdates, window_start, window_end):
        yield Span(occurrence_start, occurrence_end)


def expand_pairs(
    start: datetime,
    end: datetime,
    rrule: str,
    exdates: str,
    window_start: datetime,
    window_end: datetime,
) -> Iterator[tuple[datetime, datetime]]:
    """:func:`expand` as plain (start, end) tuples: a refresh makes millions, an object each costs."""
    if not rrule:
        if start < window_end and end > window_start:
            yield start, end
        return
    local_start = as_local(start).replace(tzinfo=None)
    wall_duration = as_local(end).replace(tzinfo=None) - local_start
    # Search from a little before the window so long events that started earlier still show.
    search_from = as_local(window_start).replace(tzinfo=None) - wall_duration - timedelta(days=1)
    search_to = as_local(window_end).replace(tzinfo=None)
    rule = _rule(rrule, local_start)
    if isinstance(rule, Rule):
        rule = _skipped(rule, local_start, search_from)
    excluded = parse_exdates(exdates) if exdates else set()
    count = 0
    for work, local in enumerate(_dates(rule) if isinstance(rule, Rule) else rule):
        if local >= search_to or count >= MAX_OCCURRENCES or work >= MAX_ITERATIONS:
            break
        if local < search_from or local in excluded:
            continue
        occurrence_start = _localise(local)
        occurrence_end = _localise(local + wall_duration)
        if occurrence_start < window_end and occurrence_end > window_start:
            count += 1
            yield occurrence_start, occurrence_end


def day_window(first: date, last: date) -> tuple[datetime, datetime]:
    """Return the UTC instants bounding local days *first* to *last* inclusive."""
    start = datetime.combine(first, datetime.min.time(), BERLIN).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), BERLIN).astimezone(UTC)
    return start, end
