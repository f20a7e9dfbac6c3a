"""The meeting centre this kiosk stands in, its kiosk record and the Seniorenbüro to call."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
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


CITY_EXCHANGE = ("231", "50")  # Stadt Dortmund: 0231 50-<extension>


def phone_for_people(number: str) -> str:
    """A phone number as people read and dial it: national format, the city's exchange set off
    from the extension ("0231 50-29408"); a number that does not parse is kept as it is."""
    try:
        parsed = phonenumbers.parse(number, "DE")
    except phonenumbers.NumberParseException:
        return number
    if parsed.country_code != 49:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = str(parsed.national_number)
    area, exchange = CITY_EXCHANGE
    if national.startswith(area + exchange) and len(national) > len(area + exchange) + 2:
        return f"0{area} {exchange}-{national[len(area + exchange):]}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def office_footer(session: Session, district_id: int) -> Footer:
    """The Seniorenbüro of a district as printed at the bottom of every slip."""
    office = seniorenbuero(session, district_id)
    if office is None:
        return Footer(office_name="", office_phone="")
    return Footer(office_name=office.name, office_phone=phone_for_people(office.phone))


def current_centre(session: Session) -> Centre:
    """The centre named by ``TREFFPUNKT_KIOSK_VENUE`` (raises NotFound if misconfigured)."""
    venue = venue_by_slug(session, get_runtime().config.kiosk_venue)
    kiosk_id = session.scalar(select(Kiosk.id).where(Kiosk.venue_id == venue.id).order_by(Kiosk.id).limit(1))
    return Centre(name=venue.name, district_id=venue.district_id, kiosk_id=kiosk_id,
                  footer=office_footer(session, venue.district_id))
