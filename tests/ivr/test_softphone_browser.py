"""The browser softphone in real headless Chromium: microphone (fake device), keypad, the stream protocol."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from shared.config import Config
from shared.db import Database
from shared.models import Call, Request
from shared.runtime import get_runtime
from shared.services.staff_users import create_user
from tests.support.staff_login import PASSWORD, login_in_browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture
def live_server(config: Config, db: Database, speech_cache: Any) -> Iterator[str]:
    from shared.app import create_app

    app: Flask = create_app(config.replace(ivr_mode="stream"), db)
    get_runtime(app).synthesizer.cache_dir = speech_cache
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.browser
def test_a_whole_call_from_the_browser_softphone(live_server: str, db: Database) -> None:
    with db.session() as session:
        create_user(session, "telefon", PASSWORD, "staff", "hoerde", "Team Telefon")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
                if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
        login_in_browser(page, live_server, "telefon")
        page.goto(f"{live_server}/ivr/softphone")
        page.click("#call-button")
        page.wait_for_selector("text=Verbunden", timeout=10000)
        # request, callback, no consent, Osten und Hörde, Scharnhorst, the number, right, mornings, confirmed
        for key in ["2", "2", "2", "2", "1", *"02311234567", "#", "1", "1", "1"]:
            page.click(f".key[data-key='{key}']")
            time.sleep(0.3)
        deadline = time.monotonic() + 15
        request = None
        while request is None and time.monotonic() < deadline:
            with db.session() as session:
                request = session.scalars(select(Request).where(Request.status == "new")).first()
                if request is not None:
                    assert request.phone_e164 == "+492311234567"
                    assert request.district is not None and request.district.slug == "scharnhorst"
                    assert request.kind == "callback"
                    assert session.scalars(select(Call)).one().transport == "softphone"
            time.sleep(0.2)
        browser.close()
    assert request is not None, "the softphone call created no request"
    assert errors == []
