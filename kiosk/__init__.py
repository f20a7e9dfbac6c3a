"""The touchscreen kiosk surface for meeting centres."""

from __future__ import annotations

import click
from flask import Flask

from shared.runtime import get_runtime


def init_app(app: Flask) -> None:
    """Register the kiosk blueprint (its templates get their gettext from :mod:`kiosk.language`)."""
    from kiosk import form_state, mobile, node, request_flow, resilience, views  # noqa: F401 - they register routes

    resilience.install_error_pages(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(mobile.bp)
    mobile.warn_without_public_url(app)
    get_runtime(app).add_daily_job("kiosk-forms-purge", form_state.purge_expired)
    node.init_app(app)


def register_cli(group: click.Group) -> None:
    """Add ``treffpunkt kiosk-node``."""
    from kiosk.node.cli import kiosk_node

    group.add_command(kiosk_node)
