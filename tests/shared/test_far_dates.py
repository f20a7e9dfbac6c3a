"""Far-future API windows answer fast and right; overlong windows are refused."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from shared.clock import BERLIN
from shared.models import Event
from shared.services.events import save_event
from shared.services.places import venue_by_slug


def _event(session: Session, title: str, start: datetime, rrule: str, minutes: int = 90) -> None:
    venue = venue_by_slug(session, "bz-hoerde")
    save_event(session, Event(title=title, start=start, end=start + timedelta(minutes=minutes),
                              venue_id=venue.id, district_id=venue.district_id, rrule=rrule))


def test_the_year_2999_is_answered_fast_and_right(client: FlaskClient, session: Session) -> None:
    since = datetime(2020, 1, 6, 10, tzinfo=BERLIN)  # a Monday
    _event(session, "Gymnastik", since, "FREQ=WEEKLY;BYDAY=MO")
    _event(session, "Morgenrunde", since, "FREQ=DAILY")
    _event(session, "Stammtisch", since, "FREQ=MONTHLY;BYDAY=1TU")
    _event(session, "Zweiwöchentlich", since, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH")
    session.commit()
    started = time.perf_counter()
    response = client.get("/api/v1/events?from=2999-01-01&to=2999-01-07")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    titles = [item["title"] for item in response.get_json()["events"]]
    assert titles.count("Gymnastik") == 1  # 2999-01-07 is a Monday
    assert titles.count("Morgenrunde") == 7
    assert titles.count("Stammtisch") == 1  # 2999-01-01 is a Tuesday
    assert titles.count("Zweiwöchentlich") == 0  # 2998-12-27 and 2999-01-10, by plain iteration
    starts = [datetime.fromisoformat(item["start"]) for item in response.get_json()["events"]
              if item["title"] == "Gymnastik"]
    assert [(s.year, s.month, s.day, s.hour) for s in starts] == [(2999, 1, 7, 10)]
    assert elapsed < 1.0


def test_windows_longer_than_a_year_are_refused(client: FlaskClient) -> None:
    response = client.get("/api/v1/events?from=2027-01-01&to=2028-06-01")
    assert response.status_code == 400
    assert "366" in response.get_json()["message"]
    assert client.get("/api/v1/events?from=2027-01-01&to=2027-12-31").status_code == 200
