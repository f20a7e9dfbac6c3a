"""Idle reset in headless Chromium, with the idle times shortened through the kiosk's settings.

Half a form filled in, then nobody touches the screen: "Sind Sie noch da?", then Start, and nothing
of the answers is left, neither on screen nor on the server; the language is German again.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from shared.config import Config
from shared.db import Database
from shared.models import KioskForm
from tests.kiosk.kiosk_flow import tap, type_on_keyboard

pytestmark = pytest.mark.browser

IDLE_SECONDS = 3
PROMPT_SECONDS = 3
WAIT_MS = (IDLE_SECONDS + PROMPT_SECONDS + 5) * 1000
TYPED = "(e) => [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim()"


@pytest.fixture
def config(config: Config) -> Config:
    """The test settings with a 3 s idle time and a 3 s prompt."""
    return config.replace(kiosk_idle_seconds=IDLE_SECONDS, kiosk_idle_prompt_seconds=PROMPT_SECONDS)


def _stored_forms(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(KioskForm)) or 0)


def _half_fill(page: Page) -> None:
    """Kind, a name with an umlaut and part of a phone number; then hands off."""
    page.locator("a[href$='/kiosk/request']").click()
    page.locator("button[name=kind][value=callback]").click()
    type_on_keyboard(page, "Jörg Schäfer")
    expect(page.locator("#typed")).to_contain_text("Jörg Schäfer")
    page.locator("button[name=action][value=next]").click()
    for digit in "0231":
        page.locator(f"button[name=key][value='{digit}']").click()
    expect(page.locator("#typed")).to_contain_text("0231")


def test_idle_prompt_then_start_with_everything_cleared(page: Page, kiosk_db: Database) -> None:
    page.goto("/kiosk/")
    tap(page, "English")
    expect(page.locator("h1")).to_have_text("What would you like to do?")
    _half_fill(page)
    assert _stored_forms(kiosk_db) == 1

    prompt = page.locator("#idle")
    expect(prompt).to_be_visible(timeout=WAIT_MS)
    expect(prompt.locator("h2")).to_have_text("Are you still there?")
    page.locator("#idle-continue").click()
    expect(prompt).to_be_hidden()
    expect(page.locator("#typed")).to_contain_text("0231")

    expect(prompt).to_be_visible(timeout=WAIT_MS)
    page.wait_for_url("**/kiosk/", timeout=WAIT_MS)
    expect(page.locator("h1")).to_have_text("Was möchten Sie tun?")
    assert page.evaluate("() => document.documentElement.lang") == "de"
    assert _stored_forms(kiosk_db) == 0, "the answers are deleted on the server, not only on screen"

    page.go_back()
    expect(page.locator("main")).not_to_contain_text("0231")
    tap(page, "Rückruf oder Hausbesuch")
    expect(page.locator("h1")).to_have_text("Was wünschen Sie sich?")
    expect(page.locator("main button.selected")).to_have_count(0)
    for step in ("name", "phone"):
        page.goto(f"/kiosk/request/{step}")
        assert page.locator("#typed").evaluate(TYPED) == "", f"nothing typed on the {step} screen"
    page.goto("/kiosk/request/summary")
    expect(page.locator(".summary")).not_to_contain_text("Jörg")
    expect(page.locator(".summary")).not_to_contain_text("Schäfer")


def test_the_prompt_asks_in_german_by_default(page: Page) -> None:
    page.goto("/kiosk/events/today")
    expect(page.locator("#idle")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#idle h2")).to_have_text("Sind Sie noch da?")
    expect(page.locator("#idle-countdown")).to_contain_text("Sekunden")
    assert page.evaluate("() => [...document.querySelectorAll('header, main')].every((e) => e.inert)")
    page.wait_for_url("**/kiosk/", timeout=WAIT_MS)


def test_idle_on_start_resets_language_and_text_size_without_asking(page: Page) -> None:
    page.goto("/kiosk/")
    tap(page, "Türkçe")
    page.locator("form[action$='/large-text'] button").click()
    expect(page.locator("body")).to_have_class("large")
    expect(page.locator("h1")).to_have_text("Ne yapmak istersiniz?")
    expect(page.locator("h1")).to_have_text("Was möchten Sie tun?", timeout=WAIT_MS)
    expect(page.locator("body")).not_to_have_class("large")
    expect(page.locator("#idle")).to_be_hidden()
