"""The page a kiosk QR code opens on a phone: ``/e/<id>`` (one event, 390 px wide, no idle reset,
no print button, a cancellation said first) and ``/e/<id>.ics`` to put it in the phone's calendar."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, Flask, Response, render_template, url_for
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from kiosk.slips import place_name
from kiosk.views import requested_occurrence
from shared.runtime import get_runtime
from shared.services.events import OccurrenceView
from shared.services.recurrence import parse_exdates

log = logging.getLogger(__name__)

bp = Blueprint("event_page", __name__, url_prefix="/e", template_folder="templates")

_warned = False


def public_event_url(view: OccurrenceView, external: str) -> str:
    """The phone page of one occurrence under ``TREFFPUNKT_PUBLIC_URL`` (else *external*, this server)."""
    base = get_runtime().config.public_url.rstrip("/")
    path = url_for("event_page.event_page", event_id=view.event.id, at=view.start.isoformat())
    return base + path if base else external + path


def warn_without_public_url(app: Flask) -> None:
    """Say once at start-up that QR codes need ``TREFFPUNKT_PUBLIC_URL`` (else they encode this server's
    own address, e.g. 127.0.0.1, which no phone can open)."""
    global _warned
    if not get_runtime(app).config.public_url and not _warned:
        _warned = True
        log.warning("TREFFPUNKT_PUBLIC_URL is not set: the kiosk's QR codes point to the address the kiosk "
                    "browser uses (e.g. 127.0.0.1), which a phone cannot open")


def is_cancelled(view: OccurrenceView) -> bool:
    """The whole event is cancelled, or just this date (an exception date of a series)."""
    return view.event.cancelled or view.local_start.replace(tzinfo=None) in parse_exdates(view.event.exdates)


@bp.get("/<int:event_id>")
def event_page(event_id: int) -> Response:
    """One event for a phone."""
    view, more = requested_occurrence(event_id)
    page = render_template("mobile/event.html", view=view, more=more, cancelled=is_cancelled(view),
                           place=place_name(view.event))
    return Response(page, headers={"Cache-Control": "no-cache"})


@bp.get("/<int:event_id>.ics")
def event_calendar(event_id: int) -> Response:
    """The occurrence as an iCalendar file for the phone's calendar."""
    view, _more = requested_occurrence(event_id)
    event = view.event
    calendar = Calendar()
    calendar.add("prodid", "-//Treffpunkt Dortmund//Kiosk//DE")
    calendar.add("version", "2.0")
    entry = CalendarEvent()
    entry.add("uid", f"treffpunkt-{event.id}-{view.start:%Y%m%dT%H%M%SZ}")
    entry.add("dtstamp", datetime.now(tz=view.start.tzinfo))
    entry.add("dtstart", view.start)
    entry.add("dtend", view.end)
    entry.add("summary", event.title)
    address = event.venue.address if event.venue is not None else ""
    entry.add("location", ", ".join(part for part in (place_name(event), address, event.district_name) if part))
    if event.description:
        entry.add("description", event.description)
    entry.add("status", "CANCELLED" if is_cancelled(view) else "CONFIRMED")
    calendar.add_component(entry)
    return Response(calendar.to_ical(), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="treffpunkt-{event.id}.ics"'})
