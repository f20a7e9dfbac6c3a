"""Routing requests: move to another district, merge duplicates, give unrouted requests a district.

A moved request reaches the other team as new (its history says from where and why); a merged
duplicate is cancelled, points to the survivor and hands over its notes and voice messages, its
own history stays. Both are audited.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared.clock import utcnow
from shared.errors import FieldProblem, ValidationFailed
from shared.models import District, Note, Request, StatusChange
from shared.models.vocabulary import CLOSED_STATUSES
from shared.services import audit
from shared.services.requests import format_reference


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, "invalid", message)])


def _set_status(request: Request, to_status: str, reason: str, actor: str) -> None:
    now = utcnow()
    request.history.append(StatusChange(from_status=request.status, to_status=to_status, reason=reason,
                                        actor=actor, at=now))
    request.status = to_status
    request.waiting_until = None
    request.updated_at = now
    request.closed_at = now if to_status in CLOSED_STATUSES else None


def move_to_district(session: Session, request: Request, district: District, actor: str, reason: str = "") -> None:
    """Give *request* to *district*'s team, where it is new (an incomplete one stays incomplete)."""
    if request.status in CLOSED_STATUSES:
        raise _refuse("district", "Eine abgeschlossene Anfrage kann nicht weitergeleitet werden.")
    if request.district_id == district.id:
        raise _refuse("district", "Die Anfrage gehört schon zu diesem Stadtbezirk.")
    previous = request.district.name if request.district else "ohne Stadtbezirk"
    text = f"Weitergeleitet von {previous} an {district.name}" + (f": {reason.strip()}" if reason.strip() else "")
    old_district_id = request.district_id
    request.district_id = district.id
    request.district = district
    request.assignee_id = None  # the other team decides who takes it
    _set_status(request, request.status if request.status == "incomplete" else "new", text, actor)
    audit.record(session, actor, "route", "request", request.id, district.id,
                 f"district={old_district_id or '-'}->{district.id}")


def merge(session: Session, duplicate: Request, survivor: Request, actor: str) -> None:
    """Merge *duplicate* into *survivor*: notes and voice messages move, the duplicate is cancelled."""
    if duplicate.id == survivor.id:
        raise _refuse("survivor", "Eine Anfrage kann nicht mit sich selbst zusammengeführt werden.")
    if survivor.merged_into_id is not None:
        raise _refuse("survivor", "Diese Anfrage wurde selbst schon zusammengeführt.")
    if duplicate.merged_into_id is not None:
        raise _refuse("survivor", "Diese Anfrage wurde schon zusammengeführt.")
    for note in list(duplicate.notes):
        duplicate.notes.remove(note)
        survivor.notes.append(note)
    for message in list(duplicate.voice_messages):
        duplicate.voice_messages.remove(message)
        survivor.voice_messages.append(message)
    now = utcnow()
    survivor.notes.append(Note(kind="merge", created_at=now, text=(
        f"Zusammengeführt mit {format_reference(duplicate.reference)} (Eingang {duplicate.created_at:%d.%m.%Y})")))
    survivor.updated_at = now
    duplicate.merged_into_id = survivor.id
    if duplicate.status not in CLOSED_STATUSES:
        _set_status(duplicate, "cancelled", f"Duplikat von {format_reference(survivor.reference)}", actor)
    audit.record(session, actor, "merge", "request", duplicate.id, duplicate.district_id, f"into={survivor.id}")
