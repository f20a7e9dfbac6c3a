"""Printer connections from a ``TREFFPUNKT_PRINTER`` URL, all behind :class:`PrinterTransport`.

``tcp://HOST:9100``, ``usb://VID:PID`` (hex), ``serial:///dev/ttyUSB0?baudrate=19200``,
``file:///dev/usb/lp0``, ``cups://QUEUE`` and ``dummy:`` (saves each receipt and a text preview
in a directory). Where the connection can answer (TCP, USB, serial), the real-time status is read
on the same connection right before sending, and nothing is sent unless the printer is ready.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess  # nosec B404 - runs the CUPS client with fixed arguments
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError

from hardware.printer_status import (
    DLE_EOT_OFFLINE_CAUSE,
    DLE_EOT_PAPER,
    DLE_EOT_PRINTER,
    PrinterStatus,
    decode,
)
from hardware.receipt_writer import RenderedReceipt

CONNECT_TIMEOUT = 3.0
STATUS_TIMEOUT = 1.5


class NotPrinted(Exception):
    """The receipt was not sent; *status* says why (offline, paper out, …)."""

    def __init__(self, status: PrinterStatus) -> None:
        super().__init__(f"{status.state}: {status.detail}")
        self.status = status


class PrinterTransport(Protocol):
    """A way to reach one printer."""

    description: str

    def status(self) -> PrinterStatus:
        """Ask the printer how it is (``unknown`` where the connection cannot answer)."""

    def send(self, receipt: RenderedReceipt, name: str) -> PrinterStatus:
        """Check the status and send *receipt* if it can print; raise :class:`NotPrinted` otherwise."""


def _query_status(printer: Escpos, read: Callable[[], bytes]) -> PrinterStatus:
    answers: list[int | None] = []
    for query in (DLE_EOT_PRINTER, DLE_EOT_OFFLINE_CAUSE, DLE_EOT_PAPER):
        printer._raw(query)
        try:
            reply = read()
        except (OSError, EscposError, TimeoutError):
            reply = b""
        answers.append(reply[-1] if reply else None)
        if answers[0] is None:
            break
    answers += [None] * (3 - len(answers))
    return decode(*answers)


class EscposTransport:
    """A python-escpos connection that can read back (network, USB, serial)."""

    def __init__(self, description: str, factory: Callable[[], Escpos]) -> None:
        self.description = description
        self._factory = factory

    def _open(self) -> Escpos:
        printer = self._factory()
        try:
            printer.open()
        except (EscposError, OSError, ValueError) as exc:
            raise NotPrinted(PrinterStatus("offline", "unknown", f"no connection: {exc}".strip())) from exc
        return printer

    def _read(self, printer: Escpos) -> bytes:
        return bytes(printer._read())

    def status(self) -> PrinterStatus:
        try:
            printer = self._open()
        except NotPrinted as exc:
            return exc.status
        try:
            return _query_status(printer, lambda: self._read(printer))
        except (OSError, EscposError) as exc:
            return PrinterStatus("offline", "unknown", f"connection lost: {exc}")
        finally:
            printer.close()

    def send(self, receipt: RenderedReceipt, name: str) -> PrinterStatus:
        printer = self._open()
        try:
            status = _query_status(printer, lambda: self._read(printer))
            if not status.can_print:
                raise NotPrinted(status)
            printer._raw(receipt.data)
            return status
        except (OSError, EscposError) as exc:
            raise NotPrinted(PrinterStatus("offline", "unknown", f"connection lost: {exc}")) from exc
        finally:
            printer.close()


class NetworkTransport(EscposTransport):
    """``tcp://HOST:PORT`` (python-escpos ``Network``) with short timeouts."""

    def __init__(self, host: str, port: int) -> None:
        from escpos.printer import Network

        super().__init__(f"tcp://{host}:{port}", lambda: Network(host, port, timeout=CONNECT_TIMEOUT))

    def _read(self, printer: Escpos) -> bytes:
        device: socket.socket = printer.device
        device.settimeout(STATUS_TIMEOUT)
        try:
            return device.recv(16)
        finally:
            device.settimeout(CONNECT_TIMEOUT)


class SerialTransport(EscposTransport):
    """``serial://``: a status answer is one byte, so read one (reading 16 would wait for the timeout)."""

    def _read(self, printer: Escpos) -> bytes:
        return bytes(printer.device.read(1))


class FileTransport:
    """``file:///dev/usb/lp0``: write-only, so the status is ``unknown`` unless the device is missing."""

    def __init__(self, path: Path) -> None:
        self.description = f"file://{path}"
        self.path = path

    def status(self) -> PrinterStatus:
        if self._missing():
            return PrinterStatus("offline", "unknown", f"{self.path} does not exist")
        return PrinterStatus("unknown", "unknown", "this connection cannot report paper or online state")

    def _missing(self) -> bool:
        # Opening a missing /dev node for writing would create a plain file instead of failing.
        return not self.path.exists() and (self.path.parts[:2] == ("/", "dev") or not self.path.parent.is_dir())

    def send(self, receipt: RenderedReceipt, name: str) -> PrinterStatus:
        status = self.status()
        if not status.can_print:
            raise NotPrinted(status)
        from escpos.printer import File

        printer = File(str(self.path), auto_flush=True)
        try:
            printer.open()
            printer._raw(receipt.data)
        except (EscposError, OSError) as exc:
            raise NotPrinted(PrinterStatus("offline", "unknown", f"cannot write {self.path}: {exc}")) from exc
        finally:
            printer.close()
        return status


