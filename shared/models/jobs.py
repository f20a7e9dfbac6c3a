"""Durable background jobs: one row per piece of work, leased by one worker at a time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base
from shared.models.vocabulary import JobState, one_of


class Job(Base):
    """A job of *kind* with a JSON *payload* (ids or a slip's content, never a caller's data).

    ``state`` is a :class:`JobState`; a running job whose ``lease_until`` has passed (its worker
    died) is taken over by the next worker. ``queue`` is the lane within a kind (a print job's
    printer); a job not started before ``expires_at`` becomes ``expired``.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_due", "state", "run_after"),
        Index("ix_jobs_lane", "kind", "queue", "state"),
        one_of("state", JobState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    queue: Mapped[str] = mapped_column(String(80), default="", server_default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class DailyRun(Base):
    """The claim of one daily job for one day: its primary key lets only one app server enqueue it."""

    __tablename__ = "daily_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    job_id: Mapped[int | None]
    claimed_by: Mapped[str] = mapped_column(String(80))
    claimed_at: Mapped[datetime]
