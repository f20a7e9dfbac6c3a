"""Callback and home-visit requests, their status history, notes and voice messages."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.models.base import Base
from shared.models.events import Event
from shared.models.places import District
from shared.models.staff import StaffUser
from shared.models.vocabulary import OPEN_STATUSES, Channel, PreferredTime, RequestKind, RequestStatus, among, one_of

# An open request, as the partial index names it: a query repeats this text (values written out) for
# SQLite to use the index (it does not prove the condition from bound parameters).
OPEN_CONDITION = among("status", OPEN_STATUSES)


class Request(Base):
    """A senior's request for a callback or a home visit, from any channel."""

    __tablename__ = "requests"
    __table_args__ = (
        # waiting_until last: "overdue" (a waiting request only from that date on) is counted from
        # the index alone, without reading a row per overdue request.
        Index("ix_requests_district_status_due", "district_id", "status", "due_date", "waiting_until"),
        # A district's open requests in inbox order: its first page is read off the index, not sorted
        # from every open request of the district.
        Index("ix_requests_open_district_due", "district_id", "due_date", "id",
              sqlite_where=text(OPEN_CONDITION), postgresql_where=text(OPEN_CONDITION)),
        Index("ix_requests_status_due", "status", "due_date", "waiting_until"),
        Index("ix_requests_phone", "phone_e164"),
        Index("ix_requests_due_id", "due_date", "id"),
        # Sorting by received (?sort=received / -received) walks these instead of sorting the matches.
        Index("ix_requests_created_id", "created_at", "id"),
        Index("ix_requests_district_created", "district_id", "created_at", "id"),
        # The "mine" view: one assignee's open requests by due date (partial: most have no assignee).
        Index("ix_requests_assignee_status_due", "assignee_id", "district_id", "status", "due_date",
              sqlite_where=text("assignee_id IS NOT NULL"), postgresql_where=text("assignee_id IS NOT NULL")),
        one_of("kind", RequestKind),
        one_of("channel", Channel),
        one_of("status", RequestStatus),
        one_of("preferred_time", PreferredTime),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.NEW)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    caller_name: Mapped[str] = mapped_column(String(160), default="")
    phone_e164: Mapped[str] = mapped_column(String(20), default="")
    preferred_time: Mapped[str] = mapped_column(String(20), default="")
    topic: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="de")
    consent_data: Mapped[bool] = mapped_column(default=False)
    consent_recording: Mapped[bool] = mapped_column(default=False)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id", ondelete="SET NULL"))
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    due_date: Mapped[date] = mapped_column(Date)
    waiting_until: Mapped[date | None] = mapped_column(Date)
    call_attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_contact_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    # A merged duplicate points to the request that carries on (its notes and history moved there).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))

    district: Mapped[District | None] = relationship()
    merged_into: Mapped[Request | None] = relationship(remote_side=[id])
    event: Mapped[Event | None] = relationship()
    assignee: Mapped[StaffUser | None] = relationship()
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="StatusChange.id",
        passive_deletes=True,
    )
    notes: Mapped[list[Note]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Note.id",
        passive_deletes=True,
    )
    voice_messages: Mapped[list[VoiceMessage]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="VoiceMessage.id",
        passive_deletes=True,
    )


class StatusChange(Base):
    """An append-only row of a request's status history."""

    __tablename__ = "request_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    waiting_until: Mapped[date | None] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime]

    request: Mapped[Request] = relationship(back_populates="history")


class Note(Base):
    """A staff note on a request."""

    __tablename__ = "request_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="note")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    request: Mapped[Request] = relationship(back_populates="notes")
    author: Mapped[StaffUser | None] = relationship()


class VoiceMessage(Base):
    """A recording a caller left (name, topic or message) and its offline transcript.

    ``path`` is relative to the data directory's ``recordings/`` folder.
    """

    __tablename__ = "voice_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    path: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(40), default="audio/wav")
    duration_seconds: Mapped[float] = mapped_column(default=0.0)
    transcript: Mapped[str | None] = mapped_column(Text)
    transcribed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    request: Mapped[Request] = relationship(back_populates="voice_messages")


class RequestSearch(Base):
    """The folded search text of one request (name, topic, notes, transcripts), kept on every write.

    SQLite indexes it with FTS5 (``request_search_fts``), PostgreSQL with a GIN ``tsvector`` index.
    """

    __tablename__ = "request_search"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")
