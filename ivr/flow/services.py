"""The call flow's view of the database: events to read out, office hours, saving requests."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.flow import prompts
from ivr.flow.engine import (
    CallerKnown,
    CallState,
    CheckOffice,
    EventItem,
    EventsFound,
    LookupCaller,
    LookupEvents,
    OfficeStatus,
    RequestSaved,
    SaveRequest,
)
from shared.clock import local_now, local_today
from shared.errors import ValidationFailed
from shared.models import District, Request
from shared.seed.reference_data import DISTRICTS
from shared.services.events import EventFilter, OccurrenceView, list_occurrences, this_week
from shared.services.phone import normalise_phone
from shared.services.places import district_by_slug, is_open, seniorenbuero
from shared.services.requests import NewRequest, complete_incomplete, create_request
from shared.speech import ear_text

ACTOR = "ivr"
MAX_EVENTS = 50  # events kept in the call state; the count said covers all of them
CALLER_MEMORY = timedelta(days=365)  # a caller's district older than this is asked again


def idempotency_key(call_sid: str) -> str:
    """One request per call, however often a step is replayed."""
    return f"phone-call:{call_sid}"


def day_range(choice: str, today: date) -> tuple[date, date]:
    """The dates a day choice (today/tomorrow/week/weekday:N) stands for."""
    if choice == "tomorrow":
        return today + timedelta(days=1), today + timedelta(days=1)
    if choice == "week":
        return this_week(today)
    if choice.startswith("weekday:"):
        ahead = (int(choice.split(":")[1]) - today.weekday()) % 7
        target = today + timedelta(days=ahead)
        return target, target
    return today, today


def spoken_event(view: OccurrenceView, language: str) -> str:
    """Time, title and place of one occurrence as one sentence."""
    start = view.local_start
    when = ear_text.spoken_when(start, language)
    event = view.event
    place = event.venue.name if event.venue else (event.location or event.district_name)
    # "Ort: Seniorenbüro …" is misheard after the line; a sentence with the venue's noun is not.
    venue_noun = place.startswith(("Seniorenbüro", "Begegnungszentrum", "Stadtteilzentrum"))
    spoken_place = prompts.text(language, "place_in" if venue_noun else "place_other", place=place)
    parts = [prompts.text(language, "event_item", when=when, title=event.title, place=spoken_place)]
    address = spoken_address(view)
    if address:
        parts.append(prompts.text(language, "event_address", address=address))
    if event.cost.strip():
        price = ear_text.spoken_price(event.cost, language)
        parts.append(prompts.text(language, "event_free") if price in ("kostenlos", "ücretsiz")
                     else prompts.text(language, "event_price", price=price))
    if event.registration_required:
        parts.append(prompts.text(language, "event_registration_phone",
                                  digits=prompts.spoken_digits(event.contact_phone))
                     if event.contact_phone else prompts.text(language, "event_registration"))
    return " ".join(parts)


def spoken_address(view: OccurrenceView) -> str:
    """Street and postcode of the venue ("Hörder Bahnhofstraße 6, 44263 Dortmund"), or empty."""
    venue = view.event.venue
    if venue is None or not venue.street:
        return ""
    city = " ".join(part for part in (venue.postcode, venue.city) if part)
    return f"{venue.street}, {city}" if city else venue.street


def upcoming_events(session: Session, first: date, last: date, slugs: tuple[str, ...],
                    now: datetime) -> list[OccurrenceView]:
    """Occurrences not yet over, by start time: past ones are removed before any limit."""
    views = list_occurrences(session, EventFilter(first=first, last=last, districts=slugs))
    upcoming = [view for view in views if view.end > now]
    return sorted(upcoming, key=lambda view: (view.start, view.event.title, view.event.id))


class RecordingSink(Protocol):
    """Where a call's recordings go once its request exists (the transports' ``RecordingAttacher``:
    the flow never imports a transport)."""

    def attach(self, session: Session, request: Request, item: dict[str, Any]) -> None:
        """Store one recording (its stored JSON form) with *request*."""

    def discard(self, session: Session, item: dict[str, Any]) -> None:
        """Delete a recording that must not be kept (here and, durably, where it was made)."""


class DatabaseCallServices:
    """:class:`ivr.flow.runner.CallServices` on one database session (the caller commits)."""

    def __init__(self, session: Session, call_sid: str, attacher: RecordingSink,
                 now: datetime | None = None) -> None:
        self.session = session
        self.call_sid = call_sid
        self.attacher = attacher
        self.now = now

    def find_events(self, query: LookupEvents) -> EventsFound:
        first, last = day_range(query.day, local_today())
        slugs = (DISTRICTS[query.district - 1].slug,) if query.district else ()
        upcoming = upcoming_events(self.session, first, last, slugs, self.now or local_now())
        return EventsFound(tuple(EventItem(view.event.id, view.event.title, spoken_event(view, query.language))
                                 for view in upcoming[:MAX_EVENTS]), total=len(upcoming))

    def check_office(self, query: CheckOffice) -> OfficeStatus:
        district = district_by_slug(self.session, DISTRICTS[query.district - 1].slug)
        office = seniorenbuero(self.session, district.id)
        if office is None or not office.phone:
            return OfficeStatus(open=False)
        return OfficeStatus(open=is_open(office, self.now or local_now()), phone=office.phone, name=office.name)

    def find_caller(self, query: LookupCaller) -> CallerKnown:
        try:
            number = normalise_phone(query.caller)
        except ValidationFailed:  # withheld or foreign-format caller IDs are simply not known
            return CallerKnown(None)
        since = (self.now or local_now()) - CALLER_MEMORY
        district = self.session.scalar(
            select(District.number).join(Request, Request.district_id == District.id)
            .where(Request.phone_e164 == number, Request.created_at >= since)
            .order_by(Request.created_at.desc(), Request.id.desc()).limit(1))
        return CallerKnown(district)

    def save_request(self, state: CallState, query: SaveRequest) -> RequestSaved:
        draft = state.draft
        if draft is None:
            raise ValueError("no request drafted in this call")
        transcripts = {item.purpose: item.transcript or "" for item in draft.recordings}
        district_slug = DISTRICTS[draft.district - 1].slug if draft.district else None
        data = NewRequest(
            kind=draft.kind or "callback", channel="phone", district_slug=district_slug, phone=draft.phone,
            caller_name=transcripts.get("name", "")[:160],
            topic=transcripts.get("topic") or transcripts.get("message") or "",
            language=state.language, preferred_time=draft.callback_time,
            consent_data=bool(draft.consent or draft.confirmed),
            consent_recording=bool(draft.consent), event_id=draft.event_id, call_sid=self.call_sid,
            idempotency_key=idempotency_key(self.call_sid), incomplete=query.incomplete,
        )
        request, created = create_request(self.session, data, ACTOR)
        if not created and request.status == "incomplete" and not query.incomplete:
            self._fill_in(request, data)
            complete_incomplete(self.session, request, ACTOR)
        for item in draft.recordings:  # the attacher takes the stored (JSON) form of a recording
            if not draft.consent:
                self.attacher.discard(self.session, asdict(item))
            elif not item.attached:
                self.attacher.attach(self.session, request, asdict(item))
                item.attached = True
        return RequestSaved(request.reference, request.id)

    def _fill_in(self, request: Request, data: NewRequest) -> None:
        """A finished call supplies what its incomplete request still lacked."""
        if data.district_slug and request.district_id is None:
            request.district_id = district_by_slug(self.session, data.district_slug).id
        request.caller_name = request.caller_name or data.caller_name
        request.topic = request.topic or data.topic
        request.consent_data = request.consent_data or data.consent_data
