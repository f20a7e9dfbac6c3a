"""Read-aloud: short parts, a playing state with Stopp, errors shown; personal text never in a URL,
never on disk, never cached, bound to the kiosk session and rate limited per session."""

from __future__ import annotations

import wave
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Page, Request, expect

from kiosk.speech import evict
from shared.db import Database
from shared.runtime import get_runtime
from tests.kiosk.kiosk_flow import fill_request, type_on_keyboard
from tests.support.staff_login import csrf_token

NAME = "Yıldız Kaya"


def _say(client: FlaskClient, token: str, text: str, personal: bool = False,
         kind: str = "text") -> tuple[int, bytes, str]:
    data = {"text": text, "lang": "de", "kind": kind, **({"personal": "1"} if personal else {})}
    response = client.post("/kiosk/speech.wav", data=data, headers={"X-CSRFToken": token})
    return response.status_code, response.data, response.headers.get("Cache-Control", "")


def _disk(app: Flask) -> list[Path]:
    return [path for path in get_runtime(app).config.data_dir.rglob("*") if path.is_file()]


@pytest.mark.speech_e2e
def test_personal_text_is_spoken_from_memory_and_kept_nowhere(app: Flask, client: FlaskClient,
                                                                kiosk_db: Database) -> None:
    token = csrf_token(client, "/kiosk/")
    before = _disk(app)
    status, audio, cache = _say(client, token, "Anna Müller", personal=True)
    assert status == 200 and cache == "no-store"
    with wave.open(BytesIO(audio)) as wav:
        assert wav.getnframes() > 0
    assert _disk(app) == before  # nothing written, not even under the speech caches
    status, _audio, cache = _say(client, token, "Was möchten Sie tun?")
    assert status == 200 and cache.startswith("private")
    assert len(_disk(app)) == len(before) + 1  # screen text for everybody may be cached


def test_speech_is_post_only_bound_to_the_session_and_bounded(client: FlaskClient, kiosk_db: Database) -> None:
    assert client.get("/kiosk/speech.wav?text=Anna+M%C3%BCller&lang=de").status_code == 405
    token = csrf_token(client, "/kiosk/")
    other = client.application.test_client()  # another browser: no session, no token
    assert other.post("/kiosk/speech.wav", data={"text": "Hallo", "lang": "de"}).status_code == 400
    status, body, _cache = _say(client, token, "x" * 401)
    assert status == 400 and "nicht vorgelesen" in body.decode()
    assert _say(client, token, "Hallo", kind="bogus")[0] == 400


def test_the_rate_limit_follows_the_kiosk_session_not_a_forged_address(client: FlaskClient,
                                                                        kiosk_db: Database) -> None:
    token = csrf_token(client, "/kiosk/")
    statuses = [client.post("/kiosk/speech.wav", data={"text": "", "lang": "de"},
                            headers={"X-CSRFToken": token, "X-Forwarded-For": f"10.0.0.{n}"}).status_code
                for n in range(45)]
    assert statuses[:40] == [400] * 40 and statuses[40:] == [429] * 5
    fresh = client.application.test_client()
    fresh_token = csrf_token(fresh, "/kiosk/")
    assert fresh.post("/kiosk/speech.wav", data={"text": "", "lang": "de"},
                      headers={"X-CSRFToken": fresh_token}).status_code == 400


def test_the_speech_cache_evicts_the_least_recently_used(tmp_path: Path) -> None:
    for index in range(5):
        path = tmp_path / f"{index}.wav"
        path.write_bytes(b"x" * 1000)
        import os
        os.utime(path, (index, index))
    assert evict(tmp_path, 2500) == 3
    assert sorted(path.name for path in tmp_path.iterdir()) == ["3.wav", "4.wav"]


def test_the_consent_text_names_who_sees_the_data_and_for_how_long(client: FlaskClient, kiosk_db: Database) -> None:
    page = client.get("/kiosk/request/consent").get_data(as_text=True)
    assert "Mitarbeiterinnen und Mitarbeiter dieses Seniorenbüros" in page
    assert "365 Tage nachdem Ihr Anliegen erledigt ist" in page


@pytest.mark.browser
@pytest.mark.speech_e2e
def test_read_aloud_plays_in_parts_with_stop_and_never_reads_name_or_phone_unasked(page: Page) -> None:
    posts: list[Request] = []
    page.on("request", lambda request: posts.append(request) if "speech.wav" in request.url else None)
    fill_request(page, name="Anna Müller", phone="02311234567", stop_before_send=True)
    button = page.locator("#read-aloud")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_contain_text("Stopp")
    expect(page.locator(".reading")).to_have_count(1, timeout=15000)
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".reading")).to_have_count(0)
    assert posts and all(request.method == "POST" and "?" not in request.url for request in posts)
    sent = " ".join(request.post_data or "" for request in posts)
    assert "Anna" not in sent and "1234567" not in sent and "Stimmt" in sent
    posts.clear()
    page.locator("#read-personal").click()
    expect(page.locator("#read-personal")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(500)
    personal = " ".join(request.post_data or "" for request in posts)
    assert "Anna" in personal and "personal" in personal


@pytest.mark.browser
def test_a_failed_read_aloud_says_so_on_screen(page: Page) -> None:
    page.goto("/kiosk/")
    page.route("**/kiosk/speech.wav", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"message": "Vorlesen geht gerade nicht. Bitte versuchen Sie es später noch einmal."}'))
    page.locator("#read-aloud").click()
    expect(page.locator("#speech-status")).to_have_text(
        "Vorlesen geht gerade nicht. Bitte versuchen Sie es später noch einmal.")
    expect(page.locator("#read-aloud")).to_have_attribute("aria-pressed", "false")


@pytest.mark.browser
def test_typed_name_is_read_only_when_asked_on_the_name_screen(page: Page) -> None:
    page.goto("/kiosk/")
    page.locator("a[href$='/kiosk/request']").click()
    page.locator("button[name=kind][value=callback]").click()
    type_on_keyboard(page, "Ute")
    with page.expect_request("**/kiosk/speech.wav") as first:
        page.locator("#read-personal").click()
    assert "Ute" in (first.value.post_data or "")


def test_phone_numbers_are_read_in_groups(client: FlaskClient, kiosk_db: Database) -> None:
    from datetime import datetime, time, timedelta

    from shared.clock import BERLIN, local_today
    from tests.kiosk.kiosk_data import add_longest_event
    event_id = add_longest_event(kiosk_db, datetime.combine(local_today() + timedelta(days=1), time(15), BERLIN))
    page = client.get(f"/kiosk/event/{event_id}").get_data(as_text=True)
    assert 'data-say="null zwei drei eins, fünf null, eins zwei, drei vier, fünf sechs"' in page
    assert ">0231 50-123456<" in page
