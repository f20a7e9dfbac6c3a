"""One tap, one action, in headless Chromium: a shaky double tap types one letter, and two
simultaneous posts of one print or submit screen make one print job (and one request)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from shared.db import Database
from shared.models import Request
from shared.printing.queue import list_jobs, slip_kind
from tests.kiosk.kiosk_flow import fill_request

pytestmark = pytest.mark.browser

# Two fetches of the same form at once, as a double tap on a slow PC sends them (redirects followed).
TWICE_AT_ONCE = """(selector) => {
  const button = document.querySelector(selector);
  const body = () => {
    const data = new FormData(button.form);
    if (button.name) { data.append(button.name, button.value); }
    return data;
  };
  const target = button.form.getAttribute("action") || window.location.href;
  return Promise.all([1, 2].map(() => fetch(target, { method: "POST", body: body() })
    .then((response) => response.url)));
}"""


def _post_twice_at_once(page: Page, selector: str) -> list[str]:
    """Both posts' final URLs, once the button is on the page."""
    page.locator(selector).wait_for()
    urls: list[str] = page.evaluate(TWICE_AT_ONCE, selector)
    return urls


def _centre(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _touch(page: Page, point: tuple[float, float], at: float) -> None:
    """A tap the touchscreen stamped at `at` (epoch seconds), delivered whenever the browser gets to it."""
    x, y = point
    cdp = page.context.new_cdp_session(page)
    try:
        for kind in ("mousePressed", "mouseReleased"):
            cdp.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1, "timestamp": at},
            )
    finally:
        cdp.detach()


def _double_tap(page: Page, selector: str, gap_ms: int = 150) -> None:
    """Two taps `gap_ms` apart by the touchscreen's clock, the second sent `gap_ms` after the first."""
    point, first = _centre(page, selector), time.time()
    _touch(page, point, first)
    page.wait_for_timeout(gap_ms)
    _touch(page, point, first + gap_ms / 1000)
    page.wait_for_load_state("load")
    page.wait_for_timeout(600)  # anything a second post would do has happened by now


def _print_jobs(db: Database, kind: str) -> int:
    with db.session() as session:
        return sum(slip_kind(job) == kind for job in list_jobs(session))


def test_two_touches_150_ms_apart_type_one_letter(page: Page) -> None:
    page.goto("/kiosk/request")
    page.locator("button[name=kind][value=callback]").click()
    _double_tap(page, "button[name=key][value='A']")
    expect(page.locator("#typed")).to_have_text("Ihr Name: A|")
    page.wait_for_timeout(400)
    page.locator("button[name=key][value='A']").click()  # a deliberate second A later still types
    expect(page.locator("#typed")).to_have_text("Ihr Name: Aa|")


def test_a_second_touch_handled_late_by_a_busy_pc_still_counts_by_its_touch_time(page: Page) -> None:
    """The next page is already there when the PC gets round to the second touch: the touch's own
    time (150 ms after the first) decides, not when it was handled."""
    page.goto("/kiosk/request")
    page.locator("button[name=kind][value=callback]").click()
    key, first = _centre(page, "button[name=key][value='B']"), time.time()
    _touch(page, key, first)
    expect(page.locator("#typed")).to_have_text("Ihr Name: B|")
    page.wait_for_timeout(500)
    _touch(page, key, first + 0.15)
    page.wait_for_timeout(600)
    expect(page.locator("#typed")).to_have_text("Ihr Name: B|")
    _touch(page, key, time.time())  # a deliberate second B, touched now
    expect(page.locator("#typed")).to_have_text("Ihr Name: Bb|")


def test_the_guard_is_in_place_before_the_first_button_can_be_touched(page: Page) -> None:
    """A deferred guard runs only after the page is shown, so a quick second tap would slip past it."""
    page.goto("/kiosk/request")
    guard = page.locator("head script[src*='kiosk-guard.js']")
    expect(guard).to_have_count(1)
    assert guard.get_attribute("defer") is None and guard.get_attribute("async") is None
    assert page.locator("head script:not([defer]):not([async])").count() == 1, "only the guard blocks"


def test_a_double_tap_on_print_queues_one_slip(page: Page, kiosk_db: Database) -> None:
    page.goto("/kiosk/events/today")
    _double_tap(page, "form[action*='/print/events/today'] button")
    assert _print_jobs(kiosk_db, "schedule") == 1


def test_two_simultaneous_print_posts_queue_one_slip(page: Page, kiosk_db: Database) -> None:
    page.goto("/kiosk/events/today")
    urls = _post_twice_at_once(page, "form[action*='/print/events/today'] button")
    assert urls[0] == urls[1] and "/kiosk/print/" in urls[0], "both show the progress of the one job"
    assert _print_jobs(kiosk_db, "schedule") == 1
    page.reload()  # a new screen: printing again is a new wish
    page.locator("form[action*='/print/events/today'] button").click()
    expect(page.locator("#print-progress")).to_be_visible()
    assert _print_jobs(kiosk_db, "schedule") == 2


def test_two_simultaneous_submits_make_one_request_and_one_receipt(page: Page, kiosk_db: Database) -> None:
    fill_request(page, stop_before_send=True)
    urls = _post_twice_at_once(page, "button[name=action][value=send]")
    assert all(url.endswith("/kiosk/request/done") for url in urls), urls
    with kiosk_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Request)) == 1
    assert _print_jobs(kiosk_db, "request") == 1
    page.goto("/kiosk/request/done")
    expect(page.locator("h1")).not_to_have_text("Was möchten Sie tun?")
