"""Code page choice, text cleaning and DLE EOT status decoding."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hardware.printer_status import PrinterStatus, decode
from hardware.text_encoding import CodePage, available_code_pages, clean_text, encode

TM_T88V_PAGES = {"0": "CP437", "16": "CP1252", "17": "CP866", "18": "CP852", "19": "CP858", "48": "CP1254"}


def test_only_portable_code_pages_are_used_in_preference_order() -> None:
    pages = available_code_pages(TM_T88V_PAGES)
    assert pages == (CodePage(19, "CP858"), CodePage(16, "CP1252"), CodePage(18, "CP852"), CodePage(17, "CP866"))
    assert CodePage(48, "CP1254") not in pages  # listed by the profile, missing on many real printers


def test_a_profile_without_known_pages_falls_back_to_cp437() -> None:
    assert available_code_pages({"255": "Unknown"}) == (CodePage(0, "CP437"),)


def test_encode_prefers_the_current_page_and_returns_none_when_no_page_fits() -> None:
    pages = available_code_pages(TM_T88V_PAGES)
    assert encode("Grüße €", pages) == (CodePage(19, "CP858"), "Grüße €".encode("cp858"))
    assert encode("Hallo", pages, preferred=CodePage(17, "CP866")) == (CodePage(17, "CP866"), b"Hallo")
    assert encode("ğ", pages) is None


def test_clean_text_removes_controls_and_plains_punctuation() -> None:
    assert clean_text(" „Kaffee“\t–\x1b@ Kuchen…\n") == '"Kaffee" -@ Kuchen...'
    assert clean_text("e\u0301") == "é"  # NFC


@given(st.text())
def test_encode_round_trips_or_refuses(text: str) -> None:
    cleaned = clean_text(text)
    result = encode(cleaned, available_code_pages(TM_T88V_PAGES))
    if result is not None:
        page, data = result
        assert data.decode(page.name.lower()) == cleaned
    assert not any(ord(character) < 32 for character in cleaned)


def test_decode_status_bytes() -> None:
    assert decode(0x12, 0x12, 0x12) == PrinterStatus("ready", "ok", "")
    assert decode(0x12, 0x12, 0x1E) == PrinterStatus("ready", "near_end", "paper near end")
    assert decode(0x1A, 0x32, 0x7E).state == "paper_out"
    assert decode(0x1A, 0x32, None) == PrinterStatus("paper_out", "out", "printing stopped by paper end")
    assert decode(0x1A, 0x16, 0x12).state == "cover_open"
    assert decode(0x1A, 0x12, 0x12) == PrinterStatus("offline", "ok", "printer reports offline")
    assert decode(None, None, None).state == "unknown"
    assert decode(0xFF, None, None).state == "unknown"  # not a status byte
    assert PrinterStatus("unknown").can_print and not PrinterStatus("paper_out").can_print
