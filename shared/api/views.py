"""Routes of ``/api/v1``; thin wrappers over :mod:`shared.services`."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from shared.api.openapi import openapi_document
from shared.api.serializers import (
    district_json,
    event_json,
    occurrence_json,
    request_receipt_json,
    venue_json,
)
from shared.clock import local_today, utcnow
from shared.errors import NotFound, ValidationFailed
from shared.models import Kiosk
from shared.models.vocabulary import Channel
from shared.services import events as event_service
from shared.services import places
from shared.services.ics_export import to_ics
from shared.services.kiosks import kiosk_token_hash
from shared.services.requests import NewRequest, create_request
from shared.web.request_session import db_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 1000
DEFAULT_RANGE_DAYS = 31
MAX_RANGE_DAYS = 366  # a year: longer ranges would expand recurrences for nobody
MAX_ID = 2**31 - 1  # the largest id the database columns hold
REFERENCE = re.compile(r"[1-9][0-9]{7}")


@bp.before_request
def _reject_nul_bytes() -> None:
    """NUL cannot be stored or compared in PostgreSQL text: refuse it clearly, on every backend."""
    if any("\x00" in value for values in request.args.lists() for value in values[1]):
        abort(400, "Query parameters must not contain NUL characters.")


@bp.errorhandler(HTTPException)
def _json_error(error: HTTPException) -> tuple[Response, int]:
    return jsonify({"error": error.name, "message": error.description}), error.code or 500


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        abort(400, f"Parameter {name!r} must be a date YYYY-MM-DD, not {raw!r}.")
    if not 1900 <= value.year <= 2999:
        abort(400, f"Parameter {name!r} must be a date between 1900 and 2999.")
    return value


def _filter_from_args() -> event_service.EventFilter:
    """Without ``to`` a list covers 31 days from ``from`` (or today), never the whole horizon.

    Dates lie within the stored horizon (occurrences materialised ahead), so every list is an
    index range scan of at most ``limit`` (default :data:`MAX_LIMIT`) rows: an anonymous caller
    never makes the server expand recurrences on the fly.
    """
    first = _date_arg("from") or local_today()
    last = _date_arg("to") or first + timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if last < first:
        abort(400, "Parameter 'to' lies before 'from'.")
    if (last - first).days >= MAX_RANGE_DAYS:
        abort(400, f"The range from 'from' to 'to' may span at most {MAX_RANGE_DAYS} days.")
    earliest, latest = event_service.horizon_days()
    if first < earliest or first > latest:
        abort(400, f"Dates are listed from {earliest.isoformat()} to {latest.isoformat()}.")
    last = min(last, latest)
    limit_raw = request.args.get("limit")
    limit = MAX_LIMIT
    if limit_raw:
        if not limit_raw.isdigit() or not 1 <= int(limit_raw) <= MAX_LIMIT:
            abort(400, f"Parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}.")
        limit = int(limit_raw)
    districts = tuple(slug for value in request.args.getlist("district") for slug in value.split(",") if slug)
    return event_service.EventFilter(
        first=first, last=last, districts=districts, venue=request.args.get("venue") or None,
        category=request.args.get("category") or None, text=request.args.get("q") or None,
        limit=limit,
    )


@bp.get("/districts")
def list_districts() -> Response:
    """The twelve districts in the city's order."""
    return jsonify({"districts": [district_json(d) for d in places.districts(db_session())]})


@bp.get("/venues")
def list_venues() -> Response:
    """Venues, optionally of one district."""
    found = places.venues(db_session(), request.args.get("district") or None)
    return jsonify({"venues": [venue_json(v) for v in found]})


@bp.get("/categories")
def list_categories() -> Response:
    """Event topics."""
    return jsonify({"categories": [{"slug": c.slug, "name": c.name} for c in places.categories(db_session())]})


@bp.get("/events")
def list_events() -> Response:
    """One item per occurrence in the range (default: the next 31 days)."""
    return jsonify({"events": [occurrence_json(view) for view in _listed()]})


def _listed() -> list[event_service.OccurrenceView]:
    """The occurrences the query asks for: the first page of ``limit``, cut on the indexes, so the
    cost does not grow with the events stored."""
    criteria = _filter_from_args()
    return event_service.page_of_occurrences(db_session(), criteria, 1, criteria.limit or MAX_LIMIT,
                                             counted=False).views


@bp.get("/events.ics")
def export_events() -> Response:
    """The same list as ``/events`` as an RFC 5545 calendar."""
    body = to_ics(_listed(), base_url=request.host_url)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'attachment; filename="treffpunkt.ics"',
    })


@bp.get("/events/<int:event_id>")
def show_event(event_id: int) -> Response:
    """One event with its next dates."""
    session = db_session()
    if event_id > MAX_ID:
        abort(404, f"There is no event {event_id}.")
    try:
        event = event_service.get_event(session, event_id)
    except NotFound:
        abort(404, f"There is no event {event_id}.")
    return jsonify(event_json(event, event_service.next_occurrences(session, event, 10)))


def authenticated_kiosk() -> Kiosk:
    """The kiosk whose token the request carries (401 without a known one)."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not token:
        abort(401, "A kiosk token is required (Authorization: Bearer …).")
    kiosk = db_session().scalars(select(Kiosk).where(Kiosk.token_hash == kiosk_token_hash(token))).first()
    if kiosk is None:
        abort(401, "Unknown kiosk token.")
    return kiosk


@bp.post("/requests")
def submit_request() -> tuple[Response, int]:
    """Create a callback or home-visit request from a kiosk (idempotent per key)."""
    kiosk = authenticated_kiosk()
    body: dict[str, Any] | None = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "The body must be a JSON object.")
    raw_event_id = body.get("event_id")
    if raw_event_id is not None and (isinstance(raw_event_id, bool) or not isinstance(raw_event_id, int)):
        abort(400, "'event_id' must be a whole number.")
    raw_key = request.headers.get("Idempotency-Key") or body.get("idempotency_key") or None
    if raw_key is not None and not isinstance(raw_key, str):
        abort(400, "'idempotency_key' must be a string.")
    raw_reference = body.get("reference")
    if raw_reference is not None and (not isinstance(raw_reference, str) or not REFERENCE.fullmatch(raw_reference)):
        abort(400, "'reference' must be eight digits, not starting with 0.")
    session = db_session()
    data = NewRequest(
        kind=str(body.get("kind", "")), channel=Channel.KIOSK, district_slug=body.get("district") or None,
        phone=str(body.get("phone", "")), caller_name=str(body.get("name", "")),
        preferred_time=str(body.get("preferred_time", "")), topic=str(body.get("topic", "")),
        language=str(body.get("language", "de"))[:5], consent_data=body.get("consent") is True,
        event_id=raw_event_id, kiosk_id=kiosk.id, idempotency_key=raw_key, reference=raw_reference,
    )
    try:
        created_request, created = create_request(session, data, actor=f"kiosk:{kiosk.slug}")
    except ValidationFailed as exc:
        session.rollback()
        return jsonify({"error": "Bad Request", "errors": exc.as_dict()}), 400
    kiosk.last_seen_at = utcnow()
    session.commit()
    return jsonify(request_receipt_json(created_request)), 201 if created else 200


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document())
