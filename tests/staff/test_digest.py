"""The daily digest: a real SMTP server (aiosmtpd), one mail per district and day, no personal data."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from shared.clock import BERLIN, local_today
from shared.db import Database
from shared.jobs import JobWorker
from shared.models import Job, Request, StaffDigest, Venue
from shared.services.digest import DIGEST_JOB, SmtpServer, digest_handler, queue_daily_digest
from tests.staff.conftest import RequestFactory


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, _server: object, _session: object, envelope: object) -> str:  # noqa: N802
        content = getattr(envelope, "content", b"")
        self.messages.append((list(getattr(envelope, "rcpt_tos", [])),
                              message_from_bytes(content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, Controller]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller
    finally:
        controller.stop()


def _prepare(db: Database, make_request: RequestFactory) -> tuple[Request, Request]:
    fresh = make_request(name="Erika Geheim", phone="0231 9876543", topic="Pflegegrad beantragen")
    late = make_request(name="Otto Verspätet", phone="0231 1112223")
    make_request(name="Eva Eving", district="eving")  # Eving's office has no address: no mail there
    with db.session() as session:
        session.execute(update(Request).where(Request.id == late.id)
                        .values(status="in_progress", due_date=local_today() - timedelta(days=3)))
        office = session.scalars(select(Venue).where(Venue.kind == "seniorenbuero",
                                                     Venue.slug.contains("hoerde"))).one()
        office.email = "seniorenbuero-hoerde@example.org"
    return fresh, late


def test_digest_goes_once_across_servers_with_references_and_links_only(
        db: Database, make_request: RequestFactory, smtp: tuple[Inbox, Controller]) -> None:
    inbox, controller = smtp
    fresh, late = _prepare(db, make_request)
    morning = datetime(2026, 12, 7, 3, 15, tzinfo=BERLIN)
    with db.session() as session:  # two servers' schedulers at start-up and at 03:15
        assert queue_daily_digest(session, morning) is not None
        assert queue_daily_digest(session, morning) is None
        session.execute(update(Job).where(Job.kind == DIGEST_JOB).values(run_after=datetime(2000, 1, 1, tzinfo=BERLIN)))
    handler = digest_handler(db, f"smtp://127.0.0.1:{controller.port}", "treffpunkt@example.org",
                             "https://treffpunkt.example")
    servers = [JobWorker(db, {DIGEST_JOB: handler}, owner=f"server-{number}") for number in (1, 2)]
    assert sum(server.run_pending() for server in servers) == 1
    # Even a second job for the same day (a race between schedulers) sends nothing twice.
    with db.session() as session:
        from shared import jobs
        jobs.enqueue(session, DIGEST_JOB, {"day": "2026-12-07"})
    servers[1].run_pending()
    assert len(inbox.messages) == 1
    recipients, mail = inbox.messages[0]
    assert recipients == ["seniorenbuero-hoerde@example.org"]
    assert mail["Subject"] == "Treffpunkt Hörde: 1 neu, 1 überfällig"
    assert isinstance(mail, EmailMessage)
    body = mail.get_content()
    for request in (fresh, late):
        assert f"{request.reference[:4]} {request.reference[4:]}" in body
        assert f"https://treffpunkt.example/staff/requests/{request.id}" in body
    for personal in ("Erika", "Geheim", "Otto", "9876543", "1112223", "Pflegegrad", "Eva"):
        assert personal not in body and personal not in mail["Subject"]
    with db.session() as session:
        row = session.scalars(select(StaffDigest)).one()
        assert row.day == date(2026, 12, 7) and row.sent_at is not None and row.new_count == 1


def test_a_failed_send_is_retried_and_then_delivered(db: Database, make_request: RequestFactory,
                                                     smtp: tuple[Inbox, Controller]) -> None:
    inbox, controller = smtp
    _prepare(db, make_request)
    port = _free_port()  # nothing listens here: the mail server is down
    with db.session() as session:
        queue_daily_digest(session, datetime(2026, 12, 8, 9, 0, tzinfo=BERLIN))
    down = JobWorker(db, {DIGEST_JOB: digest_handler(db, f"smtp://127.0.0.1:{port}", "t@example.org", "")})
    down.run_pending()
    with db.session() as session:
        job = session.scalars(select(Job).where(Job.kind == DIGEST_JOB)).one()
        assert job.state == "queued" and job.attempts == 1 and "ConnectionRefusedError" in (job.last_error or "")
        assert session.scalars(select(StaffDigest)).all() == []  # the claim was released
        job.run_after = datetime(2000, 1, 1, tzinfo=BERLIN)
    up = JobWorker(db, {DIGEST_JOB: digest_handler(db, f"smtp://127.0.0.1:{controller.port}", "t@example.org", "")})
    assert up.run_pending() == 1
    assert len(inbox.messages) == 1


def test_smtp_urls_are_understood_and_bad_ones_refused() -> None:
    server = SmtpServer.from_url("smtp+starttls://team%40stadt:geheim@mail.example:2587")
    assert (server.host, server.port, server.security, server.username, server.password) == (
        "mail.example", 2587, "smtp+starttls", "team@stadt", "geheim")
    assert SmtpServer.from_url("smtps://mail.example").port == 465
    with pytest.raises(ValueError, match="smtp"):
        SmtpServer.from_url("http://mail.example")
