"""Every screen in every language: axe-core (WCAG 2.0–2.2 A/AA) and the kiosk's own touch rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.kiosk.kiosk_checks import assert_accessible
from tests.kiosk.kiosk_flow import fill_request

pytestmark = pytest.mark.browser

LANGUAGES = ("de", "tr", "en")


def _goto(path: str) -> Callable[[Page], None]:
    def visit(page: Page) -> None:
        page.goto(path)

    return visit


def _request_step(step: str) -> Callable[[Page], None]:
    return _goto(f"/kiosk/request/{step}")


def _event_detail(page: Page) -> None:
    page.goto("/kiosk/events/today")
    page.locator("a.event").first.click()


def _print_status(page: Page) -> None:
    _event_detail(page)
    page.locator("form[action*='/print/event/'] button").click()


def _phone_problem(page: Page) -> None:
    page.goto("/kiosk/request/phone")
    page.locator("button[name=key][value='1']").click()
    page.locator("button[name=action][value=next]").click()


SCREENS: tuple[tuple[str, Callable[[Page], None]], ...] = (
    ("start", _goto("/kiosk/")),
    ("today", _goto("/kiosk/events/today")),
    ("week", _goto("/kiosk/events/week")),
    ("districts", _goto("/kiosk/districts")),
    ("district-list", _goto("/kiosk/events/district/hoerde")),
    ("topics", _goto("/kiosk/topics")),
    ("topic-list", _goto("/kiosk/events/topic/kultur")),
    ("event", _event_detail),
    ("print", _print_status),
    ("request-kind", _request_step("kind")),
    ("request-name", _request_step("name")),
    ("request-phone", _request_step("phone")),
    ("request-phone-problem", _phone_problem),
    ("request-district", _request_step("district")),
    ("request-topic", _request_step("topic")),
    ("request-time", _request_step("time")),
    ("request-consent", _request_step("consent")),
    ("request-summary", _request_step("summary")),
)


def _choose_language(page: Page, language: str) -> None:
    page.goto("/kiosk/")
    page.locator(f"button[name=language][value={language}]").click()
    # The click posts a form: wait for the new page instead of reading the old one mid-navigation.
    page.wait_for_function(f"() => document.documentElement && document.documentElement.lang === '{language}'")


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_screen_is_accessible(page: Page, axe_source: str, language: str) -> None:
    page.clock.install()
    _choose_language(page, language)
    for name, show in SCREENS:
        show(page)
        page.wait_for_load_state()
        assert page.evaluate("() => document.documentElement.lang") == language, name
        assert_accessible(page, axe_source, f"{language}/{name}")
    page.goto("/kiosk/request/name")
    page.clock.run_for(61_000)
    page.locator("#idle").wait_for(state="visible")
    assert_accessible(page, axe_source, f"{language}/idle-prompt", modal=True)
    page.locator("#idle-continue").click()
    page.goto("/kiosk/")
    page.locator("form[action$='/large-text'] button").click()
    for name, show in (("start-large", _goto("/kiosk/")), ("today-large", _goto("/kiosk/events/today")),
                       ("event-large", _event_detail), ("request-name-large", _request_step("name"))):
        show(page)
        assert_accessible(page, axe_source, f"{language}/{name}")
    page.goto("/kiosk/")
    page.locator("form[action$='/large-text'] button").click()
    fill_request(page)
    page.wait_for_url("**/kiosk/request/done")
    assert_accessible(page, axe_source, f"{language}/request-done")
