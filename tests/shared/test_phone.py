"""German phone numbers are validated and normalised to E.164."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import ValidationFailed
from shared.services.phone import display_phone, mask_phone, normalise_phone


@pytest.mark.parametrize(("raw", "expected"), [
    ("0231 1234567", "+492311234567"),
    ("(0231) 50-29408", "+492315029408"),
    ("+49 231 1234567", "+492311234567"),
    ("0049 231 1234567", "+492311234567"),
    ("0171/1234567", "+491711234567"),
    ("  0231-123 45 67 ", "+492311234567"),
    ("+31 20 123 4567", "+31201234567"),
])
def test_valid_numbers_become_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "12", "0231", "abc", "0000000000", "+49 231 1"])
def test_invalid_numbers_are_rejected_with_german_message(raw: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        normalise_phone(raw)
    problem = raised.value.problems[0]
    assert problem.field == "phone"
    assert "Telefonnummer" in problem.message


@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes(raw: str) -> None:
    try:
        result = normalise_phone(raw)
    except ValidationFailed as exc:
        assert exc.problems and exc.problems[0].code in {"required", "invalid"}
    else:
        assert result.startswith("+") and result[1:].isdigit()
        assert normalise_phone(result) == result


@given(st.integers(min_value=1_000_000, max_value=9_999_999))
def test_dortmund_landlines_round_trip(subscriber: int) -> None:
    e164 = normalise_phone(f"0231 {subscriber}")
    assert e164 == f"+49231{subscriber}"
    assert normalise_phone(display_phone(e164)) == e164


def test_mask_shows_only_last_three_digits() -> None:
    assert mask_phone("+492311234567") == "•••••••••567"
    assert "1234" not in mask_phone("+492311234567")
