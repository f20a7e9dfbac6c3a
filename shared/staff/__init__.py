"""The staff dashboard of the Seniorenbüros (login, inbox, requests, events, operations, privacy)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, Response, request
from sqlalchemy.orm import Session

from shared.jobs import JobWorker
from shared.runtime import get_runtime
from shared.services.digest import DIGEST_JOB, digest_handler, queue_daily_digest
from shared.services.retention import PurgeReport, purge
from shared.staff import (  # noqa: F401 - registers routes
    auth,
    errors,
    views_account,
    views_admin,
    views_events,
    views_requests,
    views_users,
)
from shared.staff.blueprint import bp
from shared.staff.i18n import template_helpers


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return template_helpers()


@bp.after_request
def _private_pages(response: Response) -> Response:
    """Pages with personal data are never cached; behind https the browser must stay on https."""
    if request.endpoint != "staff.static":
        response.headers["Cache-Control"] = "no-store, private"
    if get_runtime().config.secure_cookies:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    """Register the dashboard, its login handling and the daily retention purge."""
    auth.init_app(app)
    app.register_blueprint(bp)
    runtime = get_runtime(app)
    config = runtime.config

    def retention_job(session: Session) -> PurgeReport:
        return purge(session, config.data_dir, config.retention_days_voice, config.retention_days_request)

    runtime.add_daily_job("retention-purge", retention_job)
    if config.smtp_url:
        runtime.add_daily_job("staff-digest-queue", queue_daily_digest)
        handler = digest_handler(runtime.db, config.smtp_url, config.mail_from, config.public_url)
        runtime.add_worker("staff-digest", JobWorker(runtime.db, {DIGEST_JOB: handler}).loop)


def register_cli(group: click.Group) -> None:
    """Add ``treffpunkt create-user``, ``treffpunkt users`` and ``treffpunkt purge``."""
    from shared.staff.cli import create_user_command, purge_command, users_group

    group.add_command(create_user_command)
    group.add_command(users_group)
    group.add_command(purge_command)
