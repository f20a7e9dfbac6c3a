"""The request page's one action panel: assignment, call attempt, status and next step in one save.

Everything a staff member does to a request after a call is applied in one transaction, in the
order it happened (who takes it, how the call went, where it stands now, what comes next), so a
refused part leaves nothing half-saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.clock import local_today
from shared.errors import FieldProblem, ValidationFailed
from shared.models import Request
from shared.models.vocabulary import CLOSED_STATUSES, OPEN_STATUSES
from shared.services import audit
from shared.services.inbox import not_waiting_condition
from shared.services.requests import MAX_CALL_ATTEMPTS, add_note, change_status, record_call_attempt

KEEP = "keep"
CALL_OUTCOMES = ("", "reached", "not_reached")


@dataclass(frozen=True)
class Actions:
    """What the panel was asked to do; empty values mean "leave as it is"."""

    call: str = ""
    call_text: str = ""
    to_status: str = ""
    reason: str = ""
    waiting_until: date | None = None
    assignee_id: int | str | None = KEEP
    next_step: str = ""

    @property
    def empty(self) -> bool:
        return not (self.call or self.to_status or self.next_step.strip() or self.assignee_id != KEEP)


def apply_actions(session: Session, request: Request, actions: Actions, user_id: int, actor: str) -> None:
    """Apply *actions* to *request* (the caller commits, or rolls back on an error)."""
    if actions.empty:
        raise ValidationFailed([FieldProblem("actions", "required", "Bitte wählen Sie mindestens eine Aktion.")])
    if actions.call not in CALL_OUTCOMES:
        raise ValidationFailed([FieldProblem("call", "invalid", "Unbekanntes Ergebnis des Anrufs.")])
    if actions.assignee_id != KEEP and actions.assignee_id != request.assignee_id:
        assignee = actions.assignee_id if isinstance(actions.assignee_id, int) else None
        request.assignee_id = assignee
        audit.record(session, actor, "update", "request", request.id, request.district_id,
                     f"assignee={assignee or '-'}")
    if actions.call:
        record_call_attempt(session, request, actions.call == "reached", user_id, actor, actions.call_text)
    if actions.to_status and actions.to_status != request.status:
        change_status(session, request, actions.to_status, actor, reason=actions.reason,
                      waiting_until=actions.waiting_until)
    if actions.next_step.strip():
        add_note(session, request, actions.next_step, user_id, actor, kind="next_step")


def suggests_letter(request: Request) -> bool:
    """After the last unanswered call attempt the team should write a letter instead."""
    return request.call_attempts >= MAX_CALL_ATTEMPTS


def finished(request: Request) -> bool:
    """The request is closed: the panel moves on to the next one."""
    return request.status in CLOSED_STATUSES


def next_request_id(session: Session, district_id: int | None, after: Request) -> int | None:
    """The most urgent other open request in *district_id* (None: all), in inbox order, else None.

    A request waiting for a later date is skipped: it is back on the date it waits for.
    """
    statement = select(Request.id).where(Request.status.in_(OPEN_STATUSES), Request.id != after.id,
                                         not_waiting_condition(local_today()))
    if district_id is not None:
        statement = statement.where(Request.district_id == district_id)
    return session.scalar(statement.order_by(Request.due_date, Request.id).limit(1))
