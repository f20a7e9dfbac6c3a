"""The kiosk-node endpoints of the API in-process: token, cursor and ETag, tombstones, gzip, heartbeat input,
and the browser kiosk's own last contact."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, time, timedelta

import click
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from kiosk.node.cli import node_config
from shared.clock import BERLIN, local_today, utcnow
from shared.config import ConfigError, load_config
from shared.db import Database
from shared.models import DeletedEvent, Event, Kiosk
from shared.seed.demo import seed_demo_kiosk
from shared.services.schedule_feed import TOMBSTONE_DAYS, digest, purge_tombstones
from tests.kiosk.kiosk_data import add_event

TOKEN = "feed-test-kiosk-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _kiosk_with_two_events(db: Database) -> list[int]:
    with db.session() as session:
        seed_demo_kiosk(session, "bz-hoerde", TOKEN)
    tomorrow = local_today() + timedelta(days=1)
    ids = [add_event(db, title, "bz-hoerde", datetime.combine(tomorrow, time(10), BERLIN))
           for title in ("Erzählcafé", "Gedächtnistraining")]
    with db.session() as session:
        session.execute(update(Event).values(updated_at=utcnow() - timedelta(hours=1)))
    return ids


def test_feed_needs_a_kiosk_token(client: FlaskClient, db: Database) -> None:
    _kiosk_with_two_events(db)
    assert client.get("/api/v1/kiosk/schedule").status_code == 401
    assert client.get("/api/v1/kiosk/schedule", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.post("/api/v1/kiosk/heartbeat", json={}).status_code == 401


def test_full_then_not_modified_then_one_change_and_a_tombstone(client: FlaskClient, db: Database) -> None:
    first_id, second_id = _kiosk_with_two_events(db)
    full = client.get("/api/v1/kiosk/schedule", headers=AUTH)
    body = full.get_json()
    assert full.status_code == 200 and body["full"] is True
    assert sorted(row["id"] for row in body["events"]) == [first_id, second_id]
    assert {"districts", "venues", "office_hours", "categories"} <= set(body["places"])
    etag = full.headers["ETag"]
    assert etag == f'"{body["version"]}"'
    places = digest(body["places"])
    asked = {"since": body["cursor"], "places": places}
    same = client.get("/api/v1/kiosk/schedule", query_string=asked, headers={**AUTH, "If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    with db.session() as session:
        event = session.get(Event, first_id)
        assert event is not None
        event.updated_at = utcnow()
        session.delete(session.get(Event, second_id))
    changed = client.get("/api/v1/kiosk/schedule", query_string=asked, headers={**AUTH, "If-None-Match": etag})
    body = changed.get_json()
    assert changed.status_code == 200 and body["full"] is False and body["places"] is None
    assert [row["id"] for row in body["events"]] == [first_id] and body["deleted"] == [second_id]


def test_large_answers_are_gzipped(client: FlaskClient, db: Database) -> None:
    _kiosk_with_two_events(db)
    answer = client.get("/api/v1/kiosk/schedule", headers={**AUTH, "Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(answer.data))["full"] is True


def test_bad_cursor_and_bad_heartbeats_are_refused_clearly(client: FlaskClient, db: Database) -> None:
    _kiosk_with_two_events(db)
    for since in ("gestern", "2026-01-01T00:00:00", "1800-01-01T00:00:00+00:00", "2026\x00"):
        answer = client.get("/api/v1/kiosk/schedule", query_string={"since": since}, headers=AUTH)
        assert answer.status_code == 400, since
    for body in ({"outbox_length": -1}, {"outbox_length": True}, {"printer_status": "PAPER OUT"},
                 {"version": "x" * 41}, [1]):
        assert client.post("/api/v1/kiosk/heartbeat", json=body, headers=AUTH).status_code == 400, body
    ok = client.post("/api/v1/kiosk/heartbeat", json={"printer_status": "ready", "version": "1.2", "outbox_length": 3},
                     headers=AUTH)
    assert ok.status_code == 200 and ok.get_json()["kiosk"] == "kiosk-demo"
    with db.session() as session:
        kiosk = session.scalars(select(Kiosk)).one()
        assert (kiosk.printer_status, kiosk.software_version, kiosk.outbox_length) == ("ready", "1.2", 3)


def test_a_kiosk_requested_reference_is_kept_when_free(client: FlaskClient, db: Database) -> None:
    _kiosk_with_two_events(db)
    request = {"kind": "callback", "district": "hoerde", "phone": "0231 1234567", "name": "Erna", "consent": True,
               "reference": "12345678", "idempotency_key": "node-1"}
    assert client.post("/api/v1/requests", json=request, headers=AUTH).get_json()["reference"] == "12345678"
    other = {**request, "idempotency_key": "node-2"}
    assert client.post("/api/v1/requests", json=other, headers=AUTH).get_json()["reference"] != "12345678"
    bad = {**request, "idempotency_key": "node-3", "reference": "0123"}
    assert client.post("/api/v1/requests", json=bad, headers=AUTH).status_code == 400


def test_the_browser_kiosk_marks_itself_seen_on_a_page_view(client: FlaskClient, db: Database) -> None:
    with db.session() as session:
        seed_demo_kiosk(session, "bz-hoerde", TOKEN)
    assert client.get("/kiosk/").status_code == 200
    with db.session() as session:
        seen = session.scalars(select(Kiosk.last_seen_at)).one()
    assert seen is not None and utcnow() - seen < timedelta(minutes=1)


def test_an_old_cursor_gets_a_full_sync_and_old_tombstones_are_purged(client: FlaskClient, db: Database) -> None:
    first_id, second_id = _kiosk_with_two_events(db)
    with db.session() as session:
        session.delete(session.get(Event, second_id))
    with db.session() as session:
        session.execute(update(DeletedEvent).values(deleted_at=utcnow() - timedelta(days=TOMBSTONE_DAYS + 2)))
        assert purge_tombstones(session) == 1
    old = (utcnow() - timedelta(days=TOMBSTONE_DAYS + 1)).isoformat()
    body = client.get("/api/v1/kiosk/schedule", query_string={"since": old}, headers=AUTH).get_json()
    assert body["full"] is True and [row["id"] for row in body["events"]] == [first_id]


def test_a_node_needs_a_backend_url_and_a_token() -> None:
    with pytest.raises(ConfigError, match="BACKEND_URL"):
        load_config(environ={"TREFFPUNKT_BACKEND_URL": "ftp://treffpunkt.example", "TREFFPUNKT_SECRET_KEY": "x" * 20})
    config = load_config(environ={"TREFFPUNKT_BACKEND_URL": "https://treffpunkt.example/",
                                  "TREFFPUNKT_SECRET_KEY": "x" * 20})
    assert config.backend_url == "https://treffpunkt.example"
    with pytest.raises(click.ClickException, match="TREFFPUNKT_KIOSK_TOKEN"):
        node_config(config)
    node = node_config(config.replace(kiosk_token="token"))
    assert node.surfaces == ("kiosk",) and node.database_url.endswith("/kiosk-node.sqlite3")
