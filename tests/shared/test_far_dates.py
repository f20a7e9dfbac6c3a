"""Far-future API windows answer fast and right; overlong windows are refused."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from shared.clock import BERLIN, local_today
from shared.models import Event
from shared.services.events import EventFilter, horizon_days, list_occurrences, save_event
from shared.services.places import venue_by_slug


def _event(session: Session, title: str, start: datetime, rrule: str, minutes: int = 90) -> None:
    venue = venue_by_slug(session, "bz-hoerde")
    save_event(session, Event(title=title, start=start, end=start + timedelta(minutes=minutes),
                              venue_id=venue.id, district_id=venue.district_id, rrule=rrule))


def test_the_year_2999_is_expanded_fast_and_right(session: Session) -> None:
    """Trusted callers (command line, printing) may still list far dates: expanded near the window."""
    since = datetime(2020, 1, 6, 10, tzinfo=BERLIN)  # a Monday
    _event(session, "Gymnastik", since, "FREQ=WEEKLY;BYDAY=MO")
    _event(session, "Morgenrunde", since, "FREQ=DAILY")
    _event(session, "Stammtisch", since, "FREQ=MONTHLY;BYDAY=1TU")
    _event(session, "Zweiwöchentlich", since, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH")
    session.commit()
    started = time.perf_counter()
    views = list_occurrences(session, EventFilter(first=date(2999, 1, 1), last=date(2999, 1, 7)))
    elapsed = time.perf_counter() - started
    titles = [view.event.title for view in views]
    assert titles.count("Gymnastik") == 1  # 2999-01-07 is a Monday
    assert titles.count("Morgenrunde") == 7
    assert titles.count("Stammtisch") == 1  # 2999-01-01 is a Tuesday
    assert titles.count("Zweiwöchentlich") == 0  # 2998-12-27 and 2999-01-10, by plain iteration
    starts = [view.local_start for view in views if view.event.title == "Gymnastik"]
    assert [(s.year, s.month, s.day, s.hour) for s in starts] == [(2999, 1, 7, 10)]
    assert elapsed < 1.0


def test_the_api_lists_only_the_stored_horizon(client: FlaskClient, session: Session) -> None:
    """An anonymous caller never makes the server expand recurrences: dates outside the
    materialised horizon are refused at once, and the end of a window is cut at the horizon."""
    _event(session, "Gymnastik", datetime(2020, 1, 6, 10, tzinfo=BERLIN), "FREQ=WEEKLY;BYDAY=MO")
    session.commit()
    earliest, latest = horizon_days()
    refused = ((date(2999, 1, 1), date(2999, 1, 7)), (latest + timedelta(days=1), latest + timedelta(days=7)),
               (earliest - timedelta(days=1), earliest + timedelta(days=6)), (date(1900, 1, 1), date(1900, 1, 2)))
    for first, last in refused:
        started = time.perf_counter()
        response = client.get(f"/api/v1/events?from={first.isoformat()}&to={last.isoformat()}")
        assert response.status_code == 400, first
        assert latest.isoformat() in response.get_json()["message"]
        assert time.perf_counter() - started < 0.5
    response = client.get(f"/api/v1/events?from={(latest - timedelta(days=6)).isoformat()}"
                          f"&to={(latest + timedelta(days=300)).isoformat()}")
    assert response.status_code == 200
    assert [item["title"] for item in response.get_json()["events"]] == ["Gymnastik"]  # one Monday in the last week
    week = client.get(f"/api/v1/events?from={earliest.isoformat()}&to={(earliest + timedelta(days=6)).isoformat()}")
    assert [item["title"] for item in week.get_json()["events"]] == ["Gymnastik"]


def test_a_list_without_limit_is_cut_at_a_thousand(client: FlaskClient, session: Session) -> None:
    _event(session, "Morgenrunde", datetime(2020, 1, 6, 10, tzinfo=BERLIN), "FREQ=DAILY")
    _event(session, "Abendrunde", datetime(2020, 1, 6, 18, tzinfo=BERLIN), "FREQ=DAILY")
    _event(session, "Mittag", datetime(2020, 1, 6, 12, tzinfo=BERLIN), "FREQ=DAILY")
    session.commit()
    today = local_today()
    response = client.get(f"/api/v1/events?from={today.isoformat()}&to={(today + timedelta(days=364)).isoformat()}")
    assert response.status_code == 200 and len(response.get_json()["events"]) == 1000


def test_windows_longer_than_a_year_are_refused(client: FlaskClient) -> None:
    response = client.get("/api/v1/events?from=2027-01-01&to=2028-06-01")
    assert response.status_code == 400
    assert "366" in response.get_json()["message"]
    assert client.get("/api/v1/events?from=2027-01-01&to=2027-12-31").status_code == 200


def test_the_api_page_cut_on_the_indexes_equals_the_full_list(client: FlaskClient, session: Session) -> None:
    for title in ("Chor", "Boccia", "Apfelkuchen"):  # same start: ordered by title across the cut
        _event(session, title, datetime(2020, 1, 6, 10, tzinfo=BERLIN), "FREQ=DAILY")
    _event(session, "Lange Reise", datetime(2020, 1, 6, 9, tzinfo=BERLIN), "FREQ=WEEKLY", minutes=3 * 24 * 60)
    session.commit()
    first = local_today()
    last = first + timedelta(days=20)
    for limit in (1, 4, 5, 1000):
        response = client.get(f"/api/v1/events?from={first.isoformat()}&to={last.isoformat()}&limit={limit}")
        listed = [(item["title"], item["start"]) for item in response.get_json()["events"]]
        expected = [(view.event.title, view.start.isoformat()) for view in
                    list_occurrences(session, EventFilter(first=first, last=last, limit=limit))]
        assert [title for title, _ in listed] == [title for title, _ in expected], limit
        assert len(listed) == min(limit, len(expected))
