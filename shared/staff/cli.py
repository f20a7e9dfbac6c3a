"""``treffpunkt create-user`` and ``treffpunkt purge``."""

from __future__ import annotations

import os

import click

from shared.cli.main import Context, cli_actor, pass_context
from shared.errors import ValidationFailed
from shared.services import audit
from shared.services.retention import purge
from shared.services.staff_users import create_user

PASSWORD_VARIABLE = "TREFFPUNKT_NEW_PASSWORD"  # noqa: S105  # nosec B105 - a variable name, not a password


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "staff", "leitstelle"]), required=True)
@click.option("--district", default=None, help="District slug (required for --role staff).")
@click.option("--name", "display_name", default="", help="Name shown in the dashboard.")
@click.option("--team-lead", is_flag=True, help="May export request lists.")
@pass_context
def create_user_command(context: Context, username: str, role: str, district: str | None, display_name: str,
                        team_lead: bool) -> None:
    """Create a staff account (password from a prompt or TREFFPUNKT_NEW_PASSWORD)."""
    password = os.environ.get(PASSWORD_VARIABLE) or click.prompt(
        "Passwort", hide_input=True, confirmation_prompt="Passwort wiederholen")
    try:
        with context.session() as session:
            user = create_user(session, username, password, role, district, display_name, team_lead)
            audit.record(session, cli_actor(), "create", "staff_user", user.id, user.district_id, f"role={role}")
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(problem.message for problem in exc.problems)) from exc
    click.echo(f"Konto {username} ({role}) angelegt.")


@click.command("purge")
@pass_context
def purge_command(context: Context) -> None:
    """Delete recordings and closed requests past their retention time."""
    config = context.config
    with context.session() as session:
        report = purge(session, config.data_dir, config.retention_days_voice, config.retention_days_request,
                       actor=cli_actor())
    click.echo(report.summary())
