"""The pages a kiosk QR code opens on a phone: ``/e/<id>`` (one event, 390 px wide, no idle reset,
no print button, a cancellation said first), ``/e/<id>.ics`` to put it in the phone's calendar and
``/e/list/<scope>[/<slug>]`` (a printed list: dated day headings, each entry linking to its page).
``?lang=en|tr`` carries the kiosk's screen language (German otherwise)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, render_template, url_for
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from kiosk.language import PAGES, PHONE_BLUEPRINT, current_language
from kiosk.listing import UnknownScope, phone_entries, resolve_scope
from kiosk.slips import place_name
from kiosk.views import requested_occurrence
from shared.runtime import get_runtime
from shared.services.events import OccurrenceView, group_by_day
from shared.services.recurrence import parse_exdates
from shared.web.request_session import db_session

log = logging.getLogger(__name__)

bp = Blueprint(PHONE_BLUEPRINT, __name__, url_prefix="/e", template_folder="templates")

_warned = False


def _public(path: str, external: str) -> str:
    """*path* under ``TREFFPUNKT_PUBLIC_URL`` (else under *external*, this server)."""
    base = get_runtime().config.public_base_url
    return (base or external) + path


def public_event_url(view: OccurrenceView, external: str) -> str:
    """The phone page of one occurrence under ``TREFFPUNKT_PUBLIC_URL`` (else *external*, this server)."""
    return _public(url_for("event_page.event_page", event_id=view.event.id, at=view.start.isoformat()), external)


def public_list_url(scope: str, slug: str, language: str, external: str) -> str:
    """The phone page of a printed list (same scope, the slip's language) for its QR code."""
    return _public(url_for("event_page.list_page", scope=scope, slug=slug or None,
                           lang=None if language == "de" else language), external)


@bp.context_processor
def phone_context() -> dict[str, Any]:
    """gettext in the page's language (``lang``) and the cancellation check."""
    return {**PAGES.template_helpers(), "language": current_language(), "is_cancelled": is_cancelled,
            "place_name": place_name}


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


@bp.get("/list/<scope>", defaults={"slug": ""})
@bp.get("/list/<scope>/<slug>")
def list_page(scope: str, slug: str) -> Response:
    """A printed list for a phone: every entry, under dated day headings, cancellations marked."""
    session = db_session()
    try:
        chosen = resolve_scope(session, scope, slug, language=current_language())
    except UnknownScope:
        abort(404)
    lang = current_language()
    page = render_template("mobile/list.html", scope=chosen, plan=group_by_day(phone_entries(session, chosen)),
                           lang=None if lang == "de" else lang)
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
