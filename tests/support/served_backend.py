"""``treffpunkt serve`` in its own process on a free port, for tests and benches that need a real
central server (and stop and start it again on the same port, as a line drop would look)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

START_SECONDS = 180  # a loaded CI machine imports the speech stack slowly


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServedBackend:
    """The central server on *database_url*; ``stop()`` cuts every kiosk node off, ``start()`` restores it."""

    def __init__(self, database_url: str, data_dir: Path, **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.environment = {**os.environ, "TREFFPUNKT_DATA_DIR": str(data_dir), "TREFFPUNKT_DATABASE_URL": database_url,
                            "TREFFPUNKT_SECRET_KEY": "served-backend-secret-0123456789",
                            "TREFFPUNKT_PRINTER": "dummy:", "TREFFPUNKT_WHISPER": "off",
                            **{f"TREFFPUNKT_{name}": value for name, value in settings.items()}}
        self.log_path = data_dir / "backend.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until ``/healthz`` answers."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "shared", "serve", "--port", str(self.port)],
                                            env=self.environment, stdout=log, stderr=log)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"the backend did not start: {self.log_path.read_text()[-2000:]}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then kill) and wait for the port to be free."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
