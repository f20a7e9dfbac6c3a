"""``treffpunkt kiosk register|list``: the touchscreens of a city deployment."""

from __future__ import annotations

import click

from shared.cli.context import CliContext
from shared.cli.output import echo_listing
from shared.clock import as_local
from shared.errors import NotFound
from shared.services.kiosks import list_kiosks, register_kiosk


@click.group("kiosk")
def kiosk() -> None:
    """Kiosks: register one per venue and issue its API token."""


@kiosk.command("register")
@click.option("--venue", required=True, help="Slug of the venue where the kiosk stands (e.g. bz-hoerde).")
@click.option("--name", default="", help="Display name (default: Kiosk <venue>).")
@click.pass_obj
def register_command(context: CliContext, venue: str, name: str) -> None:
    """Register the kiosk of a venue, or issue a new token for it (the old one stops working)."""
    import getpass

    try:
        with context.session() as session:
            record, token = register_kiosk(session, venue, f"cli:{getpass.getuser()}", name)
            printer = record.printer
    except NotFound as exc:
        raise click.ClickException(f"Unbekannter Ort {venue!r} (siehe `treffpunkt demo` / Stammdaten).") from exc
    click.echo(f"Kiosk {record.slug} registriert. Einstellungen für diesen Kiosk (Token nur jetzt sichtbar):")
    click.echo(f"TREFFPUNKT_KIOSK_VENUE={venue}")
    click.echo(f"TREFFPUNKT_KIOSK_TOKEN={token}")
    click.echo(f"TREFFPUNKT_PRINTER_NAME={printer}")


@kiosk.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_command(context: CliContext, as_json: bool) -> None:
    """Registered kiosks with their venue, printer name and last contact."""
    with context.session() as session:
        items = [{"slug": item.slug, "name": item.name, "venue": item.venue.slug, "printer": item.printer,
                  "last_seen_at": as_local(item.last_seen_at).isoformat() if item.last_seen_at else None}
                 for item in list_kiosks(session)]
    echo_listing("kiosks", items, as_json, "Keine Kiosks registriert.",
                 lambda item: f"{item['slug']:<28} {item['venue']:<22} {item['printer']:<16} "
                              f"{item['last_seen_at'] or 'noch nie'}")


def register_cli(group: click.Group) -> None:
    """Add ``treffpunkt kiosk``."""
    group.add_command(kiosk)
