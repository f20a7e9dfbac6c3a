"""Registering kiosks from the command line: the token is shown once, works, and a new one replaces it."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from flask.testing import FlaskClient

from shared.cli.main import main
from shared.config import Config
from shared.db import Database
from shared.models import AuditEntry, Kiosk

PAYLOAD = {"kind": "callback", "district": "hoerde", "phone": "0231 1234567", "name": "Erika Muster",
           "consent": True}


def _register(config: Config, *args: str) -> tuple[int, str]:
    env = {"TREFFPUNKT_DATA_DIR": str(config.data_dir), "TREFFPUNKT_DATABASE_URL": config.database_url,
           "TREFFPUNKT_SECRET_KEY": "test-secret-key-0123456789"}
    result = CliRunner().invoke(main, ["kiosk", *args], env=env)
    return result.exit_code, result.output


def test_register_issue_token_list_and_rotate(db: Database, config: Config, client: FlaskClient) -> None:
    code, output = _register(config, "register", "--venue", "bz-hoerde")
    assert code == 0, output
    token = re.search(r"TREFFPUNKT_KIOSK_TOKEN=(\S+)", output)
    assert token is not None and "TREFFPUNKT_PRINTER_NAME=bz-hoerde" in output
    first = {"Authorization": f"Bearer {token.group(1)}"}
    assert client.post("/api/v1/requests", json=PAYLOAD, headers=first).status_code == 201

    code, output = _register(config, "register", "--venue", "bz-hoerde", "--name", "Kiosk Foyer")
    again = re.search(r"TREFFPUNKT_KIOSK_TOKEN=(\S+)", output)
    assert code == 0 and again is not None and again.group(1) != token.group(1)
    assert client.post("/api/v1/requests", json=PAYLOAD, headers=first).status_code == 401
    second = {"Authorization": f"Bearer {again.group(1)}"}
    assert client.post("/api/v1/requests", json={**PAYLOAD, "idempotency_key": "k2"},
                       headers=second).status_code == 201

    code, output = _register(config, "list", "--json")
    [listed] = json.loads(output)["kiosks"]
    assert (listed["slug"], listed["name"], listed["venue"], listed["printer"]) == (
        "kiosk-bz-hoerde", "Kiosk Foyer", "bz-hoerde", "bz-hoerde")
    assert listed["last_seen_at"] is not None
    with db.session() as session:
        kiosk = session.query(Kiosk).one()
        assert token.group(1) not in kiosk.token_hash and len(kiosk.token_hash) == 64
        assert session.query(AuditEntry).filter_by(record_type="kiosk").count() == 2


def test_unknown_venue_is_refused_clearly(db: Database, config: Config) -> None:
    code, output = _register(config, "register", "--venue", "nirgendwo")
    assert code == 1 and "nirgendwo" in output
    assert _register(config, "list")[1].strip() == "Keine Kiosks registriert."
