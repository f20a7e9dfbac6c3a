"""The meeting centre this kiosk stands in, its kiosk record and the Seniorenbüro to call."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hardware.receipt_content import Footer
from shared.models import Kiosk
from shared.runtime import get_runtime
from shared.services.places import seniorenbuero, venue_by_slug


@dataclass(frozen=True)
class Centre:
    """Where the kiosk is: the venue's name and district, the kiosk row (if registered), its district office."""

    name: str
    district_id: int
    kiosk_id: int | None
    footer: Footer


def office_footer(session: Session, district_id: int) -> Footer:
    """The Seniorenbüro of a district as printed at the bottom of every slip."""
    office = seniorenbuero(session, district_id)
    if office is None:
        return Footer(office_name="", office_phone="")
    return Footer(office_name=office.name, office_phone=office.phone)


def current_centre(session: Session) -> Centre:
    """The centre named by ``TREFFPUNKT_KIOSK_VENUE`` (raises NotFound if misconfigured)."""
    venue = venue_by_slug(session, get_runtime().config["KIOSK_VENUE"])
    kiosk_id = session.scalar(select(Kiosk.id).where(Kiosk.venue_id == venue.id).order_by(Kiosk.id).limit(1))
    return Centre(name=venue.name, district_id=venue.district_id, kiosk_id=kiosk_id,
                  footer=office_footer(session, venue.district_id))
