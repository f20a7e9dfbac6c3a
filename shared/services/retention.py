"""Data protection (DSGVO): retention purge, and per-person export and erasure by phone number.

Files are removed only after the rows are flushed, and a missing file is no error, so a purge
interrupted half way is simply finished by the next run.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from shared.clock import as_local, utcnow
from shared.models import Call, Request, StaffSession, VoiceMessage
from shared.models.vocabulary import CLOSED_STATUSES
from shared.services import audit
from shared.services.phone import normalise_phone
from shared.services.recordings import delete_voice_message_file, voice_message_path

STAFF_SESSION_KEEP_DAYS = 30


@dataclass
class PurgeReport:
    """What one purge removed (counts only)."""

    voice_messages: int = 0
    requests: int = 0
    staff_sessions: int = 0

    def summary(self) -> str:
        return (f"{self.voice_messages} Sprachnachrichten, {self.requests} Anfragen, "
                f"{self.staff_sessions} alte Anmeldesitzungen gelöscht")


def _delete_requests(session: Session, data_dir: Path, requests: list[Request]) -> int:
    """Delete requests with their notes, history and recordings; return how many."""
    files = [message for request in requests for message in request.voice_messages]
    ids = [request.id for request in requests]
    if ids:
        session.execute(update(Call).where(Call.request_id.in_(ids)).values(state={}))
    for request in requests:
        session.delete(request)
    session.flush()
    for message in files:
        delete_voice_message_file(data_dir, message)
    return len(ids)


def purge(session: Session, data_dir: Path, voice_days: int, request_days: int, actor: str = "system") -> PurgeReport:
    """Delete recordings and transcripts *voice_days* and requests *request_days* after closing."""
    now = utcnow()
    report = PurgeReport()
    old_requests = list(session.scalars(
        select(Request).where(Request.status.in_(CLOSED_STATUSES), Request.closed_at.is_not(None),
                              Request.closed_at < now - timedelta(days=request_days))
        .options(selectinload(Request.voice_messages))
    ))
    report.requests = _delete_requests(session, data_dir, old_requests)
    messages = list(session.scalars(
        select(VoiceMessage).join(Request).where(
            Request.status.in_(CLOSED_STATUSES), Request.closed_at.is_not(None),
            Request.closed_at < now - timedelta(days=voice_days))
    ))
    for message in messages:
        session.delete(message)
    session.flush()
    for message in messages:
        delete_voice_message_file(data_dir, message)
    report.voice_messages = len(messages)
    result = session.execute(delete(StaffSession).where(
        StaffSession.last_seen_at < now - timedelta(days=STAFF_SESSION_KEEP_DAYS)))
    report.staff_sessions = int(getattr(result, "rowcount", 0) or 0)
    audit.record(session, actor, "purge", "request", "retention", None,
                 f"voice={report.voice_messages} requests={report.requests} sessions={report.staff_sessions}")
    return report


def requests_of_phone(session: Session, phone: str) -> list[Request]:
    """Every request stored for a phone number (any spelling), with all related rows."""
    e164 = normalise_phone(phone)
    return list(session.scalars(
        select(Request).where(Request.phone_e164 == e164).order_by(Request.created_at)
        .options(selectinload(Request.history), selectinload(Request.notes),
                 selectinload(Request.voice_messages), selectinload(Request.district))
    ))


def _request_document(request: Request) -> dict[str, Any]:
    return {
        "reference": request.reference, "kind": request.kind, "channel": request.channel,
        "status": request.status, "district": request.district.slug if request.district else None,
        "name": request.caller_name, "phone": request.phone_e164, "preferred_time": request.preferred_time,
        "topic": request.topic, "language": request.language, "consent_data": request.consent_data,
        "consent_recording": request.consent_recording, "due_date": request.due_date.isoformat(),
        "created_at": as_local(request.created_at).isoformat(),
        "closed_at": as_local(request.closed_at).isoformat() if request.closed_at else None,
        "history": [{"from": change.from_status, "to": change.to_status, "reason": change.reason,
                     "at": as_local(change.at).isoformat()} for change in request.history],
        "notes": [{"kind": note.kind, "text": note.text, "at": as_local(note.created_at).isoformat()}
                  for note in request.notes],
        "voice_messages": [{"purpose": message.purpose, "file": f"recordings/{message.path}",
                            "duration_seconds": message.duration_seconds, "transcript": message.transcript,
                            "at": as_local(message.created_at).isoformat()} for message in request.voice_messages],
    }


@dataclass
class PersonExport:
    """A ZIP with everything stored about one phone number (``data.json`` and the recordings)."""

    body: bytes
    request_ids: list[int] = field(default_factory=list)


def export_person(session: Session, data_dir: Path, phone: str, actor: str) -> PersonExport:
    """Build the DSGVO Art. 15 export for *phone*; the export is audited."""
    requests = requests_of_phone(session, phone)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = {"exported_at": as_local(utcnow()).isoformat(),
                    "requests": [_request_document(request) for request in requests]}
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
        for request in requests:
            for message in request.voice_messages:
                path = voice_message_path(data_dir, message)
                if path.is_file():
                    archive.write(path, f"recordings/{message.path}")
    for request in requests:
        audit.record(session, actor, "export", "request", request.id, request.district_id, "person export")
    audit.record(session, actor, "export", "person", "phone", None, f"requests={len(requests)}")
    return PersonExport(buffer.getvalue(), [request.id for request in requests])


def erase_person(session: Session, data_dir: Path, phone: str, actor: str) -> int:
    """Erase every request of *phone* with notes, history, recordings and transcripts (Art. 17)."""
    requests = requests_of_phone(session, phone)
    for request in requests:
        audit.record(session, actor, "erase", "request", request.id, request.district_id, "person erasure")
    return _delete_requests(session, data_dir, requests)
