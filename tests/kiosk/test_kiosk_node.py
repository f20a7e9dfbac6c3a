"""The kiosk node against a real central server (``treffpunkt serve`` in its own process).

The node is the kiosk app on its own SQLite file (``node_config``), driven through its pages with
the Flask test client; its sync, outbox and heartbeat are called step by step. The line drop is
the central server stopped and started again on the same port.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time as clock
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from kiosk.node import KioskNode
from kiosk.node.backend import BackendUnreachable
from kiosk.node.cli import node_config
from kiosk.node.mirror import NODE_HORIZON_DAYS
from shared import migrate
from shared.app import create_app
from shared.clock import BERLIN, local_today, utcnow
from shared.config import load_config
from shared.db import Database
from shared.models import Event, Kiosk, Occurrence, PrinterState, Request
from shared.runtime import get_runtime
from shared.seed.demo import seed_demo_kiosk
from shared.services.events import EventFilter, cancel_event, horizon, list_occurrences, save_event
from shared.services.staff_users import create_user
from tests.kiosk.kiosk_data import add_event
from tests.support.served_backend import ServedBackend, free_port
from tests.support.staff_login import PASSWORD, next_code, remember_secret

TOKEN = "node-test-kiosk-token"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SENDING = "Sie wird gesendet, sobald die Verbindung wieder da ist."


@pytest.fixture
def backend(tmp_path: Path, database_url: str, db: Database) -> Iterator[ServedBackend]:
    """The central server with the Hörde kiosk registered and two events tomorrow, changed an hour ago."""
    with db.session() as session:
        seed_demo_kiosk(session, "bz-hoerde", TOKEN)
        create_user(session, "chefin", PASSWORD, "admin", display_name="Chefin")
    tomorrow = local_today() + timedelta(days=1)
    for title, hour in (("Skatrunde am Phoenixsee", 10), ("Tanztee im Zentrum", 15)):
        add_event(db, title, "bz-hoerde", datetime.combine(tomorrow, time(hour), BERLIN))
    with db.session() as session:  # as if long ago: only what changes from now on is incremental
        session.execute(update(Event).values(updated_at=utcnow() - timedelta(hours=1)))
    server = ServedBackend(database_url, tmp_path / "backend", SECURE_COOKIES="false")  # staff log in over http
    server.start()
    yield server
    server.stop()


@pytest.fixture
def node(tmp_path: Path, backend: ServedBackend) -> Iterator[Flask]:
    """The kiosk node of the Hörde centre, on its own SQLite file, talking to *backend*."""
    config = node_config(load_config(environ={
        "TREFFPUNKT_DATA_DIR": str(tmp_path / "node"), "TREFFPUNKT_SECRET_KEY": "node-secret-key-0123456789",
        "TREFFPUNKT_PRINTER": "dummy:", "TREFFPUNKT_BACKEND_URL": backend.base, "TREFFPUNKT_KIOSK_TOKEN": TOKEN,
        "TREFFPUNKT_KIOSK_VENUE": "bz-hoerde", "TREFFPUNKT_WHISPER": "off"}))
    local = Database(config.database_url)
    migrate.upgrade(local.engine)
    app = create_app(config, local)
    app.testing = True
    yield app
    local.dispose()


def _node(app: Flask) -> KioskNode:
    node: KioskNode = app.extensions["kiosk_node"]
    return node


def _post(client: FlaskClient, path: str, data: dict[str, str]) -> None:
    page = client.get(path)
    match = CSRF.search(page.get_data(as_text=True))
    assert match is not None, (path, page.status_code)
    response = client.post(path, data={**data, "csrf_token": match.group(1)})
    assert response.status_code == 302, (path, response.status_code)


def file_request(client: FlaskClient, name: str = "ANNA", phone: str = "02311234567") -> str:
    """Tap through the request flow of the node's pages; return the done screen."""
    assert client.get("/kiosk/request").status_code == 302
    _post(client, "/kiosk/request/kind", {"kind": "callback"})
    for letter in name:
        _post(client, "/kiosk/request/name", {"key": letter})
    _post(client, "/kiosk/request/name", {"action": "next"})
    for digit in phone:
        _post(client, "/kiosk/request/phone", {"key": digit})
    _post(client, "/kiosk/request/phone", {"action": "next"})
    _post(client, "/kiosk/request/district", {"district": "hoerde"})
    _post(client, "/kiosk/request/topic", {"topic": "alltag"})
    _post(client, "/kiosk/request/time", {"time": "morning"})
    _post(client, "/kiosk/request/consent", {"consent": "yes"})
    _post(client, "/kiosk/request/summary", {"action": "send"})
    return client.get("/kiosk/request/done").get_data(as_text=True)


def _event_id(db: Database, title: str) -> int:
    with db.session() as session:
        return int(session.scalars(select(Event.id).where(Event.title == title)).one())


