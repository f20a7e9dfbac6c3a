"""Small helpers for reading form and query values and reporting service errors."""

from __future__ import annotations

from datetime import date

from flask import flash, request

from shared.errors import FieldProblem, InvalidTransition, ValidationFailed
from shared.services.password_policy import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from shared.staff.i18n import gettext
from shared.staff.labels import ACCOUNT_PROBLEMS


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


def problem_text(problem: FieldProblem) -> str:
    """A service's field problem in the dashboard's language (account problems by their code;
    others as the view or service worded them)."""
    template = ACCOUNT_PROBLEMS.get((problem.field, problem.code))
    if template is None:
        return problem.message
    return gettext(template, min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)


def problems_text(error: ValidationFailed) -> str:
    """All problems of *error*, translated, in one line."""
    return "; ".join(problem_text(problem) for problem in error.problems)


def flash_problem(error: ValidationFailed | InvalidTransition) -> None:
    """Show what the service refused, in words."""
    if isinstance(error, ValidationFailed):
        for problem in error.problems:
            flash(problem_text(problem), "error")
    else:
        flash(gettext("Dieser Statuswechsel ist nicht möglich."), "error")
