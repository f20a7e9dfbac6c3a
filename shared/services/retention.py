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

from sqlalchemy import ColumnElement, Text, and_, cast, delete, or_, select, update
from sqlalchemy.orm import Session, selectinload

from shared.clock import as_local, utcnow
from shared.models import Call, Job, Request, StaffSession, VoiceMessage
from shared.models.vocabulary import CLOSED_STATUSES, JobState, RequestStatus
from shared.services import audit
from shared.services.phone import normalise_phone
from shared.services.recordings import delete_voice_message_file, voice_message_path

STAFF_SESSION_KEEP_DAYS = 30
FINISHED_JOB_STATES = (JobState.DONE, JobState.FAILED, JobState.EXPIRED)


@dataclass
class PurgeReport:
    """What one purge removed (counts only)."""

    voice_messages: int = 0
    requests: int = 0
    staff_sessions: int = 0
    calls: int = 0
    jobs: int = 0

    def summary(self) -> str:
        return (f"{self.voice_messages} Sprachnachrichten, {self.requests} Anfragen, "
                f"{self.staff_sessions} alte Anmeldesitzungen, {self.jobs} erledigte Aufträge gelöscht, "
                f"{self.calls} Anrufe geleert")


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


def _has_state() -> ColumnElement[bool]:
    # JSON has no equality operator on PostgreSQL; its text form compares on every backend.
    return cast(Call.state, Text) != "{}"


def _clear_calls(session: Session, which: ColumnElement[bool]) -> int:
    """Empty ``calls.state`` (caller number, transcripts, answers) of the calls *which* selects."""
    result = session.execute(update(Call).where(which, _has_state()).values(state={})
                             .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def purge(session: Session, data_dir: Path, voice_days: int, request_days: int, actor: str = "system") -> PurgeReport:
    """Delete recordings and transcripts *voice_days* and requests *request_days* after closing.

    A call keeps its state (the caller's number, what was said) as long as the voice data of its
    request; a call that produced no request keeps it *voice_days* after it started. Finished
    durable jobs (print, download, transcription, deletion) go *voice_days* after they finished. A request
    left incomplete (the call ended before it was whole) is deleted *request_days* after creation.
    """
    now = utcnow()
    report = PurgeReport()
    old_requests = list(session.scalars(
        select(Request).where(or_(
            and_(Request.status.in_(CLOSED_STATUSES), Request.closed_at.is_not(None),
                 Request.closed_at < now - timedelta(days=request_days)),
            and_(Request.status == RequestStatus.INCOMPLETE, Request.created_at < now - timedelta(days=request_days)),
        )).options(selectinload(Request.voice_messages))
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
    voice_cutoff = now - timedelta(days=voice_days)
    closed_long_ago = select(Request.id).where(Request.status.in_(CLOSED_STATUSES), Request.closed_at < voice_cutoff)
    report.calls = _clear_calls(session, or_(
        and_(Call.request_id.is_(None), Call.started_at < voice_cutoff),
        Call.request_id.in_(closed_long_ago),
    ))
    result = session.execute(delete(StaffSession).where(
        StaffSession.last_seen_at < now - timedelta(days=STAFF_SESSION_KEEP_DAYS)))
    report.staff_sessions = int(getattr(result, "rowcount", 0) or 0)
    result = session.execute(delete(Job).where(  # finished work: its payload and error text go with the data
        Job.state.in_(FINISHED_JOB_STATES), Job.finished_at < voice_cutoff))
    report.jobs = int(getattr(result, "rowcount", 0) or 0)
    audit.record(session, actor, "purge", "request", "retention", None,
                 f"voice={report.voice_messages} requests={report.requests} sessions={report.staff_sessions} "
                 f"calls={report.calls} jobs={report.jobs}")
    return report


def requests_of_phone(session: Session, phone: str) -> list[Request]:
    """Every request stored for a phone number (any spelling), with all related rows."""
    e164 = normalise_phone(phone)
    return list(session.scalars(
        select(Request).where(Request.phone_e164 == e164).order_by(Request.created_at)
        .options(selectinload(Request.history), selectinload(Request.notes),
                 selectinload(Request.voice_messages), selectinload(Request.district))
    ))


def calls_of_phone(session: Session, phone: str, request_ids: list[int]) -> list[Call]:
    """Calls from *phone* (the caller number kept in their state) or belonging to *request_ids*."""
    e164 = normalise_phone(phone)
    found: list[Call] = []
    query = select(Call).where(or_(Call.request_id.in_(request_ids), _has_state())).order_by(Call.started_at)
    for call in session.scalars(query.execution_options(yield_per=500)):
        caller = str((call.state or {}).get("caller", ""))
        if call.request_id in request_ids or (caller and normalise_phone(caller) == e164):
            found.append(call)
    return found


def _call_document(call: Call, references: dict[int, str]) -> dict[str, Any]:
    return {
        "started_at": as_local(call.started_at).isoformat(),
        "ended_at": as_local(call.ended_at).isoformat() if call.ended_at else None,
        "transport": call.transport, "language": call.language, "outcome": call.outcome,
        "request": references.get(call.request_id) if call.request_id is not None else None,
        "state": call.state,
    }


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
    calls = calls_of_phone(session, phone, [request.id for request in requests])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = {"exported_at": as_local(utcnow()).isoformat(),
                    "requests": [_request_document(request) for request in requests],
                    "calls": [_call_document(call, {request.id: request.reference for request in requests})
                              for call in calls]}
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
        for request in requests:
            for message in request.voice_messages:
                path = voice_message_path(data_dir, message)
                if path.is_file():
                    archive.write(path, f"recordings/{message.path}")
    for request in requests:
        audit.record(session, actor, "export", "request", request.id, request.district_id, "person export")
    audit.record(session, actor, "export", "person", "phone", None, f"requests={len(requests)} calls={len(calls)}")
    return PersonExport(buffer.getvalue(), [request.id for request in requests])


def erase_person(session: Session, data_dir: Path, phone: str, actor: str) -> int:
    """Erase every request of *phone* with notes, history, recordings and transcripts, and empty
    the state of every call from that number (Art. 17)."""
    requests = requests_of_phone(session, phone)
    calls = calls_of_phone(session, phone, [request.id for request in requests])
    for request in requests:
        audit.record(session, actor, "erase", "request", request.id, request.district_id, "person erasure")
    if calls:
        _clear_calls(session, Call.id.in_([call.id for call in calls]))
        audit.record(session, actor, "erase", "call", "phone", None, f"calls={len(calls)}")
    return _delete_requests(session, data_dir, requests)
