"""Staff search over requests: reference, caller's number, name, topic, notes and transcripts.

The search text of a request is folded in Python (case folded, diacritics removed, any script)
and kept in ``request_search`` on every flush that touches a request, a note or a voice message.
SQLite indexes it with FTS5 (``unicode61``, ``remove_diacritics 2``), PostgreSQL with a GIN index
on ``to_tsvector('simple', body)``; both are queried by word prefixes.

A query is classified first and answered by one kind of indexed lookup, never an OR across them
(an OR makes both planners walk every request): a reference goes to the unique reference index, a
phone number to the normalised phone index (eight digits may be either: both lookups, united), words
to the full-text index. The body starts with a scope word for the request's district, so a
district's search is narrowed inside the full-text index instead of by reading its requests.
At most :data:`CANDIDATE_LIMIT` (the newest) matches are handed to the inbox query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import Select, delete, event, insert, select, union
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from shared.folding import fold
from shared.models import Note, Request, RequestSearch, VoiceMessage
from shared.services.fulltext import FullTextIndex, terms

CANDIDATE_LIMIT = 1000
INDEX = FullTextIndex("request_search", "request_id")
_REFERENCE = re.compile(r"[0-9]{8}")


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


def scope_word(district_id: int | None) -> str:
    """The word in a request's search text that stands for its district (one token in FTS5 and tsvector)."""
    return f"zzbezirk{district_id or 0}"


@dataclass(frozen=True)
class SearchHits:
    """The ids of the requests a query finds, newest first; ``truncated`` when more than the limit matched."""

    ids: list[int]
    truncated: bool = False


def find(session: Session, query: str, district_id: int | None) -> SearchHits:
    """The requests *query* finds within *district_id* (None: every district), newest first.

    One statement, ordered and limited by the database; the ids come back as they are.
    """
    statement = _lookup(session, query, district_id)
    if statement is None:
        return SearchHits([])
    # Core, not ORM: up to a thousand plain integers, fetched at once.
    ids = list(session.connection().execute(statement).scalars().all())
    return SearchHits(ids[:CANDIDATE_LIMIT], len(ids) > CANDIDATE_LIMIT)


def _lookup(session: Session, query: str, district_id: int | None) -> Select[int] | None:
    """The indexed lookup of *query*: reference and/or phone index, else the full-text index."""
    reference = reference_key(query)
    phone = phone_key(query)
    if reference or phone:
        lookups = [select(Request.id).where(Request.reference == reference)] if reference else []
        if phone:
            lookups.append(select(Request.id).where(Request.phone_e164 == phone))
        if district_id is not None:
            scope = Request.district_id == district_id if district_id else Request.district_id.is_(None)
            lookups = [lookup.where(scope) for lookup in lookups]
        ids = union(*lookups).subquery() if len(lookups) > 1 else lookups[0].subquery()
        return select(ids.c.id).order_by(ids.c.id.desc()).limit(CANDIDATE_LIMIT + 1)
    words = terms(query)
    return _full_text(session, words, district_id) if words else None


def _full_text(session: Session, words: list[str], district_id: int | None) -> Select[int]:
    """Requests whose text has every word as a prefix (and the scope word), newest first."""
    scope = [scope_word(district_id)] if district_id is not None else []
    found = INDEX.matching(session, words, scope)
    return found.order_by(found.selected_columns[0].desc()).limit(CANDIDATE_LIMIT + 1)


def compose(district_id: int | None, texts: Iterable[str]) -> str:
    """The search text of a request of *district_id* made of *texts* (name, topic, notes, transcripts)."""
    return fold(" ".join([scope_word(district_id), *texts]))


def _body(connection: Connection, request_id: int) -> str | None:
    row = connection.execute(
        select(Request.caller_name, Request.topic, Request.district_id).where(Request.id == request_id)).first()
    if row is None:
        return None
    parts: list[str] = [row.caller_name, row.topic]
    parts.extend(connection.scalars(select(Note.text).where(Note.request_id == request_id)))
    parts.extend(text_ or "" for text_ in connection.scalars(
        select(VoiceMessage.transcript).where(VoiceMessage.request_id == request_id)))
    return compose(row.district_id, parts)


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
    districts: dict[int, int | None] = {}
    for request_id, name, topic, district_id in connection.execute(
            select(Request.id, Request.caller_name, Request.topic, Request.district_id)):
        parts[request_id] = [name, topic]
        districts[request_id] = district_id
    for request_id, note in connection.execute(select(Note.request_id, Note.text)):
        parts[request_id].append(note)
    for request_id, transcript in connection.execute(
            select(VoiceMessage.request_id, VoiceMessage.transcript).where(VoiceMessage.transcript.is_not(None))):
        parts[request_id].append(transcript or "")
    connection.execute(delete(RequestSearch))
    rows = [{"request_id": request_id, "body": compose(districts[request_id], texts)}
            for request_id, texts in parts.items()]
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
