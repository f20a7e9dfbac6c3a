"""German phone numbers: validation and normalisation to E.164 with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers

from shared.errors import FieldProblem, ValidationFailed

DEFAULT_REGION = "DE"


def normalise_phone(raw: str, field: str = "phone") -> str:
    """Return *raw* as E.164 (``+49231…``) or raise :class:`ValidationFailed` in plain German."""
    text = raw.strip()
    if not text:
        raise ValidationFailed([FieldProblem(field, "required", "Bitte geben Sie eine Telefonnummer an.")])
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed([FieldProblem(
            field, "invalid", "Das ist keine Telefonnummer. Bitte nur Ziffern eingeben, z. B. 0231 1234567."
        )]) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed([FieldProblem(
            field, "invalid",
            "Diese Telefonnummer ist unvollständig oder ungültig. "
            "Bitte mit Vorwahl eingeben, z. B. 0231 1234567.",
        )])
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """Format an E.164 number the way a German reads it (``0231 1234567``)."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, DEFAULT_REGION)
    if number.country_code == 49:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str) -> str:
    """Show only the last three digits, for lists where the full number is not needed."""
    if len(e164) < 4:
        return "•••"
    return "•" * (len(e164) - 4) + e164[-3:]
