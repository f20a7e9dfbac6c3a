"""Kiosk fixtures: demo content, a real server on a free port and headless Chromium (Playwright)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from shared.clock import BERLIN, local_today
from shared.db import Database
from shared.printing.worker import DEFAULT_PRINTER
from shared.runtime import get_runtime
from shared.seed.demo import seed_demo_events, seed_demo_kiosk
from tests.hardware.conftest import emulator, emulator_process
from tests.kiosk.kiosk_data import TODAY_AWAY, TODAY_HOME, add_event
from tests.support.served import serve_in_thread

__all__ = ["emulator", "emulator_process"]  # the emulated receipt printer of tests/hardware (emupos)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE = Path(__file__).resolve().parents[2] / ".cache" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def kiosk_db(db: Database) -> Database:
    """Demo events, the demo kiosk at Hörde and two known events late today (away district first in time)."""
    with db.session() as session:
        seed_demo_events(session)
        seed_demo_kiosk(session, "bz-hoerde", "test-kiosk-token")
    today = local_today()
    add_event(db, TODAY_AWAY, "sb-eving", datetime.combine(today, time(21, 0), BERLIN))
    add_event(db, TODAY_HOME, "bz-hoerde", datetime.combine(today, time(22, 0), BERLIN),
              description="Kaffee und Kuchen für alle.", cost="2 €", barrier_free=True)
    return db


@pytest.fixture
def live_server(app: Flask, kiosk_db: Database) -> Iterator[str]:
    """The app served by werkzeug on 127.0.0.1 and a free port, in a thread."""
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh 1920x1080 touch browser tab (own cookies) with the server as base URL."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=live_server,
                                  has_touch=True, locale="de-DE")
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from npm (``make test-deps`` installs it into .cache/node_modules)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make test-deps`")
    return AXE.read_text()


@pytest.fixture
def print_worker(app: Flask) -> Iterator[None]:
    """The print queue worker the server registers for its printer, running in a thread."""
    stop = threading.Event()
    loop = get_runtime(app).workers[f"print-queue:{DEFAULT_PRINTER}"]
    thread = threading.Thread(target=loop, args=(stop,), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(10)
