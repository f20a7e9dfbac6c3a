"""Printing: the print queue (durable jobs of kind ``print``), the printer worker, schedule slips and
``treffpunkt printer``; registered like a surface, through ``init_app`` and ``register_cli``."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    """Start this server's printer worker with the app and report the printer in ``/healthz``."""
    from shared.printing.queue import init_app as init_queue

    init_queue(app)


def register_cli(group: click.Group) -> None:
    """Add ``treffpunkt printer``."""
    from shared.printing.cli import printer

    group.add_command(printer)
