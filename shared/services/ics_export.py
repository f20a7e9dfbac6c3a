"""ICS (RFC 5545) export of event occurrences with a VTIMEZONE for Europe/Berlin."""

from __future__ import annotations

from collections.abc import Sequence

from icalendar import Calendar
from icalendar import Event as IcsEvent

from shared.clock import utcnow
from shared.services.events import OccurrenceView

PRODID = "-//Treffpunkt//Seniorenbueros Dortmund//DE"


def occurrence_uid(view: OccurrenceView) -> str:
    """A UID stable per occurrence: event id plus its UTC start."""
    return f"event-{view.event.id}-{view.start:%Y%m%dT%H%M%SZ}@treffpunkt"


def to_ics(views: Sequence[OccurrenceView], base_url: str = "") -> bytes:
    """Serialise occurrences as one calendar, one VEVENT per occurrence."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Treffpunkt – Veranstaltungen für Senior*innen")
    calendar.add("x-wr-timezone", "Europe/Berlin")
    stamp = utcnow()
    for view in views:
        event = view.event
        item = IcsEvent()
        item.add("uid", occurrence_uid(view))
        item.add("dtstamp", stamp)
        if event.all_day:
            item.add("dtstart", view.local_start.date())
            item.add("dtend", view.local_end.date())
        else:
            item.add("dtstart", view.local_start)
            item.add("dtend", view.local_end)
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
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
