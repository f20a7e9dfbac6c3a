"""A real ESC/POS printer on 127.0.0.1: the ``emupos`` emulator, with faults switched over its control API.

emupos needs Python >= 3.13, so it lives in its own virtualenv (``make test-deps`` creates
``.venv-emupos``; ``TREFFPUNKT_EMUPOS`` may point at another ``emupos`` executable). Without it
the tests that need it fail with a message saying how to install it; they are never skipped.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EMUPOS = Path(os.environ.get("TREFFPUNKT_EMUPOS", PROJECT_ROOT / ".venv-emupos" / "bin" / "emupos"))
DEVICE = "kiosk"
FAULTS = ("paper-out", "paper-near-end", "cover-open", "offline")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Emulator:
    """A running emupos printer: its URL, faults and the receipts it completed."""

    port: int
    api_port: int
    receipts_dir: Path

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def fault(self, name: str, active: bool = True) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.api_port}/api/v1/devices/{DEVICE}/faults/{name}",
            method="PUT" if active else "DELETE")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 204

    def clear_faults(self) -> None:
        for name in FAULTS:
            self.fault(name, active=False)

    def receipts(self) -> list[str]:
        """Texts of completed receipts, oldest first."""
        metas = [json.loads(path.read_text()) | {"stem": path.stem} for path in self.receipts_dir.glob("*.json")]
        metas.sort(key=lambda meta: (meta.get("completed_at", ""), meta["stem"]))
        return [(self.receipts_dir / f"{meta['stem']}.txt").read_text(encoding="utf-8") for meta in metas]

    def wait_for_receipts(self, count: int, timeout: float = 10.0) -> list[str]:
        """Wait until at least *count* receipts exist (a job completes when the cut arrives)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.receipts()
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.receipts()

    def clear_receipts(self) -> None:
        for path in self.receipts_dir.glob("*"):
            path.unlink()


def start_emulator(directory: Path) -> tuple[Emulator, subprocess.Popen[bytes]]:
    """Start emupos with one TM-T20III on free ports; raise RuntimeError if it does not come up."""
    if not EMUPOS.exists():
        raise RuntimeError(f"emupos not found at {EMUPOS}: run `make test-deps` (needs Python 3.13, e.g. "
                           "PYENV_VERSION=3.13.0 python3 -m venv .venv-emupos && .venv-emupos/bin/pip install emupos)")
    emulator = Emulator(port=free_port(), api_port=free_port(), receipts_dir=directory / "receipts")
    config = directory / "emupos.yaml"
    config.write_text(
        "schema: 1\n"
        f"api: {{ host: 127.0.0.1, port: {emulator.api_port} }}\n"
        "devices:\n"
        f"  - id: {DEVICE}\n"
        "    type: printer\n"
        "    profile: epson-tm-t20iii\n"
        "    connections:\n"
        f"      - tcp: {{ host: 127.0.0.1, port: {emulator.port} }}\n"
        "    job_idle_timeout_ms: 1000\n"
        f"    receipts_dir: {emulator.receipts_dir}\n"
    )
    log_path = directory / "emupos.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(EMUPOS), "run", "--config", str(config)], stdout=log,
                                   stderr=subprocess.STDOUT, cwd=directory)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", emulator.port), timeout=1).close()
            urllib.request.urlopen(f"http://127.0.0.1:{emulator.api_port}/api/v1/devices", timeout=1).close()
            return emulator, process
        except OSError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                process.terminate()
                raise RuntimeError(f"emupos did not start: {log_path.read_text()[-2000:]}") from exc
            time.sleep(0.2)


@dataclass(frozen=True)
class PrintedReceipt:
    """A completed receipt as the emulator printed it: its text, picture and paper height."""

    text: str
    png: Path
    height_dots: int

    @property
    def height_mm(self) -> float:
        return self.height_dots / 8  # 203 dpi


def printed_receipts(emulator: Emulator) -> list[PrintedReceipt]:
    """Every completed receipt with its picture and measured height, oldest first."""
    metas = [json.loads(path.read_text()) | {"stem": path.stem} for path in emulator.receipts_dir.glob("*.json")]
    metas.sort(key=lambda meta: (meta.get("completed_at", ""), meta["stem"]))
    return [PrintedReceipt((emulator.receipts_dir / f"{meta['stem']}.txt").read_text(encoding="utf-8"),
                           emulator.receipts_dir / f"{meta['stem']}.png", int(meta["height_dots"]))
            for meta in metas]
