"""The ``treffpunkt`` command line: serve, database, demo data, ICS, requests.

Surfaces add their own commands through ``register_cli(group)`` in their package, looked up by
name like their blueprints, so this module never imports ``kiosk`` or ``ivr``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import migrate
from shared.app import SUBSYSTEM_MODULES, SURFACE_MODULES
from shared.cli.output import echo_listing
from shared.clock import as_local, local_today
from shared.config import Config, ConfigError, load_config
from shared.db import Database
from shared.errors import NotFound
from shared.models import District, Request
from shared.services import audit
from shared.services.events import EventFilter, list_occurrences
from shared.services.ics_export import to_ics
from shared.services.ics_import import IcsError, import_ics, read_source
from shared.services.phone import mask_phone
from shared.services.places import district_by_slug


class Context:
    """Lazily built config and database shared by all commands of one invocation."""

    def __init__(self) -> None:
        self._config: Config | None = None
        self._db: Database | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config()
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._config

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.config.database_url)
        return self._db

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.db.session() as session:
            yield session


pass_context = click.make_pass_decorator(Context, ensure=True)


def cli_actor() -> str:
    """The audit actor of a command-line user."""
    import getpass

    return f"cli:{getpass.getuser()}"


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Treffpunkt: kiosk, hotline and staff dashboard for Dortmund's Seniorenbüros."""
    ctx.ensure_object(Context)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@pass_context
def serve(context: Context, host: str, port: int) -> None:
    """Serve every surface and run the background workers (gunicorn, threaded; TREFFPUNKT_WEB_WORKERS processes)."""
    from shared.app import create_app
    from shared.web.server import TreffpunktServer

    config = context.config
    base = f"http://{host}:{port}"
    click.echo(f"Treffpunkt läuft auf {base}")
    for label, path in (("Kiosk", "/kiosk/"), ("Mitarbeitende", "/staff/"),
                        ("Telefon-Simulator", "/ivr/softphone"), ("API", "/api/v1/openapi.json"),
                        ("Status", "/healthz")):
        click.echo(f"  {label:<18} {base}{path}")
    TreffpunktServer(lambda: create_app(config), host, port, config.log_level, config.web_workers).run()


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_context
def db_upgrade(context: Context, revision: str) -> None:
    """Apply the schema migrations."""
    migrate.upgrade(context.db.engine, revision)
    click.echo(f"Datenbank ist auf dem Stand {revision}.")


@db.command("check")
@pass_context
def db_check(context: Context) -> None:
    """Fail if the models and the migrated schema differ."""
    changes = migrate.pending_changes(context.db.engine)
    if changes:
        for change in changes:
            click.echo(repr(change), err=True)
        raise click.ClickException("the schema differs from the models; write a migration")
    click.echo("Schema und Modelle stimmen überein.")


@main.command()
@pass_context
def demo(context: Context) -> None:
    """Load reference and demo data (idempotent)."""
    from shared.seed.demo import DEMO_ADMIN, DEMO_HOERDE, DEMO_PASSWORD, seed_all

    with context.session() as session:
        seed_all(session, context.config.kiosk_venue, context.config.kiosk_token or "demo-kiosk-token")
    click.echo(f"Demodaten geladen. Anmeldung Mitarbeitende: {DEMO_ADMIN} / {DEMO_PASSWORD} "
               f"(oder {DEMO_HOERDE} / {DEMO_PASSWORD} für Hörde).")


@main.command("import-ics")
@click.argument("path_or_url")
@click.option("--source", required=True, help="Name of the feed; its events are synced by UID.")
@click.option("--district", default=None, help="District slug for events whose place is unknown.")
@click.option("--dry-run", is_flag=True, help="Validate and report, change nothing.")
@pass_context
def import_ics_command(context: Context, path_or_url: str, source: str, district: str | None,
                       dry_run: bool) -> None:
    """Import (sync) events from an ICS file or URL."""
    try:
        text = read_source(path_or_url)
        with context.session() as session:
            report = import_ics(session, text, source, default_district=district, dry_run=dry_run)
    except IcsError as exc:
        raise click.ClickException(f"{path_or_url}: {exc} – nichts wurde importiert.") from exc
    except OSError as exc:
        raise click.ClickException(f"{path_or_url} kann nicht gelesen werden: {exc}") from exc
    prefix = "Probelauf: " if dry_run else ""
    click.echo(f"{prefix}{source}: {report.summary()}")


@main.command("export-ics")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--district", default=None)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_context
def export_ics_command(context: Context, first: Any, last: Any, district: str | None,
                       output: Path | None) -> None:
    """Write events as an ICS calendar (default: the next 31 days, to stdout)."""
    start: date = first.date() if first else local_today()
    end: date = last.date() if last else start + timedelta(days=30)
    with context.session() as session:
        if district:
            try:
                district_by_slug(session, district)
            except NotFound as exc:
                raise click.ClickException(f"Unbekannter Stadtbezirk {district!r}.") from exc
        views = list_occurrences(session, EventFilter(first=start, last=end,
                                                      districts=(district,) if district else ()))
        body = to_ics(views)
    if output:
        output.write_bytes(body)
        click.echo(f"{len(views)} Termine nach {output} geschrieben.")
    else:
        sys.stdout.buffer.write(body)


@main.group()
def requests() -> None:
    """Callback and home-visit requests."""


@requests.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--status", default=None)
@click.option("--district", default=None)
@click.option("--limit", default=100, show_default=True)
@pass_context
def requests_list(context: Context, as_json: bool, status: str | None, district: str | None,
                  limit: int) -> None:
    """List requests by due date (phone numbers masked); the listing is audited."""
    with context.session() as session:
        query = select(Request, District).outerjoin(District, Request.district_id == District.id)
        if status:
            query = query.where(Request.status == status)
        if district:
            query = query.where(District.slug == district)
        rows = session.execute(query.order_by(Request.due_date, Request.id).limit(limit)).all()
        items = [{
            "id": request.id, "reference": request.reference, "status": request.status,
            "kind": request.kind, "channel": request.channel,
            "district": district_row.slug if district_row else None,
            "phone": mask_phone(request.phone_e164), "due_date": request.due_date.isoformat(),
            "created_at": as_local(request.created_at).isoformat(),
        } for request, district_row in rows]
        audit.record(session, cli_actor(), "export", "request", "list", None, f"rows={len(items)}")
    echo_listing("requests", items, as_json, "Keine Anfragen.", lambda item: (
        f"{item['reference']}  {item['status']:<12} {item['kind']:<11} {item['channel']:<6} "
        f"{item['district'] or '-':<16} fällig {item['due_date']}  {item['phone']}"))


# Every package that brings commands exposes ``register_cli(group)``: the surfaces (by name, so this
# module never imports ``kiosk`` or ``ivr``) and the subsystems of ``shared``.
CLI_MODULES = (*SURFACE_MODULES.values(), *SUBSYSTEM_MODULES, "shared.cli.kiosk_devices")


def _register_commands() -> None:
    for module_name in CLI_MODULES:
        register = getattr(importlib.import_module(module_name), "register_cli", None)
        if register is not None:
            register(main)


_register_commands()

