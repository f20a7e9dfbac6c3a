"""ICS import of real-world shaped files: time zones, RRULE/UNTIL, EXDATE, overrides, all-day,
UID sync (add, update, remove) and atomic failure with the line at fault."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.clock import as_local, as_utc
from shared.models import Event
from shared.services.events import EventFilter, list_occurrences
from shared.services.ics_export import to_ics
from shared.services.ics_import import IcsError, import_ics, parse_ics, read_source

ICS = Path(__file__).parent / "ics"


def _occurrences(session: Session, first: date, last: date, district: str) -> list[tuple[str, str]]:
    views = list_occurrences(session, EventFilter(first=first, last=last, districts=(district,)))
    return [(view.local_start.strftime("%Y-%m-%d %H:%M"), view.event.title) for view in views]


def test_google_export_with_timezone_rrule_exdate_override_and_all_day(session: Session) -> None:
    report = import_ics(session, read_source(str(ICS / "google_hoerde.ics")), source="bz-hoerde-feed")
    assert len(report.added) == 4 and not report.removed
    listed = _occurrences(session, date(2026, 10, 1), date(2026, 12, 31), "hoerde")
    gym = [start for start, title in listed if title == "Seniorengymnastik"]
    # Weekly Tuesdays 6 Oct – 29 Dec (13), minus EXDATE 27 Oct, minus the moved 17 Nov.
    assert len(gym) == 11
    assert "2026-10-27 10:00" not in gym and "2026-11-17 10:00" not in gym
    assert all(start.endswith("10:00") for start in gym)  # same wall time across the DST change
    assert ("2026-11-17 11:30", "Seniorengymnastik (später wegen Arztvortrag)") in listed
    assert ("2026-12-05 00:00", "Adventsbasar") in listed
    assert ("2026-12-10 14:00", "Vortrag: Sicher zu Hause") in listed  # 13:00Z is 14:00 in winter
    gym_event = session.scalars(select(Event).where(Event.external_uid == "gym-tuesday@bz-hoerde.example")).one()
    assert gym_event.venue is not None and gym_event.venue.slug == "bz-hoerde"
    assert gym_event.description == "Sanfte Gymnastik im Sitzen und Stehen.\nBitte bequeme Kleidung mitbringen."
    assert [c.slug for c in gym_event.categories] == ["bewegung"]
    basar = session.scalars(select(Event).where(Event.title == "Adventsbasar")).one()
    assert basar.all_day and {c.slug for c in basar.categories} == {"fest", "geselligkeit"}


def test_outlook_windows_time_zone_and_explicit_district(session: Session) -> None:
    import_ics(session, read_source(str(ICS / "outlook_eving.ics")), source="eving-outlook")
    listed = _occurrences(session, date(2026, 12, 1), date(2027, 1, 31), "eving")
    assert [start for start, _ in listed] == [
        "2026-12-04 15:00", "2026-12-11 15:00", "2026-12-18 15:00", "2026-12-25 15:00",
        "2027-01-01 15:00", "2027-01-08 15:00",
    ]


def test_resync_updates_and_removes_events_that_left_the_source(session: Session) -> None:
    text = read_source(str(ICS / "google_hoerde.ics"))
    import_ics(session, text, source="feed")
    assert import_ics(session, text, source="feed").summary() == "0 neu, 0 geändert, 0 entfernt, 4 unverändert"
    changed = text.replace("SUMMARY:Adventsbasar", "SUMMARY:Adventsbasar mit Waffeln")
    start = changed.index("BEGIN:VEVENT\r\nDTSTART:20261210")
    end = changed.index("END:VEVENT\r\n", start) + len("END:VEVENT\r\n")
    changed = changed[:start] + changed[end:]
    report = import_ics(session, changed, source="feed")
    assert report.updated == ["adventsbasar-2026@bz-hoerde.example"]
    assert report.removed == ["vortrag-utc@bz-hoerde.example"]
    titles = set(session.scalars(select(Event.title).where(Event.source == "feed")))
    assert "Adventsbasar mit Waffeln" in titles and "Vortrag: Sicher zu Hause" not in titles


def test_other_sources_are_left_alone(session: Session) -> None:
    import_ics(session, read_source(str(ICS / "google_hoerde.ics")), source="a")
    import_ics(session, read_source(str(ICS / "outlook_eving.ics")), source="b")
    assert session.scalar(select(func.count()).select_from(Event).where(Event.source == "a")) == 4


def test_malformed_file_names_the_line_and_imports_nothing(session: Session) -> None:
    import_ics(session, read_source(str(ICS / "google_hoerde.ics")), source="feed")
    session.commit()
    before = session.scalar(select(func.count()).select_from(Event))
    with pytest.raises(IcsError) as raised:
        import_ics(session, read_source(str(ICS / "bad_date.ics")), source="feed")
    assert raised.value.line == 12
    assert "DTSTART" in str(raised.value) and str(raised.value).startswith("Zeile 12:")
    session.commit()
    assert session.scalar(select(func.count()).select_from(Event)) == before
    assert session.scalar(select(func.count()).select_from(Event).where(Event.source == "feed")) == 4


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("", 1, "leer"),
    ("BEGIN:VEVENT\r\nEND:VEVENT\r\n", 1, "BEGIN:VCALENDAR"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261201T100000\r\nEND:VCALENDAR\r\n", 5, "END:VCALENDAR"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261201T100000\r\nEND:VEVENT\r\n", 5, "nicht mit END"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nthis is not a property\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 4,
     "keine gültige"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261201T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 2, "UID"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 2, "DTSTART"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261201T100000\r\nRRULE:FREQ=SOMETIMES\r\n"
     "END:VEVENT\r\nEND:VCALENDAR\r\n", 5, "RRULE"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261201T100000\r\nDTEND:20261201T090000\r\n"
     "END:VEVENT\r\nEND:VCALENDAR\r\n", 5, "vor DTSTART"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261201T100000\r\nEND:VEVENT\r\n"
     "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261202T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 6, "doppelt"),
])
def test_structural_errors_are_line_numbered(text: str, line: int, fragment: str) -> None:
    with pytest.raises(IcsError) as raised:
        parse_ics(text)
    assert raised.value.line == line
    assert fragment in str(raised.value)


def test_unknown_district_is_city_wide_unless_given(session: Session) -> None:
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261201T100000\r\n"
            "LOCATION:Irgendwo\r\nSUMMARY:Ausflug\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    report = import_ics(session, text, source="s")
    assert report.added == ["x"] and report.city_wide == ["Ausflug"]
    assert "ganz Dortmund: Ausflug" in report.summary()
    event = session.scalars(select(Event).where(Event.external_uid == "x")).one()
    assert event.district_id is None and event.district_name == "ganz Dortmund"
    report = import_ics(session, text, source="s", default_district="mengede")
    assert report.updated == ["x"] and report.city_wide == []
    session.refresh(event)
    assert event.district is not None and event.district.slug == "mengede"
    assert as_local(event.start).hour == 10  # floating time is Dortmund time


def test_one_unplaceable_event_does_not_refuse_the_feed_and_is_listed_in_every_district(session: Session) -> None:
    text = _feed(("a", "Gneisenaupark\\, Dortmund-Derne", "Spaziergang"), ("b", "Irgendwo am Wasser", "Bootsfahrt"))
    report = import_ics(session, text, source="stadt")
    assert sorted(report.added) == ["a", "b"] and report.city_wide == ["Bootsfahrt"]
    for district in ("scharnhorst", "hoerde"):
        views = list_occurrences(session, EventFilter(first=date(2026, 12, 1), last=date(2026, 12, 1),
                                                      districts=(district,)))
        titles = sorted(view.event.title for view in views)
        assert titles == (["Bootsfahrt", "Spaziergang"] if district == "scharnhorst" else ["Bootsfahrt"])
    # A malformed file is still refused whole: nothing of it is written.
    with pytest.raises(IcsError):
        import_ics(session, text.replace("END:VCALENDAR", "END:VEVENT"), source="stadt2")
    assert session.scalar(select(func.count()).select_from(Event).where(Event.source == "stadt2")) == 0


def test_dry_run_changes_nothing(session: Session) -> None:
    report = import_ics(session, read_source(str(ICS / "google_hoerde.ics")), source="feed", dry_run=True)
    assert len(report.added) == 4
    assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_export_is_valid_and_reimportable(session: Session) -> None:
    import_ics(session, read_source(str(ICS / "google_hoerde.ics")), source="feed")
    views = list_occurrences(session, EventFilter(first=date(2026, 10, 1), last=date(2026, 12, 31)))
    body = to_ics(views, base_url="https://treffpunkt.example")
    assert body.count(b"BEGIN:VEVENT") == len(views) == 14
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    calendar = Calendar.from_ical(body)
    for component in calendar.walk("VEVENT"):
        assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= set(component)
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
    reparsed = parse_ics(body.decode())
    assert len({event.uid for event in reparsed}) == 14


def _feed(*events: tuple[str, str, str]) -> str:
    body = "".join(f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20261201T100000\r\nLOCATION:{location}\r\n"
                   f"SUMMARY:{title}\r\nEND:VEVENT\r\n" for uid, location, title in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n"


def test_city_feed_places_events_by_stadtteil_and_postcode(session: Session) -> None:
    text = _feed(("a", "Gneisenaupark\\, Dortmund-Derne", "Spaziergang"),
                 ("b", "Gemeindehaus Kirchhörde", "Singen"),
                 ("c", "Bürgerhaus Westerfilde", "Kaffee"),
                 ("d", "Marktplatz\\, 44263 Dortmund", "Markt"),
                 ("e", "Hörde Zentrum", "Treff"))
    report = import_ics(session, text, source="stadt")
    assert sorted(report.added) == ["a", "b", "c", "d", "e"]
    districts = {event.external_uid: (event.district.slug if event.district else None)
                 for event in session.scalars(select(Event))}
    # Whole words, longest first: Kirchhörde is Hombruch, not Hörde; Westerfilde is not Innenstadt-West.
    assert districts == {"a": "scharnhorst", "b": "hombruch", "c": "mengede", "d": "hoerde", "e": "hoerde"}


def test_long_titles_are_cut_at_a_word_boundary(session: Session) -> None:
    title = "Großes Sommerfest " + "mit Musik und Kuchen " * 12
    import_ics(session, _feed(("t", "Aplerbeck", title)), source="stadt")
    stored = session.scalars(select(Event)).one().title
    assert len(stored) <= 200 and stored.endswith("…")
    assert title.startswith(stored[:-1]) and title[len(stored) - 1] == " "


RDATE_FEED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//RDATE//DE
BEGIN:VEVENT
UID:kaffee@bz-hoerde.example
DTSTART;TZID=Europe/Berlin:20261006T100000
DTEND;TZID=Europe/Berlin:20261006T113000
RRULE:FREQ=WEEKLY;COUNT=3
RDATE;TZID=Europe/Berlin:20261030T100000,20261106T100000,20261113T100000
RDATE:20261102T090000Z
RDATE;VALUE=PERIOD:20261120T140000Z/PT2H
RDATE;TZID=Europe/Berlin:20270328T100000
EXDATE;TZID=Europe/Berlin:20261106T100000
SUMMARY:Erzählcafé
X-TREFFPUNKT-DISTRICT:hoerde
END:VEVENT
BEGIN:VEVENT
UID:kaffee@bz-hoerde.example
RECURRENCE-ID;TZID=Europe/Berlin:20261113T100000
DTSTART;TZID=Europe/Berlin:20261113T113000
DTEND;TZID=Europe/Berlin:20261113T130000
SUMMARY:Erzählcafé (später)
X-TREFFPUNKT-DISTRICT:hoerde
END:VEVENT
END:VCALENDAR
"""


