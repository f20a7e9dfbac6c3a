"""Time in one place: all stored instants are UTC, everything shown is Europe/Berlin."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def utcnow() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """Return the current wall-clock time in Dortmund."""
    return utcnow().astimezone(BERLIN)


def local_today() -> date:
    """Return today's date in Dortmund."""
    return local_now().date()


def as_utc(value: datetime) -> datetime:
    """Return *value* as aware UTC; naive values are taken as UTC (as SQLite returns them)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def as_local(value: datetime) -> datetime:
    """Return *value* in Europe/Berlin; naive values are taken as UTC."""
    return as_utc(value).astimezone(BERLIN)
