"""Routes kiosk nodes use: the schedule feed they mirror and their heartbeat (kiosk token)."""

from __future__ import annotations

import gzip
import re
from datetime import datetime
from typing import Any

from flask import Response, abort, jsonify, request

from shared.api.views import authenticated_kiosk, bp
from shared.clock import as_local, as_utc
from shared.services import schedule_feed
from shared.web.request_session import db_session

GZIP_FROM_BYTES = 1024
PRINTER_STATUS = re.compile(r"[a-z_]{0,20}")
MAX_OUTBOX = 10**6


def _since_arg() -> datetime | None:
    raw = request.args.get("since", "")
    if not raw:
        return None
    try:
        since = datetime.fromisoformat(raw)
    except ValueError:
        abort(400, f"Parameter 'since' must be a cursor from an earlier answer, not {raw[:40]!r}.")
    if since.tzinfo is None or not 2000 <= since.year <= 2999:
        abort(400, "Parameter 'since' must be a cursor from an earlier answer (an instant with its offset).")
    return as_utc(since)


@bp.get("/kiosk/schedule")
def kiosk_schedule() -> Response:
    """Places and events changed since a cursor; 304 when the schedule is as the node has it."""
    authenticated_kiosk()
    since = _since_arg()
    known_places = request.args.get("places", "")
    session = db_session()
    current_places = schedule_feed.places(session)
    places_digest = schedule_feed.digest(current_places)
    version = schedule_feed.schedule_version(session, places_digest)
    etag = f'"{version}"'
    if since is not None and request.if_none_match.contains_weak(version):  # a full request always gets a body
        return Response(status=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    feed = schedule_feed.build_feed(session, since, known_places, current_places, places_digest)
    response = jsonify(feed.as_json(version))
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Encoding")
    if "gzip" in request.headers.get("Accept-Encoding", "") and response.content_length and \
            response.content_length >= GZIP_FROM_BYTES:
        response.set_data(gzip.compress(response.get_data(), compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
    return response


def _heartbeat_from(body: dict[str, Any]) -> schedule_feed.Heartbeat:
    printer_status = body.get("printer_status", "")
    version = body.get("version", "")
    outbox = body.get("outbox_length", 0)
    if not isinstance(printer_status, str) or not PRINTER_STATUS.fullmatch(printer_status):
        abort(400, "'printer_status' must be a short word such as ready or paper_out.")
    if not isinstance(version, str) or len(version) > schedule_feed.MAX_VERSION or "\x00" in version:
        abort(400, f"'version' must be a text of at most {schedule_feed.MAX_VERSION} characters.")
    if isinstance(outbox, bool) or not isinstance(outbox, int) or not 0 <= outbox <= MAX_OUTBOX:
        abort(400, f"'outbox_length' must be a whole number from 0 to {MAX_OUTBOX}.")
    return schedule_feed.Heartbeat(printer_status=printer_status, version=version, outbox_length=outbox)


@bp.post("/kiosk/heartbeat")
def kiosk_heartbeat() -> Response:
    """A kiosk node reports: alive, its printer's state, its version and its outbox length."""
    kiosk = authenticated_kiosk()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "The body must be a JSON object.")
    schedule_feed.record_heartbeat(db_session(), kiosk, _heartbeat_from(body))
    db_session().commit()
    seen = kiosk.last_seen_at
    return jsonify({"kiosk": kiosk.slug, "last_seen_at": as_local(seen).isoformat() if seen else None})
