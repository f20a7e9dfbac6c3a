"""List slips on a real ESC/POS printer (emupos): at most 40 cm of paper, measured from the bytes and
by the printer; the entries left off are counted with where to find them; dated headings, bold
titles, words hyphenated at syllables, and large print that doubles only what matters."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from hardware.receipt_content import Footer, ScheduleSlip, SlipEvent, slip_from_json
from hardware.receipt_length import printed_length_mm
from hardware.receipt_render import MAX_SLIP_MM, render_slip
from hardware.receipt_writer import ReceiptWriter
from shared.config import Config
from shared.db import Database
from shared.models import Job
from shared.printing.queue import enqueue, print_pending
from shared.printing.worker import PRINT_JOB
from tests.hardware.printer_emulator import Emulator, PrintedReceipt, printed_receipts
from tests.support.staff_login import csrf_token

PROFILE = "TM-T20II"
CUT_FEED_MM = 6 * 30 / 8  # python-escpos feeds six lines before the cut
LONG_WORDS = ("Seniorengymnastik Gedächtnistraining Bewegungsangebote Nachbarschaftscafé "
              "Computersprechstunde Erinnerungswerkstatt Quartiersspaziergang")


def _print_list(client: FlaskClient, db: Database, config: Config, emulator: Emulator, scope: str,
                large: bool = False) -> tuple[ScheduleSlip, PrintedReceipt]:
    if large:
        client.post("/kiosk/large-text", data={"csrf_token": csrf_token(client, "/kiosk/")})
    token = csrf_token(client, f"/kiosk/events/{scope}")
    assert client.post(f"/kiosk/print/events/{scope}", data={"csrf_token": token, "once": scope}).status_code == 302
    assert print_pending(db, config.replace(printer=emulator.url, printer_profile=PROFILE)) == 1
    emulator.wait_for_receipts(1)
    with db.session() as session:
        job = session.scalars(select(Job).where(Job.kind == PRINT_JOB).order_by(Job.id.desc())).first()
        assert job is not None
        slip = slip_from_json(job.payload)
    assert isinstance(slip, ScheduleSlip)
    [receipt] = printed_receipts(emulator)
    return slip, receipt


@pytest.mark.parametrize("large", [False, True])
def test_the_week_slip_stays_within_40_cm_and_counts_the_rest(client: FlaskClient, kiosk_db: Database,
                                                              config: Config, emulator: Emulator,
                                                              large: bool) -> None:
    slip, receipt = _print_list(client, kiosk_db, config, emulator, "week", large)
    measured = printed_length_mm(render_slip(slip, PROFILE).data)
    assert receipt.height_mm <= MAX_SLIP_MM and measured <= MAX_SLIP_MM
    assert abs(measured - CUT_FEED_MM - receipt.height_mm) <= 1  # the printer does not count the last feed
    text = " ".join(receipt.text.split())
    shown = len(re.findall(r"\d\d:\d\d - \d\d:\d\d Uhr|ab \d\d:\d\d Uhr|ganztägig", text))
    more = int(re.search(r"Und (\d+) weitere Termine", text).group(1))  # type: ignore[union-attr]
    assert shown + more == slip.events.__len__() + slip.more
    assert "am Kiosk, im Internet (QR-Code) oder beim Seniorenbüro" in text
    assert re.search(r"Diese Woche, \d", text)  # the heading is dated


def test_every_heading_is_dated_and_today_says_heute(client: FlaskClient, kiosk_db: Database, config: Config,
                                                     emulator: Emulator) -> None:
    _slip, receipt = _print_list(client, kiosk_db, config, emulator, "today")
    first_lines = " ".join(receipt.text.split("---")[0].split())
    assert re.search(r"Heute, (Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d+\. \w+", first_lines)
    assert "Dezem-" not in receipt.text and "Novem-" not in receipt.text  # a heading's date is never split


def _slip(title: str, large: bool, count: int = 1) -> ScheduleSlip:
    events = [SlipEvent("2026-12-01T10:00:00+01:00", "2026-12-01T11:00:00+01:00", title, "BZ Hörde", "Hörde")
              for _ in range(count)]
    return ScheduleSlip("BZ Hörde", "Heute, Dienstag, 1. Dezember", events,
                        Footer("Seniorenbüro Hörde", "0231 50-29408"), large_print=large)


def test_titles_are_bold_and_large_print_doubles_only_what_matters() -> None:
    data = render_slip(_slip("Tanztee", large=True), PROFILE).data
    title_at = data.index(b"Tanztee")
    assert data.rindex(b"\x1bE\x01", 0, title_at) > data.rindex(b"\x1bE\x00", 0, title_at)  # bold on
    assert data.rindex(b"\x1b!0", 0, title_at) > data.rindex(b"\x1b!\x00", 0, title_at)  # double size
    place_at = data.index(b"BZ H", title_at)
    assert data.rindex(b"\x1b!\x00", 0, place_at) > data.rindex(b"\x1b!0", 0, place_at)  # details normal


def test_long_words_are_hyphenated_at_syllables_on_the_printer(db: Database, config: Config,
                                                               emulator: Emulator) -> None:
    with db.session() as session:
        enqueue(session, _slip(LONG_WORDS, large=True), 15)
    assert print_pending(db, config.replace(printer=emulator.url, printer_profile=PROFILE)) == 1
    emulator.wait_for_receipts(1)
    [receipt] = printed_receipts(emulator)
    words = set(LONG_WORDS.split())
    lines = [line.strip() for line in receipt.text.splitlines() if line.strip()]
    start = next(index for index, line in enumerate(lines) if line.startswith(LONG_WORDS[:6]))
    title_lines = lines[start:start + 12]
    joined = ""
    for line in title_lines:
        last = line.split()[-1]
        assert last.endswith("-") or last in words or any(word.endswith(last) for word in words), line
        joined += line[:-1] if line.endswith("-") else line + " "
        if joined.strip().endswith(LONG_WORDS.split()[-1]):
            break
    assert " ".join(joined.split()) == LONG_WORDS
    assert ReceiptWriter(PROFILE).columns // 2 >= max(len(line) for line in title_lines[:3])
