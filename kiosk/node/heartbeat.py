"""The node's heartbeat: tells the central server it is alive, its printer state, version and outbox."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from kiosk.node.backend import Answer, Backend
from shared.db import Database
from shared.models import PrinterState


def software_version() -> str:
    """The installed Treffpunkt version."""
    try:
        return version("treffpunkt")
    except PackageNotFoundError:
        return "unknown"


def printer_status(db: Database, printer: str) -> str:
    """The local printer's last known state (ready, paper_out, cover_open, offline, unknown)."""
    with db.session() as session:
        state = session.get(PrinterState, printer)
        return state.status if state is not None else "unknown"


def send_heartbeat(db: Database, backend: Backend, printer: str, outbox_length: int) -> Answer:
    """POST one heartbeat; raises BackendUnreachable when the line is down."""
    return backend.post("/kiosk/heartbeat", {
        "printer_status": printer_status(db, printer), "version": software_version(),
        "outbox_length": outbox_length,
    })
