"""Look-ups of districts, venues and categories, cached per session where it pays."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shared.clock import as_local
from shared.errors import NotFound
from shared.models import Category, District, Venue
from shared.services.workdays import is_working_day


def districts(session: Session) -> list[District]:
    """All districts in the city's official order (the order menus read them in)."""
    return list(session.scalars(select(District).order_by(District.number)))


def district_by_slug(session: Session, slug: str) -> District:
    """One district by slug, or :class:`NotFound`."""
    district = session.scalars(select(District).where(District.slug == slug)).first()
    if district is None:
        raise NotFound(f"district {slug}")
    return district


def district_by_number(session: Session, number: int) -> District:
    """One district by its menu number 1–12, or :class:`NotFound`."""
    district = session.scalars(select(District).where(District.number == number)).first()
    if district is None:
        raise NotFound(f"district number {number}")
    return district


def venues(session: Session, district_slug: str | None = None) -> list[Venue]:
    """Venues, optionally of one district, by name."""
    query = select(Venue).options(selectinload(Venue.district)).order_by(Venue.name)
    if district_slug:
        query = query.join(Venue.district).where(District.slug == district_slug)
    return list(session.scalars(query))


def venue_by_slug(session: Session, slug: str) -> Venue:
    """One venue by slug, or :class:`NotFound`."""
    venue = session.scalars(select(Venue).where(Venue.slug == slug)).first()
    if venue is None:
        raise NotFound(f"venue {slug}")
    return venue


def seniorenbuero(session: Session, district_id: int) -> Venue | None:
    """The Seniorenbüro of a district (its phone goes on every receipt)."""
    return session.scalars(
        select(Venue)
        .where(Venue.district_id == district_id, Venue.kind == "seniorenbuero")
        .options(selectinload(Venue.office_hours))
    ).first()


def is_open(venue: Venue, moment: datetime) -> bool:
    """True if *moment* falls into the venue's weekly office hours on a working day."""
    local = as_local(moment)
    if not is_working_day(local.date()):
        return False
    return any(
        slot.weekday == local.weekday() and slot.opens <= local.time() < slot.closes
        for slot in venue.office_hours
    )


def categories(session: Session) -> list[Category]:
    """All event topics by name."""
    return list(session.scalars(select(Category).order_by(Category.name)))
