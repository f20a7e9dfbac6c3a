"""WebSocket denial of service: handshakes without ``start`` time out, streams are bounded (issue 12)."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from werkzeug.serving import BaseWSGIServer, make_server

from ivr.transports import stream
from shared.config import Config
from shared.db import Database
from shared.runtime import get_runtime


@pytest.fixture
def server(config: Config, db: Database, speech_cache: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from shared.app import create_app

    monkeypatch.setattr(stream, "START_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(stream, "SLOTS", stream.StreamSlots(total=6, per_address=4))
    application: Flask = create_app(config.replace(ivr_mode="stream"), db)
    get_runtime(application).synthesizer.cache_dir = speech_cache
    http_server: BaseWSGIServer = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{http_server.server_port}"
    http_server.shutdown()


def _closed_within(ws: ClientConnection, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            return False
        except ConnectionClosed:
            return True
    return False


def test_sockets_without_start_are_closed_and_pages_stay_served(server: str) -> None:
    sockets = [connect(f"ws://{server}/ivr/stream", open_timeout=5) for _ in range(6)]
    try:
        # Beyond four pending handshakes from one address, sockets are refused at once.
        assert all(_closed_within(ws, 0.5) for ws in sockets[4:])
        # Malformed frames neither crash the stream nor count as a start.
        sockets[0].send("not json")
        sockets[0].send(b"\x00\x01binary")
        sockets[0].send('{"event": "mark"}')
        sockets[0].send('{"event": "start", "start": "nonsense"}')
        with urllib.request.urlopen(f"http://{server}/kiosk/", timeout=5) as page:
            assert page.status == 200
        started = time.monotonic()
        assert all(_closed_within(ws, 3.0) for ws in sockets[:4])
        assert time.monotonic() - started < 3.0
    finally:
        for ws in sockets:
            ws.close()
    # The slots are free again: a new socket is accepted (and timed out in turn).
    again = connect(f"ws://{server}/ivr/stream", open_timeout=5)
    try:
        assert not _closed_within(again, 0.3)
        assert _closed_within(again, 3.0)
    finally:
        again.close()


def test_slots_bound_total_and_pending_per_address() -> None:
    slots = stream.StreamSlots(total=3, per_address=2)
    assert slots.acquire("a") and slots.acquire("a") and not slots.acquire("a")
    slots.started("a")
    assert slots.acquire("a")  # a started call no longer counts against its address
    assert not slots.acquire("b")  # but the total is reached
    slots.release("a", pending=True)
    assert slots.acquire("b")
