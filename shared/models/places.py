"""Districts (Stadtbezirke), venues and office hours."""

from __future__ import annotations

from datetime import time

from sqlalchemy import ForeignKey, SmallInteger, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.models.base import Base


class District(Base):
    """One of Dortmund's twelve Stadtbezirke; ``number`` is the order menus read them in."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    number: Mapped[int] = mapped_column(SmallInteger, unique=True)
    spoken_variants: Mapped[str] = mapped_column(Text, default="")

    venues: Mapped[list[Venue]] = relationship(back_populates="district", foreign_keys="Venue.district_id")


class Venue(Base):
    """A Begegnungszentrum, a Seniorenbüro or another place where events happen."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(30), default="begegnungszentrum")
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    street: Mapped[str] = mapped_column(String(160), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="Dortmund")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(160), default="")
    wheelchair_accessible: Mapped[bool] = mapped_column(default=False)
    hearing_loop: Mapped[bool] = mapped_column(default=False)
    accessibility_notes: Mapped[str] = mapped_column(Text, default="")

    district: Mapped[District] = relationship(back_populates="venues", foreign_keys=[district_id])
    office_hours: Mapped[list[OfficeHours]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="OfficeHours.weekday"
    )

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.street, f"{self.postcode} {self.city}".strip()) if part)


class OfficeHours(Base):
    """A weekly opening slot of a venue (weekday 0 = Monday), e.g. a Seniorenbüro's phone hours."""

    __tablename__ = "office_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    venue: Mapped[Venue] = relationship(back_populates="office_hours")
