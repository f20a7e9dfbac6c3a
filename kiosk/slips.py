"""Receipt content for what the kiosk prints, built from the services' views."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hardware.receipt_content import EventSlip, RequestSlip, ScheduleSlip, SlipEvent
from kiosk.centre import Centre, office_footer
from shared.models import Event, Request
from shared.services.events import OccurrenceView

MAX_SLIP_EVENTS = 12  # a list slip stays short (about 40 cm); the rest is counted on it
MAX_SLIP_EVENTS_LARGE = 6


def slip_event(view: OccurrenceView) -> SlipEvent:
    """One occurrence as a slip line block."""
    event = view.event
    return SlipEvent(
        start=view.local_start.isoformat(), end=view.local_end.isoformat(), title=event.title,
        place=place_name(event), district=event.district_name,
        barrier_free=event.barrier_free, all_day=event.all_day,
    )


def place_name(event: Event) -> str:
    """Where an event happens, as one line."""
    if event.venue is not None:
        return event.venue.name
    return event.location


def slip_limit(large_print: bool) -> int:
    """How many entries a list slip holds."""
    return MAX_SLIP_EVENTS_LARGE if large_print else MAX_SLIP_EVENTS


def schedule_slip(centre: Centre, heading: str, views: list[OccurrenceView], language: str,
                  large_print: bool, total: int | None = None, qr_url: str = "") -> ScheduleSlip:
    """A printed list: the first :func:`slip_limit` entries in screen order, and how many more the
    list has (*total* entries in all)."""
    shown = views[:slip_limit(large_print)]
    return ScheduleSlip(
        centre=centre.name, heading=heading, events=[slip_event(v) for v in shown],
        footer=centre.footer, large_print=large_print, language=language,
        more=max(0, (len(views) if total is None else total) - len(shown)), qr_url=qr_url,
    )


def event_slip(centre: Centre, view: OccurrenceView, qr_url: str, language: str, large_print: bool) -> EventSlip:
    """Everything about one event."""
    return EventSlip(
        centre=centre.name, event=slip_event(view), description=view.event.description,
        cost=view.event.cost, footer=centre.footer, qr_url=qr_url, large_print=large_print, language=language,
    )


def request_slip(session: Session, centre: Centre, request: Request, language: str,
                 large_print: bool) -> RequestSlip:
    """The confirmation of a request: reference and district office, never name or number."""
    district_id = request.district_id or centre.district_id
    return RequestSlip(
        centre=centre.name, reference=request.reference, request_kind=request.kind,
        district=request.district.name if request.district else "", due_date=request.due_date.isoformat(),
        footer=office_footer(session, district_id), large_print=large_print, language=language,
    )
