"""Kiosk node benchmark: sync time and bytes for 10,000 events, and the node's memory.

A real central server (``treffpunkt serve``, a scratch database with the data set of
``bench/backend.py``) and a kiosk node in a fresh process of its own (so its memory is its own):
the node's first, full sync; one event changed on the server; the incremental sync of that one
change (target <= 1 s and <= 10 KB on the wire); a sync with nothing changed (an empty 304).
Bytes are the response bodies as sent (gzip). Prints JSON with the node's RSS (current and peak)
and the load average; PostgreSQL runs too when TREFFPUNKT_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, update

from bench.backend import EVENTS, load_average, seed
from bench.bench_support import on_each_backend
from shared import migrate
from shared.app import create_app
from shared.clock import utcnow
from shared.config import load_config
from shared.db import Database
from shared.models import Event, Occurrence
from shared.seed.demo import seed_demo_kiosk
from shared.services.events import save_event
from tests.support.served_backend import ServedBackend

TOKEN = "bench-kiosk-node-token"
TARGET_SECONDS = 1.0
TARGET_BYTES = 10 * 1024


def _memory() -> dict[str, float]:
    """This process's resident memory now and at its peak, in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {key: round(int(fields[name].split()[0]) / 1024, 1) for key, name in (("rss_mb", "VmRSS"),
                                                                                   ("peak_rss_mb", "VmHWM"))}


def _timed_sync(node: Any) -> dict[str, Any]:
    started = time.perf_counter()
    result = node.sync()
    return {"seconds": round(time.perf_counter() - started, 3), "server_seconds": round(result.fetch_seconds, 3),
            "bytes": result.wire_bytes, "events": result.events,
            "not_modified": result.not_modified}


def run_node(backend_url: str, database_url: str) -> dict[str, Any]:
    """The node side (in its own process): full sync, one change made on the server, incremental, unchanged."""
    from kiosk.node.cli import node_config

    with tempfile.TemporaryDirectory() as folder:
        config = node_config(load_config(environ={
            "TREFFPUNKT_DATA_DIR": folder, "TREFFPUNKT_SECRET_KEY": "bench-node-secret-0123456789",
            "TREFFPUNKT_BACKEND_URL": backend_url, "TREFFPUNKT_KIOSK_TOKEN": TOKEN, "TREFFPUNKT_LOG_LEVEL": "WARNING",
            "TREFFPUNKT_WHISPER": "off"}))
        local = Database(config.database_url)
        migrate.upgrade(local.engine)
        node = create_app(config, local).extensions["kiosk_node"]
        full = _timed_sync(node)
        with local.session() as session:
            full["occurrences_stored"] = len(session.scalars(select(Occurrence.id)).all())
        central = Database(database_url)
        with central.session() as session:
            event = session.scalars(select(Event).where(Event.rrule == "").order_by(Event.id.desc()).limit(1)).one()
            event.title = "Geändertes Angebot"
            save_event(session, event)
        central.dispose()
        incremental = _timed_sync(node)
        unchanged = _timed_sync(node)
        local.dispose()
    return {"full": full, "incremental_one_change": incremental, "unchanged": unchanged, "node_memory": _memory()}


def measure(db: Database, events: int) -> dict[str, Any]:
    """Seed the server's database, serve it, and run the node in a fresh process against it."""
    seed(db, events, requests_count=0)
    with db.session() as session:  # changed long ago: the incremental sync carries only the one change
        session.execute(update(Event).values(updated_at=utcnow() - timedelta(hours=1)))
        seed_demo_kiosk(session, "bz-hoerde", TOKEN)
    url = db.engine.url.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory() as folder:
        backend = ServedBackend(url, Path(folder))
        backend.start()
        try:
            child = subprocess.run([sys.executable, __file__, "--node", backend.base, "--database", url],
                                   stdout=subprocess.PIPE, text=True, timeout=1800, check=True)
        finally:
            backend.stop()
    figures: dict[str, Any] = json.loads(child.stdout)
    change = figures["incremental_one_change"]
    figures["incremental_within_target"] = change["seconds"] <= TARGET_SECONDS and change["bytes"] <= TARGET_BYTES
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=EVENTS, help=f"events on the central server (default {EVENTS})")
    parser.add_argument("--node", metavar="URL", help=argparse.SUPPRESS)  # internal: the node's own process
    parser.add_argument("--database", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.node:
        print(json.dumps(run_node(arguments.node, arguments.database)))
        return
    results = on_each_backend(lambda db: measure(db, arguments.events))
    print(json.dumps({"benchmark": "kiosk_node", "events": arguments.events,
                      "target": {"incremental_seconds": TARGET_SECONDS, "incremental_bytes": TARGET_BYTES},
                      "backends": results, "load_average": load_average()}, indent=2))


if __name__ == "__main__":
    main()
