"""The page a kiosk QR code opens on a phone: 390 px wide, no idle reset, no print button, a
cancellation said first, an .ics file for the phone's calendar; and the start-up warning."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import select, update

from hardware.receipt_content import ScheduleSlip, slip_from_json
from kiosk import mobile
from shared.app import create_app
from shared.clock import BERLIN, local_today
from shared.config import Config
from shared.db import Database
from shared.i18n import full_date
from shared.models import Event, Job
from shared.printing.worker import PRINT_JOB
from tests.kiosk.kiosk_checks import axe_violations
from tests.kiosk.kiosk_data import LONGEST_TITLE, add_event, add_longest_event
from tests.support.staff_login import csrf_token

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, base_url=live_server, has_touch=True, is_mobile=True,
                                  locale="de-DE", device_scale_factor=2)
    tab = context.new_page()
    yield tab
    context.close()


def _tomorrow(hour: int) -> datetime:
    return datetime.combine(local_today() + timedelta(days=1), time(hour), BERLIN)


@pytest.mark.browser
def test_the_phone_page_fits_390_px_and_never_resets_or_prints(phone: Page, kiosk_db: Database,
                                                                axe_source: str) -> None:
    event_id = add_longest_event(kiosk_db, _tomorrow(15))
    phone.goto(f"/e/{event_id}")
    expect(phone.get_by_role("heading", level=1)).to_have_text(LONGEST_TITLE)  # the whole title
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.locator("script").count() == 0  # no kiosk script: no idle reset, nothing to tap away
    assert "drucken" not in phone.content().lower()
    expect(phone.get_by_role("link", name="In den Kalender übernehmen")).to_be_visible()
    expect(phone.get_by_role("link", name="0231 50-123456")).to_have_attribute("href", "tel:+49 231 50-123456")
    assert axe_violations(phone, axe_source) == []
    phone.wait_for_timeout(2500)
    assert f"/e/{event_id}" in phone.url


@pytest.mark.browser
def test_a_cancelled_event_says_so_on_the_phone(phone: Page, kiosk_db: Database) -> None:
    event_id = add_event(kiosk_db, "Adventssingen", "bz-hoerde", _tomorrow(16))
    with kiosk_db.session() as session:
        session.execute(update(Event).where(Event.id == event_id).values(cancelled=True))
    phone.goto(f"/e/{event_id}")
    expect(phone.get_by_role("alert")).to_have_text("Abgesagt: Dieser Termin findet nicht statt.")
    expect(phone.get_by_role("link", name="In den Kalender übernehmen")).to_have_count(0)


def test_the_calendar_file_holds_the_occurrence(client: FlaskClient, kiosk_db: Database) -> None:
    start = _tomorrow(10)
    event_id = add_event(kiosk_db, "Tanztee", "bz-hoerde", start)
    response = client.get(f"/e/{event_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    [entry] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(entry["summary"]) == "Tanztee" and entry.decoded("dtstart") == start
    assert "Hörde" in str(entry["location"]) and str(entry["status"]) == "CONFIRMED"
    assert client.get("/e/99999999.ics").status_code == 404


def test_the_kiosk_qr_code_leads_to_the_phone_page(client: FlaskClient, kiosk_db: Database) -> None:
    event_id = add_event(kiosk_db, "Tanztee", "bz-hoerde", _tomorrow(10))
    from kiosk.views import _event_url  # the address the QR code encodes
    with client.application.test_request_context("/kiosk/", base_url="http://kiosk.local"):
        from kiosk.views import requested_occurrence
        view, _more = requested_occurrence(event_id)
        assert _event_url(view).startswith(f"http://kiosk.local/e/{event_id}?at=")


def test_start_up_warns_once_without_a_public_url(config: Config, db: Database, caplog: pytest.LogCaptureFixture,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mobile, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="kiosk.mobile"):
        create_app(config, db)
        create_app(config, db)
    warnings = [record for record in caplog.records if "TREFFPUNKT_PUBLIC_URL" in record.getMessage()]
    assert len(warnings) == 1
    caplog.clear()
    monkeypatch.setattr(mobile, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="kiosk.mobile"):
        app: Flask = create_app(config.replace(public_url="https://treffpunkt.dortmund.de"), db)
    assert app and not [r for r in caplog.records if "TREFFPUNKT_PUBLIC_URL" in r.getMessage()]


@pytest.mark.browser
def test_the_list_page_fits_390_px_with_dated_days_in_order(phone: Page, kiosk_db: Database,
                                                            axe_source: str) -> None:
    add_longest_event(kiosk_db, _tomorrow(15))
    called_off = add_event(kiosk_db, "Abgesagte Skatrunde", "bz-hoerde", _tomorrow(11))
    with kiosk_db.session() as session:
        session.execute(update(Event).where(Event.id == called_off).values(cancelled=True))
    phone.goto("/e/list/district/hoerde")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Hörde")
    days = phone.get_by_role("heading", level=2).all_text_contents()
    first, last = local_today(), local_today() + timedelta(days=13)
    expected = [full_date(first + timedelta(days=n), "de") for n in range((last - first).days + 1)]
    assert days and days == [day for day in expected if day in days]  # dated, chronological, no repeats
    assert full_date(local_today() + timedelta(days=1), "de") in days
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.locator("script").count() == 0 and "drucken" not in phone.content().lower()
    entry = phone.get_by_role("link", name=re.compile("Abgesagte Skatrunde"))
    expect(entry).to_contain_text("Abgesagt")
    expect(entry).to_have_attribute("href", re.compile(rf"^/e/{called_off}\?at="))
    title = phone.locator(".entry-title").first
    assert float(title.evaluate("(node) => parseFloat(getComputedStyle(node).fontSize)")) >= 20
    assert axe_violations(phone, axe_source) == []
    entry.click()
    expect(phone.get_by_role("alert")).to_have_text("Abgesagt: Dieser Termin findet nicht statt.")
    phone.wait_for_timeout(2500)
    assert f"/e/{called_off}" in phone.url


def test_the_list_page_speaks_the_slips_language_and_refuses_unknown_lists(client: FlaskClient,
                                                                          kiosk_db: Database) -> None:
    add_event(kiosk_db, "Tanztee", "bz-hoerde", _tomorrow(10))
    page = client.get("/e/list/district/hoerde?lang=tr").get_data(as_text=True)
    assert '<html lang="tr">' in page and "Tanztee" in page and "lang=tr" in page
    assert client.get("/e/list/district/nowhere").status_code == 404
    assert client.get("/e/list/galaxy").status_code == 404
    assert client.get("/e/list/today?lang=xx").status_code == 200


def test_the_list_slips_qr_code_leads_to_the_phone_list(client: FlaskClient, kiosk_db: Database) -> None:
    add_event(kiosk_db, "Tanztee", "bz-hoerde", _tomorrow(10))
    token = csrf_token(client, "/kiosk/events/district/hoerde")
    client.post("/kiosk/language", data={"csrf_token": token, "language": "tr"})
    printed = client.post("/kiosk/print/events/district/hoerde", data={"csrf_token": token, "once": "q"})
    assert printed.status_code == 302
    with kiosk_db.session() as session:
        [job] = session.scalars(select(Job).where(Job.kind == PRINT_JOB)).all()
        slip = slip_from_json(job.payload)
    assert isinstance(slip, ScheduleSlip) and slip.qr_url == "http://localhost/e/list/district/hoerde?lang=tr"
    assert "Tanztee" in client.get(slip.qr_url).get_data(as_text=True)
