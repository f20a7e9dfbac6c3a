"""The JSON API: districts, events with filters, event detail, kiosk requests, OpenAPI."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy.orm import Session

from shared.clock import BERLIN, local_today
from shared.models import Event
from shared.seed.demo import seed_demo_kiosk
from shared.services.events import save_event
from shared.services.places import district_by_slug, venue_by_slug


def _event(session: Session, title: str, start: datetime, venue_slug: str, rrule: str = "") -> Event:
    venue = venue_by_slug(session, venue_slug)
    return save_event(session, Event(title=title, start=start, end=start + timedelta(hours=2),
                                     venue_id=venue.id, district_id=venue.district_id, rrule=rrule))


def test_districts_lists_all_twelve_in_city_order(client: FlaskClient) -> None:
    body = client.get("/api/v1/districts").get_json()
    slugs = [item["slug"] for item in body["districts"]]
    assert len(slugs) == 12
    assert slugs[:3] == ["innenstadt-west", "innenstadt-nord", "innenstadt-ost"]
    assert "hoerde" in slugs and body["districts"][7] == {"slug": "hoerde", "name": "Hörde", "number": 8}


def test_events_one_item_per_occurrence_with_berlin_offset(client: FlaskClient, session: Session) -> None:
    today = local_today()
    start = datetime.combine(today, datetime.min.time().replace(hour=10), BERLIN)
    _event(session, "Seniorengymnastik", start, "bz-hoerde", rrule="FREQ=DAILY;COUNT=3")
    _event(session, "Singkreis", start + timedelta(hours=4), "bz-eving")
    session.commit()
    body = client.get(f"/api/v1/events?from={today}&to={today + timedelta(days=2)}&district=hoerde").get_json()
    titles = [item["title"] for item in body["events"]]
    assert titles == ["Seniorengymnastik"] * 3
    first = body["events"][0]
    assert set(first) >= {"id", "title", "start", "end", "venue", "district", "categories"}
    assert first["district"] == "hoerde" and first["venue"] == "Begegnungszentrum Hörde"
    parsed = datetime.fromisoformat(first["start"])
    assert parsed.utcoffset() == start.utcoffset() and parsed.hour == 10


def test_events_text_search_and_bad_dates(client: FlaskClient, session: Session) -> None:
    start = datetime.combine(local_today(), datetime.min.time().replace(hour=15), BERLIN)
    _event(session, "Erzählcafé am Nachmittag", start, "bz-hoerde")
    session.commit()
    assert [e["title"] for e in client.get("/api/v1/events?q=erzähl").get_json()["events"]] == [
        "Erzählcafé am Nachmittag"]
    response = client.get("/api/v1/events?from=2026-13-01")
    assert response.status_code == 400
    assert "from" in response.get_json()["message"]
    assert client.get("/api/v1/events?from=2026-12-10&to=2026-12-01").status_code == 400
    assert client.get("/api/v1/events?limit=0").status_code == 400


def test_event_detail_and_missing_event(client: FlaskClient, session: Session) -> None:
    start = datetime.combine(local_today() + timedelta(days=1), datetime.min.time().replace(hour=9), BERLIN)
    event = _event(session, "Wandern", start, "bz-aplerbeck", rrule="FREQ=WEEKLY;COUNT=4")
    session.commit()
    body = client.get(f"/api/v1/events/{event.id}").get_json()
    assert body["title"] == "Wandern" and len(body["upcoming"]) == 4
    assert body["recurrence"] == "FREQ=WEEKLY;COUNT=4"
    assert client.get("/api/v1/events/999999").status_code == 404


def test_ics_export_uses_same_filters(client: FlaskClient, session: Session) -> None:
    start = datetime.combine(local_today(), datetime.min.time().replace(hour=11), BERLIN)
    _event(session, "Tanztee", start, "bz-hoerde")
    _event(session, "Skatrunde", start, "bz-eving")
    session.commit()
    response = client.get("/api/v1/events.ics?district=hoerde")
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert "SUMMARY:Tanztee" in body and "Skatrunde" not in body
    assert "DTSTART;TZID=Europe/Berlin:" in body and "\r\n" in body


def test_ics_export_gives_every_occurrence_its_events_properties(client: FlaskClient, session: Session) -> None:
    """An event's properties are serialised once and shared by its occurrences: each VEVENT still
    carries all of them, with its own UID and times, and the calendar one VTIMEZONE."""
    start = datetime.combine(local_today(), datetime.min.time().replace(hour=10), BERLIN)
    series = _event(session, "Gedächtnistraining", start, "bz-hoerde", rrule="FREQ=WEEKLY;COUNT=30")
    series.description = "Übungen für Kopf und Gedächtnis, in kleiner Runde; " * 8  # folded over lines
    save_event(session, series)
    _event(session, "Tanztee", start + timedelta(days=2), "bz-eving")
    session.commit()
    body = client.get(f"/api/v1/events.ics?from={local_today()}&to={local_today() + timedelta(days=365)}").data
    calendar = Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    weekly = [item for item in events if str(item["SUMMARY"]) == "Gedächtnistraining"]
    assert len(weekly) == 30 and len(events) == 31
    assert all(str(item["DESCRIPTION"]) == series.description for item in weekly)
    venue = venue_by_slug(session, "bz-hoerde")
    assert all(str(item["LOCATION"]) == f"{venue.name}, {venue.address}" for item in weekly)
    assert len({str(item["UID"]) for item in events}) == 31
    starts = sorted(item.decoded("DTSTART") for item in weekly)
    assert starts[0] == start and starts[1] - starts[0] == timedelta(days=7)
    assert starts[0].tzinfo is not None and len(calendar.walk("VTIMEZONE")) == 1


def test_kiosk_request_needs_token_and_is_idempotent(client: FlaskClient, session: Session) -> None:
    seed_demo_kiosk(session, "bz-hoerde", "secret-kiosk-token")
    session.commit()
    payload = {"kind": "home_visit", "district": "hoerde", "phone": "0231 1234567",
               "name": "Erika Muster", "consent": True, "idempotency_key": "form-1"}
    assert client.post("/api/v1/requests", json=payload).status_code == 401
    assert client.post("/api/v1/requests", json=payload,
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    headers = {"Authorization": "Bearer secret-kiosk-token"}
    first = client.post("/api/v1/requests", json=payload, headers=headers)
    again = client.post("/api/v1/requests", json=payload, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["reference"] == again.get_json()["reference"]
    bad = client.post("/api/v1/requests", json={**payload, "phone": "12", "idempotency_key": "x"},
                      headers=headers)
    assert bad.status_code == 400
    assert "Telefonnummer" in bad.get_json()["errors"]["phone"]
    forged = client.post("/api/v1/requests", json={**payload, "idempotency_key": None},
                         headers={**headers, "Idempotency-Key": "form-\x002"})
    assert forged.status_code == 400 and "NUL" in forged.get_json()["message"], "refused before the database"


def test_openapi_document_matches_routes(app: Flask, client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}")
        routed |= {(path, method) for method in rule.methods or () if method not in {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_healthz_reports_database(client: FlaskClient) -> None:
    body = client.get("/healthz").get_json()
    assert body["ok"] is True
    assert body["checks"]["database"]["ok"] is True


def test_unknown_district_gives_empty_list(client: FlaskClient, session: Session) -> None:
    district_by_slug(session, "hoerde")
    assert client.get("/api/v1/events?district=atlantis").get_json() == {"events": []}


def test_nul_bytes_in_parameters_are_refused(client: FlaskClient) -> None:
    for path in ("/api/v1/venues?district=%00", "/api/v1/events?q=a%00b", "/api/v1/events.ics?district=%00"):
        response = client.get(path)
        assert response.status_code == 400
        assert "NUL" in response.get_json()["message"]


def test_a_city_wide_event_is_listed_in_every_district(client: FlaskClient, session: Session) -> None:
    today = local_today()
    start = datetime.combine(today, datetime.min.time().replace(hour=15), BERLIN)
    save_event(session, Event(title="Stadtfest", start=start, end=start + timedelta(hours=3), district_id=None,
                              location="Friedensplatz"))
    _event(session, "Singkreis", start, "bz-eving")
    session.commit()
    for district, titles in (("hoerde", ["Stadtfest"]), ("eving", ["Singkreis", "Stadtfest"])):
        body = client.get(f"/api/v1/events?from={today}&to={today}&district={district}").get_json()
        assert sorted(item["title"] for item in body["events"]) == titles
    city = next(item for item in body["events"] if item["title"] == "Stadtfest")
    assert city["district"] is None and city["district_name"] == "ganz Dortmund"
    assert b"Stadtfest" in client.get(f"/api/v1/events.ics?district=hoerde&from={today}&to={today}").data
