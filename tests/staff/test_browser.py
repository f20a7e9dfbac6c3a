"""End to end in headless Chromium: a phone request with a voice message, worked through by staff."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect, sync_playwright
from sqlalchemy import select

from shared.clock import local_today, utcnow
from shared.config import Config
from shared.db import Database
from shared.models import AuditEntry, Call, Request
from shared.runtime import get_runtime
from shared.services.recordings import store_voice_message
from shared.services.requests import NewRequest, create_request, format_reference
from tests.staff.conftest import Staff
from tests.support.served import serve_in_thread
from tests.support.staff_login import PASSWORD

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _phone_request(app: Flask, db: Database, config: Config) -> tuple[int, str]:
    """What the hotline leaves behind: a call, a phone request and the caller's spoken message."""
    spoken = get_runtime(app).synthesizer.synthesize(
        "Guten Tag, hier ist Frau Schmidt. Bitte rufen Sie mich wegen des Mittagstischs zurück.", language="de")
    with wave.open(str(spoken), "rb") as handle:
        duration = handle.getnframes() / handle.getframerate()
    assert duration > 1
    with db.session() as session:
        request, _ = create_request(session, NewRequest(
            kind="callback", channel="phone", district_slug="hoerde", phone="+49 231 5550199",
            caller_name="Frau Schmidt", topic="Mittagstisch", consent_data=True, consent_recording=True,
            call_sid="CA-e2e-1"), actor="ivr:CA-e2e-1")
        session.add(Call(call_sid="CA-e2e-1", outcome="request", request_id=request.id,
                         district_id=request.district_id, started_at=utcnow(), ended_at=utcnow()))
        store_voice_message(session, config.data_dir, request, "message", spoken.read_bytes(), duration,
                            transcript="bitte rufen sie mich wegen des mittagstischs zurück")
        return request.id, request.reference


def test_staff_work_through_a_phone_request(app: Flask, db: Database, config: Config, staff_users: Staff,
                                            live_server: str, browser: Browser) -> None:
    request_id, reference = _phone_request(app, db, config)
    page = browser.new_page(locale="de-DE")
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server}/staff/")
    expect(page).to_have_url(f"{live_server}/staff/login?next=/staff/?")
    page.get_by_label("Benutzername").fill("hoerde1")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Anfragen")

    row = page.get_by_role("row").filter(has_text=format_reference(reference))
    expect(row).to_contain_text("Telefon")
    expect(row).to_contain_text("•199")
    row.get_by_role("link").click()
    expect(page.locator("#current-status")).to_have_text("Neu")
    expect(page.get_by_text("0231 5550199")).to_be_visible()

    audio = page.locator("audio")
    expect(audio).to_have_count(1)
    state = audio.evaluate("""async (element) => {
        await element.play();
        await new Promise((resolve) => setTimeout(resolve, 600));
        const result = {readyState: element.readyState, duration: element.duration,
                        currentTime: element.currentTime, error: element.error && element.error.code};
        element.currentTime = element.duration / 2;
        await new Promise((resolve) => element.addEventListener('seeked', resolve, {once: true}));
        result.seekedTo = element.currentTime;
        element.pause();
        return result;
    }""")
    assert state["error"] is None
    assert state["readyState"] >= 2
    assert state["duration"] > 1
    assert state["currentTime"] > 0
    assert state["seekedTo"] > 0.5

    page.get_by_label("Neue Notiz").fill("Frau Schmidt zurückgerufen, Platz beim Mittagstisch reserviert.")
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.get_by_text("Notiz gespeichert.")).to_be_visible()
    expect(page.get_by_text("Platz beim Mittagstisch reserviert.")).to_be_visible()

    page.get_by_label("Status", exact=True).select_option("done")
    page.get_by_label("Begründung").fill("Rückruf erledigt")
    page.get_by_role("button", name="Speichern", exact=True).click()
    # Nothing else is open: the inbox, with word that the request is finished.
    expect(page.get_by_text(f"Anfrage {format_reference(reference)} abgeschlossen.")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/staff/")
    assert console_errors == []

    with db.session() as session:
        stored = session.get(Request, request_id)
        assert stored is not None and stored.status == "done" and stored.first_contact_at is not None
        actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "staff:hoerde1")))
    assert {"login", "view", "play", "update"} <= actions


def test_reference_read_out_on_the_phone_is_found_worked_to_done_and_the_next_request_opens(
        app: Flask, db: Database, staff_users: Staff, live_server: str, browser: Browser) -> None:
    with db.session() as session:
        caller, _ = create_request(session, NewRequest(
            kind="callback", channel="kiosk", district_slug="hoerde", phone="0231 4440001",
            caller_name="Gerda Anruferin", topic="Einkaufshilfe", consent_data=True), actor="kiosk:test")
        following, _ = create_request(session, NewRequest(
            kind="home_visit", channel="phone", district_slug="hoerde", phone="0231 4440002",
            caller_name="Karl Nächster", topic="Hausbesuch", consent_data=True), actor="ivr:test")
        following.due_date = caller.due_date  # the same day: the older id comes first, then this one
        # More urgent than both, but waiting for a later date: the next request skips it.
        waiting, _ = create_request(session, NewRequest(
            kind="callback", channel="phone", district_slug="hoerde", phone="0231 4440003",
            caller_name="Wilma Wartend", topic="Rückruf nach dem Urlaub", consent_data=True), actor="ivr:test")
        waiting.status, waiting.due_date = "waiting", caller.due_date - timedelta(days=3)
        waiting.waiting_until = local_today() + timedelta(days=7)
        reference, next_reference = caller.reference, following.reference
    page = browser.new_page(locale="de-DE")
    page.goto(f"{live_server}/staff/login")
    page.get_by_label("Benutzername").fill("hoerde1")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    # The caller reads the number from the receipt in two groups, the way it is printed.
    spoken = f" {reference[:4]}  {reference[4:]} "
    page.locator("input[name=q]").fill(spoken)
    page.locator("input[name=q]").press("Enter")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Gerda Anruferin")
    rows.first.get_by_role("link", name=format_reference(reference)).click()

    panel = page.locator("#action-panel")
    panel.get_by_label("erreicht", exact=True).check()
    panel.get_by_label("Notiz zum Anruf (freiwillig)").fill("Einkauf für Donnerstag vereinbart")
    panel.get_by_label("Status", exact=True).select_option("done")
    panel.get_by_label("Zuständig").select_option("me")
    panel.get_by_role("button", name="Speichern", exact=True).click()

    expect(page.get_by_text(f"Anfrage {format_reference(reference)} abgeschlossen.")).to_be_visible()
    expect(page.locator("#next-request")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(format_reference(next_reference))
    expect(page.locator("#current-status")).to_have_text("Neu")
    with db.session() as session:
        done = session.scalars(select(Request).where(Request.reference == reference)).one()
        assert done.status == "done" and done.assignee_id == staff_users.hoerde
        assert [note.text for note in done.notes] == ["Einkauf für Donnerstag vereinbart"]
        assert done.first_contact_at is not None
