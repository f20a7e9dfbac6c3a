"""Screenshots of every kiosk screen for the docs, from the demo data, in headless Chromium.

Run ``.venv/bin/python scripts/kiosk_screenshots.py`` after ``make test-deps`` (Playwright,
time-machine and Debian's ``/usr/bin/chromium``). It serves the app on a temporary SQLite
database with the demo data (on a Tuesday at 9:30, so the lists are full), prints to the
``dummy:`` printer and writes small PNGs (960 px wide, 64 colours) to ``docs/screenshots/``.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from pathlib import Path

import time_machine
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared import migrate  # noqa: E402
from shared.app import create_app  # noqa: E402
from shared.clock import BERLIN, local_today  # noqa: E402
from shared.config import load_config  # noqa: E402
from shared.db import Database  # noqa: E402
from shared.printing.worker import DEFAULT_PRINTER  # noqa: E402
from shared.runtime import get_runtime  # noqa: E402
from shared.seed.demo import seed_all  # noqa: E402
from tests.kiosk.kiosk_flow import fill_request, tap, type_on_keyboard  # noqa: E402 - the taps the end-to-end tests make

CHROMIUM = "/usr/bin/chromium"
TARGET = ROOT / "docs" / "screenshots"
WIDTH = 960
COLOURS = 64


@contextmanager
def demo_server(folder: Path) -> Iterator[str]:
    """The app with demo data and its print worker, served on a free port; yields the base URL."""
    config = load_config(environ={"TREFFPUNKT_DATA_DIR": str(folder), "TREFFPUNKT_SECRET_KEY": "screenshots-0123456789",
                                  "TREFFPUNKT_LOG_LEVEL": "WARNING", "TREFFPUNKT_SURFACES": "kiosk"})
    db = Database(config.database_url)
    migrate.upgrade(db.engine)
    with db.session() as session:
        seed_all(session, config.kiosk_venue, "screenshot-kiosk-token")
    app = create_app(config, db)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    stop = threading.Event()
    threads = [threading.Thread(target=server.serve_forever, daemon=True),
               threading.Thread(target=get_runtime(app).workers[f"print-queue:{DEFAULT_PRINTER}"], args=(stop,),
                                daemon=True)]
    for thread in threads:
        thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        stop.set()
        server.shutdown()
        db.dispose()


def save(page: Page, name: str, width: int = WIDTH) -> int:
    """A screenshot of the whole screen, scaled to *width* px and reduced to 64 colours."""
    target = TARGET / f"kiosk-{name}.png"
    page.screenshot(path=str(target))
    with Image.open(target) as image:
        small = image.convert("RGB").resize((width, width * image.height // image.width), Image.Resampling.LANCZOS)
    small.quantize(colors=COLOURS).save(target, optimize=True)
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")
    return target.stat().st_size


def _choose_language(page: Page, button: str) -> None:
    page.goto("/kiosk/")
    tap(page, button)


def _request_flow(page: Page, shoot: Callable[[str], int]) -> None:
    """Each question of the callback flow, with the keyboards in use, then the receipt."""
    page.goto("/kiosk/")
    tap(page, "Rückruf oder Hausbesuch")
    shoot("request-kind")
    page.locator("button[name=kind][value=home_visit]").click()
    type_on_keyboard(page, "Anna Müller")
    shoot("request-name")
    page.locator("button[name=action][value=next]").click()
    for digit in "0231123456":
        page.locator(f"button[name=key][value='{digit}']").click()
    shoot("request-phone")
    for step in ("district", "topic", "time", "consent"):
        page.goto(f"/kiosk/request/{step}")
        shoot(f"request-{step}")
    fill_request(page, stop_before_send=True)
    shoot("request-summary")
    page.locator("button[name=action][value=send]").click()
    expect(page.locator("#print-progress")).to_have_text("Bitte nehmen Sie Ihren Zettel.", timeout=20_000)
    shoot("request-done")


def take_all(base_url: str) -> int:
    """Every screen; returns the bytes written."""
    sizes: list[int] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=base_url, has_touch=True)
        page = context.new_page()

        def shoot(name: str) -> int:
            sizes.append(save(page, name))
            return sizes[-1]

        page.goto("/kiosk/")
        shoot("start")
        tap(page, "Heute")
        shoot("today")
        page.locator("a.event").first.click()
        expect(page.locator("img.qr")).not_to_have_js_property("naturalWidth", 0)  # the QR code has loaded
        shoot("event")
        event_path = page.url.split("/kiosk/event/")[1].split("&back=")[0]
        phone = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base_url, is_mobile=True,
                                    has_touch=True).new_page()
        phone.goto(f"/e/{event_path}")
        sizes.append(save(phone, "phone-event", width=390))
        phone.context.close()
        tap(page, "Diesen Termin drucken")
        expect(page.locator("#print-progress")).to_have_text("Bitte nehmen Sie Ihren Zettel.", timeout=20_000)
        shoot("print")
        for path, name in (("/kiosk/districts", "districts"), ("/kiosk/events/district/hoerde", "district-list"),
                           ("/kiosk/topics", "topics"), ("/kiosk/events/week", "week")):
            page.goto(path)
            shoot(name)
        _request_flow(page, shoot)
        page.goto("/kiosk/offline")  # what the service worker shows while the server cannot be reached
        shoot("waiting")
        page.clock.install()
        page.goto("/kiosk/events/today")
        page.clock.run_for(61_000)
        page.locator("#idle").wait_for(state="visible")
        shoot("idle-prompt")
        page.clock.resume()
        _choose_language(page, "Türkçe")
        shoot("start-tr")
        _choose_language(page, "English")
        tap(page, "Today")
        shoot("today-en")
        _choose_language(page, "Deutsch")
        page.locator("form[action$='/large-text'] button").click()
        tap(page, "Heute")
        shoot("today-large")
        browser.close()
    return sum(sizes)


def tuesday_morning() -> datetime:
    """9:30 on the coming Tuesday: a weekday with a full programme."""
    today = local_today()
    return datetime.combine(today + timedelta(days=(1 - today.weekday()) % 7), time(9, 30), BERLIN)


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for old in TARGET.glob("kiosk-*.png"):
        old.unlink()
    with time_machine.travel(tuesday_morning(), tick=True), tempfile.TemporaryDirectory() as folder, \
            demo_server(Path(folder)) as base_url:
        total = take_all(base_url)
    print(f"total: {total // 1024} KB")


if __name__ == "__main__":
    main()
