"""The print screen tells the truth from the queue's state: a real (emulated) ESC/POS printer runs out
of paper, the kiosk says so, and once refilled the slip prints and the kiosk says to take it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from shared.config import Config
from shared.db import Database
from shared.models import Job
from shared.printing.worker import PRINT_JOB
from tests.hardware.printer_emulator import Emulator
from tests.kiosk.kiosk_flow import tap

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def config(config: Config, emulator: Emulator) -> Config:
    """The test settings with the emulated printer (emupos over TCP) as the kiosk's printer."""
    return config.replace(printer=emulator.url)


def test_paper_out_is_shown_and_the_slip_prints_once_refilled(page: Page, kiosk_db: Database, emulator: Emulator,
                                                              print_worker: None) -> None:
    emulator.fault("paper-out")
    page.goto("/kiosk/events/today")
    tap(page, "Diese Liste drucken")
    progress = page.locator("#print-progress")
    expect(progress).to_have_text("Der Drucker hat kein Papier mehr. Bitte fragen Sie das Personal.", timeout=20_000)
    with kiosk_db.session() as session:
        job = session.scalars(select(Job).where(Job.kind == PRINT_JOB)).one()
        assert job.state == "queued" and job.attempts >= 1 and (job.last_error or "").startswith("paper_out")
    assert emulator.receipts() == []

    emulator.fault("paper-out", active=False)
    expect(progress).to_have_text("Bitte nehmen Sie Ihren Zettel.", timeout=30_000)
    [receipt] = emulator.wait_for_receipts(1)
    assert "Heute," in receipt and "Seniorenbüro Hörde" in receipt, "today's list slip, whole"
    with kiosk_db.session() as session:
        assert session.scalars(select(Job.state).where(Job.kind == PRINT_JOB)).one() == "done"
