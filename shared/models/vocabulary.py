"""The domain's words as string enums: what a request is, where it came from, where it stands.

Each enum's values are what the database stores; the tables carry CHECK constraints built from
the same enums (:func:`one_of`), so a typo can be neither written in code nor stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import CheckConstraint


class RequestKind(StrEnum):
    """What a senior asks for."""

    CALLBACK = "callback"
    HOME_VISIT = "home_visit"


class Channel(StrEnum):
    """Where a request came from."""

    KIOSK = "kiosk"
    PHONE = "phone"
    STAFF = "staff"


class RequestStatus(StrEnum):
    """Where a request stands; the first four are open, the rest closed."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    INCOMPLETE = "incomplete"
    DONE = "done"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


class PreferredTime(StrEnum):
    """When a senior would like to be called back ("" when not said)."""

    UNSAID = ""
    MORNING = "morning"
    MIDDAY = "midday"
    AFTERNOON = "afternoon"
    ANY = "any"


class JobState(StrEnum):
    """A durable job: queued → running → done | failed | expired (not started before its deadline)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.IN_PROGRESS, RequestStatus.WAITING, RequestStatus.INCOMPLETE)
CLOSED_STATUSES = (RequestStatus.DONE, RequestStatus.UNREACHABLE, RequestStatus.CANCELLED)
FINAL_JOB_STATES = (JobState.DONE, JobState.FAILED, JobState.EXPIRED)


def one_of(column: str, words: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps *column* to the values of *words*."""
    return CheckConstraint(among(column, words), name=name or f"{column}_known")


def among(column: str, words: Iterable[StrEnum]) -> str:
    """SQL text: *column* holds one of *words* (written out: a partial index's condition)."""
    values = ", ".join(f"'{word.value}'" for word in words)
    return f"{column} IN ({values})"