class CupsTransport:
    """``cups://QUEUE``: a raw CUPS queue, driven with the ``lp`` and ``lpstat`` commands."""

    def __init__(self, queue: str) -> None:
        self.description = f"cups://{queue}"
        self.queue = queue

    def status(self) -> PrinterStatus:
        lpstat = shutil.which("lpstat")
        if lpstat is None:
            return PrinterStatus("offline", "unknown", "CUPS client (lpstat) is not installed")
        result = subprocess.run([lpstat, "-p", self.queue], capture_output=True, text=True,  # noqa: S603
                                timeout=CONNECT_TIMEOUT * 2, check=False)
        if result.returncode != 0:
            return PrinterStatus("offline", "unknown", f"CUPS queue {self.queue} not found")
        if "disabled" in result.stdout:
            return PrinterStatus("offline", "unknown", f"CUPS queue {self.queue} is disabled")
        return PrinterStatus("unknown", "unknown", "CUPS accepts jobs; paper state unknown")

    def send(self, receipt: RenderedReceipt, name: str) -> PrinterStatus:
        status = self.status()
        if not status.can_print:
            raise NotPrinted(status)
        lp = shutil.which("lp")
        if lp is None:
            raise NotPrinted(PrinterStatus("offline", "unknown", "CUPS client (lp) is not installed"))
        result = subprocess.run([lp, "-d", self.queue, "-o", "raw", "-t", name], input=receipt.data,  # noqa: S603
                                capture_output=True, timeout=CONNECT_TIMEOUT * 4, check=False)
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()[:200]
            raise NotPrinted(PrinterStatus("offline", "unknown", f"lp failed: {detail}"))
        return status


class DummyTransport:
    """``dummy:``: each receipt is saved as ``.bin`` (ESC/POS bytes) and ``.txt`` (preview)."""

    def __init__(self, directory: Path) -> None:
        self.description = f"dummy: ({directory})"
        self.directory = directory

    def status(self) -> PrinterStatus:
        return PrinterStatus("ready", "ok", f"saving receipts in {self.directory}")

    def send(self, receipt: RenderedReceipt, name: str) -> PrinterStatus:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{_safe(name)}"
        (self.directory / f"{stem}.bin").write_bytes(receipt.data)
        (self.directory / f"{stem}.txt").write_text(receipt.preview, encoding="utf-8")
        return self.status()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name)[:60] or "receipt"


class PrinterUrlError(ValueError):
    """A printer URL that names no usable connection."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


def open_transport(url: str, receipts_dir: Path) -> PrinterTransport:
    """The transport for *url*; ``dummy:`` saves under *receipts_dir*."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "dummy":
        return DummyTransport(Path(unquote(parts.path)) if parts.path else receipts_dir)
    if parts.scheme == "tcp":
        try:
            port = parts.port or 9100
        except ValueError as exc:
            raise PrinterUrlError(url, "the port must be a number") from exc
        if not parts.hostname:
            raise PrinterUrlError(url, "expected tcp://HOST:PORT")
        return NetworkTransport(parts.hostname, port)
    if parts.scheme == "usb":
        return _usb(url, parts.netloc, query)
    if parts.scheme == "serial":
        return _serial(url, unquote(parts.path), query)
    if parts.scheme == "file":
        if not parts.path:
            raise PrinterUrlError(url, "expected file:///dev/usb/lp0")
        return FileTransport(Path(unquote(parts.path)))
    if parts.scheme == "cups":
        if not parts.netloc:
            raise PrinterUrlError(url, "expected cups://QUEUE")
        return CupsTransport(unquote(parts.netloc))
    raise PrinterUrlError(url, "expected tcp://, usb://, serial://, file://, cups:// or dummy:")


def _usb(url: str, netloc: str, query: dict[str, str]) -> PrinterTransport:
    match = re.fullmatch(r"([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})", netloc)
    if match is None:
        raise PrinterUrlError(url, "expected usb://VID:PID in hex, e.g. usb://04b8:0202")
    vendor, product = int(match.group(1), 16), int(match.group(2), 16)
    options: dict[str, Any] = {"timeout": int(STATUS_TIMEOUT * 1000)}
    for key in ("in_ep", "out_ep"):
        if key in query:
            options[key] = int(query[key], 0)

    def factory() -> Escpos:
        from escpos.printer import Usb

        return Usb(vendor, product, **options)

    return EscposTransport(f"usb://{vendor:04x}:{product:04x}", factory)


def _serial(url: str, path: str, query: dict[str, str]) -> PrinterTransport:
    if not path:
        raise PrinterUrlError(url, "expected serial:///dev/ttyUSB0?baudrate=19200")
    try:
        baudrate = int(query.get("baudrate", "9600"))
    except ValueError as exc:
        raise PrinterUrlError(url, "baudrate must be a number") from exc

    def factory() -> Escpos:
        from escpos.printer import Serial

        return Serial(path, baudrate=baudrate, timeout=STATUS_TIMEOUT)

    return SerialTransport(f"serial://{path}?baudrate={baudrate}", factory)
