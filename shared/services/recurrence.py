"""Expansion of (recurring) events into dated occurrences in Europe/Berlin local time.

Recurrence rules are evaluated on wall-clock time, so a weekly 10:00 meeting stays at 10:00 across
the DST changes; each occurrence is then converted to UTC for storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dateutil.rrule import rrulestr

from shared.clock import BERLIN, as_local

MAX_OCCURRENCES = 2000


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


def _localise(naive: datetime) -> datetime:
    """Attach Berlin time; a wall time skipped by the spring change moves one hour later."""
    aware = naive.replace(tzinfo=BERLIN)
    roundtrip = aware.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None)
    if roundtrip != naive:
        aware = (naive + timedelta(hours=1)).replace(tzinfo=BERLIN)
    return aware.astimezone(UTC)


def expand(
    start: datetime,
    end: datetime,
    rrule: str,
    exdates: str,
    window_start: datetime,
    window_end: datetime,
) -> Iterator[Span]:
    """Yield the occurrences overlapping [window_start, window_end) (aware datetimes)."""
    local_start = as_local(start).replace(tzinfo=None)
    local_end = as_local(end).replace(tzinfo=None)
    wall_duration = local_end - local_start
    if not rrule:
        if start < window_end and end > window_start:
            yield Span(start, end)
        return
    rule = rrulestr(rrule, dtstart=local_start, ignoretz=True)
    excluded = parse_exdates(exdates)
    # Search from a little before the window so long events that started earlier still show.
    search_from = as_local(window_start).replace(tzinfo=None) - wall_duration - timedelta(days=1)
    search_to = as_local(window_end).replace(tzinfo=None)
    count = 0
    for local in rule.xafter(search_from, inc=True):
        if local >= search_to or count >= MAX_OCCURRENCES:
            break
        count += 1
        if local in excluded:
            continue
        occurrence_start = _localise(local)
        occurrence_end = _localise(local + wall_duration)
        if occurrence_start < window_end and occurrence_end > window_start:
            yield Span(occurrence_start, occurrence_end)


def day_window(first: date, last: date) -> tuple[datetime, datetime]:
    """Return the UTC instants bounding local days *first* to *last* inclusive."""
    start = datetime.combine(first, datetime.min.time(), BERLIN).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), BERLIN).astimezone(UTC)
    return start, end
