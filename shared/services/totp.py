"""TOTP second factor of staff logins (RFC 6238, 30-second steps, six digits).

A code is accepted for the current step and one step either side (clock drift), and each step
only once per account: the last used step is stored, so a code seen over a shoulder cannot be replayed.
"""

from __future__ import annotations

import base64
import io
import time

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from shared.models import StaffUser

ISSUER = "Treffpunkt"
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """*uri* as an inline SVG QR code (``data:`` URI, so no request leaves the page)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code is *code* (within the drift window), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def confirm_enrolment(user: StaffUser, secret: str, code: str) -> bool:
    """Switch TOTP on for *user* if *code* is valid for *secret* (the first code proves the app has it)."""
    step = matching_step(secret, code)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_last_step = step
    return True


def verify(session: Session, user: StaffUser, code: str) -> bool:
    """True once for a valid code of *user*; a step already used (or an earlier one) is refused.

    The step is claimed by one conditional UPDATE, so two requests racing with the same code
    (a double tap, two app servers) cannot both succeed.
    """
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code)
    if step is None:
        return False
    claimed = session.execute(
        update(StaffUser).where(StaffUser.id == user.id,
                                or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    user.totp_last_step = step
    return True
