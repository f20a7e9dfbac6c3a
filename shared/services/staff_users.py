"""Staff accounts and their server-side login sessions (revocable, with idle and absolute expiry)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from shared.clock import utcnow
from shared.credentials import hash_password, needs_rehash, verify_password
from shared.errors import FieldProblem, NotFound, ValidationFailed
from shared.models import District, StaffSession, StaffUser
from shared.services.password_policy import password_problems
from shared.services.recovery_codes import drop_recovery_codes

ROLES = ("admin", "staff", "leitstelle")  # leitstelle: the central desk routing unrouted requests
SESSION_ABSOLUTE_HOURS = 12
# Verifying against a fixed hash for unknown names keeps the response time of both cases alike.
_UNKNOWN_USER_HASH = hash_password(secrets.token_urlsafe(16))


def create_user(session: Session, username: str, password: str, role: str, district_slug: str | None = None,
                display_name: str = "", team_lead: bool = False) -> StaffUser:
    """Create a staff account; district staff need a district, admins have none."""
    problems: list[FieldProblem] = []
    username = username.strip().lower()
    if not username or len(username) > 80 or not username.replace("-", "").replace(".", "").isalnum():
        problems.append(FieldProblem("username", "invalid", "Benutzername: Buchstaben, Ziffern, '.' und '-'."))
    elif session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        problems.append(FieldProblem("username", "taken", "Diesen Benutzernamen gibt es schon."))
    district_id, district_problems = _district_id(session, role, district_slug)
    problems.extend(district_problems)
    problems.extend(password_problems(password, username))
    if problems:
        raise ValidationFailed(problems)
    user = StaffUser(username=username, display_name=display_name or username, password_hash=hash_password(password),
                     role=role, district_id=district_id, team_lead=team_lead, created_at=utcnow())
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> StaffUser:
    """The account named *username* (ValidationFailed if there is none)."""
    user = session.scalars(select(StaffUser).where(StaffUser.username == username.strip().lower())).first()
    if user is None:
        raise ValidationFailed([FieldProblem("username", "unknown", "Diesen Benutzernamen gibt es nicht.")])
    return user


def _end_sessions(session: Session, user: StaffUser) -> None:
    session.execute(update(StaffSession).where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def deactivate_user(session: Session, user: StaffUser) -> None:
    """No more logins for *user*; every open session ends now."""
    user.active = False
    _end_sessions(session, user)


def reset_totp(session: Session, user: StaffUser) -> None:
    """Switch *user*'s second factor off (a lost phone) and end their sessions."""
    user.totp_secret = None
    user.totp_last_step = None
    drop_recovery_codes(session, user)
    _end_sessions(session, user)


def reactivate_user(user: StaffUser) -> None:
    """Allow logins for *user* again (their old sessions stay ended)."""
    user.active = True


def _district_id(session: Session, role: str, district_slug: str | None) -> tuple[int | None, list[FieldProblem]]:
    """The district of an account of *role*, or the problems with it."""
    if role not in ROLES:
        return None, [FieldProblem("role", "invalid", "Rolle: admin, staff oder leitstelle.")]
    if district_slug:
        district_id = session.scalar(select(District.id).where(District.slug == district_slug))
        if district_id is None:
            return None, [FieldProblem("district", "invalid", "Diesen Stadtbezirk kennen wir nicht.")]
        return district_id, []
    if role == "staff":
        return None, [FieldProblem("district", "staff_required", "Mitarbeitende brauchen einen Stadtbezirk.")]
    return None, []


def change_role(session: Session, user: StaffUser, role: str, district_slug: str | None) -> None:
    """Give *user* another role and district (district staff need one); open sessions see it at once."""
    district_id, problems = _district_id(session, role, district_slug)
    if problems:
        raise ValidationFailed(problems)
    user.role = role
    user.district_id = district_id


def all_users(session: Session) -> list[StaffUser]:
    """Every account, active ones first, by name."""
    return list(session.scalars(select(StaffUser).options(joinedload(StaffUser.district))
                                .order_by(StaffUser.active.desc(), StaffUser.display_name, StaffUser.username)))


def set_password(session: Session, user: StaffUser, password: str) -> None:
    """Give *user* a new password (policy checked) and end all of their sessions."""
    problems = password_problems(password, user.username)
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = hash_password(password)
    _end_sessions(session, user)


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active user with this name and password, or None (same effort either way)."""
    user = session.scalars(select(StaffUser).where(StaffUser.username == username.strip().lower())).first()
    if user is None or not user.active:
        verify_password(_UNKNOWN_USER_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: StaffUser) -> str:
    """Start a server-side session; return the secret token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(StaffSession(id=_digest(token), user_id=user.id, created_at=now, last_seen_at=now))
    user.last_login_at = now
    session.flush()
    return token


@dataclass(frozen=True)
class ActiveSession:
    """A valid login session and its user."""

    record: StaffSession
    user: StaffUser


def resume_session(session: Session, token: str, idle_minutes: int) -> ActiveSession:
    """The live session of *token* (touching it), or :class:`NotFound` if revoked or expired."""
    record = session.scalars(
        select(StaffSession).where(StaffSession.id == _digest(token))
        .options(joinedload(StaffSession.user).joinedload(StaffUser.district))
    ).first()
    now = utcnow()
    if (record is None or record.revoked_at is not None or not record.user.active
            or now - record.last_seen_at > timedelta(minutes=idle_minutes)
            or now - record.created_at > timedelta(hours=SESSION_ABSOLUTE_HOURS)):
        if record is not None and record.revoked_at is None:
            record.revoked_at = now
        raise NotFound("staff session")
    if now - record.last_seen_at > timedelta(seconds=60):
        record.last_seen_at = now
    return ActiveSession(record, record.user)


def revoke_session(session: Session, token: str) -> None:
    """End a session on the server: its cookie is worthless from now on."""
    session.execute(update(StaffSession).where(StaffSession.id == _digest(token), StaffSession.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def colleagues(session: Session, district_id: int | None) -> list[StaffUser]:
    """Active users who may be assigned a request of *district_id* (its team and the admins)."""
    query = select(StaffUser).where(StaffUser.active.is_(True))
    if district_id is not None:
        query = query.where((StaffUser.district_id == district_id) | (StaffUser.role == "admin"))
    return list(session.scalars(query.order_by(StaffUser.display_name, StaffUser.username)))