def test_offline_request_arrives_once_after_the_line_is_back(node: Flask, backend: ServedBackend,
                                                             db: Database) -> None:
    kiosk_node = _node(node)
    first = kiosk_node.sync()
    assert first.full and first.events == 2
    client = node.test_client()
    skat = _event_id(db, "Skatrunde am Phoenixsee")
    assert "Skatrunde am Phoenixsee" in client.get(f"/kiosk/event/{skat}").get_data(as_text=True)

    backend.stop()
    with pytest.raises(BackendUnreachable):
        kiosk_node.sync()
    assert "Skatrunde am Phoenixsee" in client.get("/kiosk/events/week").get_data(as_text=True)  # browse offline
    done = file_request(client)
    assert SENDING in done
    reference = re.search(r"<strong[^>]*>(\d{4} \d{4})</strong>", done)
    assert reference is not None
    assert kiosk_node.outbox.deliver_due() == 0 and kiosk_node.outbox.length() == 1
    assert kiosk_node.outbox.deliver_due() == 0  # backing off: no new try within seconds

    backend.start()
    kiosk_node.sync()  # the line is back: the outbox tries again at once
    assert kiosk_node.outbox.deliver_due() == 1
    assert kiosk_node.outbox.length() == 0  # the local copy (name, phone) is gone
    assert kiosk_node.outbox.deliver_due() == 0
    with db.session() as session:
        arrived = session.scalars(select(Request).where(Request.channel == "kiosk")).all()
        assert [(r.reference, r.caller_name, r.phone_e164) for r in arrived] == [
            (reference.group(1).replace(" ", ""), "Anna", "+492311234567")]
        assert arrived[0].kiosk_id == session.scalar(select(Kiosk.id).where(Kiosk.slug == "kiosk-demo"))


def test_a_repeated_delivery_makes_no_second_request(node: Flask, db: Database) -> None:
    kiosk_node = _node(node)
    kiosk_node.sync()
    stop = threading.Event()
    outbox = threading.Thread(target=kiosk_node.outbox.run, args=(stop,))
    outbox.start()
    client = node.test_client()
    try:
        file_request(client, name="BERT")
        deadline = clock.monotonic() + 60
        while kiosk_node.outbox.length() and clock.monotonic() < deadline:  # the worker delivers (slow when loaded)
            clock.sleep(0.2)
    finally:
        stop.set()
        kiosk_node.outbox.wake.set()
        outbox.join(10)
    done = client.get("/kiosk/request/done").get_data(as_text=True)
    assert SENDING not in done and "Ihre Anfrage ist angekommen" in done  # delivered: the screen says so
    with db.session() as session:
        delivered = session.scalars(select(Request)).one()
    replay = {"kind": "callback", "district": "hoerde", "phone": "02311234567", "name": "Bert", "consent": True,
              "idempotency_key": delivered.idempotency_key, "reference": delivered.reference}
    assert delivered.idempotency_key
    answer = kiosk_node.backend.post("/requests", replay, idempotency_key=delivered.idempotency_key)
    assert answer.status == 200 and answer.body["reference"] == delivered.reference
    with db.session() as session:
        assert session.scalar(select(func.count(Request.id))) == 1


def test_incremental_sync_of_one_change_then_nothing(node: Flask, db: Database) -> None:
    kiosk_node = _node(node)
    kiosk_node.sync()
    with db.session() as session:
        event = session.get(Event, _event_id(db, "Tanztee im Zentrum"))
        assert event is not None
        event.title = "Tanztee mit Live-Musik"
        save_event(session, event)
    change = kiosk_node.sync()
    assert not change.full and change.events == 1 and change.deleted == 0
    assert change.wire_bytes < 10_000
    assert "Tanztee mit Live-Musik" in node.test_client().get("/kiosk/events/week").get_data(as_text=True)
    with get_runtime(node).db.session() as session:  # the node's copy is searchable, by the new title only
        assert [view.event.title for view in list_occurrences(session, EventFilter(text="tanztee live"))] != []
        assert list_occurrences(session, EventFilter(text="tanztee zentrum")) == []
    unchanged = kiosk_node.sync()
    assert unchanged.not_modified and unchanged.wire_bytes == 0


def test_the_node_stores_no_occurrence_beyond_its_horizon(node: Flask, db: Database) -> None:
    weekly = add_event(db, "Wöchentliche Sprechstunde", "bz-hoerde",
                       datetime.combine(local_today(), time(9), BERLIN), rrule="FREQ=WEEKLY")
    with db.session() as session:  # the central server keeps its long horizon
        assert (session.scalar(select(func.count()).where(Occurrence.event_id == weekly)) or 0) > 52
    _node(node).sync()
    edge = horizon(NODE_HORIZON_DAYS)[1]
    runtime = get_runtime(node)

    def stored() -> list[datetime]:
        with runtime.db.session() as session:
            return list(session.scalars(select(Occurrence.start).where(Occurrence.event_id == weekly)))

    after_sync = stored()
    assert 6 <= len(after_sync) <= 7 and max(after_sync) < edge
    with runtime.db.session() as session:  # the node's daily refresh keeps the short window
        runtime.daily_jobs["refresh-occurrences"](session)
        session.commit()
    assert sorted(stored()) == sorted(after_sync)
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Occurrence).where(Occurrence.start >= edge)) == 0
    assert "Wöchentliche Sprechstunde" in node.test_client().get("/kiosk/events/week").get_data(as_text=True)


