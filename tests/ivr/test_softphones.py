"""The terminal softphone (`treffpunkt call`) and the browser softphone page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select

from shared.cli.main import main
from shared.config import Config
from shared.db import Database
from shared.models import Call, Request, VoiceMessage


def _environment(config: Config) -> dict[str, str]:
    return {"TREFFPUNKT_DATA_DIR": str(config.data_dir), "TREFFPUNKT_DATABASE_URL": config.database_url,
            "TREFFPUNKT_SECRET_KEY": "test-secret-key-0123456789", "TREFFPUNKT_VOSK_MODEL": "",
            "TREFFPUNKT_WHISPER": "off"}


def test_terminal_call_with_keys_typed_speech_and_a_typed_recording(config: Config, db: Database) -> None:
    answers = "\n".join([
        "Hausbesuch bitte",      # main menu by (typed) speech
        "1",                      # home visit
        "ja",                     # consent
        "Erika Mustermann",       # the name "recording" (typed, synthesised)
        "Hörde",                  # district by word
        "ja",                     # number right
        "vormittags",             # callback time by word
        "",                       # topic: silence
        "1",                      # confirm
    ]) + "\n"
    result = CliRunner().invoke(main, ["call", "--caller", "0231 1234567"], input=answers,
                                env=_environment(config))
    assert result.exit_code == 0, result.output
    assert "Veranstaltungen die 1" in result.output
    assert "Hörde." in result.output
    assert "null zwei drei eins, eins zwei, drei vier, fünf sechs sieben" in result.output
    assert "Vorgangsnummer" in result.output and "Anruf beendet." in result.output
    with db.session() as session:
        request = session.scalars(select(Request)).one()
        assert (request.kind, request.status, request.caller_name) == ("home_visit", "new", "Erika Mustermann")
        assert request.preferred_time == "morning"
        message = session.scalars(select(VoiceMessage)).one()
        assert message.purpose == "name" and message.transcript == "Erika Mustermann"
        assert (Path(config.data_dir) / "recordings" / message.path).exists()
        assert session.scalars(select(Call)).one().transport == "cli"


def test_terminal_call_hang_up_keeps_incomplete(config: Config, db: Database) -> None:
    result = CliRunner().invoke(main, ["call", "--caller", "0231 1234567"], input="2\n2\nauflegen\n",
                                env=_environment(config))
    assert result.exit_code == 0, result.output
    with db.session() as session:
        assert session.scalars(select(Request)).one().status == "incomplete"


def test_browser_softphone_page_has_a_token_and_no_inline_script(staff_client: FlaskClient, db: Database) -> None:
    page = staff_client.get("/ivr/softphone")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'data-token="[^"]{20,}"', html)
    assert 'data-stream-path="/ivr/stream"' in html
    assert "<script>" not in html and "style=" not in html
    script = staff_client.get("/ivr/static/ivr/softphone.js")
    assert script.status_code == 200 and b'"event": "start"' not in script.data
    assert b"customParameters" in script.data
    with db.session() as session:
        call = session.scalars(select(Call)).one()
        assert call.transport == "softphone" and call.state["stream_used"] is False


def test_browser_softphone_needs_a_staff_login(ivr_client: FlaskClient) -> None:
    assert ivr_client.get("/ivr/softphone").status_code == 403
    assert ivr_client.get("/ivr/softphone", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 403


@pytest.mark.parametrize("path", ["/ivr/audio/de/../../secret_key.wav", "/ivr/audio/de/abc.wav"])
def test_audio_route_serves_only_cache_names(ivr_client: FlaskClient, path: str) -> None:
    assert ivr_client.get(path).status_code == 404
