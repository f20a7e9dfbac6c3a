"""District scoping in one place: staff see their district's records, admins every district.

Every lookup of a request or event by id goes through these helpers; a record of another
district answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import Session

from shared.errors import NotFound
from shared.models import Event, Request
from shared.services.events import get_event
from shared.services.inbox import UNROUTED
from shared.services.requests import get_request
from shared.staff.principal import StaffPrincipal


def district_scope(user: StaffPrincipal) -> int | None:
    """The district a user may see; None means all (admins), :data:`UNROUTED` the Leitstelle's.

    Staff without a district see nothing.
    """
    if user.is_admin:
        return None
    if user.user.role == "leitstelle":
        return UNROUTED
    if user.district_id is None:
        abort(403)
    return user.district_id


def may_see(user: StaffPrincipal, district_id: int | None) -> bool:
    """True if *user* may see records of *district_id*."""
    scope = district_scope(user)
    return scope is None or scope == (district_id or UNROUTED)


def may_route(user: StaffPrincipal, request: Request) -> bool:
    """Admins and the Leitstelle route any request they see; a district team moves its own on."""
    return user.user.is_central or (request.district_id is not None and request.district_id == user.district_id)


def get_request_for_user(session: Session, user: StaffPrincipal, request_id: int) -> Request:
    """The request if *user* may see it, else 404."""
    try:
        request = get_request(session, request_id)
    except NotFound:
        abort(404)
    if not may_see(user, request.district_id):
        abort(404)
    return request


def get_event_for_user(session: Session, user: StaffPrincipal, event_id: int) -> Event:
    """The event if *user* may edit it, else 404."""
    try:
        event = get_event(session, event_id)
    except NotFound:
        abort(404)
    if not may_see(user, event.district_id):
        abort(404)
    return event
