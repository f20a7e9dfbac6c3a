"""Staff maintenance of events: list with next dates, form, cancelling dates or series, ICS previews."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from time import time as epoch_seconds

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from shared.clock import BERLIN, as_local, local_today
from shared.errors import FieldProblem, ValidationFailed
from shared.models import Category, Event, Occurrence, Venue
from shared.services import event_search
from shared.services.events import save_event
from shared.services.ics_import import MAX_BYTES
from shared.services.recurrence import day_window, format_exdates, parse_exdates

REPEATS = ("", "WEEKLY")
PREVIEW_LIFETIME_SECONDS = 3600  # a preview not confirmed within an hour is deleted
LIST_LIMIT = 200


def list_events(session: Session, district_id: int | None, text: str = "",
                include_cancelled: bool = True) -> list[Event]:
    """Events of a district (None: all), newest start first."""
    query = select(Event).options(joinedload(Event.venue), joinedload(Event.district))
    if district_id is not None:
        query = query.where(Event.district_id == district_id)
    found = event_search.matching(session, text)
    if found is not None:
        query = query.where(Event.id.in_(found))
    if not include_cancelled:
        query = query.where(Event.cancelled.is_(False))
    return list(session.scalars(query.order_by(Event.start.desc()).limit(LIST_LIMIT)))


@dataclass(frozen=True)
class EventForm:
    """The fields of the staff event form, as typed."""

    title: str
    description: str
    day: str
    start_time: str
    end_time: str
    repeat: str
    venue_id: str
    cost: str = ""
    contact_phone: str = ""
    url: str = ""
    barrier_free: bool = False
    hearing_loop: bool = False
    registration_required: bool = False
    category_ids: tuple[str, ...] = ()


def _parse_time(raw: str) -> time | None:
    try:
        return time.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


def apply_form(session: Session, event: Event, form: EventForm, allowed_district: int | None) -> Event:
    """Validate *form* and copy it onto *event*; venues outside *allowed_district* are refused."""
    problems: list[FieldProblem] = []
    title = form.title.strip()
    if not title or len(title) > 200:
        problems.append(FieldProblem("title", "required", "Bitte einen Titel angeben (höchstens 200 Zeichen)."))
    try:
        day = date.fromisoformat(form.day.strip())
    except ValueError:
        day = None
        problems.append(FieldProblem("day", "invalid", "Bitte ein Datum angeben."))
    start_time, end_time = _parse_time(form.start_time), _parse_time(form.end_time)
    if start_time is None or end_time is None:
        problems.append(FieldProblem("start_time", "invalid", "Bitte Beginn und Ende als Uhrzeit angeben."))
    elif end_time <= start_time:
        problems.append(FieldProblem("end_time", "invalid", "Das Ende muss nach dem Beginn liegen."))
    if form.repeat not in REPEATS:
        problems.append(FieldProblem("repeat", "invalid", "Unbekannte Wiederholung."))
    venue = session.get(Venue, int(form.venue_id)) if form.venue_id.isdigit() else None
    if venue is None or (allowed_district is not None and venue.district_id != allowed_district):
        problems.append(FieldProblem("venue", "invalid", "Bitte einen Ort aus Ihrem Stadtbezirk wählen."))
    if form.url.strip() and not form.url.strip().startswith(("https://", "http://")):
        problems.append(FieldProblem("url", "invalid", "Die Webadresse muss mit https:// beginnen."))
    if problems or day is None or start_time is None or end_time is None or venue is None:
        raise ValidationFailed(problems)
    event.title = title
    event.description = form.description.strip()[:5000]
    event.start = datetime.combine(day, start_time, BERLIN)
    event.end = datetime.combine(day, end_time, BERLIN)
    event.all_day = False
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]
    event.rrule = f"FREQ=WEEKLY;BYDAY={weekday}" if form.repeat else ""
    event.venue_id = venue.id
    event.district_id = venue.district_id
    event.location = venue.name
    event.cost = form.cost.strip()[:80]
    event.contact_phone = form.contact_phone.strip()[:32]
    event.url = form.url.strip()[:300]
    event.barrier_free = form.barrier_free
    event.hearing_loop = form.hearing_loop
    event.registration_required = form.registration_required
    wanted = [int(value) for value in form.category_ids if value.isdigit()]
    event.categories = list(session.scalars(select(Category).where(Category.id.in_(wanted)).order_by(Category.slug)))
    return event


def stash_upload(data_dir: Path, text: str) -> str:
    """Keep an ICS text between preview and confirmation; return its token."""
    if len(text.encode()) > MAX_BYTES:
        raise ValidationFailed([FieldProblem("file", "too_large", "Die Datei ist größer als 5 MB.")])
    folder = data_dir / "ics-previews"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    remove_stale_previews(folder)
    token = secrets.token_hex(16)
    (folder / f"{token}.ics").write_text(text, encoding="utf-8")
    return token


def remove_stale_previews(folder: Path, max_age_seconds: float = PREVIEW_LIFETIME_SECONDS) -> int:
    """Delete previews nobody confirmed within *max_age_seconds*; return how many."""
    limit = epoch_seconds() - max_age_seconds
    removed = 0
    for path in folder.glob("*.ics"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
    return removed


def take_upload(data_dir: Path, token: str) -> str | None:
    """The stashed text of *token* (removed on reading), or None if unknown."""
    if len(token) != 32 or any(char not in "0123456789abcdef" for char in token):
        return None
    path = data_dir / "ics-previews" / f"{token}.ics"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    path.unlink()
    return text


UPCOMING_DATES = 8


@dataclass(frozen=True)
class EventDate:
    """One date of a series as staff see it: its local start and whether it is cancelled."""

    start: datetime
    cancelled: bool

    @property
    def key(self) -> str:
        """The local start as stored in ``exdates`` (ISO, no offset)."""
        return self.start.replace(tzinfo=None).isoformat()


def next_starts(session: Session, event_ids: list[int]) -> dict[int, datetime]:
    """The next (not cancelled) start of each event from today on; events without one are absent."""
    if not event_ids:
        return {}
    today = day_window(local_today(), local_today())[0]
    rows = session.execute(select(Occurrence.event_id, func.min(Occurrence.start).label("first"))
                           .where(Occurrence.event_id.in_(event_ids), Occurrence.start >= today)
                           .group_by(Occurrence.event_id))
    return {row.event_id: row.first for row in rows}


def upcoming_dates(session: Session, event: Event) -> list[EventDate]:
    """The next dates of a series, the cancelled ones included (to restore them)."""
    today = day_window(local_today(), local_today())[0]
    starts = session.scalars(select(Occurrence.start).where(Occurrence.event_id == event.id, Occurrence.start >= today)
                             .order_by(Occurrence.start).limit(UPCOMING_DATES))
    dates = [EventDate(as_local(start), False) for start in starts]
    cancelled = [EventDate(naive.replace(tzinfo=BERLIN), True) for naive in parse_exdates(event.exdates)
                 if naive.date() >= local_today()]
    return sorted(dates + cancelled, key=lambda item: item.start)[:UPCOMING_DATES]


def set_date_cancelled(session: Session, event: Event, local_start: str, cancelled: bool) -> None:
    """Cancel (or restore) the single date of *event* starting at *local_start* (local ISO)."""
    try:
        wanted = datetime.fromisoformat(local_start).replace(tzinfo=None)
    except ValueError as exc:
        raise ValidationFailed([FieldProblem("start", "invalid", "Diesen Termin gibt es nicht.")]) from exc
    excluded = parse_exdates(event.exdates)
    known = {item.start.replace(tzinfo=None) for item in upcoming_dates(session, event)} | excluded
    if wanted not in known or (wanted in excluded) == cancelled:
        raise ValidationFailed([FieldProblem("start", "invalid", "Diesen Termin gibt es nicht (mehr).")])
    event.exdates = format_exdates(excluded | {wanted} if cancelled else excluded - {wanted})
    save_event(session, event)


def restore_event(session: Session, event: Event) -> None:
    """Take back the cancellation of a whole event or series."""
    event.cancelled = False
    save_event(session, event)
