"""Serving the app for a test: ``treffpunkt serve`` in its own process on a free port, ready when
/healthz answers, or the app itself on werkzeug in a thread (:func:`serve_in_thread`)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serve_in_thread(app: Flask) -> Iterator[str]:
    """Serve *app* with werkzeug on 127.0.0.1 and a free port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def free_port() -> int:
    """A port nothing listens on right now (127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_serve(environment: dict[str, str], port: int, timeout: float = 90) -> subprocess.Popen[str]:
    """Start the server on *port* and wait until it answers; stderr is kept for the test to read."""
    # Its own process group: a test can kill the server with all its workers at once (os.killpg).
    process = subprocess.Popen([sys.executable, "-m", "shared", "serve", "--port", str(port)], env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                if response.status == 200:
                    return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"server did not start: {process.communicate()[1][-2000:]}") from None
            time.sleep(0.3)
