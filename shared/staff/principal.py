"""The logged-in member of staff as Flask-Login sees them: a user plus their server-side session."""

from __future__ import annotations

from flask_login import UserMixin, current_user

from shared.models import StaffUser


class StaffPrincipal(UserMixin):  # type: ignore[misc]  # flask_login is untyped
    """Flask-Login's user; ``get_id`` is the session token, so a revoked session logs out."""

    def __init__(self, user: StaffUser, token: str) -> None:
        self.user = user
        self.token = token

    def get_id(self) -> str:
        return self.token

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def is_admin(self) -> bool:
        return self.user.is_admin

    @property
    def may_export(self) -> bool:
        """Admins and team leads may export lists."""
        return self.user.is_admin or self.user.team_lead

    @property
    def district_id(self) -> int | None:
        return self.user.district_id

    @property
    def actor(self) -> str:
        """How the audit log names this person."""
        return f"staff:{self.user.username}"


def staff() -> StaffPrincipal:
    """The current member of staff (views run only after the login check)."""
    principal = current_user._get_current_object()
    if not isinstance(principal, StaffPrincipal):
        raise PermissionError("no member of staff is logged in")
    return principal
