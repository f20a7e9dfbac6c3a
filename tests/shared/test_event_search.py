"""Event text search: any script and case, without diacritics, the last word as a prefix; the index
follows every write path (form save, ICS import, delete); a search at scale is an index lookup."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from shared.clock import BERLIN
from shared.models import Event, EventSearch
from shared.services.event_admin import list_events
from shared.services.event_bulk import EventRow, write_events
from shared.services.events import EventFilter, list_occurrences, save_event
from shared.services.ics_import import import_ics
from shared.services.places import venue_by_slug

DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)


def _add(session: Session, title: str, description: str = "", location: str = "") -> Event:
    place = venue_by_slug(session, "bz-hoerde")
    start = datetime.combine(DAY, datetime.min.time(), BERLIN).replace(hour=10)
    return save_event(session, Event(title=title, description=description, location=location, start=start,
                                     end=start + timedelta(hours=1), venue_id=place.id,
                                     district_id=place.district_id))


def _titles(session: Session, query: str) -> list[str]:
    return sorted(view.event.title for view in list_occurrences(session, EventFilter(first=DAY, last=DAY, text=query)))


@time_machine.travel(NOW, tick=False)
def test_any_script_case_and_diacritics_and_the_last_word_as_a_prefix(session: Session) -> None:
    for title in ("Встреча пенсионеров", "Şükran Teestube", "Fahrt nach Łódź", "Spielegruppe", "Ausflug nach Münster"):
        _add(session, title)
    _add(session, "Offener Treff", description="Mit der Strickgruppe", location="Café Zauberberg")
    session.commit()
    cases = {
        "Встреча": ["Встреча пенсионеров"], "ВСТРЕЧА": ["Встреча пенсионеров"], "встр": ["Встреча пенсионеров"],
        "Şükran": ["Şükran Teestube"], "sukran": ["Şükran Teestube"], "ŞÜKRAN TEE": ["Şükran Teestube"],
        "Łódź": ["Fahrt nach Łódź"], "LODZ": ["Fahrt nach Łódź"], "lodz fahrt": ["Fahrt nach Łódź"],
        "Spielegruppe": ["Spielegruppe"], "spielegr": ["Spielegruppe"],
        "Münster": ["Ausflug nach Münster"], "Muenster": ["Ausflug nach Münster"], "munster": ["Ausflug nach Münster"],
        "strickgruppe": ["Offener Treff"], "zauberberg cafe": ["Offener Treff"],
        # Every word must appear; only the last one is a prefix.
        "Fahrt Münster": [], "fah lodz": [], "gruppe": [], "nirgendwo": [],
    }
    for query, expected in cases.items():
        assert _titles(session, query) == expected, query
    assert len(_titles(session, "  ")) == 6  # no words: no filter
    assert [event.title for event in list_events(session, None, "встреча пенс")] == ["Встреча пенсионеров"]


@time_machine.travel(NOW, tick=False)
def test_the_public_api_searches_the_same_way(client: FlaskClient, session: Session) -> None:
    _add(session, "Şükran Teestube")
    session.commit()
    response = client.get("/api/v1/events", query_string={"q": "ŞÜKRAN", "from": DAY.isoformat()})
    assert [item["title"] for item in response.get_json()["events"]] == ["Şükran Teestube"]


@time_machine.travel(NOW, tick=False)
def test_the_index_follows_edits_deletes_and_imports(session: Session) -> None:
    event = _add(session, "Kaffeeklatsch")
    session.commit()
    event.title = "Waffelbacken"
    save_event(session, event)
    session.commit()
    assert _titles(session, "kaffeeklatsch") == [] and _titles(session, "waffel") == ["Waffelbacken"]
    session.delete(event)
    session.commit()
    assert _titles(session, "waffel") == []
    assert session.scalar(select(func.count()).select_from(EventSearch)) == 0

    feed = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261124T100000\r\n"
            "LOCATION:Hörde Zentrum\r\nSUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    import_ics(session, feed.format(title="Seniorentanz in Łódź"), source="stadt")
    session.commit()
    assert _titles(session, "lodz") == ["Seniorentanz in Łódź"] and _titles(session, "horde zentr") == [
        "Seniorentanz in Łódź"]
    import_ics(session, feed.format(title="Singkreis"), source="stadt")
    session.commit()
    assert _titles(session, "lodz") == [] and _titles(session, "singkreis") == ["Singkreis"]
    import_ics(session, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", source="stadt")
    session.commit()
    assert _titles(session, "singkreis") == []
    assert session.scalar(select(func.count()).select_from(EventSearch)) == 0


@contextmanager
def _statements(session: Session) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def keep(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


@time_machine.travel(NOW, tick=False)
def test_a_search_at_scale_is_an_index_lookup(session: Session) -> None:
    place = venue_by_slug(session, "bz-hoerde")
    start = datetime.combine(DAY, datetime.min.time(), BERLIN).replace(hour=10)
    words = ("Gymnastik", "Skat", "Yoga", "Schach", "Tanztee")
    rows = [EventRow({"title": f"Angebot {number} {words[number % len(words)]}", "description": "Beschreibung",
                      "location": "", "start": start, "end": start + timedelta(hours=1), "rrule": "", "exdates": "",
                      "venue_id": place.id, "district_id": place.district_id, "cancelled": False,
                      "source": "scale", "external_uid": f"scale-{number}"}, ())
            for number in range(5000)]
    write_events(session, rows, (), ())
    session.commit()
    session.execute(text("ANALYZE"))
    with _statements(session) as seen:
        assert _titles(session, "Angebot 4321") == ["Angebot 4321 Skat"]
    assert len(_titles(session, "yoga")) == 1000
    searched = [(statement, parameters) for statement, parameters in seen if "event_search" in statement]
    assert len(searched) == 1
    statement, parameters = searched[0]
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        plan = " | ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
        assert "event_search_fts VIRTUAL TABLE INDEX" in plan and "SCAN events" not in plan, plan
    else:  # (a table of 5,000 events may still be read whole: cheaper than 1,000 lookups)
        plan = " | ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
        assert "ix_event_search_body" in plan and "Seq Scan on event_search" not in plan, plan
