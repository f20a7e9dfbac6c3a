"""Callback and home-visit requests: creation from every channel and the status machine."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shared.clock import as_local, utcnow
from shared.errors import FieldProblem, InvalidTransition, NotFound, ValidationFailed
from shared.models import District, Event, Note, Request, StatusChange
from shared.models.vocabulary import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Channel,
    PreferredTime,
    RequestKind,
    RequestStatus,
)
from shared.services import audit, search  # noqa: F401  (search keeps its index on every flush)
from shared.services.phone import normalise_phone
from shared.services.workdays import add_working_days

KINDS = tuple(RequestKind)
CHANNELS = tuple(Channel)
PREFERRED_TIMES = tuple(PreferredTime)
STATUSES = tuple(RequestStatus)
DUE_WORKING_DAYS = 2
MAX_CALL_ATTEMPTS = 3
MAX_IDEMPOTENCY_KEY = 128  # the column's length
MAX_ID = 2**31 - 1  # the largest id an integer column holds

_REOPEN: frozenset[str] = frozenset({RequestStatus.IN_PROGRESS})
TRANSITIONS: dict[str, frozenset[str]] = {  # keys and values are RequestStatus members
    RequestStatus.NEW: frozenset(CLOSED_STATUSES) | {RequestStatus.IN_PROGRESS, RequestStatus.WAITING},
    RequestStatus.INCOMPLETE: frozenset(CLOSED_STATUSES) | {RequestStatus.NEW, RequestStatus.IN_PROGRESS,
                                                             RequestStatus.WAITING},
    RequestStatus.IN_PROGRESS: frozenset(CLOSED_STATUSES) | {RequestStatus.WAITING},
    RequestStatus.WAITING: frozenset(CLOSED_STATUSES) | {RequestStatus.IN_PROGRESS},
    RequestStatus.DONE: _REOPEN,
    RequestStatus.UNREACHABLE: _REOPEN,
    RequestStatus.CANCELLED: _REOPEN,
}


@dataclass(frozen=True)
class NewRequest:
    """What a channel hands in; the service validates and normalises it."""

    kind: str
    channel: str
    district_slug: str | None
    phone: str
    caller_name: str = ""
    preferred_time: str = ""
    topic: str = ""
    language: str = "de"
    consent_data: bool = False
    consent_recording: bool = False
    event_id: int | None = None
    kiosk_id: int | None = None
    call_sid: str | None = None
    idempotency_key: str | None = None
    incomplete: bool = False
    reference: str | None = None  # a kiosk node's own reference, already on the senior's slip


def _new_reference(session: Session, wanted: str | None = None) -> str:
    """Eight digits: easy to read out on the phone and to type on a keypad; *wanted* if still free."""
    if wanted and session.scalar(select(Request.id).where(Request.reference == wanted)) is None:
        return wanted
    while True:
        reference = f"{secrets.randbelow(10**8):08d}"
        if reference[0] != "0" and session.scalar(
            select(Request.id).where(Request.reference == reference)
        ) is None:
            return reference


def format_reference(reference: str) -> str:
    """Group a reference for reading: ``4827 1930``."""
    return f"{reference[:4]} {reference[4:]}"


def _refuse_nul(data: NewRequest) -> None:
    """Refuse what the database cannot store before any query runs.

    NUL cannot be stored (or even looked up) in PostgreSQL text; an over-long key or an id
    beyond the integer column would fail inside the driver, where the error carries the row.
    """
    texts = {"name": data.caller_name, "phone": data.phone, "topic": data.topic, "district": data.district_slug or "",
             "language": data.language, "idempotency_key": data.idempotency_key or ""}
    problems = [FieldProblem(field, "invalid", "Die Angabe enthält ein ungültiges Zeichen.")
                for field, value in texts.items() if "\x00" in value]
    if data.idempotency_key is not None and len(data.idempotency_key) > MAX_IDEMPOTENCY_KEY:
        problems.append(FieldProblem("idempotency_key", "too_long",
                                     f"Der Schlüssel ist zu lang (höchstens {MAX_IDEMPOTENCY_KEY} Zeichen)."))
    if data.event_id is not None and not 1 <= data.event_id <= MAX_ID:
        problems.append(FieldProblem("event_id", "invalid", "Diese Veranstaltung gibt es nicht."))
    if problems:
        raise ValidationFailed(problems)


def _validate(session: Session, data: NewRequest) -> tuple[District | None, str]:
    problems: list[FieldProblem] = []
    if data.kind not in KINDS:
        problems.append(FieldProblem("kind", "required", "Bitte wählen Sie Rückruf oder Hausbesuch."))
    if data.channel not in CHANNELS:
        problems.append(FieldProblem("channel", "invalid", f"Unbekannter Kanal {data.channel!r}."))
    if data.preferred_time not in PREFERRED_TIMES:
        problems.append(FieldProblem("preferred_time", "invalid", "Bitte wählen Sie eine Tageszeit."))
    district = None
    if data.district_slug:
        district = session.scalars(select(District).where(District.slug == data.district_slug)).first()
        if district is None:
            problems.append(FieldProblem("district", "invalid", "Diesen Stadtbezirk kennen wir nicht."))
    elif not data.incomplete:
        problems.append(FieldProblem("district", "required", "Bitte wählen Sie Ihren Stadtbezirk."))
    phone = ""
    try:
        phone = normalise_phone(data.phone)
    except ValidationFailed as exc:
        if not (data.incomplete and not data.phone.strip()):
            problems.extend(exc.problems)
    if data.channel == Channel.KIOSK:
        if not data.caller_name.strip():
            problems.append(FieldProblem("name", "required", "Bitte geben Sie Ihren Namen an."))
        if not data.consent_data:
            problems.append(FieldProblem(
                "consent", "required",
                "Wir brauchen Ihr Einverständnis, um Ihre Angaben zu speichern und Sie anzurufen.",
            ))
    if data.event_id is not None and session.get(Event, data.event_id) is None:
        problems.append(FieldProblem("event_id", "invalid", "Diese Veranstaltung gibt es nicht."))
    if len(data.caller_name) > 160:
        problems.append(FieldProblem("name", "too_long", "Der Name ist zu lang (höchstens 160 Zeichen)."))
    if len(data.topic) > 4000:
        problems.append(FieldProblem("topic", "too_long", "Das Anliegen ist zu lang."))
    if problems:
        raise ValidationFailed(problems)
    return district, phone


def create_request(session: Session, data: NewRequest, actor: str) -> tuple[Request, bool]:
    """Create a request, or return the one already made with the same idempotency key.

    Returns ``(request, created)``.
    """
    _refuse_nul(data)
    if data.idempotency_key:
        existing = find_by_idempotency_key(session, data.idempotency_key)
        if existing is not None:
            return existing, False
    district, phone = _validate(session, data)
    now = utcnow()
    status = RequestStatus.INCOMPLETE if data.incomplete else RequestStatus.NEW
    request = Request(
        reference=_new_reference(session, data.reference), kind=data.kind, channel=data.channel, status=status,
        district_id=district.id if district else None, caller_name=data.caller_name.strip(),
        phone_e164=phone, preferred_time=data.preferred_time, topic=data.topic.strip(),
        language=data.language, consent_data=data.consent_data,
        consent_recording=data.consent_recording, event_id=data.event_id, kiosk_id=data.kiosk_id,
        call_sid=data.call_sid, idempotency_key=data.idempotency_key,
        due_date=add_working_days(as_local(now).date(), DUE_WORKING_DAYS),
        created_at=now, updated_at=now,
    )
    request.history.append(StatusChange(from_status=None, to_status=status, actor=actor, at=now))
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        # A concurrent replay with the same key won the race: hand back its request.
        if data.idempotency_key:
            existing = find_by_idempotency_key(session, data.idempotency_key)
            if existing is not None:
                return existing, False
        raise
    audit.record(session, actor, "create", "request", request.id, request.district_id,
                 f"channel={data.channel} kind={data.kind}")
    return request, True


def find_by_idempotency_key(session: Session, key: str) -> Request | None:
    """The request created with *key*, if any."""
    return session.scalars(select(Request).where(Request.idempotency_key == key)).first()


def get_request(session: Session, request_id: int) -> Request:
    """Load a request with its history, notes and voice messages, or raise :class:`NotFound`."""
    request = session.scalars(
        select(Request)
        .where(Request.id == request_id)
        .options(
            selectinload(Request.history), selectinload(Request.notes),
            selectinload(Request.voice_messages),
        )
    ).first()
    if request is None:
        raise NotFound(f"request {request_id}")
    return request


def change_status(
    session: Session,
    request: Request,
    to_status: str,
    actor: str,
    reason: str = "",
    waiting_until: date | None = None,
) -> StatusChange:
    """Move *request* to *to_status* if the status machine allows it; history is appended."""
    if to_status not in TRANSITIONS.get(request.status, frozenset()):
        raise InvalidTransition(f"{request.status} → {to_status} is not allowed")
    if to_status == RequestStatus.WAITING and waiting_until is None:
        raise ValidationFailed([FieldProblem("waiting_until", "required",
                                             "Bitte geben Sie an, bis wann gewartet wird.")])
    if request.status in CLOSED_STATUSES and not reason.strip():
        raise ValidationFailed([FieldProblem("reason", "required",
                                             "Bitte begründen Sie das Wiederöffnen.")])
    now = utcnow()
    change = StatusChange(
        from_status=request.status, to_status=to_status, reason=reason.strip(),
        waiting_until=waiting_until, actor=actor, at=now,
    )
    request.history.append(change)
    request.status = to_status
    request.waiting_until = waiting_until if to_status == RequestStatus.WAITING else None
    request.updated_at = now
    request.closed_at = now if to_status in CLOSED_STATUSES else None
    audit.record(session, actor, "update", "request", request.id, request.district_id,
                 f"status={to_status}")
    return change


def complete_incomplete(session: Session, request: Request, actor: str) -> None:
    """A phone request that was finished after all becomes ``new``."""
    if request.status == RequestStatus.INCOMPLETE:
        change_status(session, request, RequestStatus.NEW, actor, reason="Anruf abgeschlossen")


def add_note(session: Session, request: Request, text: str, author_id: int | None, actor: str,
             kind: str = "note") -> Note:
    """Attach a staff note (or a call-attempt record) to a request."""
    if not text.strip():
        raise ValidationFailed([FieldProblem("text", "required", "Die Notiz ist leer.")])
    if "\x00" in text:
        raise ValidationFailed([FieldProblem("text", "invalid", "Die Notiz enthält ein ungültiges Zeichen.")])
    note = Note(text=text.strip(), author_id=author_id, kind=kind, created_at=utcnow())
    request.notes.append(note)
    request.updated_at = note.created_at
    if request.first_contact_at is None:
        # The first call attempt or note is when the team first acted, not when it closed the request.
        request.first_contact_at = note.created_at
    audit.record(session, actor, "update", "request", request.id, request.district_id, f"note kind={kind}")
    return note


def record_call_attempt(session: Session, request: Request, answered: bool, author_id: int | None,
                        actor: str, text: str = "") -> None:
    """Log a callback attempt; after three unanswered ones the request becomes unreachable.

    The last unanswered attempt must fall on a later day than the one before, so a few quick
    tries in a row cannot close a senior's request.
    """
    if answered:
        add_note(session, request, text or "Rückruf: erreicht", author_id, actor, kind="call")
        if request.status in (RequestStatus.NEW, RequestStatus.INCOMPLETE, RequestStatus.WAITING):
            change_status(session, request, RequestStatus.IN_PROGRESS, actor, reason="Rückruf erreicht")
        return
    if request.call_attempts == MAX_CALL_ATTEMPTS - 1:
        today = as_local(utcnow()).date()
        earlier = [note.created_at for note in request.notes if note.kind == "call"]
        if earlier and as_local(max(earlier)).date() >= today:
            raise ValidationFailed([FieldProblem(
                "answered", "too_soon",
                "Der letzte Anrufversuch ist erst an einem späteren Tag möglich – bitte morgen erneut anrufen.")])
    request.call_attempts += 1
    add_note(session, request, text or f"Rückruf: nicht erreicht ({request.call_attempts}. Versuch)",
             author_id, actor, kind="call")
    if request.call_attempts >= MAX_CALL_ATTEMPTS and request.status not in CLOSED_STATUSES:
        change_status(session, request, RequestStatus.UNREACHABLE, actor,
                      reason=f"{MAX_CALL_ATTEMPTS} Anrufversuche ohne Antwort")


@dataclass(frozen=True)
class RequestQuery:
    """Filters for request lists; ``district_ids=None`` means every district (admins)."""

    district_ids: tuple[int, ...] | None = None
    statuses: tuple[str, ...] = OPEN_STATUSES
    kind: str | None = None
    channel: str | None = None
    overdue_on: date | None = None
    limit: int = 25
    offset: int = 0


def list_requests(session: Session, query: RequestQuery) -> list[Request]:
    """One page of requests, most urgent (earliest due) first."""
    statement = select(Request).options(selectinload(Request.district))
    if query.district_ids is not None:
        statement = statement.where(Request.district_id.in_(query.district_ids))
    if query.statuses:
        statement = statement.where(Request.status.in_(query.statuses))
    if query.kind:
        statement = statement.where(Request.kind == query.kind)
    if query.channel:
        statement = statement.where(Request.channel == query.channel)
    if query.overdue_on is not None:
        statement = statement.where(Request.due_date < query.overdue_on)
    statement = statement.order_by(Request.due_date, Request.id).limit(query.limit).offset(query.offset)
    return list(session.scalars(statement))
