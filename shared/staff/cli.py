"""``treffpunkt create-user``, ``treffpunkt users …`` (list, reset-password, deactivate, reset-totp,
recovery-codes), ``purge``."""

from __future__ import annotations

import os
from collections.abc import Callable

import click
from sqlalchemy.orm import Session

from shared.cli.main import Context, cli_actor, pass_context
from shared.errors import ValidationFailed
from shared.models import StaffUser
from shared.services import audit
from shared.services.recovery_codes import CODE_COUNT, new_recovery_codes
from shared.services.retention import purge
from shared.services.staff_users import create_user, deactivate_user, find_user, reset_totp, set_password

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


def _new_password() -> str:
    return os.environ.get(PASSWORD_VARIABLE) or str(click.prompt(
        "Neues Passwort", hide_input=True, confirmation_prompt="Passwort wiederholen"))


@click.group("users")
def users_group() -> None:
    """Staff accounts: list, reset a password, deactivate, reset the second factor, recovery codes."""


@users_group.command("reset-password")
@click.argument("username")
@pass_context
def reset_password_command(context: Context, username: str) -> None:
    """Set a new password (prompt or TREFFPUNKT_NEW_PASSWORD); all sessions of the account end."""
    password = _new_password()
    _change_account(context, username, lambda session, user: set_password(session, user, password), "password reset")
    click.echo(f"Passwort von {username} geändert; alle Sitzungen sind beendet.")


def _change_account(context: Context, username: str, change: Callable[[Session, StaffUser], None],
                    detail: str) -> None:
    """Apply *change* to the account *username* and audit it as *detail*."""
    try:
        with context.session() as session:
            user = find_user(session, username)
            change(session, user)
            audit.record(session, cli_actor(), "update", "staff_user", user.id, user.district_id, detail)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(problem.message for problem in exc.problems)) from exc


@users_group.command("deactivate")
@click.argument("username")
@pass_context
def deactivate_command(context: Context, username: str) -> None:
    """Deactivate an account: no more logins, every session ends (the audit trail stays)."""
    _change_account(context, username, deactivate_user, "deactivated")
    click.echo(f"Konto {username} deaktiviert.")


@users_group.command("reset-totp")
@click.argument("username")
@pass_context
def reset_totp_command(context: Context, username: str) -> None:
    """Switch the second factor off (a lost phone); every session ends, an admin enrols anew at login."""
    _change_account(context, username, reset_totp, "totp reset")
    click.echo(f"Zweiter Faktor von {username} zurückgesetzt; alle Sitzungen sind beendet.")


@users_group.command("recovery-codes")
@click.argument("username")
@pass_context
def recovery_codes_command(context: Context, username: str) -> None:
    """New one-time recovery codes for an account with a second factor (the old ones stop working);
    printed once, for the admin to hand over."""
    codes: list[str] = []

    def renew(session: Session, user: StaffUser) -> None:
        if not user.totp_secret:
            raise click.ClickException(f"{username} hat keinen zweiten Faktor.")
        codes.extend(new_recovery_codes(session, user))

    _change_account(context, username, renew, f"recovery codes issued={CODE_COUNT}")
    click.echo("\n".join(codes))


@click.command("purge")
@pass_context
def purge_command(context: Context) -> None:
    """Delete recordings and closed requests past their retention time."""
    config = context.config
    with context.session() as session:
        report = purge(session, config.data_dir, config.retention_days_voice, config.retention_days_request,
                       actor=cli_actor())
    click.echo(report.summary())