def test_rdate_adds_dates_exdate_removes_one_and_an_override_moves_one_across_dst(session: Session) -> None:
    import_ics(session, RDATE_FEED, source="rdate-feed")
    listed = _occurrences(session, date(2026, 10, 1), date(2027, 3, 31), "hoerde")
    assert listed == [
        ("2026-10-06 10:00", "Erzählcafé"), ("2026-10-13 10:00", "Erzählcafé"), ("2026-10-20 10:00", "Erzählcafé"),
        ("2026-10-30 10:00", "Erzählcafé"),  # after the autumn change, same wall time
        ("2026-11-02 10:00", "Erzählcafé"),  # 09:00Z is 10:00 in winter
        ("2026-11-13 11:30", "Erzählcafé (später)"),  # the override wins over the RDATE it moves
        ("2026-11-20 15:00", "Erzählcafé"),  # a PERIOD
        ("2027-03-28 10:00", "Erzählcafé"),  # the day of the spring change
    ]  # 6 November: RDATE removed by EXDATE
    spring = session.scalars(select(Event).where(Event.external_uid.like("%#2027-03-28T10:00:00"))).one()
    assert as_utc(spring.start).hour == 8  # 10:00 summer time, the change was at 02:00 that morning
    period = session.scalars(select(Event).where(Event.external_uid.like("%#2026-11-20T15:00:00"))).one()
    assert (as_utc(period.start).hour, as_utc(period.end).hour) == (14, 16)
    report = import_ics(session, RDATE_FEED.replace("RDATE:20261102T090000Z\n", ""), source="rdate-feed")
    assert report.removed == ["kaffee@bz-hoerde.example#2026-11-02T10:00:00"]
