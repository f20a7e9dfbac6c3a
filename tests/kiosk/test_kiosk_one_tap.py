"""One tap, one action, in headless Chromium: a shaky double tap types one letter, and two
simultaneous posts of one print or submit screen make one print job (and one request)."""

from __future__ import annotations

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


def _double_tap(page: Page, selector: str, gap_ms: int = 150) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(gap_ms)
    page.mouse.click(x, y)
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


def test_a_double_tap_on_print_queues_one_slip(page: Page, kiosk_db: Database) -> None:
    page.goto("/kiosk/events/today")
    _double_tap(page, "form[action*='/print/events/today'] button")
    assert _print_jobs(kiosk_db, "schedule") == 1


def test_two_simultaneous_print_posts_queue_one_slip(page: Page, kiosk_db: Database) -> None:
    page.goto("/kiosk/events/today")
    urls = page.evaluate(TWICE_AT_ONCE, "form[action*='/print/events/today'] button")
    assert urls[0] == urls[1] and "/kiosk/print/" in urls[0], "both show the progress of the one job"
    assert _print_jobs(kiosk_db, "schedule") == 1
    page.reload()  # a new screen: printing again is a new wish
    page.locator("form[action*='/print/events/today'] button").click()
    expect(page.locator("#print-progress")).to_be_visible()
    assert _print_jobs(kiosk_db, "schedule") == 2


def test_two_simultaneous_submits_make_one_request_and_one_receipt(page: Page, kiosk_db: Database) -> None:
    fill_request(page, stop_before_send=True)
    urls = page.evaluate(TWICE_AT_ONCE, "button[name=action][value=send]")
    assert all(url.endswith("/kiosk/request/done") for url in urls), urls
    with kiosk_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Request)) == 1
    assert _print_jobs(kiosk_db, "request") == 1
    page.goto("/kiosk/request/done")
    expect(page.locator("h1")).not_to_have_text("Was möchten Sie tun?")
