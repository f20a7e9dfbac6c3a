"""Event list by next date; cancelling and restoring one date or a whole series; deleting; words for rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.clock import BERLIN, as_local, local_today
from shared.db import Database
from shared.models import Event, Occurrence
from shared.services.events import save_event
from shared.services.places import district_by_slug
from shared.staff.recurrence_words import describe
from tests.staff.conftest import Staff
from tests.support.staff_login import csrf_token


def _weekly_series(db: Database, weeks_ago: int = 3) -> int:
    """A Tuesday-10:00 series that began weeks ago, in Hörde."""
    today = local_today()
    first = today - timedelta(days=today.weekday() - 1 + 7 * weeks_ago)
    start = datetime(first.year, first.month, first.day, 10, 0, tzinfo=BERLIN)
    with db.session() as session:
        event = Event(title="Sitztanz", start=start, end=start + timedelta(hours=1), rrule="FREQ=WEEKLY;BYDAY=TU",
                      district_id=district_by_slug(session, "hoerde").id, source="manual")
        save_event(session, event)
        return event.id


def _dates(db: Database, event_id: int) -> list[datetime]:
    with db.session() as session:
        return [as_local(start) for start in session.scalars(
            select(Occurrence.start).where(Occurrence.event_id == event_id, Occurrence.start >= datetime.now(BERLIN))
            .order_by(Occurrence.start))]


def test_the_list_shows_the_next_date_and_the_rule_in_words(hoerde_client: FlaskClient, db: Database,
                                                            staff_users: Staff) -> None:
    event_id = _weekly_series(db)
    upcoming = _dates(db, event_id)[0]
    page = hoerde_client.get("/staff/events").get_data(as_text=True)
    row = page[page.index(f'data-event="{event_id}"'):]
    assert upcoming.strftime("%d.%m.%Y") in row[:400]
    assert "jeden Dienstag, 10:00" in row


def test_one_date_or_the_series_is_cancelled_and_restored_and_deleted(hoerde_client: FlaskClient, db: Database,
                                                                       eving_client: FlaskClient,
                                                                       staff_users: Staff) -> None:
    event_id = _weekly_series(db)
    first, second = _dates(db, event_id)[:2]
    token = csrf_token(hoerde_client, "/staff/events")
    key = first.replace(tzinfo=None).isoformat()
    assert hoerde_client.post(f"/staff/events/{event_id}/dates/cancel", data={"start": key, "csrf_token": token}
                              ).status_code == 302
    assert _dates(db, event_id)[0] == second
    page = hoerde_client.get("/staff/events").get_data(as_text=True)
    assert "Wieder ansetzen" in page
    # A date that is not one of the series, or cancelling twice, is refused in words.
    bogus = hoerde_client.post(f"/staff/events/{event_id}/dates/cancel", data={"start": key, "csrf_token": token},
                               follow_redirects=True)
    assert "gibt es nicht" in bogus.get_data(as_text=True)
    assert "gibt es nicht" in hoerde_client.post(f"/staff/events/{event_id}/dates/cancel", data={
        "start": "2026-02-30T10:00", "csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    hoerde_client.post(f"/staff/events/{event_id}/dates/restore", data={"start": key, "csrf_token": token})
    assert _dates(db, event_id)[:2] == [first, second]
    # Another district can neither cancel nor delete it.
    other = csrf_token(eving_client, "/staff/events")
    assert eving_client.post(f"/staff/events/{event_id}/delete", data={"csrf_token": other}).status_code == 404
    hoerde_client.post(f"/staff/events/{event_id}/cancel", data={"csrf_token": token})
    with db.session() as session:
        assert session.get(Event, event_id).cancelled is True  # type: ignore[union-attr]
    hoerde_client.post(f"/staff/events/{event_id}/restore", data={"csrf_token": token})
    with db.session() as session:
        assert session.get(Event, event_id).cancelled is False  # type: ignore[union-attr]
    assert hoerde_client.post(f"/staff/events/{event_id}/delete", data={"csrf_token": token}).status_code == 302
    with db.session() as session:
        assert session.get(Event, event_id) is None
        assert session.scalar(select(func.count()).select_from(Occurrence)
                              .where(Occurrence.event_id == event_id)) == 0


def test_rules_in_german_words() -> None:
    start = datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)  # a Tuesday
    assert describe("FREQ=WEEKLY;BYDAY=TU", start) == "jeden Dienstag, 10:00"
    assert describe("FREQ=WEEKLY", start) == "jeden Dienstag, 10:00"
    assert describe("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", start) == "jeden zweiten Montag und Donnerstag, 10:00"
    assert describe("FREQ=MONTHLY;BYDAY=-1FR", start) == "jeden Monat am letzten Freitag, 10:00"
    assert describe("FREQ=MONTHLY;BYDAY=1WE;COUNT=3", start) == "jeden Monat am 1. Mittwoch, 10:00 (3 Termine)"
    assert describe("FREQ=DAILY;UNTIL=20261224T000000Z", start, all_day=True) == "täglich bis 24.12.2026"
    assert describe("", start) == ""


def test_recurrence_in_words_follows_the_dashboard_language(app: Flask) -> None:
    start = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    with app.test_request_context("/staff/", headers={"Accept-Language": "en"}):
        assert describe("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", start) == "every other Monday and Thursday, 10:00"
        assert describe("FREQ=MONTHLY;BYDAY=-1FR;COUNT=1", start) == "every month on the last Friday, 10:00 (1 date)"
        assert describe("FREQ=YEARLY;UNTIL=20301224T000000Z", start, all_day=True) == \
            "every year on November 24 until 2030-12-24"
    assert describe("FREQ=YEARLY", start, all_day=True) == "jedes Jahr am 24. November"
