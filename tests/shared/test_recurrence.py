"""Recurring events expand on Berlin wall time: DST changes, EXDATE, skipped hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shared.clock import BERLIN, as_local
from shared.services.recurrence import day_window, expand, format_exdates, parse_exdates


def _local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_weekly_event_keeps_wall_time_across_both_dst_changes() -> None:
    start = _local(2026, 3, 17, 10, 0)  # Tuesday before the spring change (29 March 2026)
    spans = list(expand(start, start + timedelta(hours=1), "FREQ=WEEKLY;COUNT=34", "",
                        *day_window(date(2026, 3, 1), date(2026, 12, 31))))
    assert len(spans) == 34
    assert {as_local(span.start).hour for span in spans} == {10}
    assert {span.end - span.start for span in spans} == {timedelta(hours=1)}
    offsets = {as_local(span.start).date(): as_local(span.start).utcoffset() for span in spans}
    assert offsets[date(2026, 3, 24)] == timedelta(hours=1)
    assert offsets[date(2026, 3, 31)] == timedelta(hours=2)
    assert offsets[date(2026, 10, 20)] == timedelta(hours=2)
    assert offsets[date(2026, 10, 27)] == timedelta(hours=1)


def test_exdate_removes_exactly_that_occurrence() -> None:
    start = _local(2026, 12, 1, 15, 0)
    exdates = format_exdates({datetime(2026, 12, 22, 15, 0), datetime(2026, 12, 29, 15, 0)})
    spans = list(expand(start, start + timedelta(hours=2), "FREQ=WEEKLY;UNTIL=20261231T235959", exdates,
                        *day_window(date(2026, 12, 1), date(2026, 12, 31))))
    assert [as_local(span.start).day for span in spans] == [1, 8, 15]


def test_time_skipped_by_spring_change_moves_one_hour_later() -> None:
    start = _local(2026, 3, 28, 2, 30)
    spans = list(expand(start, start + timedelta(minutes=30), "FREQ=DAILY;COUNT=2", "",
                        *day_window(date(2026, 3, 28), date(2026, 3, 29))))
    assert [as_local(span.start).strftime("%d %H:%M") for span in spans] == ["28 02:30", "29 03:30"]


def test_window_only_returns_overlapping_occurrences() -> None:
    start = _local(2026, 1, 5, 23, 0)
    spans = list(expand(start, start + timedelta(hours=2), "FREQ=DAILY", "",
                        *day_window(date(2026, 1, 10), date(2026, 1, 10))))
    # The occurrence of the 9th runs past midnight into the 10th, so it is listed too.
    assert [as_local(span.start).day for span in spans] == [9, 10]


def test_single_event_outside_window_is_not_listed() -> None:
    start = datetime(2026, 6, 1, 8, tzinfo=UTC)
    window = day_window(date(2026, 6, 2), date(2026, 6, 3))
    assert list(expand(start, start + timedelta(hours=1), "", "", *window)) == []


@given(st.sets(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)), max_size=10))
def test_exdate_list_round_trips(values: set[datetime]) -> None:
    assert parse_exdates(format_exdates(values)) == values


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_day_window_covers_local_day(day: date) -> None:
    first, last = day_window(day, day)
    assert as_local(first).date() == day and as_local(first).hour == 0
    assert as_local(last).date() == day + timedelta(days=1) and as_local(last).hour == 0
    assert timedelta(hours=23) <= last - first <= timedelta(hours=25)
