"""The print queue in the database, its per-printer worker, schedule slips and ``treffpunkt printer``."""

from __future__ import annotations

import click


def register_cli(group: click.Group) -> None:
    """Add ``treffpunkt printer``."""
    from shared.printing.cli import printer

    group.add_command(printer)
