"""Known test content for the kiosk: events with known titles, the longest texts, printed receipts, the session."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from shared.config import Config
from shared.db import Database
from shared.models import Category, District, Event, Venue
from shared.services.events import save_event

TODAY_HOME = "Kiosk-Test: Kaffeeklatsch in Hörde"
TODAY_AWAY = "Kiosk-Test: Vortrag in Eving"
# The longest texts the schema allows, with long German words: what a list or detail page must still fit.
LONGEST_TITLE = ("Seniorengymnastik, Gedächtnistraining und Frühstücksbegegnung mit Informationsveranstaltung "
                 "zur Wohnraumanpassung, Pflegeversicherung und Nachbarschaftshilfe im Stadtbezirk Hörde "
                 "und Umgebung, mit Kaffee")[:200]
LONGEST_PLACE = ("Gemeindezentrum der Evangelischen Kirchengemeinde am Phoenixsee, Großer Saal im Erdgeschoss, "
                 "Eingang über den Innenhof neben der Bäckerei, Hermannstraße 123–125, 44263 Dortmund-Hörde, "
                 "zweite Tür links")[:200]


def add_event(db: Database, title: str, venue_slug: str, start: datetime, **values: object) -> int:
    """Store one event at a venue and return its id."""
    with db.session() as session:
        venue = session.scalars(select(Venue).where(Venue.slug == venue_slug)).one()
        event = Event(title=title, start=start, end=start + timedelta(hours=2), venue_id=venue.id,
                      district_id=venue.district_id, **values)
        save_event(session, event)
        return event.id


def add_longest_event(db: Database, start: datetime) -> int:
    """A weekly event in Hörde with every text at its longest, every mark and every topic; return its id."""
    with db.session() as session:
        district = session.scalars(select(District).where(District.slug == "hoerde")).one()
        event = Event(title=LONGEST_TITLE, start=start, end=start + timedelta(hours=2), district_id=district.id,
                      location=LONGEST_PLACE, cost="Kostenbeitrag 3,50 € pro Person, ermäßigt 2 € mit Dortmund-Pass, "
                      "Getränke extra"[:80], barrier_free=True, hearing_loop=True, registration_required=True,
                      contact_phone="+49 231 50-123456", rrule="FREQ=WEEKLY",
                      description=" ".join(["Gemeinschaftsverpflegungseinrichtung und Bewegungsangebote."] * 40),
                      categories=list(session.scalars(select(Category))))
        save_event(session, event)
        return event.id


def printed(config: Config) -> list[bytes]:
    """The ESC/POS bytes of every receipt the ``dummy:`` printer received, oldest first."""
    return [path.read_bytes() for path in sorted((config.data_dir / "receipts").glob("*.bin"))]


def session_json(app: Flask, cookie: str) -> str:
    """The Flask session cookie *cookie*, decoded as the server reads it, as JSON text."""
    interface = app.session_interface
    assert isinstance(interface, SecureCookieSessionInterface)
    serializer = interface.get_signing_serializer(app)
    assert serializer is not None
    return json.dumps(serializer.loads(cookie), ensure_ascii=False)
