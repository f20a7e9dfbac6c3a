"""Load shedding for Twilio's webhooks: answer at once when the server is full, never queue.

Twilio retries nothing by itself, and a webhook answered after seconds is worse than one refused
at once: past ``TREFFPUNKT_WEBHOOKS_IN_FLIGHT`` concurrent webhooks, or when a webhook already
waited ``TREFFPUNKT_WEBHOOK_QUEUE_MS`` for a thread (measured by the gunicorn worker,
``shared/web/worker.py``), a new call hears a short German "please call later" and is hung up, and
any other webhook gets ``503`` with ``Retry-After`` (Twilio then uses the number's fallback URL, see
docs/hotline.md). The gate holds only webhook threads, so a webhook flood never takes the threads
that kiosk and staff pages need.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from shared.web.worker import QUEUE_WAIT

MAX_WEBHOOKS_IN_FLIGHT = 16
MAX_QUEUE_SECONDS = 0.1
WEBHOOK_PREFIX = "/ivr/twilio/"
NEW_CALL_PATH = "/ivr/twilio/voice"
RETRY_AFTER_SECONDS = "1"
BUSY_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Say language="de-DE">Die Leitung ist gerade stark belegt. Bitte rufen Sie später noch einmal an.</Say>'
    "<Hangup/></Response>"
)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
logger = logging.getLogger(__name__)


class WebhookLoadShedder:
    """WSGI middleware around the app: a bounded number of webhooks at a time, the rest refused."""

    def __init__(self, app: WsgiApp, limit: int = MAX_WEBHOOKS_IN_FLIGHT,
                 max_queue_seconds: float = MAX_QUEUE_SECONDS) -> None:
        self.app = app
        self.limit = limit
        self.max_queue_seconds = max_queue_seconds
        self._slots = threading.BoundedSemaphore(limit)
        self.shed = 0  # refused so far, for the operations page and the bench
        self._warned_at = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not str(environ.get("PATH_INFO", "")).startswith(WEBHOOK_PREFIX):
            return self.app(environ, start_response)
        if QUEUE_WAIT.seconds > self.max_queue_seconds:
            return self._refuse(environ, start_response, "waited %.0f ms for a thread" % (QUEUE_WAIT.seconds * 1000))
        if not self._slots.acquire(blocking=False):
            return self._refuse(environ, start_response, f"{self.limit} already in flight")
        try:  # the slot is the app's work; sending the answer is the server's (and closing after it races the caller)
            return self.app(environ, start_response)
        finally:
            self._slots.release()

    def _refuse(self, environ: dict[str, Any], start_response: Callable[..., Any], why: str) -> Iterable[bytes]:
        self.shed += 1
        if time.monotonic() - self._warned_at >= 1.0:  # one line a second, not one per refusal in a flood
            self._warned_at = time.monotonic()
            logger.warning("webhook refused: %s (%d refused so far)", why, self.shed)
        if environ.get("PATH_INFO") == NEW_CALL_PATH:
            body = BUSY_TWIML.encode()
            start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))])
            return [body]
        body = b"busy"
        start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", RETRY_AFTER_SECONDS),
                                                   ("Content-Length", str(len(body)))])
        return [body]
