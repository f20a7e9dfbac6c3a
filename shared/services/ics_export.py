"""ICS (RFC 5545) export of event occurrences with a VTIMEZONE for Europe/Berlin."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from icalendar import Calendar, Timezone
from icalendar import Event as IcsEvent

from shared.clock import BERLIN, utcnow
from shared.models import Event
from shared.services.events import OccurrenceView

PRODID = "-//Treffpunkt//Seniorenbueros Dortmund//DE"
TZID = "Europe/Berlin"


def occurrence_uid(view: OccurrenceView) -> str:
    """A UID stable per occurrence: event id plus its UTC start."""
    return f"event-{view.event.id}-{view.start:%Y%m%dT%H%M%SZ}@treffpunkt"


def to_ics(views: Sequence[OccurrenceView], base_url: str = "") -> bytes:
    """Serialise occurrences as one calendar, one VEVENT per occurrence.

    An event's own properties (title, description, place, …) are serialised once, however many of
    its occurrences are listed: folding a long description again for each of a year's 1,000
    occurrences took most of a second. Times go out as Berlin wall time with their TZID, and the
    calendar carries that zone's VTIMEZONE.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Treffpunkt – Veranstaltungen für Senior*innen")
    calendar.add("x-wr-timezone", TZID)
    stamp = utcnow()
    details: dict[int, bytes] = {}
    events: list[bytes] = []
    for view in views:
        if view.event.id not in details:
            details[view.event.id] = _properties(_details(view.event, base_url))
        events.append(b"BEGIN:VEVENT\r\n" + _properties(_timing(view, stamp)) + details[view.event.id]
                      + b"END:VEVENT\r\n")
    if any(not view.event.all_day for view in views):
        calendar.add_component(_berlin_timezone())
    head, end = bytes(calendar.to_ical()).rsplit(b"END:VCALENDAR", 1)
    return head + b"".join(events) + b"END:VCALENDAR" + end



def _timing(view: OccurrenceView, stamp: datetime) -> IcsEvent:
    """What differs between the occurrences of one event: UID and times."""
    item = IcsEvent()
    item.add("uid", occurrence_uid(view))
    item.add("dtstamp", stamp)
    if view.event.all_day:
        item.add("dtstart", view.local_start.date())
        item.add("dtend", view.local_end.date())
    else:  # wall time with its TZID: no zone lookup per value
        item.add("dtstart", view.local_start.replace(tzinfo=None), parameters={"TZID": TZID})
        item.add("dtend", view.local_end.replace(tzinfo=None), parameters={"TZID": TZID})
    return item


def _details(event: Event, base_url: str) -> IcsEvent:
    """The properties every occurrence of *event* shares."""
    item = IcsEvent()
    item.add("summary", event.title)
    if event.description:
        item.add("description", event.description)
    place = event.venue.name + ", " + event.venue.address if event.venue else event.location
    if place:
        item.add("location", place)
    if event.categories:
        item.add("categories", [category.name for category in event.categories])
    if base_url:
        item.add("url", f"{base_url.rstrip('/')}/kiosk/events/{event.id}")
    if event.district is not None:  # a city-wide event has no district
        item.add("x-treffpunkt-district", event.district.slug)
    return item


def _properties(component: IcsEvent) -> bytes:
    """The content lines of *component* without its BEGIN and END lines."""
    lines = bytes(component.to_ical())
    return lines[lines.index(b"\r\n") + 2:lines.rindex(b"END:VEVENT")]


@lru_cache(maxsize=1)
def _berlin_timezone() -> Timezone:
    """The VTIMEZONE of Europe/Berlin, as icalendar derives it from the zone database."""
    sample = Calendar()
    item = IcsEvent()
    item.add("dtstart", datetime(2026, 1, 1, tzinfo=BERLIN))
    sample.add_component(item)
    sample.add_missing_timezones()
    return sample.timezones[0]
