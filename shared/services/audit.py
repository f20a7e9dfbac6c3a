"""The audit trail of personal data: one call records who read or changed which record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, Session

from shared.clock import utcnow
from shared.models import AuditEntry

ACTIONS = frozenset({
    "view", "create", "update", "play", "export", "delete", "erase", "print", "login", "logout",
    "login_failed", "purge", "route", "merge",
})


def record(
    session: Session,
    actor: str,
    action: str,
    record_type: str,
    record_id: object,
    district_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    """Append an audit row; *detail* must name ids and facts, never personal data."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        at=utcnow(), actor=actor, action=action, record_type=record_type,
        record_id=str(record_id), district_id=district_id, detail=detail,
    )
    session.add(entry)
    return entry


def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: AuditEntry) -> None:
    raise PermissionError(f"audit entry {target.id} is append-only")


event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)
