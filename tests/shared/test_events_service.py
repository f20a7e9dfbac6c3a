"""Event queries: today, this week, ranges past the horizon, filters, next N, cancellation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.clock import BERLIN
from shared.models import Category, Event, Occurrence
from shared.services.events import (
    HORIZON_DAYS,
    EventFilter,
    cancel_event,
    group_by_day,
    list_occurrences,
    next_occurrences,
    refresh_occurrences,
    save_event,
    this_week,
)
from shared.services.places import venue_by_slug


def _add(session: Session, title: str, start: datetime, venue: str, minutes: int = 60, rrule: str = "",
         categories: tuple[str, ...] = ()) -> Event:
    place = venue_by_slug(session, venue)
    event = Event(title=title, start=start, end=start + timedelta(minutes=minutes), rrule=rrule,
                  venue_id=place.id, district_id=place.district_id)
    event.categories = list(session.scalars(select(Category).where(Category.slug.in_(categories))))
    return save_event(session, event)


@time_machine.travel(datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN), tick=False)
def test_today_this_week_and_filters(session: Session) -> None:
    monday = date(2026, 11, 23)
    _add(session, "Gymnastik", datetime(2026, 11, 23, 10, tzinfo=BERLIN), "bz-hoerde", rrule="FREQ=DAILY",
         categories=("bewegung",))
    _add(session, "Singkreis", datetime(2026, 11, 23, 15, tzinfo=BERLIN), "bz-eving", categories=("kultur",))
    _add(session, "Erzählcafé im Advent", datetime(2026, 11, 25, 15, tzinfo=BERLIN), "bz-nordstadt")
    today = list_occurrences(session, EventFilter(first=monday, last=monday))
    assert [view.event.title for view in today] == ["Gymnastik", "Singkreis"]
    first, last = this_week(monday)
    assert (first, last) == (monday, date(2026, 11, 29))
    week = list_occurrences(session, EventFilter(first=first, last=last, districts=("hoerde",)))
    assert len(week) == 7
    plan = group_by_day(list_occurrences(session, EventFilter(first=first, last=last)))
    assert len(plan.days[date(2026, 11, 25)]) == 2
    assert [v.event.title for v in list_occurrences(session, EventFilter(first=first, last=last,
                                                                         category="kultur"))] == ["Singkreis"]
    assert [v.event.title for v in list_occurrences(session, EventFilter(first=first, last=last,
                                                                         venue="bz-nordstadt"))] == [
        "Erzählcafé im Advent"]
    assert [v.event.title for v in list_occurrences(session, EventFilter(first=first, last=last,
                                                                         text="ADVENT"))] == [
        "Erzählcafé im Advent"]
    assert len(list_occurrences(session, EventFilter(first=first, last=last, limit=3))) == 3
    assert len(list_occurrences(session, EventFilter(first=first, last=last,
                                                     districts=("hoerde", "eving")))) == 8


@time_machine.travel(datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN), tick=False)
def test_ranges_past_the_materialised_horizon_are_expanded(session: Session) -> None:
    _add(session, "Wochentreff", datetime(2026, 11, 24, 10, tzinfo=BERLIN), "bz-hoerde", rrule="FREQ=WEEKLY")
    far = date(2026, 11, 23) + timedelta(days=HORIZON_DAYS + 30)
    views = list_occurrences(session, EventFilter(first=far, last=far + timedelta(days=13)))
    assert len(views) == 2 and {view.local_start.hour for view in views} == {10}
    past = list_occurrences(session, EventFilter(first=date(2026, 9, 1), last=date(2026, 9, 30)))
    assert past == []  # the series starts in November


@time_machine.travel(datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN), tick=False)
def test_next_occurrences_and_cancel(session: Session) -> None:
    event = _add(session, "Skat", datetime(2026, 11, 1, 14, tzinfo=BERLIN), "bz-brackel", rrule="FREQ=WEEKLY")
    upcoming = next_occurrences(session, event, 3)
    assert [view.local_start.date() for view in upcoming] == [date(2026, 11, 29), date(2026, 12, 6),
                                                              date(2026, 12, 13)]
    cancel_event(session, event)
    assert list_occurrences(session, EventFilter(first=date(2026, 11, 23), last=date(2026, 12, 31))) == []
    listed = list_occurrences(session, EventFilter(first=date(2026, 11, 23), last=date(2026, 12, 31),
                                                   include_cancelled=True))
    assert len(listed) == 5 and all(view.event.cancelled for view in listed)


def test_daily_refresh_rolls_the_horizon(session: Session) -> None:
    with time_machine.travel(datetime(2026, 1, 5, 8, tzinfo=BERLIN), tick=False):
        _add(session, "Treff", datetime(2026, 1, 5, 9, tzinfo=BERLIN), "bz-hoerde", rrule="FREQ=WEEKLY")
        session.commit()
    with time_machine.travel(datetime(2026, 7, 6, 8, tzinfo=BERLIN), tick=False):
        refresh_occurrences(session)
        newest = session.scalar(select(func.max(Occurrence.start)))
        oldest = session.scalar(select(func.min(Occurrence.start)))
        assert newest is not None and oldest is not None
        assert newest.date() > date(2027, 12, 1)
        assert oldest.date() >= date(2026, 6, 1)


@time_machine.travel(datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN), tick=False)
def test_long_and_overnight_events_are_listed_on_every_day_they_touch(session: Session) -> None:
    """Day queries scan only starts from a day before; longer occurrences are found by their flag."""
    _add(session, "Ausstellung Dortmunder Ansichten", datetime(2026, 11, 20, 10, tzinfo=BERLIN), "bz-hoerde",
         minutes=12 * 24 * 60)
    _add(session, "Tanzabend", datetime(2026, 11, 24, 20, tzinfo=BERLIN), "bz-hoerde", minutes=6 * 60)
    _add(session, "Nachtwanderung", datetime(2026, 11, 24, 23, tzinfo=BERLIN), "bz-eving", minutes=26 * 60)
    rows = session.execute(select(Event.title, Occurrence.multi_day).join(Occurrence.event)).all()
    flags = {row.title: row.multi_day for row in rows}
    assert flags == {"Ausstellung Dortmunder Ansichten": True, "Tanzabend": False, "Nachtwanderung": True}

    def titles(day: date, *districts: str) -> list[str]:
        return [view.event.title for view in list_occurrences(session, EventFilter(first=day, last=day,
                                                                                  districts=districts))]

    assert titles(date(2026, 11, 23), "hoerde") == ["Ausstellung Dortmunder Ansichten"]
    assert titles(date(2026, 11, 25), "hoerde") == ["Ausstellung Dortmunder Ansichten", "Tanzabend"]
    assert titles(date(2026, 11, 26)) == ["Ausstellung Dortmunder Ansichten", "Nachtwanderung"]
    assert titles(date(2026, 11, 26), "eving") == ["Nachtwanderung"]
    assert titles(date(2026, 12, 2), "hoerde") == ["Ausstellung Dortmunder Ansichten"]
    assert titles(date(2026, 12, 3), "hoerde") == []


@time_machine.travel(datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN), tick=False)
def test_text_search_is_unicode_correct(session: Session) -> None:
    for title in ("Встреча пенсионеров", "Şükran Teestube", "Fahrt nach Łódź"):
        _add(session, title, datetime(2026, 11, 24, 10, tzinfo=BERLIN), "bz-hoerde")
    day = date(2026, 11, 24)
    for query, title in (("Встреча", "Встреча пенсионеров"), ("встреча", "Встреча пенсионеров"),
                         ("Şükran", "Şükran Teestube"), ("ŞÜKRAN", "Şükran Teestube"),
                         ("Łódź", "Fahrt nach Łódź"), ("ŁÓDŹ", "Fahrt nach Łódź")):
        views = list_occurrences(session, EventFilter(first=day, last=day, text=query))
        assert [view.event.title for view in views] == [title], query
