"""Expansion starts near the window: far-future windows cost no more than near ones, same dates."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr

from shared.clock import BERLIN, as_local
from shared.services.recurrence import day_window, expand

RULES = [
    "FREQ=WEEKLY;BYDAY=MO",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
    "FREQ=WEEKLY;INTERVAL=3",
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=5",
    "FREQ=MONTHLY",
    "FREQ=MONTHLY;INTERVAL=2",
    "FREQ=MONTHLY;BYDAY=1MO",
    "FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=3",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=YEARLY",
    "FREQ=YEARLY;INTERVAL=2",
    "FREQ=YEARLY;BYMONTH=1,6;BYDAY=2WE",
    "FREQ=HOURLY;INTERVAL=7",
    "FREQ=MINUTELY;INTERVAL=97",
    "FREQ=WEEKLY;BYDAY=MO;UNTIL=20290101T000000",
    "FREQ=WEEKLY;BYDAY=MO;COUNT=300",
    # Near the plain-addition path for simple series: each must give dateutil's dates.
    "FREQ=WEEKLY;BYDAY=WE",
    "FREQ=WEEKLY;INTERVAL=2;UNTIL=20271231T235959",
    "FREQ=DAILY;UNTIL=20261215T100000",
    "FREQ=DAILY;BYDAY=MO,FR",
    "FREQ=WEEKLY;BYHOUR=9",
    "FREQ=DAILY;BYMONTH=12",
]
STARTS = [datetime(2024, 1, 31, 10, 0), datetime(2025, 2, 28, 18, 30), datetime(2023, 3, 26, 2, 30)]


def _reference(rule: str, start: datetime, window: tuple[datetime, datetime]) -> list[datetime]:
    """Dates by plain iteration from the first date (the old, slow way)."""
    local_from = as_local(window[0]).replace(tzinfo=None) - timedelta(days=2)
    local_to = as_local(window[1]).replace(tzinfo=None)
    dates = rrulestr(rule, dtstart=start, ignoretz=True).between(local_from, local_to, inc=True)
    return [span.start for date in dates for span in expand(
        _utc(date), _utc(date + timedelta(hours=1)), "", "", *window)]


def _utc(local: datetime) -> datetime:
    """A local wall time as UTC, a skipped spring hour moved on like the expansion does."""
    aware = local.replace(tzinfo=BERLIN)
    if aware.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None) != local:
        aware = (local + timedelta(hours=1)).replace(tzinfo=BERLIN)
    return aware.astimezone(UTC)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("first", [datetime(2026, 12, 1).date(), datetime(2027, 10, 30).date(),
                                   datetime(2031, 2, 27).date()])
def test_skipping_ahead_gives_the_same_dates(rule: str, start: datetime, first: datetime) -> None:
    window = day_window(first, first + timedelta(days=40))
    begin = start.replace(tzinfo=BERLIN).astimezone(UTC)
    found = [span.start for span in expand(begin, begin + timedelta(hours=1), rule, "", *window)]
    assert found == _reference(rule, as_local(begin).replace(tzinfo=None), window)


def test_a_far_date_window_is_expanded_in_milliseconds() -> None:
    begin = datetime(2025, 1, 6, 9, tzinfo=BERLIN)
    window = day_window(datetime(2999, 1, 1).date(), datetime(2999, 1, 7).date())
    started = time.perf_counter()
    for rule in ("FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=DAILY", "FREQ=MONTHLY;BYDAY=1FR", "FREQ=YEARLY"):
        spans = list(expand(begin, begin + timedelta(hours=1), rule, "", *window))
        assert spans, rule
    assert time.perf_counter() - started < 0.1
    minutely = list(expand(begin, begin + timedelta(minutes=1), "FREQ=MINUTELY", "", *window))
    assert len(minutely) == 2000  # capped per expansion
    assert all(window[0] < span.end and span.start < window[1] for span in minutely)


def test_a_minutely_rule_over_the_whole_horizon_is_capped() -> None:
    begin = datetime(2025, 1, 1, 0, 0, tzinfo=BERLIN)
    window = day_window(datetime(2026, 11, 1).date(), datetime(2028, 6, 1).date())
    started = time.perf_counter()
    spans = list(expand(begin, begin + timedelta(minutes=1), "FREQ=MINUTELY", "", *window))
    assert len(spans) == 2000
    assert time.perf_counter() - started < 1.0


def test_a_huge_count_rule_stops_by_work() -> None:
    begin = datetime(2025, 1, 1, 0, 0, tzinfo=BERLIN)
    window = day_window(datetime(2999, 1, 1).date(), datetime(2999, 1, 7).date())
    started = time.perf_counter()
    assert list(expand(begin, begin + timedelta(minutes=1), "FREQ=MINUTELY;COUNT=100000000", "", *window)) == []
    assert time.perf_counter() - started < 1.0
