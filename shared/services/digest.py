"""The daily e-mail digest to each district's team: new and overdue requests, by reference and link.

The mail names no person: only references, counts and links into the dashboard (behind its
login). It goes to the district Seniorenbüro's address over SMTP (``TREFFPUNKT_SMTP_URL``).
Every server's daily scheduler queues a durable ``staff-digest`` job; whichever worker runs it
claims a ``staff_digests`` row per district and day before sending, so a district gets one mail a
day however many servers there are, and a failed send releases the claim for the retry.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared import jobs
from shared.clock import BERLIN, local_now, utcnow
from shared.db import Database
from shared.models import District, Job, Request, StaffDigest
from shared.services.inbox import overdue_condition
from shared.services.places import seniorenbuero
from shared.services.requests import format_reference

log = logging.getLogger(__name__)

DIGEST_JOB = "staff-digest"
DIGEST_HOUR = 7  # local time the digest is sent
MAX_LISTED = 50  # references listed per kind; the rest is a count


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes: ``smtp://`` (plain), ``smtp+starttls://`` or ``smtps://`` (TLS), user optional."""

    host: str
    port: int
    security: str
    username: str = ""
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """Parse ``TREFFPUNKT_SMTP_URL``."""
        parts = urlsplit(url)
        ports = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
        if parts.scheme not in ports or not parts.hostname:
            raise ValueError("expected smtp://, smtp+starttls:// or smtps://HOST[:PORT]")
        return cls(parts.hostname, parts.port or ports[parts.scheme], parts.scheme,
                   unquote(parts.username or ""), unquote(parts.password or ""))

    def send(self, message: EmailMessage, timeout: float = 30) -> None:
        """Deliver *message* (TLS verified against the system's certificates)."""
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "smtps":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=timeout)
        with client:
            if self.security == "smtp+starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)


@dataclass(frozen=True)
class DistrictDigest:
    """What one district's mail says."""

    district: District
    new: list[tuple[int, str]]
    overdue: list[tuple[int, str]]
    new_count: int
    overdue_count: int


def collect(session: Session, district: District, today: date) -> DistrictDigest:
    """The district's new and overdue open requests as (id, reference), most urgent first."""
    base = select(Request.id, Request.reference).where(Request.district_id == district.id)

    def rows(condition: Any) -> list[tuple[int, str]]:
        ordered = base.where(condition).order_by(Request.due_date, Request.id)
        return [(row.id, row.reference) for row in session.execute(ordered)]

    new, overdue = rows(Request.status == "new"), rows(overdue_condition(today))
    return DistrictDigest(district, new[:MAX_LISTED], overdue[:MAX_LISTED], len(new), len(overdue))


def compose(digest: DistrictDigest, sender: str, recipient: str, public_url: str) -> EmailMessage:
    """The mail: counts, references and links only (no names, numbers or topics)."""
    def line(request_id: int, reference: str) -> str:
        return f"  {format_reference(reference)}  {public_url.rstrip('/')}/staff/requests/{request_id}"

    body = [f"Guten Morgen, Team {digest.district.name},", ""]
    for title, count, rows in (("Neue Anfragen", digest.new_count, digest.new),
                               ("Überfällige Anfragen", digest.overdue_count, digest.overdue)):
        body.append(f"{title}: {count}")
        body.extend(line(request_id, reference) for request_id, reference in rows)
        if count > len(rows):
            body.append(f"  … und {count - len(rows)} weitere im Dashboard")
        body.append("")
    body.append("Diese Nachricht enthält bewusst keine persönlichen Daten; Einzelheiten nach der Anmeldung.")
    message = EmailMessage()
    message["Subject"] = (f"Treffpunkt {digest.district.name}: {digest.new_count} neu, "
                          f"{digest.overdue_count} überfällig")
    message["From"] = sender
    message["To"] = recipient
    message.set_content("\n".join(body))
    return message


def _claim(db: Database, district_id: int, day: date, digest: DistrictDigest) -> bool:
    """Take the (district, day) row; False if another worker already has it."""
    try:
        with db.session() as session:
            session.add(StaffDigest(district_id=district_id, day=day, new_count=digest.new_count,
                                    overdue_count=digest.overdue_count))
    except IntegrityError:
        return False
    return True


def send_digests(db: Database, server: SmtpServer, sender: str, public_url: str, day: date) -> int:
    """Mail every district with new or overdue requests its digest for *day*; returns mails sent."""
    sent = 0
    with db.session() as session:
        districts = list(session.scalars(select(District).order_by(District.number)))
        plans = []
        for district in districts:
            office = seniorenbuero(session, district.id)
            digest = collect(session, district, day)
            if office is not None and office.email and (digest.new_count or digest.overdue_count):
                plans.append((digest, office.email))
        session.expunge_all()
    for digest, recipient in plans:
        if not _claim(db, digest.district.id, day, digest):
            continue
        try:
            server.send(compose(digest, sender, recipient, public_url))
        except Exception:
            # Release the claim so the job's retry sends this district's mail after all.
            with db.session() as session:
                session.execute(delete(StaffDigest).where(StaffDigest.district_id == digest.district.id,
                                                          StaffDigest.day == day))
            raise
        with db.session() as session:
            row = session.get(StaffDigest, (digest.district.id, day))
            if row is not None:
                row.sent_at = utcnow()
        log.info("digest sent to district %s", digest.district.id)
        sent += 1
    return sent


def queue_daily_digest(session: Session, now: datetime | None = None) -> Job | None:
    """Queue today's digest job for DIGEST_HOUR (once; other servers find it queued)."""
    local = (now or local_now()).astimezone(BERLIN)
    day = local.date().isoformat()
    queued = session.scalars(select(Job.payload).where(Job.kind == DIGEST_JOB,
                                                       Job.created_at >= utcnow() - timedelta(days=2)))
    if any(payload.get("day") == day for payload in queued):
        return None
    send_at = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return jobs.enqueue(session, DIGEST_JOB, {"day": day}, max_attempts=6,
                        delay_seconds=max(0.0, (send_at - local).total_seconds()))


def digest_handler(db: Database, smtp_url: str, sender: str, public_url: str) -> jobs.Handler:
    """The durable job's handler: send the digests of the payload's day."""
    server = SmtpServer.from_url(smtp_url)

    def handle(payload: dict[str, Any]) -> None:
        send_digests(db, server, sender, public_url, date.fromisoformat(str(payload["day"])))

    return handle
