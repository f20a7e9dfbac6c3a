"""One-time recovery codes of the TOTP second factor (ASVS 5.0 V6.5: lookup secrets).

Ten random codes of 80 bits are shown once when the second factor is switched on (or renewed);
only a salted SHA-256 of each is stored. A code stands in for one TOTP code at login and is
claimed by one conditional UPDATE, so it works exactly once even when two requests race.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from shared.clock import utcnow
from shared.models import RecoveryCode, StaffUser

CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without mistakes
_LENGTH = 16  # 31**16: about 79 bits
_GROUP = 4


def _normalised(code: str) -> str:
    return "".join(character for character in code.lower() if character.isalnum())


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{_normalised(code)}".encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    """Whether *code* has a recovery code's shape (so it is not checked as a TOTP code)."""
    normalised = _normalised(code)
    return len(normalised) == _LENGTH and all(character in _ALPHABET for character in normalised)


def new_recovery_codes(session: Session, user: StaffUser) -> list[str]:
    """Replace *user*'s recovery codes with :data:`CODE_COUNT` new ones; return them (shown once)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    now = utcnow()
    for _ in range(CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
        salt = secrets.token_hex(8)
        session.add(RecoveryCode(user_id=user.id, code_hash=f"{salt}${_digest(salt, raw)}", created_at=now))
        codes.append("-".join(raw[start:start + _GROUP] for start in range(0, _LENGTH, _GROUP)))
    session.flush()
    return codes


def remaining(session: Session, user: StaffUser) -> int:
    """How many of *user*'s recovery codes are still unused."""
    return len(session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def use_recovery_code(session: Session, user: StaffUser, code: str) -> bool:
    """True once for an unused recovery code of *user* (it is marked used in the session's transaction)."""
    if not looks_like_recovery_code(code):
        return False
    unused = session.execute(select(RecoveryCode.id, RecoveryCode.code_hash).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all()
    for row in unused:
        salt, _, digest = row.code_hash.partition("$")
        if hmac.compare_digest(_digest(salt, code), digest):
            claimed = session.execute(
                update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow()).execution_options(synchronize_session=False))
            return getattr(claimed, "rowcount", 0) == 1
    return False


def drop_recovery_codes(session: Session, user: StaffUser) -> None:
    """Remove *user*'s recovery codes (the second factor is switched off)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
