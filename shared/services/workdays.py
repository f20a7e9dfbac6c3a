"""Working days in North Rhine-Westphalia (weekends and NRW public holidays are off)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _nrw_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DE", subdiv="NW", years=year).keys())


def is_working_day(day: date) -> bool:
    """True on Monday to Friday unless it is a public holiday in NRW."""
    return day.weekday() < 5 and day not in _nrw_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """Return the date *days* working days after *start* (a request of Friday is due Tuesday)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current
