"""Kiosks, printers and phone calls: the records the devices and transports leave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.models.base import Base
from shared.models.places import Venue


class Kiosk(Base):
    """A touchscreen kiosk in a venue, with the hash of the token it presents to the API."""

    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    printer: Mapped[str] = mapped_column(String(80), default="default")
    token_hash: Mapped[str] = mapped_column(String(128), default="")
    last_seen_at: Mapped[datetime | None]
    # What the kiosk node's last heartbeat said (empty for a browser kiosk without a node).
    printer_status: Mapped[str] = mapped_column(String(20), default="", server_default="")
    software_version: Mapped[str] = mapped_column(String(40), default="", server_default="")
    outbox_length: Mapped[int] = mapped_column(default=0, server_default="0")

    venue: Mapped[Venue] = relationship()


class PrinterState(Base):
    """Last known state of a printer (its jobs are ``jobs`` rows of kind ``print``, queue = printer)."""

    __tablename__ = "printer_states"

    printer: Mapped[str] = mapped_column(String(80), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="unknown")
    detail: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime | None]


class Call(Base):
    """A hotline call: its progress in the call flow and the request it produced."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    transport: Mapped[str] = mapped_column(String(10), default="gather")
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(5), default="de")
    outcome: Mapped[str] = mapped_column(String(20), default="")
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who read or changed which personal record, when; rows are never updated or deleted."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(30))
    record_type: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(40))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    detail: Mapped[str] = mapped_column(Text, default="")
