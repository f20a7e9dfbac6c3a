"""Languages: the Turkish keyboard with its own case rules, dates in each language's own form, the
language switch on every screen (staying on that screen), and the full title on the detail screen."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect

from kiosk.request_flow import type_letter
from shared.clock import BERLIN, local_today
from shared.db import Database
from shared.i18n import long_date, short_date
from tests.kiosk.kiosk_data import LONGEST_TITLE, add_longest_event

TUESDAY = date(2026, 12, 8)


def test_turkish_case_rules_on_the_keyboard() -> None:
    typed = ""
    for key in "YILDIZ":
        typed = type_letter(typed, key, "tr")
    assert typed == "Yıldız"
    typed = ""
    for key in ("İ", "L", "K", "A", "Y", " ", "D", "E", "M", "İ", "R"):
        typed = typed + " " if key == " " else type_letter(typed, key, "tr")
    assert typed == "İlkay Demir"
    assert type_letter("K", "I", "de") == "Ki"  # German keeps i with a dot


def test_dates_follow_each_language_not_the_german_pattern() -> None:
    assert short_date(TUESDAY, "de") == "Di., 8. Dez."
    assert short_date(TUESDAY, "tr") == "8 Ara Sal"
    assert short_date(TUESDAY, "en") == "Tue, Dec 8"
    assert long_date(TUESDAY, "tr") == "8 Aralık Salı"
    assert long_date(TUESDAY, "en") == "Tuesday, December 8"
    assert long_date(TUESDAY, "de") == "Dienstag, 8. Dezember"


@pytest.mark.browser
def test_the_turkish_keyboard_types_dotless_and_dotted_i(page: Page) -> None:
    page.goto("/kiosk/")
    page.get_by_role("button", name="Türkçe").click()
    page.locator("a[href$='/kiosk/request']").click()
    page.locator("button[name=kind][value=callback]").click()
    for key in ("Y", "I", "L", "D"):
        page.locator(f"button[name=key][value='{key}']").click()
    page.wait_for_timeout(350)  # the same key again after the debounce
    for key in ("I", "Z"):
        page.locator(f"button[name=key][value='{key}']").click()
    for key in ("Ğ", "Ş", "Ç", "İ"):
        expect(page.locator(f"button[name=key][value='{key}']")).to_be_visible()
    assert page.locator("#typed").evaluate("e => e.childNodes[1].textContent") == "Yıldız"


@pytest.mark.browser
def test_the_language_switch_is_on_every_screen_and_keeps_the_screen(page: Page, kiosk_db: Database) -> None:
    event_id = add_longest_event(kiosk_db, datetime.combine(local_today() + timedelta(days=1), time(15), BERLIN))
    screens = ["/kiosk/", "/kiosk/events/today", "/kiosk/districts", "/kiosk/topics", f"/kiosk/event/{event_id}",
               "/kiosk/request/kind", "/kiosk/request/name", "/kiosk/request/phone", "/kiosk/request/summary"]
    for path in screens:
        page.goto(path)
        for name in ("Deutsch", "Türkçe", "English"):
            expect(page.get_by_role("button", name=name, exact=True)).to_have_count(1)
    page.goto(f"/kiosk/event/{event_id}")
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert f"/kiosk/event/{event_id}" in page.url
    expect(page.get_by_role("button", name="Read aloud")).to_be_visible()
    title = page.locator("h1")
    expect(title).to_have_text(LONGEST_TITLE)  # the whole title, not cut with "…"
    assert title.evaluate("e => e.scrollHeight <= e.clientHeight + 1 && e.scrollWidth <= e.clientWidth + 1")
    assert page.evaluate("() => document.documentElement.scrollHeight") <= 1080
