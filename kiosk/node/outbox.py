"""The node's outbox: requests filed at this kiosk, delivered to the central server until acknowledged.

The outbox is the local ``requests`` table itself: the kiosk's request flow files a request there
as in the all-in-one server. This worker posts each to ``POST /api/v1/requests`` with its
idempotency key and the reference already on the senior's slip; once the server acknowledges it
(201 created, or 200 already created with this key), the local row and with it the senior's name
and phone number are deleted. A crash between acknowledgement and deletion only repeats a post
the server answers with 200: nothing lost, nothing doubled.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kiosk.node.backend import Backend, BackendUnreachable
from shared.db import Database
from shared.models import Request

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
RETRY_SECONDS = (2, 5, 15, 30, 60, 120, 300)  # back-off while the line is down
REFUSED_RETRY_SECONDS = 3600  # a request the server refuses (e.g. an unknown district) waits for staff to fix it
WAIT_STEP_SECONDS = 0.1


@dataclass
class Outbox:
    """Delivers the local requests; ``wake`` makes it try at once (a new request was filed)."""

    db: Database
    backend: Backend
    wake: threading.Event = field(default_factory=threading.Event)
    online: bool | None = None
    _retry: dict[int, tuple[int, float]] = field(default_factory=dict)  # request id -> (failures, next try)
    _refused: set[int] = field(default_factory=set)  # refused by the server: waits its hour even when online

    def length(self) -> int:
        """Requests not yet acknowledged by the central server."""
        with self.db.session() as session:
            return int(session.scalar(select(func.count(Request.id))) or 0)

    def is_pending(self, reference: str) -> bool:
        """Whether the request with this reference still waits for delivery."""
        with self.db.session() as session:
            return session.scalar(select(Request.id).where(Request.reference == reference)) is not None

    def wait_delivered(self, reference: str, timeout: float) -> bool:
        """Ask for delivery now and wait up to *timeout* seconds; True if the request is still pending."""
        self.wake.set()
        deadline = time.monotonic() + timeout
        while self.is_pending(reference):
            if time.monotonic() >= deadline:
                return True
            time.sleep(WAIT_STEP_SECONDS)
        return False

    def deliver_due(self) -> int:
        """Post every request whose next try is due; return how many were acknowledged."""
        with self.db.session() as session:
            due = [(request.id, _payload(request)) for request in session.scalars(
                select(Request).options(selectinload(Request.district)).order_by(Request.id))
                   if self._retry.get(request.id, (0, 0.0))[1] <= time.monotonic()]
        delivered = 0
        for request_id, payload in due:
            try:
                answer = self.backend.post("/requests", payload, idempotency_key=payload["idempotency_key"])
            except BackendUnreachable as exc:
                self.online = False
                self._postpone(request_id, RETRY_SECONDS)
                log.info("outbox: backend unreachable (%s); request %s waits", exc, request_id)
                return delivered  # the line is down: the others wait too
            self.online = True
            if answer.status in (200, 201):
                self._forget(request_id)
                delivered += 1
                log.info("outbox: request %s delivered as %s", request_id,
                         answer.body.get("id") if isinstance(answer.body, dict) else "?")
            else:
                problems = sorted((answer.body or {}).get("errors", {})) if isinstance(answer.body, dict) else []
                log.warning("outbox: request %s refused with HTTP %s (fields %s)", request_id, answer.status,
                            ",".join(problems))
                self._refused.add(request_id)
                self._postpone(request_id, (REFUSED_RETRY_SECONDS,))
        return delivered

    def line_is_back(self) -> None:
        """The central server answered again (a sync or heartbeat): retry waiting requests at once."""
        if self.online is False:
            self._retry = {key: value for key, value in self._retry.items() if key in self._refused}
            self.wake.set()

    def _postpone(self, request_id: int, steps: tuple[int, ...]) -> None:
        failures = self._retry.get(request_id, (0, 0.0))[0] + 1
        self._retry[request_id] = (failures, time.monotonic() + steps[min(failures, len(steps)) - 1])

    def _forget(self, request_id: int) -> None:
        """Delivered: delete the local copy (and the senior's personal data with it)."""
        self._retry.pop(request_id, None)
        self._refused.discard(request_id)
        with self.db.session() as session:
            request = session.get(Request, request_id)
            if request is not None:
                session.delete(request)

    def run(self, stop: threading.Event) -> None:
        """Worker loop: deliver what is due, then wait for a new request or the next poll."""
        while not stop.is_set():
            self.deliver_due()
            self.wake.wait(POLL_SECONDS)
            self.wake.clear()


def _payload(request: Request) -> dict[str, Any]:
    """The request as ``POST /api/v1/requests`` takes it."""
    payload: dict[str, Any] = {
        "kind": request.kind, "district": request.district.slug if request.district else None,
        "phone": request.phone_e164, "name": request.caller_name, "preferred_time": request.preferred_time,
        "topic": request.topic, "language": request.language, "consent": request.consent_data,
        "reference": request.reference,
        "idempotency_key": request.idempotency_key or f"kiosk-node-{request.reference}",
    }
    if request.event_id is not None:
        payload["event_id"] = request.event_id
    return payload
