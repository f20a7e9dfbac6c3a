"""Events: create, edit, cancel within the district; ICS import with preview and line errors."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from shared.clock import local_today
from shared.db import Database
from shared.models import Event, Occurrence, Venue
from tests.support.staff_login import csrf_token

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//DE
BEGIN:VEVENT
UID:skat-1@example.org
DTSTART;TZID=Europe/Berlin:{day}T140000
DTEND;TZID=Europe/Berlin:{day}T170000
SUMMARY:Skatturnier
X-TREFFPUNKT-DISTRICT:{district}
END:VEVENT
END:VCALENDAR
"""


def _venue_id(db: Database, slug: str) -> int:
    with db.session() as session:
        venue_id = session.scalar(select(Venue.id).where(Venue.slug == slug))
        assert venue_id is not None
        return venue_id


def _form(db: Database, **changes: str) -> dict[str, str]:
    day = (local_today() + timedelta(days=3)).isoformat()
    return {"title": "Kaffeeklatsch", "description": "Gemütlich", "day": day, "start_time": "15:00",
            "end_time": "17:00", "repeat": "", "venue_id": str(_venue_id(db, "sb-hoerde")), "cost": "2 €",
            **changes}


def test_create_edit_and_cancel_an_event(hoerde_client: FlaskClient, db: Database) -> None:
    token = csrf_token(hoerde_client, "/staff/events/new")
    response = hoerde_client.post("/staff/events/new", data={**_form(db, repeat="WEEKLY"), "csrf_token": token})
    assert response.status_code == 302
    with db.session() as session:
        event = session.scalars(select(Event).where(Event.title == "Kaffeeklatsch")).one()
        assert event.rrule.startswith("FREQ=WEEKLY;BYDAY=")
        occurrences = session.scalar(select(Occurrence.id).where(Occurrence.event_id == event.id))
        assert occurrences is not None
        event_id = event.id
    edit_page = hoerde_client.get(f"/staff/events/{event_id}/edit").get_data(as_text=True)
    assert 'value="15:00"' in edit_page
    response = hoerde_client.post(f"/staff/events/{event_id}/edit",
                                  data={**_form(db, title="Kaffee und Kuchen"), "csrf_token": token})
    assert response.status_code == 302
    assert hoerde_client.post(f"/staff/events/{event_id}/cancel", data={"csrf_token": token}).status_code == 302
    with db.session() as session:
        edited = session.get(Event, event_id)
        assert edited is not None and edited.title == "Kaffee und Kuchen" and edited.cancelled and edited.rrule == ""
    assert "abgesagt" in hoerde_client.get("/staff/events").get_data(as_text=True)


def _listed(client: FlaskClient, query: str) -> set[str]:
    page = client.get("/staff/events", query_string={"q": query}).get_data(as_text=True)
    return {title for title in ("Şükran Teestube", "Встреча im Park", "Kaffeeklatsch") if title in page}


def test_the_event_list_searches_the_index_after_create_edit_and_delete(hoerde_client: FlaskClient,
                                                                       db: Database) -> None:
    token = csrf_token(hoerde_client, "/staff/events/new")
    for title in ("Şükran Teestube", "Kaffeeklatsch"):
        assert hoerde_client.post("/staff/events/new",
                                  data={**_form(db, title=title), "csrf_token": token}).status_code == 302
    assert _listed(hoerde_client, "SUKRAN") == {"Şükran Teestube"}
    assert _listed(hoerde_client, "gemutl") == {"Şükran Teestube", "Kaffeeklatsch"}  # the description
    with db.session() as session:
        event_id = session.scalars(select(Event.id).where(Event.title == "Kaffeeklatsch")).one()
    assert hoerde_client.post(f"/staff/events/{event_id}/edit",
                              data={**_form(db, title="Встреча im Park"), "csrf_token": token}).status_code == 302
    assert _listed(hoerde_client, "kaffeeklatsch") == set()
    assert _listed(hoerde_client, "встреча") == {"Встреча im Park"}
    assert hoerde_client.post(f"/staff/events/{event_id}/delete", data={"csrf_token": token}).status_code == 302
    assert _listed(hoerde_client, "встреча") == set()


