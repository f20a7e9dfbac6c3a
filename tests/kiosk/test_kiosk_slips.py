"""What a printed list holds: at most a short slip's worth of entries and a line saying how many
more there are, a QR code to the list, and no slip at all for an empty list."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from hardware.receipt_content import ScheduleSlip, slip_from_json
from hardware.receipt_render import render_slip
from kiosk.centre import phone_for_people
from shared.db import Database
from shared.models import Job, Occurrence
from shared.printing.worker import PRINT_JOB
from tests.support.staff_login import csrf_token


def _jobs(db: Database) -> list[Job]:
    with db.session() as session:
        return list(session.scalars(select(Job).where(Job.kind == PRINT_JOB)))


def test_a_long_list_is_cut_and_says_how_many_more_there_are(client: FlaskClient, kiosk_db: Database) -> None:
    token = csrf_token(client, "/kiosk/events/week")
    response = client.post("/kiosk/print/events/week", data={"csrf_token": token, "once": "a"})
    assert response.status_code == 302
    [job] = _jobs(kiosk_db)
    slip = slip_from_json(job.payload)
    assert isinstance(slip, ScheduleSlip) and len(slip.events) == 12
    assert slip.more > 0 and slip.qr_url == "http://localhost/e/list/week"
    text = render_slip(slip, "TM-T88V").preview
    assert f"Und {slip.more} weitere Termine" in " ".join(text.split())
    assert "[QR" in text


def test_an_empty_list_prints_nothing_and_the_screen_says_so(client: FlaskClient, kiosk_db: Database) -> None:
    db = kiosk_db
    with db.session() as session:
        session.execute(delete(Occurrence))
    page = client.get("/kiosk/events/today").get_data(as_text=True)
    assert "Für diese Auswahl gibt es keine Termine." in page and "Diese Liste drucken" not in page
    token = csrf_token(client, "/kiosk/events/today")
    response = client.post("/kiosk/print/events/today", data={"csrf_token": token, "once": "b"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/kiosk/events/today")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == PRINT_JOB)) == 0


def test_phone_numbers_are_printed_the_way_people_dial_them() -> None:
    assert phone_for_people("+492315029408") == "0231 50-29408"
    assert phone_for_people("+49 231 50-123456") == "0231 50-123456"
    assert phone_for_people("+492311234567") == "0231 1234567"
    assert phone_for_people("+902121234567").startswith("+90 ")
    assert phone_for_people("Zentrale") == "Zentrale"


def test_the_office_phone_on_slip_and_screen_is_grouped(client: FlaskClient, kiosk_db: Database) -> None:
    token = csrf_token(client, "/kiosk/events/week")
    client.post("/kiosk/print/events/week", data={"csrf_token": token, "once": "c"})
    [job] = _jobs(kiosk_db)
    phone = job.payload["footer"]["office_phone"]
    assert phone.startswith("0231 ") and "+49" not in phone
    assert phone.encode("cp858") in render_slip(slip_from_json(job.payload), "TM-T88V").data
