"""``treffpunkt kiosk-node``: the kiosk surface on the kiosk PC, on its own SQLite copy of the schedule."""

from __future__ import annotations

import click

from shared import migrate
from shared.cli.context import CliContext
from shared.config import Config
from shared.db import Database

NODE_DATABASE = "kiosk-node.sqlite3"


def node_config(config: Config) -> Config:
    """The settings of a node: the kiosk surface only, on ``kiosk-node.sqlite3`` in the data directory."""
    missing = [name for name, value in (("BACKEND_URL", config.backend_url), ("KIOSK_TOKEN", config.kiosk_token))
               if not value]
    if missing:
        raise click.ClickException(
            "Ein Kiosk-Knoten braucht " + " und ".join(f"TREFFPUNKT_{name}" for name in missing)
            + " (Token: `treffpunkt kiosk register --venue SLUG` auf dem Server).")
    return config.replace(surfaces=("kiosk",), database_url=f"sqlite:///{config.data_dir / NODE_DATABASE}")


@click.command("kiosk-node")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address for the local Chromium.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.pass_obj
def kiosk_node(context: CliContext, host: str, port: int) -> None:
    """Run this PC's kiosk: local screens and printer, schedule synced from BACKEND_URL, requests via an outbox."""
    from shared.app import create_app
    from shared.web.server import TreffpunktServer

    config = node_config(context.config)
    database = Database(config.database_url)
    try:
        migrate.upgrade(database.engine)
    finally:
        database.dispose()
    click.echo(f"Kiosk-Knoten läuft auf http://{host}:{port}/kiosk/ (Server: {config.backend_url})")
    TreffpunktServer(lambda: create_app(config), host, port, config.log_level).run()
