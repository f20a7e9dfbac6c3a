"""Staff accounts and their server-side sessions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.models.base import Base
from shared.models.places import District


class StaffUser(Base):
    """A member of staff; ``role`` is ``admin``, ``staff`` (district staff) or ``leitstelle``.

    The Leitstelle (central desk) sees requests without a district and gives them one.
    """

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10), default="staff")
    team_lead: Mapped[bool] = mapped_column(default=False)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # TOTP second factor: the base32 secret once confirmed, and the last time step used (no replay).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]

    district: Mapped[District | None] = relationship()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_central(self) -> bool:
        """Admins and the Leitstelle route requests that have no district yet."""
        return self.role in ("admin", "leitstelle")


class StaffDigest(Base):
    """One district's daily e-mail digest: the row is claimed before sending, so it goes out once."""

    __tablename__ = "staff_digests"

    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    new_count: Mapped[int] = mapped_column(default=0)
    overdue_count: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]


class StaffSession(Base):
    """A login session; logout or expiry revokes it on the server, not only in the cookie."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[StaffUser] = relationship()


class LoginFailure(Base):
    """One failed login, counted for a key (a digest of the user name or of the address)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(index=True)


class RecoveryCode(Base):
    """A one-time recovery code of an account's second factor, stored as a salted hash only."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
