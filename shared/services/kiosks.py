"""Kiosk registration: one record per touchscreen, with the hash of the token it shows the API."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Kiosk
from shared.services import audit
from shared.services.places import venue_by_slug


def kiosk_token_hash(token: str) -> str:
    """Kiosk tokens are stored as SHA-256 hashes only."""
    return hashlib.sha256(token.encode()).hexdigest()


def register_kiosk(session: Session, venue_slug: str, actor: str, name: str = "") -> tuple[Kiosk, str]:
    """Create the kiosk of a venue, or give an existing one a new token; return it and the token.

    The token is shown once and stored only as a hash; a new token invalidates the old one.
    """
    venue = venue_by_slug(session, venue_slug)
    slug = f"kiosk-{venue.slug}"
    kiosk = session.scalars(select(Kiosk).where(Kiosk.slug == slug)).first()
    if kiosk is None:
        kiosk = Kiosk(slug=slug, name=name or f"Kiosk {venue.name}", venue_id=venue.id, printer=venue.slug)
        session.add(kiosk)
    elif name:
        kiosk.name = name
    token = secrets.token_urlsafe(32)
    kiosk.token_hash = kiosk_token_hash(token)
    session.flush()
    audit.record(session, actor, "update", "kiosk", kiosk.id, venue.district_id, "token issued")
    return kiosk, token


def list_kiosks(session: Session) -> list[Kiosk]:
    """Every registered kiosk, by name."""
    return list(session.scalars(select(Kiosk).order_by(Kiosk.name)))
