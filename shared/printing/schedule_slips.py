"""Schedule slips built from the database, for the ``printer`` commands (and any surface that wants one)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from hardware.receipt_content import Footer, ScheduleSlip, SlipEvent
from shared.i18n import date_range
from shared.models import Venue
from shared.services.events import EventFilter, OccurrenceView, list_occurrences
from shared.services.places import district_by_slug, seniorenbuero, venue_by_slug

MAX_EVENTS = 40


def slip_event(view: OccurrenceView) -> SlipEvent:
    """One occurrence as it appears on a slip."""
    event = view.event
    place = event.venue.name if event.venue is not None else event.location
    return SlipEvent(
        start=view.local_start.isoformat(), end=view.local_end.isoformat(), title=event.title, place=place,
        district=event.district_name, barrier_free=event.barrier_free, all_day=event.all_day,
    )


def schedule_slip(session: Session, venue_slug: str, first: date, days: int = 1, district_slug: str | None = None,
                  qr_url: str = "", large_print: bool = False) -> ScheduleSlip:
    """The events of *days* days from *first* (in the kiosk venue's district unless *district_slug* is given)."""
    venue: Venue = venue_by_slug(session, venue_slug)
    district = district_by_slug(session, district_slug) if district_slug else venue.district
    last = first + timedelta(days=max(1, days) - 1)
    views = list_occurrences(session, EventFilter(first=first, last=last, districts=(district.slug,),
                                                  limit=MAX_EVENTS))
    heading = f"{district.name}, {date_range(first, last, 'de')}"
    office = seniorenbuero(session, district.id)
    footer = Footer(office_name=office.name if office else f"Seniorenbüro {district.name}",
                    office_phone=office.phone if office else "")
    return ScheduleSlip(centre=venue.name, heading=heading, events=[slip_event(view) for view in views],
                        footer=footer, qr_url=qr_url, large_print=large_print)
