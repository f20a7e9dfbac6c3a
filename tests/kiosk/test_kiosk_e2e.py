"""End to end in headless Chromium: print today's list, ask for a home visit, switch languages.

The server runs with its real print queue worker; the ``dummy:`` printer of the test settings
writes each receipt's ESC/POS bytes into the test's data directory.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from kiosk.listing import first_entries, resolve_scope
from kiosk.slips import MAX_SLIP_EVENTS
from shared.clock import local_today
from shared.config import Config
from shared.db import Database
from shared.i18n import long_date
from shared.models import Job, KioskForm, Request
from shared.printing.queue import slip_kind
from shared.printing.worker import PRINT_JOB
from tests.kiosk.kiosk_data import TODAY_AWAY, TODAY_HOME, printed, session_json
from tests.kiosk.kiosk_flow import fill_request, tap

pytestmark = pytest.mark.browser

CP858 = b"\x1bt\x13"  # ESC t 19: the code page with umlauts, ß and €, chosen after initialising
CUT = b"\x1dV\x00"  # GS V 0: full cut, the last command of every slip
PRINT_TIMEOUT = 20_000  # the worker looks for new jobs every 2 s


def test_tap_to_todays_list_and_print_it(page: Page, kiosk_db: Database, config: Config, print_worker: None) -> None:
    page.goto("/kiosk/")
    tap(page, "Heute")
    heading = f"Heute, {long_date(local_today(), 'de')}"
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("a.event").first).to_be_visible()
    tap(page, "Diese Liste drucken")
    progress = page.locator("#print-progress")
    expect(progress).to_have_text("Bitte nehmen Sie Ihren Zettel.", timeout=PRINT_TIMEOUT)
    with kiosk_db.session() as session:
        job = session.scalars(select(Job).where(Job.kind == PRINT_JOB)).one()
        assert (slip_kind(job), job.state, job.attempts) == ("schedule", "done", 1)
    receipts = printed(config)
    assert len(receipts) == 1
    data = receipts[0]
    assert CP858 in data
    with kiosk_db.session() as session:
        titles = [view.event.title for view in
                  first_entries(session, resolve_scope(session, "today", ""), 100).views]
    assert titles.index(TODAY_AWAY) < titles.index(TODAY_HOME), "in time order, the home district does not jump ahead"
    shown = titles[:MAX_SLIP_EVENTS]
    assert all(title.split(":")[0].encode("cp858") in data for title in shown), "the first entries are on the slip"
    if len(titles) > MAX_SLIP_EVENTS:
        assert f"Und {len(titles) - MAX_SLIP_EVENTS} weitere".encode("cp858") in data, "the slip says what is left off"
    else:
        assert data.find(TODAY_AWAY.encode("cp858")) < data.find(TODAY_HOME.encode("cp858"))
    assert all(word.encode("cp858") in data for word in heading.split()), "the slip's heading carries the date"
    assert data.startswith(b"\x1b@") and data.endswith(CUT), "initialised first, cut last"
    tap(page, "Fertig")
    expect(page.locator("h1")).to_have_text(re.compile(r"^Heute, "))


def test_print_one_event_from_its_detail_page(page: Page, kiosk_db: Database, config: Config,
                                              print_worker: None) -> None:
    page.goto("/kiosk/events/today?page=99")  # the late home event is on the last page, in time order
    page.locator("a.event", has_text=TODAY_HOME).click()
    expect(page.locator("h1")).to_have_text(TODAY_HOME)
    expect(page.locator(".facts")).to_contain_text("2 €")
    tap(page, "Diesen Termin drucken")
    expect(page.locator("#print-progress")).to_have_text("Bitte nehmen Sie Ihren Zettel.", timeout=PRINT_TIMEOUT)
    [data] = printed(config)
    joined = data.replace(b"-\n", b"")  # words hyphenated across lines, put together again
    assert all(word.encode("cp858") in data or word.replace("-", "").encode("cp858") in joined
               or word.encode("cp858") in joined for word in TODAY_HOME.split()), "the title, in double size lines"
    assert "Kaffee und Kuchen für alle.".encode("cp858") in data
    assert b"\x1d(k" in data, "a native QR code leads to the event"


def test_complete_the_callback_flow(page: Page, app: Flask, kiosk_db: Database, config: Config,
                                    print_worker: None) -> None:
    fill_request(page, name="Anna Müller", phone="02311234567", district="Hörde", stop_before_send=True)
    expect(page.locator(".summary")).to_contain_text("Anna Müller")
    expect(page.locator(".summary")).to_contain_text("0231 1234567")
    cookie = session_json(app, next(c["value"] for c in page.context.cookies() if c["name"] == "session"))
    assert "Müller" not in cookie and "1234567" not in cookie, cookie
    with kiosk_db.session() as session:
        assert session.scalar(select(func.count()).select_from(KioskForm)) == 1

    page.locator("button[name=action][value=send]").click()
    page.wait_for_url("**/kiosk/request/done")
    reference = page.locator(".reference strong").inner_text()
    expect(page.locator("#print-progress")).to_have_text("Bitte nehmen Sie Ihren Zettel.", timeout=PRINT_TIMEOUT)
    with kiosk_db.session() as session:
        created = session.scalars(select(Request)).one()
        assert (created.channel, created.kind, created.caller_name, created.phone_e164) == \
            ("kiosk", "home_visit", "Anna Müller", "+492311234567")
        assert created.district is not None and created.district.slug == "hoerde"
        assert (created.topic, created.preferred_time, created.language) == \
            ("Hilfe im Alltag und Haushalt", "morning", "de")
        assert created.consent_data and created.kiosk_id is not None
        assert reference.replace(" ", "") == created.reference.replace(" ", "")
        left = [dict(row.answers) for row in session.scalars(select(KioskForm))]
        assert [set(answers) for answers in left] == [{"reference", "office_name", "office_phone", "job_id", "kind"}], \
            "the answers are deleted; only the receipt a simultaneous second send would show is kept"
        job = session.scalars(select(Job).where(Job.kind == PRINT_JOB)).one()
        assert (slip_kind(job), job.state) == ("request", "done")
    [data] = printed(config)
    assert CP858 in data and b"Hausbesuch" in data
    assert reference.encode() in data, "the reference number, in groups of four as on screen"
    assert "Müller".encode("cp858") not in data and b"1234567" not in data, "no name or number on paper"

    tap(page, "Fertig")
    expect(page.locator("h1")).to_have_text("Was möchten Sie tun?")
    page.goto("/kiosk/request/done")
    expect(page.locator("h1")).to_have_text("Was möchten Sie tun?")


def test_language_switch_changes_every_text_and_back(page: Page) -> None:
    page.goto("/kiosk/")
    expect(page.locator("h1")).to_have_text("Was möchten Sie tun?")
    for button, code, heading, today, start, back, page_info in (
        ("Türkçe", "tr", "Ne yapmak istersiniz?", "Bugün", "Başlangıç", "Geri", "Sayfa 1 /"),
        ("English", "en", "What would you like to do?", "Today", "Start", "Back", "Page 1 of"),
        ("Deutsch", "de", "Was möchten Sie tun?", "Heute", "Start", "Zurück", "Seite 1 von"),
    ):
        tap(page, button)
        expect(page.locator("h1")).to_have_text(heading)
        assert page.evaluate("() => document.documentElement.lang") == code
        tap(page, today)
        expect(page.locator("h1")).to_have_text(f"{today}, {long_date(local_today(), code)}")
        expect(page.locator("header nav a").last).to_have_text(f"◀ {back}")
        expect(page.locator(".page-info")).to_contain_text(page_info)
        tap(page, start)
        expect(page.locator("h1")).to_have_text(heading)
