"""Webhooks beyond the in-flight limit are refused at once (new calls hear "later"), pages are not."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from werkzeug.test import Client

from shared.web.load_shedding import WebhookLoadShedder


class HeldApp:
    """A WSGI app whose webhook answers wait until released (a slow database, say)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["PATH_INFO"].startswith("/ivr/twilio/"):
            self.entered.release()
            self.release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def test_webhooks_past_the_limit_are_refused_at_once_and_pages_still_served() -> None:
    held = HeldApp()
    shedder = WebhookLoadShedder(held, limit=3)
    client = Client(shedder)
    with ThreadPoolExecutor(3) as pool:
        busy = [pool.submit(client.post, "/ivr/twilio/gather") for _ in range(3)]
        for _ in range(3):
            assert held.entered.acquire(timeout=5)
        refused = client.post("/ivr/twilio/gather")
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        new_call = client.post("/ivr/twilio/voice")
        assert new_call.status_code == 200
        root = ET.fromstring(new_call.get_data())
        say = root.find("Say")
        assert say is not None and "später" in (say.text or "")
        assert root.find("Hangup") is not None
        assert client.get("/kiosk/").status_code == 200  # pages are outside the gate
        held.release.set()
        answers = [future.result() for future in busy]
        assert [answer.status_code for answer in answers] == [200, 200, 200]
        for answer in answers:
            answer.close()  # as the server does once the body is sent
    assert shedder.shed == 2
    assert client.post("/ivr/twilio/gather").status_code == 200  # slots come back after each answer


def test_a_failing_webhook_gives_its_slot_back() -> None:
    def broken(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raise RuntimeError("boom")

    shedder = WebhookLoadShedder(broken, limit=1)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            Client(shedder).post("/ivr/twilio/gather")
    assert shedder._slots.acquire(blocking=False)


def test_a_webhook_that_waited_for_a_thread_is_refused_and_a_page_is_not() -> None:
    from shared.web.worker import QUEUE_WAIT

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    shedder = WebhookLoadShedder(app, limit=8, max_queue_seconds=0.1)
    client = Client(shedder)
    QUEUE_WAIT.seconds = 0.15  # as the gunicorn worker records it for this thread's request
    try:
        refused = client.post("/ivr/twilio/status")
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert b"sp\xc3\xa4ter" in client.post("/ivr/twilio/voice").get_data()
        assert client.get("/kiosk/").status_code == 200
        QUEUE_WAIT.seconds = 0.05
        assert client.post("/ivr/twilio/status").status_code == 200
    finally:
        QUEUE_WAIT.seconds = 0.0
    assert shedder.shed == 2