def test_deleted_and_cancelled_events_disappear_at_the_node(node: Flask, db: Database) -> None:
    kiosk_node = _node(node)
    kiosk_node.sync()
    skat, tanz = _event_id(db, "Skatrunde am Phoenixsee"), _event_id(db, "Tanztee im Zentrum")
    with db.session() as session:
        session.delete(session.get(Event, skat))
        cancelled = session.get(Event, tanz)
        assert cancelled is not None
        cancel_event(session, cancelled)
    result = kiosk_node.sync()
    assert result.deleted == 1 and result.events == 1
    client = node.test_client()
    week = client.get("/kiosk/events/week").get_data(as_text=True)
    assert "Skatrunde" not in week and "Tanztee" not in week
    assert client.get(f"/kiosk/event/{skat}").status_code == 404
    with get_runtime(node).db.session() as session:
        assert session.get(Event, skat) is None


def test_heartbeat_shows_to_staff_with_an_alert_for_paper_out(node: Flask, backend: ServedBackend,
                                                              db: Database) -> None:
    kiosk_node = _node(node)
    with get_runtime(node).db.session() as session:
        session.add(PrinterState(printer="default", status="paper_out", detail="", checked_at=utcnow()))
    assert kiosk_node.heartbeat() == 200
    staff = requests.Session()
    login_page = staff.get(f"{backend.base}/staff/login", timeout=10).text
    token = CSRF.search(login_page)
    assert token is not None
    enrolment = staff.post(f"{backend.base}/staff/login", data={"username": "chefin", "password": PASSWORD,
                                                                 "csrf_token": token.group(1)}, timeout=10).text
    secret = remember_secret(enrolment, "chefin")  # an admin's first login enrols the second factor
    enrol_token = CSRF.search(enrolment)
    assert enrol_token is not None
    staff.post(f"{backend.base}/staff/account/totp", data={"code": next_code(secret),
                                                           "csrf_token": enrol_token.group(1)}, timeout=10)
    page = staff.get(f"{backend.base}/staff/operations", timeout=10).text
    row = re.search(r'<tr id="kiosk-kiosk-demo">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "Papier leer" in row.group(1) and "keine Verbindung" not in row.group(1)
    assert 'id="kiosk-alert"' in page
    with db.session() as session:
        kiosk = session.scalars(select(Kiosk).where(Kiosk.slug == "kiosk-demo")).one()
        assert kiosk.printer_status == "paper_out" and kiosk.outbox_length == 0 and kiosk.software_version
        assert kiosk.last_seen_at is not None and utcnow() - kiosk.last_seen_at < timedelta(minutes=1)


def test_the_kiosk_node_command_syncs_serves_and_reports(tmp_path: Path, backend: ServedBackend,
                                                         db: Database) -> None:
    """``treffpunkt kiosk-node`` as installed: its own workers sync, serve the kiosk and send a heartbeat."""
    port = free_port()
    environment = {**os.environ, "TREFFPUNKT_DATA_DIR": str(tmp_path / "node-process"),
                   "TREFFPUNKT_SECRET_KEY": "node-process-secret-0123456789", "TREFFPUNKT_PRINTER": "dummy:",
                   "TREFFPUNKT_BACKEND_URL": backend.base, "TREFFPUNKT_KIOSK_TOKEN": TOKEN,
                   "TREFFPUNKT_KIOSK_VENUE": "bz-hoerde", "TREFFPUNKT_WHISPER": "off"}
    environment.pop("TREFFPUNKT_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "shared", "kiosk-node", "--port", str(port)], env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    skat = _event_id(db, "Skatrunde am Phoenixsee")
    try:
        deadline = clock.monotonic() + 180
        page = ""
        while "Skatrunde am Phoenixsee" not in page:
            assert process.poll() is None and clock.monotonic() < deadline, "the node did not serve the synced event"
            try:
                page = requests.get(f"http://127.0.0.1:{port}/kiosk/event/{skat}", timeout=10).text
            except requests.ConnectionError:
                clock.sleep(0.5)
        version = ""
        while not version:  # the heartbeat worker reports within seconds of the start
            assert clock.monotonic() < deadline, "no heartbeat arrived"
            with db.session() as session:
                version = session.scalars(select(Kiosk.software_version).where(Kiosk.slug == "kiosk-demo")).one()
            clock.sleep(0.5)
        assert (tmp_path / "node-process" / "kiosk-node.sqlite3").is_file()
    finally:
        process.terminate()
        process.wait(timeout=30)
