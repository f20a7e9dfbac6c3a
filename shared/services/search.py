"""Staff search over requests: reference, caller's number, name, topic, notes and transcripts.

The search text of a request is folded in Python (case folded, diacritics removed, any script)
and kept in ``request_search`` on every flush that touches a request, a note or a voice message.
SQLite indexes it with FTS5 (``unicode61``, ``remove_diacritics 2``), PostgreSQL with a GIN index
on ``to_tsvector('simple', body)``; both are queried by word prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, delete, event, false, func, insert, literal_column, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from shared.folding import fold
from shared.models import Note, Request, RequestSearch, VoiceMessage

MAX_TERMS = 8
_WORD = re.compile(r"[^\W_]+")
_REFERENCE = re.compile(r"[0-9]{8}")


def terms(query: str) -> list[str]:
    """The folded words of a search query (at most :data:`MAX_TERMS`)."""
    return _WORD.findall(fold(query))[:MAX_TERMS]


def reference_key(query: str) -> str | None:
    """The reference in *query* with spaces, dashes and dots removed, if it looks like one."""
    compact = re.sub(r"[\s\-./]", "", query)
    return compact if _REFERENCE.fullmatch(compact) else None


def phone_key(query: str) -> str | None:
    """*query* as an E.164 number if it is a possible phone number in any usual format."""
    raw = query.strip()
    if sum(char.isdigit() for char in raw) < 5 or re.search(r"[^\d\s()+\-./]", raw):
        return None
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, "DE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def search_condition(dialect: str, query: str) -> ColumnElement[bool]:
    """A condition on :class:`Request` true for requests matching *query*."""
    clauses: list[ColumnElement[bool]] = []
    reference = reference_key(query)
    if reference:
        clauses.append(Request.reference == reference)
    phone = phone_key(query)
    if phone:
        clauses.append(Request.phone_e164 == phone)
    words = terms(query)
    if words:
        if dialect == "sqlite":
            match = " ".join(f'"{word}"*' for word in words)
            ids: Any = select(literal_column("rowid")).select_from(text("request_search_fts")).where(
                text("request_search_fts MATCH :match").bindparams(match=match))
        else:
            tsquery = " & ".join(f"{word}:*" for word in words)
            ids = select(RequestSearch.request_id).where(
                func.to_tsvector(literal_column("'simple'"), RequestSearch.body)
                .op("@@")(func.to_tsquery(literal_column("'simple'"), tsquery)))
        clauses.append(Request.id.in_(ids))
    return or_(*clauses) if clauses else false()


def _body(connection: Connection, request_id: int) -> str | None:
    row = connection.execute(
        select(Request.caller_name, Request.topic).where(Request.id == request_id)).first()
    if row is None:
        return None
    parts: list[str] = [row.caller_name, row.topic]
    parts.extend(connection.scalars(select(Note.text).where(Note.request_id == request_id)))
    parts.extend(text_ or "" for text_ in connection.scalars(
        select(VoiceMessage.transcript).where(VoiceMessage.request_id == request_id)))
    return fold(" ".join(parts))


def reindex(connection: Connection, request_ids: Iterable[int]) -> None:
    """Recompute the search text of *request_ids* (rows of deleted requests are dropped)."""
    for request_id in sorted(set(request_ids)):
        body = _body(connection, request_id)
        connection.execute(delete(RequestSearch).where(RequestSearch.request_id == request_id))
        if body is not None:
            connection.execute(insert(RequestSearch).values(request_id=request_id, body=body))


def rebuild(connection: Connection) -> int:
    """Recompute the search text of every request (after bulk loads); returns the count."""
    parts: dict[int, list[str]] = {}
    for request_id, name, topic in connection.execute(select(Request.id, Request.caller_name, Request.topic)):
        parts[request_id] = [name, topic]
    for request_id, note in connection.execute(select(Note.request_id, Note.text)):
        parts[request_id].append(note)
    for request_id, transcript in connection.execute(
            select(VoiceMessage.request_id, VoiceMessage.transcript).where(VoiceMessage.transcript.is_not(None))):
        parts[request_id].append(transcript or "")
    connection.execute(delete(RequestSearch))
    rows = [{"request_id": request_id, "body": fold(" ".join(texts))} for request_id, texts in parts.items()]
    for start in range(0, len(rows), 5000):
        connection.execute(insert(RequestSearch), rows[start:start + 5000])
    return len(rows)


def _touched(session: Session) -> set[int]:
    ids: set[int] = set()
    deleted = {id(obj) for obj in session.deleted}
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Request):
            if id(obj) not in deleted and obj.id is not None:
                ids.add(obj.id)
        elif isinstance(obj, (Note, VoiceMessage)) and obj.request_id is not None:
            ids.add(obj.request_id)
    return ids


@event.listens_for(Session, "after_flush")
def _keep_index(session: Session, _context: object) -> None:
    ids = _touched(session)
    if ids:
        reindex(session.connection(), ids)
