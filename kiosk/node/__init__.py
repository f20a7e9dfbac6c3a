"""The kiosk node: the kiosk surface on the kiosk PC, on a local copy of the schedule.

With ``TREFFPUNKT_BACKEND_URL`` set, the kiosk registers three background workers: the schedule
sync (:mod:`kiosk.node.mirror`), the outbox that delivers requests (:mod:`kiosk.node.outbox`) and
the heartbeat (:mod:`kiosk.node.heartbeat`). The print queue and its worker run on the local
database as everywhere. ``treffpunkt kiosk-node`` (:mod:`kiosk.node.cli`) serves it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from kiosk.node.backend import Backend, BackendUnreachable
from kiosk.node.heartbeat import send_heartbeat
from kiosk.node.mirror import NODE_HORIZON_DAYS, STATE_FILE, SyncRefused, SyncResult, sync_once
from kiosk.node.outbox import RETRY_SECONDS, Outbox
from shared.clock import utcnow
from shared.config import Config
from shared.db import Database
from shared.runtime import get_runtime
from shared.services.events import refresh_occurrences

log = logging.getLogger(__name__)

SYNC_SECONDS = 30  # an unchanged schedule costs one empty 304 per poll
HEARTBEAT_SECONDS = 60  # staff are alerted after 10 silent minutes
DONE_SCREEN_WAIT_SECONDS = 2.0  # how long the done screen waits for a delivery before saying "wird gesendet"
EXTENSION = "kiosk_node"


@dataclass
class KioskNode:
    """The node's backend client, outbox and sync state, with the loops the runtime runs."""

    config: Config
    db: Database
    backend: Backend
    outbox: Outbox
    last_sync: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, config: Config, db: Database) -> KioskNode:
        backend = Backend(config.backend_url, config.kiosk_token)
        return cls(config=config, db=db, backend=backend, outbox=Outbox(db, backend))

    @property
    def state_path(self) -> Path:
        return self.config.data_dir / STATE_FILE

    def sync(self) -> SyncResult:
        """One sync now (the loop's step; tests and the bench call it directly)."""
        result = sync_once(self.db, self.backend, self.state_path)
        self.outbox.line_is_back()
        self.last_sync = {"ok": True, "at": utcnow().isoformat(), "not_modified": result.not_modified}
        return result

    def heartbeat(self) -> int:
        """One heartbeat now; returns the HTTP status."""
        status = send_heartbeat(self.db, self.backend, self.config.printer_name, self.outbox.length()).status
        self.outbox.line_is_back()
        return status

    def sync_loop(self, stop: threading.Event) -> None:
        """Sync every :data:`SYNC_SECONDS`; back off while the line is down."""
        failures = 0
        while not stop.is_set():
            try:
                self.sync()
                failures = 0
            except (BackendUnreachable, SyncRefused) as exc:
                failures += 1
                self.last_sync = {"ok": False, "at": utcnow().isoformat(), "detail": type(exc).__name__}
                log.info("schedule sync failed (%s); the kiosk shows its last copy", type(exc).__name__)
            stop.wait(SYNC_SECONDS if not failures else RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])

    def heartbeat_loop(self, stop: threading.Event) -> None:
        """Report every :data:`HEARTBEAT_SECONDS` (a missed beat is simply the next one)."""
        while not stop.is_set():
            try:
                self.heartbeat()
            except BackendUnreachable as exc:
                log.info("heartbeat not delivered: %s", exc)
            stop.wait(HEARTBEAT_SECONDS)

    def health(self) -> dict[str, Any]:
        """``/healthz``: the last sync and the outbox (informational: offline is a normal state)."""
        return {"ok": bool(self.last_sync.get("ok")), "outbox": self.outbox.length(),
                "last_sync": self.last_sync.get("at", "")}


def init_app(app: Flask) -> None:
    """Register the node's workers when this server is a kiosk node (``BACKEND_URL`` set)."""
    runtime = get_runtime(app)
    if not runtime.config.backend_url:
        return
    node = KioskNode.create(runtime.config, runtime.db)
    app.extensions[EXTENSION] = node
    runtime.add_worker("schedule-sync", node.sync_loop)
    runtime.add_worker("outbox", node.outbox.run)
    runtime.add_worker("heartbeat", node.heartbeat_loop)
    runtime.add_health_check("backend", node.health)
    # the daily refresh keeps the node's short horizon (the app registered the central one)
    runtime.add_daily_job("refresh-occurrences", partial(refresh_occurrences, days=NODE_HORIZON_DAYS))


def delivery_pending(reference: str) -> bool:
    """On a node: whether the request with this reference still waits for the line (after a short wait)."""
    node: KioskNode | None = current_app.extensions.get(EXTENSION)
    if node is None or not reference:
        return False
    return node.outbox.wait_delivered(reference, DONE_SCREEN_WAIT_SECONDS)
