"""The gunicorn worker class of ``treffpunkt serve``: gthread that tells the app how long a request
waited for a thread.

gthread accepts every connection at once and queues it for its thread pool; a request that waits
there is invisible to the app, so a flood used to queue for seconds. This worker stamps each
connection when it is queued and, in the thread that takes it, records the wait in
:data:`QUEUE_WAIT` for the load shedder (``shared/web/load_shedding.py``) to read.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class _QueueWait(threading.local):
    """Seconds the request of this thread waited in the pool's queue (0 outside gunicorn)."""

    seconds = 0.0


QUEUE_WAIT = _QueueWait()


class QueueTimedWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no type hints
    """gthread, with each request's wait for a thread measured."""

    def enqueue_req(self, conn: Any) -> None:
        conn.treffpunkt_queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        QUEUE_WAIT.seconds = time.monotonic() - getattr(conn, "treffpunkt_queued_at", time.monotonic())
        try:
            return super().handle(conn)
        finally:
            QUEUE_WAIT.seconds = 0.0
