"""Events, their categories and the materialised occurrences of recurring events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    insert,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from shared.clock import utcnow
from shared.models.base import Base
from shared.models.places import District, Venue

event_categories = Table(
    "event_categories",
    Base.metadata,
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", Integer, ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


CITY_WIDE = "ganz Dortmund"


class Category(Base):
    """A topic such as Bewegung, Kultur or Beratung."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))


class Event(Base):
    """An event, possibly recurring; times are stored in UTC, recurrence is in Europe/Berlin.

    ``rrule`` is an RFC 5545 RRULE value (without the ``RRULE:`` prefix); ``exdates`` holds the
    local start times (ISO, no offset) of cancelled occurrences.
    """

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("source", "external_uid", name="uq_events_source_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[datetime]
    end: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(default=False)
    rrule: Mapped[str] = mapped_column(String(500), default="")
    exdates: Mapped[str] = mapped_column(Text, default="")
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), index=True)
    # None: city-wide ("ganz Dortmund"), listed in every district.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    cost: Mapped[str] = mapped_column(String(80), default="")
    barrier_free: Mapped[bool] = mapped_column(default=False)
    hearing_loop: Mapped[bool] = mapped_column(default=False)
    registration_required: Mapped[bool] = mapped_column(default=False)
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(80), default="manual")
    external_uid: Mapped[str | None] = mapped_column(String(300))
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)

    venue: Mapped[Venue | None] = relationship()
    district: Mapped[District | None] = relationship()
    categories: Mapped[list[Category]] = relationship(secondary=event_categories, order_by=Category.slug)
    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def district_name(self) -> str:
        """The district's name, or "ganz Dortmund" for a city-wide event."""
        return self.district.name if self.district is not None else CITY_WIDE


class Occurrence(Base):
    """One dated instance of an event, expanded ahead so day queries are plain index scans."""

    __tablename__ = "occurrences"
    __table_args__ = (
        # A list's window is one range of these; "has it ended?" and "cancelled?" are answered from
        # the index, so lists are counted and cut without reading a row they do not show.
        Index("ix_occurrences_district_start_end", "district_id", "start", "end", "cancelled"),
        Index("ix_occurrences_start_end", "start", "end", "cancelled"),
        # The few occurrences lasting longer than a day: day queries look them up here, and
        # bound the main index scan to starts at most a day before the window.
        Index("ix_occurrences_multi_day", "start", "district_id",
              postgresql_where=text("multi_day"), sqlite_where=text("multi_day")),
        UniqueConstraint("event_id", "start", name="uq_occurrences_event_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up by uq_occurrences_event_start (event_id leads it): no index of its own.
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    start: Mapped[datetime]
    end: Mapped[datetime]
    multi_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The event's flag, copied when it is expanded: lists count and cut without reading events.
    cancelled: Mapped[bool] = mapped_column(default=False, server_default=false())

    event: Mapped[Event] = relationship(back_populates="occurrences")


class RefreshState(Base):
    """How far the occurrences are materialised: the horizon covered and the last refresh's start.

    Events changed after ``watermark`` are re-expanded by the next refresh; the days between
    ``horizon_end`` and the new horizon's end are added for the others.
    """

    __tablename__ = "refresh_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    horizon_start: Mapped[datetime]
    horizon_end: Mapped[datetime]
    watermark: Mapped[datetime]


class DeletedEvent(Base):
    """A tombstone: the id of a deleted event, so kiosk nodes syncing incrementally drop it too."""

    __tablename__ = "deleted_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int]
    deleted_at: Mapped[datetime] = mapped_column(index=True)


class EventSearch(Base):
    """The folded search text of one event (title, description, location), kept on every write.

    SQLite indexes it with FTS5 (``event_search_fts``), PostgreSQL with a GIN ``tsvector`` index.
    """

    __tablename__ = "event_search"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")


@event.listens_for(Event, "after_delete")
def _leave_tombstone(_mapper: Mapper[Any], connection: Connection, target: Event) -> None:
    """Every ORM delete of an event leaves a tombstone in the same transaction."""
    connection.execute(insert(DeletedEvent).values(event_id=target.id, deleted_at=utcnow()))
