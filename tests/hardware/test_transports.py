"""Printer connections: URLs, the dummy and file printers, and a real TCP printer (emupos) with faults."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.receipt_content import Footer, ScheduleSlip, SlipEvent
from hardware.receipt_render import render_slip
from hardware.receipt_writer import RenderedReceipt
from hardware.transports import (
    CupsTransport,
    DummyTransport,
    EscposTransport,
    FileTransport,
    NetworkTransport,
    NotPrinted,
    PrinterUrlError,
    open_transport,
)
from tests.hardware.printer_emulator import Emulator

SLIP = ScheduleSlip("Begegnungszentrum Hörde", "Heute in Hörde", [
    SlipEvent("2026-11-23T14:00:00+01:00", "2026-11-23T16:00:00+01:00", "Grüße beim Kaffee für 3 €",
              "BZ Hörde", "Hörde"),
    SlipEvent("2026-11-23T17:00:00+01:00", "2026-11-23T18:00:00+01:00", "Вечер песни", "BZ Hörde", "Hörde"),
], Footer("Seniorenbüro Hörde", "0231 50-23456"), qr_url="https://treffpunkt.example/hoerde")


def receipt() -> RenderedReceipt:
    return render_slip(SLIP, "TM-T20II")


@pytest.mark.parametrize(("url", "kind", "description"), [
    ("tcp://192.0.2.5:9100", NetworkTransport, "tcp://192.0.2.5:9100"),
    ("tcp://printer.local", NetworkTransport, "tcp://printer.local:9100"),
    ("usb://04b8:0202", EscposTransport, "usb://04b8:0202"),
    ("serial:///dev/ttyUSB0?baudrate=19200", EscposTransport, "serial:///dev/ttyUSB0?baudrate=19200"),
    ("file:///dev/usb/lp0", FileTransport, "file:///dev/usb/lp0"),
    ("cups://Bon_Drucker", CupsTransport, "cups://Bon_Drucker"),
])
def test_urls_name_their_transport(url: str, kind: type, description: str, tmp_path: Path) -> None:
    transport = open_transport(url, tmp_path)
    assert isinstance(transport, kind)
    assert transport.description == description


@pytest.mark.parametrize("url", ["tcp://:9100", "tcp://host:port", "usb://epson", "serial://", "file://",
                                 "cups://", "lpt://x", "serial:///dev/ttyS0?baudrate=fast"])
def test_bad_urls_say_what_is_expected(url: str, tmp_path: Path) -> None:
    with pytest.raises(PrinterUrlError, match=r"expected|must|unknown"):
        open_transport(url, tmp_path)


def test_dummy_printer_saves_bytes_and_a_readable_preview(tmp_path: Path) -> None:
    transport = open_transport("dummy:", tmp_path / "receipts")
    assert isinstance(transport, DummyTransport)
    status = transport.send(receipt(), "job-7")
    assert status.state == "ready"
    [binary] = (tmp_path / "receipts").glob("*-job-7.bin")
    assert binary.read_bytes() == receipt().data
    preview = binary.with_suffix(".txt").read_text(encoding="utf-8")
    assert "Grüße beim Kaffee für 3 €" in preview
    assert "Вечер песни" in preview


def test_file_printer_writes_the_bytes(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    transport = open_transport(f"file://{target}", tmp_path)
    assert transport.status().state == "unknown"
    transport.send(receipt(), "job-1")
    assert target.read_bytes() == receipt().data


def test_missing_device_file_is_offline_and_not_created(tmp_path: Path) -> None:
    transport = open_transport("file:///dev/usb/treffpunkt-missing-lp9", tmp_path)
    assert transport.status().state == "offline"
    with pytest.raises(NotPrinted):
        transport.send(receipt(), "job-1")
    assert not Path("/dev/usb/treffpunkt-missing-lp9").exists()


def test_cups_queue_that_does_not_exist_is_offline(tmp_path: Path) -> None:
    status = open_transport("cups://treffpunkt-no-such-queue", tmp_path).status()
    assert status.state == "offline"
    assert "lpstat" in status.detail or "not found" in status.detail


# --- a real printer over TCP ----------------------------------------------------------------------------

def test_tcp_printer_prints_umlauts_cyrillic_and_cuts(emulator: Emulator, tmp_path: Path) -> None:
    transport = open_transport(emulator.url, tmp_path)
    assert transport.status().state == "ready"
    transport.send(receipt(), "job-1")
    [text] = emulator.wait_for_receipts(1)
    assert "Grüße beim Kaffee für 3 €" in text
    assert "Вечер песни" in text
    assert "Seniorenbüro Hörde" in text
    assert "?" not in text.replace("Fragen?", "")


@pytest.mark.parametrize(("fault", "state"), [("paper-out", "paper_out"), ("cover-open", "cover_open"),
                                              ("offline", "offline")])
def test_faults_are_read_and_nothing_is_sent(emulator: Emulator, tmp_path: Path, fault: str, state: str) -> None:
    emulator.fault(fault)
    transport = open_transport(emulator.url, tmp_path)
    assert transport.status().state == state
    with pytest.raises(NotPrinted) as raised:
        transport.send(receipt(), "job-1")
    assert raised.value.status.state == state
    emulator.fault(fault, active=False)
    assert emulator.wait_for_receipts(1, timeout=1.5) == []  # nothing was held back to print later


def test_paper_near_end_still_prints(emulator: Emulator, tmp_path: Path) -> None:
    emulator.fault("paper-near-end")
    transport = open_transport(emulator.url, tmp_path)
    status = transport.send(receipt(), "job-1")
    assert (status.state, status.paper) == ("ready", "near_end")
    assert len(emulator.wait_for_receipts(1)) == 1


def test_switched_off_printer_is_offline(closed_port_url: str, tmp_path: Path) -> None:
    transport = open_transport(closed_port_url, tmp_path)
    status = transport.status()
    assert status.state == "offline"
    assert "no connection" in status.detail
    with pytest.raises(NotPrinted):
        transport.send(receipt(), "job-1")


def test_serial_printer_status_and_printing_over_a_pty(tmp_path: Path) -> None:
    import os
    import threading

    master, slave = os.openpty()
    received = bytearray()
    answers = {1: 0x12, 2: 0x12, 4: 0x7E}  # online, paper sensor says: no paper

    def printer() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            received.extend(chunk)
            for index in range(len(chunk) - 2):
                if chunk[index:index + 2] == b"\x10\x04":
                    os.write(master, bytes((answers[chunk[index + 2]],)))

    thread = threading.Thread(target=printer, daemon=True)
    thread.start()
    transport = open_transport(f"serial://{os.ttyname(slave)}?baudrate=19200", tmp_path)
    try:
        assert transport.status().state == "paper_out"
        with pytest.raises(NotPrinted):
            transport.send(receipt(), "job-1")
        assert receipt().data[:20] not in received
        answers[4] = 0x12
        assert transport.send(receipt(), "job-1").state == "ready"
        deadline = threading.Event()
        for _ in range(50):
            if receipt().data[-20:] in received:
                break
            deadline.wait(0.05)
        assert receipt().data in bytes(received)
    finally:
        os.close(slave)
        os.close(master)
