"""Output helpers shared by the ``treffpunkt`` commands."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click


def echo_listing(key: str, items: Sequence[dict[str, Any]], as_json: bool, empty: str,
                 line: Callable[[dict[str, Any]], str]) -> None:
    """Print *items* as ``{"key": [...]}`` JSON, or one line each (or *empty* when there are none)."""
    if as_json:
        click.echo(json.dumps({key: list(items)}, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo(empty)
    for item in items:
        click.echo(line(item).rstrip())
