"""``treffpunkt printer status|test|print-schedule|jobs``: the receipt printer from the command line."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from hardware.receipt_content import Footer, ScheduleSlip, SlipEvent
from hardware.receipt_render import render_slip
from hardware.transports import NotPrinted, PrinterUrlError, open_transport
from shared.cli.context import CliContext
from shared.cli.output import echo_listing
from shared.clock import as_local, local_now, local_today
from shared.config import Config
from shared.errors import NotFound
from shared.models import Job
from shared.printing.queue import enqueue_here, list_jobs, slip_kind
from shared.printing.schedule_slips import schedule_slip
from shared.printing.worker import printer_url

# Every character the product prints: umlauts, ß, €, typographic punctuation and the languages
# of the city (Turkish, Polish and Russian lines test code pages and the image fallback).
TEST_LINES = (
    "Grüße aus Hörde: ä ö ü Ä Ö Ü ß € – „Kaffee“ …",
    "Türkçe: Çay ve sohbet, ğ ı İ ş Ş ö ü",
    "Polski: Spotkanie przy kawie, ą ć ę ł ń ó ś ź ż",
    "Русский: Встреча за чаем, ё Ё й",
    "العربية: لقاء القهوة",
)


@click.group("printer")
def printer() -> None:
    """Receipt printer: status, test slip, schedule slips and the print queue."""


@printer.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status_command(context: CliContext, as_json: bool) -> None:
    """Ask the printer now (DLE EOT where the connection can answer)."""
    url = _url(context.config)
    try:
        status = open_transport(url, context.config.data_dir / "receipts").status()
    except PrinterUrlError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"printer": url, **status.as_dict()}, ensure_ascii=False))
        return
    click.echo(f"Drucker {url}: {status.state} (Papier: {status.paper}) {status.detail}".rstrip())
    if not status.can_print:
        raise SystemExit(1)


@printer.command("test")
@click.pass_obj
def test_command(context: CliContext) -> None:
    """Print a test slip with every special character at once (not through the queue)."""
    config = context.config
    now = local_now().replace(second=0, microsecond=0)
    events = [SlipEvent(start=now.isoformat(), end=now.isoformat(), title=line, place="Testdruck",
                        district="Treffpunkt") for line in TEST_LINES]
    slip = ScheduleSlip(centre="Treffpunkt Testdruck", heading=f"Test {now:%d.%m.%Y %H:%M}", events=events,
                        footer=Footer("Seniorenbüro", "0231 50-0"), qr_url="https://www.dortmund.de/")
    receipt = render_slip(slip, config.printer_profile)
    try:
        transport = open_transport(_url(config), config.data_dir / "receipts")
        transport.send(receipt, "test")
    except PrinterUrlError as exc:
        raise click.ClickException(str(exc)) from exc
    except NotPrinted as exc:
        raise click.ClickException(f"Nicht gedruckt: {exc.status.state} ({exc.status.detail})") from exc
    click.echo(f"Testzettel gesendet an {transport.description} ({len(receipt.data)} Bytes).")


@printer.command("print-schedule")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (default today).")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 14))
@click.option("--district", default=None, help="District slug (default: the kiosk venue's district).")
@click.option("--large", is_flag=True, help="Large print (double width and height).")
@click.pass_obj
def print_schedule_command(context: CliContext, day: datetime | None, days: int, district: str | None,
                           large: bool) -> None:
    """Queue a schedule slip; the running server's print worker prints it."""
    config = context.config
    first = day.date() if day else local_today()
    try:
        with context.session() as session:
            slip = schedule_slip(session, config.kiosk_venue, first, days, district, large_print=large)
            job = enqueue_here(session, slip, config)
            job_id, count = job.id, len(slip.events)
    except NotFound as exc:
        raise click.ClickException(f"Nicht gefunden: {exc}") from exc
    click.echo(f"Druckauftrag {job_id} mit {count} Terminen eingereiht; der Server druckt ihn.")


@printer.command("jobs")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--limit", default=20, show_default=True)
@click.pass_obj
def jobs_command(context: CliContext, as_json: bool, limit: int) -> None:
    """The newest print jobs with their states."""
    with context.session() as session:
        items = [_job_dict(job) for job in list_jobs(session, limit=limit)]
    echo_listing("jobs", items, as_json, "Keine Druckaufträge.", lambda item: (
        f"{item['id']:>6}  {item['state']:<8} {item['kind']:<9} {item['printer']:<10} "
        f"Versuche {item['attempts']}  {item['created_at'][:16]}  {item['last_error']}"))


def _job_dict(job: Job) -> dict[str, Any]:
    return {
        "id": job.id, "printer": job.queue, "kind": slip_kind(job), "state": job.state, "attempts": job.attempts,
        "last_error": job.last_error or "", "created_at": as_local(job.created_at).isoformat(),
        "expires_at": as_local(job.expires_at).isoformat() if job.expires_at else None,
        "finished_at": as_local(job.finished_at).isoformat() if job.finished_at else None,
    }


def _url(config: Config) -> str:
    return printer_url(config, config.printer_name)
