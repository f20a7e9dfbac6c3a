"""Every list, detail and form screen fits 1920x1080 without scrolling, with the longest texts,
in every language, with normal and larger text."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import Page

from shared.clock import BERLIN, local_today
from shared.db import Database
from tests.kiosk.kiosk_checks import assert_fits
from tests.kiosk.kiosk_data import add_longest_event
from tests.kiosk.kiosk_flow import REPEAT_PAUSE_MS, set_language, set_large_text, type_on_keyboard

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = ("de", "tr", "en")
LONGEST_NAME = "Zeynep-Gülşen Müller-Lüdenscheidt Großkopf Ağaoğlu Schwarzenbe"[:60]
FORM_STEPS = ("kind", "name", "phone", "district", "topic", "time", "consent", "summary")


@pytest.fixture
def longest_event(kiosk_db: Database) -> int:
    """Nine of the longest events today in the kiosk's own district (so lists have several full pages)."""
    today = local_today()
    ids = [add_longest_event(kiosk_db, datetime.combine(today, time(8, 0), BERLIN) + timedelta(minutes=5 * n))
           for n in range(9)]
    return ids[0]


def _list_screens(page: Page) -> list[str]:
    """Every list: first page and last page."""
    screens = []
    for path in ("/kiosk/events/today", "/kiosk/events/week", "/kiosk/events/district/hoerde",
                 "/kiosk/events/topic/bewegung"):
        page.goto(path)
        last = page.locator(".page-info").inner_text().split()[-1]
        screens += [path, f"{path}?page={last}"]
    return screens


def _fill_longest_form(page: Page) -> None:
    """A request form with the longest name and phone number the keyboards take, and long answers."""
    page.goto("/kiosk/request")
    page.locator("button[name=kind][value=callback]").click()
    type_on_keyboard(page, LONGEST_NAME.replace("ş", "s").replace("ğ", "g"))
    page.locator("button[name=action][value=next]").click()
    for digit in "1111111111111111":  # too long to be valid: the problem screen shows
        page.locator(f"button[name=key][value='{digit}']").click()
        page.wait_for_timeout(REPEAT_PAUSE_MS)  # the same key again at once is a double tap
    page.goto("/kiosk/request/district")
    page.locator("button[name=district][value=innenstadt-nord]").click()
    page.locator("button[name=topic][value=alltag]").click()
    page.locator("button[name=time][value=any]").click()


def test_every_screen_fits_without_scrolling(page: Page, longest_event: int) -> None:
    lists = _list_screens(page)
    _fill_longest_form(page)
    for language in LANGUAGES:
        for large in (False, True):
            page.goto("/kiosk/request/kind")
            set_language(page, language)
            set_large_text(page, large)
            label = f"{language}{'/large' if large else ''}"
            for path in (*lists, f"/kiosk/event/{longest_event}", *(f"/kiosk/request/{s}" for s in FORM_STEPS)):
                page.goto(path)
                assert page.evaluate("() => document.body.classList.contains('large')") == large
                assert_fits(page, f"{label} {path}")
            page.goto("/kiosk/request/phone")
            page.locator("button[name=action][value=next]").click()
            page.locator(".problem").wait_for()
            assert_fits(page, f"{label} phone problem")
            page.goto("/kiosk/request/consent")
            page.locator("button[name=consent][value=no]").click()
            page.locator(".problem").wait_for()
            assert_fits(page, f"{label} consent declined")