def test_event_form_problems_are_shown_and_nothing_is_stored(hoerde_client: FlaskClient, db: Database) -> None:
    token = csrf_token(hoerde_client, "/staff/events/new")
    response = hoerde_client.post("/staff/events/new", data={
        **_form(db, title="", end_time="14:00", venue_id=str(_venue_id(db, "sb-eving"))), "csrf_token": token})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Bitte einen Titel angeben" in body
    assert "Das Ende muss nach dem Beginn liegen" in body
    assert "Ort aus Ihrem Stadtbezirk" in body
    with db.session() as session:
        assert session.scalars(select(Event)).first() is None


def test_events_of_other_districts_are_404(hoerde_client: FlaskClient, eving_client: FlaskClient,
                                           db: Database) -> None:
    token = csrf_token(hoerde_client, "/staff/events/new")
    hoerde_client.post("/staff/events/new", data={**_form(db), "csrf_token": token})
    with db.session() as session:
        event_id = session.scalars(select(Event.id)).one()
    eving_token = csrf_token(eving_client, "/staff/events")
    assert eving_client.get(f"/staff/events/{event_id}/edit").status_code == 404
    assert eving_client.post(f"/staff/events/{event_id}/cancel", data={"csrf_token": eving_token}).status_code == 404
    assert "Kaffeeklatsch" not in eving_client.get("/staff/events").get_data(as_text=True)


def _upload(client: FlaskClient, text: str, source: str = "skatclub") -> tuple[int, str]:
    response = client.post("/staff/events/import", data={
        "source": source, "csrf_token": csrf_token(client, "/staff/events/import"),
        "file": (io.BytesIO(text.encode()), "termine.ics"),
    }, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def test_ics_preview_then_import(hoerde_client: FlaskClient, db: Database) -> None:
    day = (local_today() + timedelta(days=5)).strftime("%Y%m%d")
    status, body = _upload(hoerde_client, ICS.format(day=day, district="hoerde"))
    assert status == 200, body
    assert "Skatturnier" in body and "Neu: 1" in body
    with db.session() as session:
        assert session.scalars(select(Event)).first() is None
    token = body.split('name="token" value="')[1].split('"')[0]
    source = body.split('name="source" value="')[1].split('"')[0]
    assert source == "hoerde:skatclub"
    response = hoerde_client.post("/staff/events/import/confirm", data={
        "token": token, "source": source, "csrf_token": csrf_token(hoerde_client, "/staff/events")},
        follow_redirects=True)
    assert "Import abgeschlossen: 1 neu" in response.get_data(as_text=True)
    with db.session() as session:
        event = session.scalars(select(Event)).one()
        assert event.title == "Skatturnier" and event.source == "hoerde:skatclub"
    replay = hoerde_client.post("/staff/events/import/confirm", data={
        "token": token, "source": source, "csrf_token": csrf_token(hoerde_client, "/staff/events")},
        follow_redirects=True)
    assert "Vorschau ist abgelaufen" in replay.get_data(as_text=True)


def test_ics_errors_name_the_line(hoerde_client: FlaskClient) -> None:
    broken = ICS.format(day=date.today().strftime("%Y%m%d"), district="hoerde").replace(
        "DTEND;TZID=Europe/Berlin:", "DTEND;TZID=Europe/Berlin:kaputt")
    status, body = _upload(hoerde_client, broken)
    assert status == 400
    assert "Zeile 7: DTEND ist ungültig" in body
    status, body = _upload(hoerde_client, "not a calendar")
    assert status == 400 and "Zeile 1" in body


def test_staff_cannot_import_into_another_district(hoerde_client: FlaskClient, db: Database) -> None:
    day = (local_today() + timedelta(days=5)).strftime("%Y%m%d")
    status, body = _upload(hoerde_client, ICS.format(day=day, district="eving"))
    assert status == 400
    assert "anderen Stadtbezirks" in body
    with db.session() as session:
        assert session.scalars(select(Event)).first() is None


def test_staff_cannot_make_the_server_fetch_internal_addresses(hoerde_client: FlaskClient) -> None:
    response = hoerde_client.post("/staff/events/import", data={
        "source": "intern", "url": "http://127.0.0.1:5432/x.ics",
        "csrf_token": csrf_token(hoerde_client, "/staff/events/import")})
    assert response.status_code == 400
    assert "nicht öffentlich erreichbar" in response.get_data(as_text=True)
