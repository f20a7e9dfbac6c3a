"""Errors the services raise with messages a senior or a staff member understands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: a stable code for translation and a German message."""

    field: str
    code: str
    message: str


class ValidationFailed(ValueError):
    """Input was rejected; nothing was stored."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems

    def as_dict(self) -> dict[str, str]:
        return {problem.field: problem.message for problem in self.problems}


class NotFound(LookupError):
    """The record does not exist or is outside the caller's scope."""


class InvalidTransition(ValueError):
    """A status change the request's status machine does not allow."""
