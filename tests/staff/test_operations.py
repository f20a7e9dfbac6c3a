"""Operations page, statistics with server-side SVG charts, translations."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from hardware.receipt_content import Footer, RequestSlip
from shared.clock import local_today, utcnow
from shared.db import Database
from shared.models import Call, PrinterState
from shared.printing.queue import enqueue
from shared.runtime import get_runtime
from shared.seed.demo import seed_demo_kiosk
from shared.services.requests import change_status
from shared.staff.charts import bar_chart
from tests.staff.conftest import RequestFactory
from tests.support.staff_login import csrf_token

SVG = re.compile(r"<svg class=\"chart\".*?</svg>", re.S)
TRANSLATIONS = Path(__file__).resolve().parents[2] / "shared" / "staff" / "translations"


def test_operations_shows_kiosks_print_queue_and_hotline(app: Flask, admin_client: FlaskClient, db: Database) -> None:
    with db.session() as session:
        kiosk = seed_demo_kiosk(session, "bz-hoerde", "token")
        kiosk.last_seen_at = utcnow() - timedelta(hours=2)
        kiosk_name = kiosk.name
        enqueue(session, RequestSlip("BZ Hörde", "12345678", "callback", "Hörde", "2026-01-02",
                                     Footer("Seniorenbüro Hörde", "0231 123")), 15)
        session.add(PrinterState(printer="default", status="paper_out", detail="Papier leer", checked_at=utcnow()))
        session.add(Call(call_sid="CA1", started_at=utcnow(), outcome="request"))
        session.add(Call(call_sid="CA2", started_at=utcnow() - timedelta(days=2), outcome="request"))
    get_runtime(app).add_health_check("speech-model", lambda: {"ok": True, "model": "vosk-model-de"})
    body = admin_client.get("/staff/operations").get_data(as_text=True)
    assert f"<td>{kiosk_name}</td>" in body
    assert "keine Verbindung" in body
    assert '<span class="badge warn" data-printer-status="paper_out">Papier leer</span>' in body
    assert 'wartet: <strong data-print-state="queued">1</strong>' in body
    jobs_table = body[body.index('id="background-jobs"'):]
    assert "<tr><td>Zettel drucken</td><td><span class=\"badge \">1</span></td>" in jobs_table  # one queue for all jobs
    assert '<strong id="calls-today">1</strong>' in body and "Anfrage aufgenommen: 1" in body
    assert "speech-model" in body and "model=vosk-model-de" in body and "Datenbank" in body


def test_operations_speaks_german_to_district_staff_without_technical_detail(
        app: Flask, hoerde_client: FlaskClient, db: Database) -> None:
    from shared import jobs

    with db.session() as session:
        session.add(PrinterState(printer="default", status="ready",
                                 detail='{"state": "ready", "path": "/dev/usb/lp0"}', checked_at=utcnow()))
        session.add(Call(call_sid="CA9", started_at=utcnow(), outcome="hung_up"))
        jobs.enqueue(session, "transcribe", {"voice_message_id": 1})
        failed = jobs.enqueue(session, "voice_message", {"voice_message_id": 2})
        failed.state, failed.last_error, failed.finished_at = "failed", "OSError: /var/x/rec.wav", utcnow()
    get_runtime(app).add_health_check("speech-model", lambda: {"ok": True, "model": "/opt/models/vosk-de"})
    body = hoerde_client.get("/staff/operations").get_data(as_text=True)
    # "ready" is a good state, shown as such, in words.
    assert '<span class="badge ok" data-printer-status="ready">bereit</span>' in body
    assert "aufgelegt: 1" in body and "hung_up" not in body
    jobs_table = body[body.index('id="background-jobs"'):]
    assert "Abschrift erstellen" in jobs_table and "Sprachnachricht abholen" in jobs_table
    assert "fehlgeschlagen" in jobs_table and "queued" not in jobs_table
    for technical in ("/dev/usb/lp0", "/opt/models", "/var/x", '{"state"', "OSError"):
        assert technical not in body


def test_every_job_kind_and_state_has_a_label() -> None:
    from ivr.transports.recordings import TRANSCRIBE_JOB, VOICE_MESSAGE_JOB
    from shared.jobs import DAILY_JOB
    from shared.models.vocabulary import JobState
    from shared.printing.worker import PRINT_JOB
    from shared.services.digest import DIGEST_JOB
    from shared.staff.labels import JOB_KINDS, JOB_STATES, PRINT_JOB_STATES

    assert {PRINT_JOB, DAILY_JOB, DIGEST_JOB, VOICE_MESSAGE_JOB, TRANSCRIBE_JOB} <= set(JOB_KINDS)
    assert set(JOB_STATES) == set(PRINT_JOB_STATES) == set(JobState)


def test_failing_health_check_is_shown_not_raised(app: Flask, hoerde_client: FlaskClient) -> None:
    def broken() -> dict[str, object]:
        raise RuntimeError("model missing")

    get_runtime(app).add_health_check("speech-model", broken)
    body = hoerde_client.get("/staff/operations").get_data(as_text=True)
    assert "gestört" in body and "RuntimeError" not in body  # the class name is for admins


def test_statistics_charts_render(hoerde_client: FlaskClient, make_request: RequestFactory, db: Database) -> None:
    for _ in range(3):
        make_request()
    done = make_request()
    make_request(district="eving")
    from shared.models import Request

    with db.session() as session:
        request = session.get(Request, done.id)
        assert request is not None
        change_status(session, request, "done", "test")
        assert request.first_contact_at is None  # closing is not a contact
        request.first_contact_at = request.created_at + timedelta(hours=6)
    response = hoerde_client.get("/staff/statistics")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    charts = SVG.findall(body)
    assert len(charts) == 6  # district staff get no one-bar "by district" chart, but weeks to compare
    weeks = body[body.index('id="weeks"'):]
    this_week = f"KW {local_today().isocalendar().week}"
    assert f'<th scope="row">{this_week}</th><td>4</td><td>6.0 Stunden</td>' in weeks
    assert weeks.count("<tr><th scope=\"row\">KW ") == 12
    for chart in charts:
        ElementTree.fromstring(chart)  # well-formed SVG
    requests_chart = next(chart for chart in charts if "Anfragen pro Tag" in chart)
    assert re.search(r"<title>[0-9.]+: 4</title>", requests_chart)  # today's bar: Hörde only
    assert "style=" not in body and "<script>" not in body
    assert "Erledigt" in body and "Median" in body
    assert hoerde_client.get("/staff/statistics?days=90").status_code == 200


def test_bar_chart_escapes_labels_and_handles_no_data() -> None:
    chart = str(bar_chart("Test <b>", [("<script>", 3), ("b", 0)]))
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    ElementTree.fromstring(chart)
    empty = str(bar_chart("leer", []))
    ElementTree.fromstring(empty)


def test_english_translation(app: Flask, hoerde_client: FlaskClient, make_request: RequestFactory) -> None:
    make_request()
    token = csrf_token(hoerde_client, "/staff/")
    hoerde_client.post("/staff/language", data={"language": "en", "back": "/staff/", "csrf_token": token})
    body = hoerde_client.get("/staff/").get_data(as_text=True)
    assert "Requests" in body and "1 request" in body and "Callback" in body and 'lang="en"' in body
    anonymous = app.test_client()
    page = anonymous.get("/staff/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Log in" in page.get_data(as_text=True)
    assert "Anmelden" in anonymous.get("/staff/login").get_data(as_text=True)


def test_catalogue_covers_every_message(tmp_path: Path) -> None:
    template = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F",
                    str(TRANSLATIONS / "babel.cfg"), "-k", "N_", "-o", str(template),
                    str(TRANSLATIONS.parent)], check=True, capture_output=True)
    with template.open("rb") as handle:
        wanted = {message.id if isinstance(message.id, str) else message.id[0]
                  for message in read_po(handle) if message.id}
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {message.id if isinstance(message.id, str) else message.id[0]
                  for message in catalogue if message.id and message.string}
    assert wanted - translated == set()
    assert [message.id for message in catalogue if message.id and message.fuzzy] == []
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {message.id if isinstance(message.id, str) else message.id[0]
                    for message in read_mo(handle) if message.id and message.string}
    assert compiled == translated, "run pybabel compile -d shared/staff/translations"
