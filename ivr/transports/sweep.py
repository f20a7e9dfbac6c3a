"""Calls whose end never reached us (crash, restart, network) become incomplete requests.

A call still open in the database but silent for longer than the longest possible step is treated
as hung up: the flow keeps what the caller gave, exactly as for Twilio's end-of-call callback.
Runs on start-up and then periodically as a runtime worker. Recordings left in the pending folder
by a call that died before its state was saved (a kill between writing the file and committing
the step) belong to no call and are deleted once no step can still claim them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.flow.call_record import CallRecord
from ivr.flow.engine import HungUp
from ivr.flow.nodes import Node
from ivr.hotline import Hotline
from ivr.transports.recordings import pending_dir
from shared.clock import utcnow
from shared.models import Call

log = logging.getLogger(__name__)

# The longest step: a one-minute recording after the longest prompt (about 40 s), the office phone
# ringing 30 s, Twilio's redirects; anything silent longer has lost its end-of-call callback.
LONGEST_STEP = timedelta(minutes=5)
CONNECTED_LIMIT = timedelta(hours=3)  # a call handed to the Seniorenbüro may go on for a while
SWEEP_INTERVAL_SECONDS = 60.0


def sweep_abandoned(session: Session, hotline: Hotline, now: datetime | None = None) -> int:
    """End every call silent for too long, keeping what was given; returns how many (committed)."""
    moment = now or utcnow()
    swept = 0
    for call in list(session.scalars(select(Call).where(Call.ended_at.is_(None)))):
        record = CallRecord.of(call)
        limit = CONNECTED_LIMIT if record.flow.node == Node.TRANSFERRED else LONGEST_STEP
        if moment - record.last_activity(call) <= limit:
            continue
        hotline.apply(session, call, HungUp())
        if call.ended_at is None:
            call.ended_at = moment
        session.commit()
        swept += 1
        log.info("abandoned call %s swept: %s", call.id, call.outcome)
    return swept


def sweep_orphan_recordings(session: Session, data_dir: Path, now: datetime | None = None) -> int:
    """Delete pending recordings no open call refers to and older than the longest step; returns how many."""
    moment = now or utcnow()
    referenced: set[str] = set()
    for call in session.scalars(select(Call).where(Call.ended_at.is_(None))):
        draft = CallRecord.of(call).flow.draft
        referenced.update(item.ref.removeprefix("file:") for item in (draft.recordings if draft else []))
    removed = 0
    for path in pending_dir(data_dir).glob("*.wav"):
        written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        if path.name not in referenced and moment - written > LONGEST_STEP:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def sweep_worker(hotline: Hotline) -> Callable[[threading.Event], None]:
    """The runtime worker: sweep at once (start-up), then every minute until stopped."""

    def loop(stop: threading.Event) -> None:
        while not stop.is_set():
            with hotline.db.session() as session:
                sweep_abandoned(session, hotline)
                sweep_orphan_recordings(session, hotline.data_dir)
            stop.wait(SWEEP_INTERVAL_SECONDS)

    return loop
