"""Small helpers for reading form and query values and reporting service errors."""

from __future__ import annotations

from datetime import date

from flask import flash, request

from shared.errors import InvalidTransition, ValidationFailed
from shared.staff.i18n import gettext


def int_arg(name: str, default: int | None = None, source: str = "args") -> int | None:
    """A whole-number parameter, or *default* if missing or not a number."""
    raw = (request.args if source == "args" else request.form).get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else default


def date_field(name: str, source: str = "form") -> date | None:
    """A ``YYYY-MM-DD`` form (or query) value, or None."""
    raw = (request.form if source == "form" else request.args).get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def date_arg(name: str) -> date | None:
    """A ``YYYY-MM-DD`` query value, or None."""
    return date_field(name, "args")


def flash_problem(error: ValidationFailed | InvalidTransition) -> None:
    """Show what the service refused, in words."""
    if isinstance(error, ValidationFailed):
        for problem in error.problems:
            flash(problem.message, "error")
    else:
        flash(gettext("Dieser Statuswechsel ist nicht möglich."), "error")
