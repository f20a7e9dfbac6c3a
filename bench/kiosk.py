"""Kiosk benchmark: server time of the list and detail pages with 10,000 events, and the start screen's weight.

Prints JSON: p50/p95 (ms) of ``GET`` through the whole Flask stack (test client: routing, queries,
templates, translations) for today, this week, a district's two weeks and an event's detail page
(target p95 <= 30 ms), and the bytes of the start screen with everything it loads: HTML, CSS,
JavaScript, fonts and images, each fetched (target <= 100 KB). The data set is the one of
``bench/backend.py`` (10,000 events, a quarter weekly), measured on a Monday morning, so "Diese
Woche" is a whole week; PostgreSQL runs too when TREFFPUNKT_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from bench.backend import EVENTS, load_average, percentiles, seed
from bench.bench_support import app_client, on_each_backend
from shared.clock import BERLIN, local_today
from shared.db import Database
from shared.models import District, Event
from shared.seed.demo import seed_demo_kiosk

TARGET_P95_MS = 30
TARGET_START_BYTES = 100 * 1024
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


class _Assets(HTMLParser):
    """Collects the addresses a page loads by itself: stylesheets, scripts, images, icons, media."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("href") and values.get("rel") in ("stylesheet", "icon", "preload"):
            self.urls.append(str(values["href"]))
        elif tag in ("script", "img", "audio", "source") and values.get("src"):
            self.urls.append(str(values["src"]))


def _get(client: FlaskClient, url: str) -> bytes:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code}")
    return response.get_data()


def _fetcher(client: FlaskClient, path: Callable[[int], str]) -> Callable[[int], bytes]:
    """GET the page *path* gives for each run number."""
    return lambda number: _get(client, path(number))


def page_weight(client: FlaskClient, path: str) -> dict[str, object]:
    """Bytes of *path* and of every asset it references, CSS ``url(...)`` (fonts, images) included."""
    html = _get(client, path)
    parser = _Assets()
    parser.feed(html.decode())
    sizes: dict[str, int] = {path: len(html)}
    pending = [urljoin(path, url) for url in parser.urls]
    while pending:
        url = pending.pop()
        if url in sizes:
            continue
        body = _get(client, url)
        sizes[url] = len(body)
        if url.endswith(".css"):
            found = CSS_URL.findall(body.decode())
            pending += [urljoin(url, asset) for asset in found if not asset.startswith("data:")]
    total = sum(sizes.values())
    return {"bytes": total, "target_bytes": TARGET_START_BYTES, "met": total <= TARGET_START_BYTES, "files": sizes}


def measure(db: Database, events_count: int = EVENTS) -> dict[str, object]:
    """Seed the events, then time each kiosk page through the Flask test client."""
    seed(db, events_count)
    with db.session() as session:
        seed_demo_kiosk(session, "bz-hoerde", "")
        slugs = list(session.scalars(select(District.slug).order_by(District.id)))
        event_ids = list(session.scalars(select(Event.id).order_by(Event.id)))
    with app_client(db) as client:
        pages: dict[str, Callable[[int], str]] = {
            "today": lambda n: "/kiosk/events/today",
            "week": lambda n: "/kiosk/events/week",
            "week_last_page": lambda n: "/kiosk/events/week?page=999",
            "district_two_weeks": lambda n: f"/kiosk/events/district/{slugs[n % len(slugs)]}",
            "event_detail": lambda n: f"/kiosk/event/{event_ids[(n * 37) % len(event_ids)]}",
        }
        results: dict[str, object] = {}
        for name, path in pages.items():
            for number in range(10):  # warm caches and the connection pool
                _get(client, path(number))
            figures = percentiles(_fetcher(client, path))
            results[name] = {**figures, "met": figures["p95_ms"] <= TARGET_P95_MS, "load": load_average()}
        weight = page_weight(client, "/kiosk/")
    return {"pages": results, "target_p95_ms": TARGET_P95_MS, "events": events_count, "start_screen": weight}


def next_monday_morning() -> datetime:
    """10:00 on the coming Monday (today if it is one), in Dortmund."""
    today = local_today()
    return datetime.combine(today + timedelta(days=-today.weekday() % 7), time(10, 0), BERLIN)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=EVENTS, help=f"events to seed (default {EVENTS})")
    arguments = parser.parse_args()
    monday = next_monday_morning()
    results: dict[str, object] = {"benchmark": "kiosk", "date": date.today().isoformat(),
                                  "simulated_now": monday.isoformat()}
    with time_machine.travel(monday, tick=True):
        results.update(on_each_backend(lambda db: measure(db, arguments.events)))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
