"""The password policy of staff accounts (ASVS 5.0 V6.2): length, common passwords, no user name.

The common-password list ships with the package (``common_passwords.txt``); a password is refused
when, lower-cased and stripped of the digits and symbols people pad with, it is on that list.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from shared.errors import FieldProblem

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128  # argon2 takes any length; this only stops absurd inputs
LIST_FILE = Path(__file__).with_name("common_passwords.txt")
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common and breached passwords."""
    lines = LIST_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_common(password: str) -> bool:
    folded = password.casefold().strip()
    if folded in common_passwords():
        return True
    core = _PADDING.sub("", folded)
    if not core:  # only digits and symbols: "123456789012", "!!!!!!!!!!!!"
        return True
    if len(set(folded)) <= 2:  # "aaaaaaaaaaaa", "abababababab"
        return True
    return core in common_passwords()


def password_problems(password: str, username: str = "") -> list[FieldProblem]:
    """What is wrong with *password* for the account *username* (empty list: acceptable)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [FieldProblem("password", "too_short",
                             f"Das Passwort braucht mindestens {MIN_PASSWORD_LENGTH} Zeichen.")]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [FieldProblem("password", "too_long",
                             f"Das Passwort darf höchstens {MAX_PASSWORD_LENGTH} Zeichen haben.")]
    name = username.strip().casefold()
    if len(name) >= 3 and name in password.casefold():
        return [FieldProblem("password", "contains_username", "Das Passwort darf den Benutzernamen nicht enthalten.")]
    if _is_common(password):
        return [FieldProblem("password", "common", "Dieses Passwort ist zu verbreitet und leicht zu erraten. "
                                                   "Bitte ein anderes wählen, z. B. mehrere Wörter.")]
    return []
