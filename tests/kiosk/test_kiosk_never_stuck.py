"""Never stuck: whatever fails, the kiosk shows a large German page with Start and comes back by
itself. In headless Chromium the server is stopped mid-form and started again on the same port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from shared.app import create_app
from shared.config import Config
from shared.db import Database
from tests.hardware.printer_emulator import free_port
from tests.kiosk.kiosk_flow import type_on_keyboard

UNREACHABLE_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:{port}/gone?connect_timeout=2"


@dataclass
class Restartable:
    """The app served on one fixed free port, which a test can stop and start again."""

    app: Flask
    port: int = field(default_factory=free_port)
    server: BaseWSGIServer | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
            self.server = None


@pytest.fixture
def restartable(app: Flask, kiosk_db: Database) -> Iterator[Restartable]:
    server = Restartable(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def kiosk_tab(browser: Browser, restartable: Restartable) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=restartable.url,
                                  has_touch=True, locale="de-DE")
    tab = context.new_page()
    yield tab
    context.close()


def _controlled(page: Page) -> None:
    """Wait until the service worker controls the page (it claims open pages when it activates)."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
                           timeout=15000)


@pytest.mark.browser
def test_server_stopped_mid_form_shows_the_waiting_page_and_returns_to_start_untouched(
        kiosk_tab: Page, restartable: Restartable) -> None:
    page = kiosk_tab
    page.goto("/kiosk/")
    _controlled(page)
    page.locator("a[href$='/kiosk/request']").click()
    page.locator("button[name=kind][value=callback]").click()
    type_on_keyboard(page, "Yil")
    restartable.stop()
    page.locator("button[name=key][value=D]").click()  # the tap whose page cannot load
    expect(page.get_by_role("heading", name="Einen Moment bitte.")).to_be_visible(timeout=10000)
    expect(page.get_by_role("link", name="Start", exact=True)).to_be_visible()
    assert "This site can" not in page.content()
    font_size = page.locator("h1").evaluate("element => parseFloat(getComputedStyle(element).fontSize)")
    assert font_size >= 48
    page.wait_for_timeout(3000)
    assert page.get_by_role("heading", name="Einen Moment bitte.").is_visible()  # still waiting, no loop
    restartable.start()
    expect(page.get_by_role("heading", name="Was möchten Sie tun?")).to_be_visible(timeout=15000)
    assert page.url.endswith("/kiosk/")


@pytest.mark.browser
def test_a_kiosk_page_that_does_not_exist_is_german_with_start(kiosk_tab: Page) -> None:
    response = kiosk_tab.goto("/kiosk/gibt-es-nicht")
    assert response is not None and response.status == 404
    expect(kiosk_tab.get_by_role("heading", name="Das ging leider nicht.")).to_be_visible()
    expect(kiosk_tab.get_by_role("link", name="Start", exact=True)).to_be_visible()
    response = kiosk_tab.goto("/kiosk/event/99999999999")
    assert response is not None and response.status == 404
    expect(kiosk_tab.get_by_text("Diese Seite gibt es nicht.")).to_be_visible()


def test_database_unreachable_gives_the_waiting_page_not_a_bare_500(config: Config) -> None:
    broken = Database(UNREACHABLE_DATABASE.format(port=free_port()))
    app = create_app(config, broken)
    client = app.test_client()
    response = client.get("/kiosk/events/today")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Einen Moment bitte." in page and "Internal Server Error" not in page
    assert 'href="/kiosk/"' in page and 'data-wait="1"' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/kiosk/alive").status_code == 503
    broken.engine.dispose()


def test_alive_answers_when_the_database_does(client: object, kiosk_db: Database) -> None:
    from flask.testing import FlaskClient
    assert isinstance(client, FlaskClient)
    response = client.get("/kiosk/alive")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    worker = client.get("/kiosk/sw.js")
    assert worker.status_code == 200 and b"respondWith" in worker.data
    assert "Einen Moment bitte." in client.get("/kiosk/offline").get_data(as_text=True)
