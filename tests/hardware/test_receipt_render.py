"""Receipt rendering: exact bytes, code pages after ESC @, wrapping, QR, large print, any text."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.receipt_content import EventSlip, Footer, RequestSlip, ScheduleSlip, SlipEvent
from hardware.receipt_render import render_slip
from hardware.receipt_writer import ReceiptWriter, Style, wrap_words

FOOTER = Footer("Seniorenbüro Hörde", "0231 50-23456")
STYLE_LEFT = b"\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00"
STYLE_LEFT_BOLD = b"\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x01\x1ba\x00"
STYLE_CENTER_BOLD = b"\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x01\x1ba\x01"
STYLE_DOUBLE_CENTER_BOLD = b"\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01"
STYLE_DOUBLE_LEFT_BOLD = b"\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x00"
RULE_80MM = b"-" * 42 + b"\n"


def event(title: str = "Kaffeeklatsch", start: str = "2026-11-23T14:00:00+01:00",
          end: str = "2026-11-23T16:00:00+01:00", place: str = "BZ Hörde", barrier_free: bool = False) -> SlipEvent:
    return SlipEvent(start, end, title, place, "Hörde", barrier_free=barrier_free)


def test_request_slip_exact_bytes() -> None:
    slip = RequestSlip(centre="BZ Hörde", reference="48271930", request_kind="callback", district="Hörde",
                       due_date="2026-11-24", footer=FOOTER)
    expected = (
        b"\x1b@"                    # ESC @ initialise
        b"\x1bt\x13"                # ESC t 19: CP858, set after ESC @
        + STYLE_CENTER_BOLD + b"BZ H\x94rde\n"
        + STYLE_DOUBLE_CENTER_BOLD + b"Ihre Anfrage\n"
        + STYLE_LEFT + RULE_80MM
        + STYLE_LEFT_BOLD + b"R\x81ckruf\n"
        + STYLE_LEFT + b"H\x94rde\n"
        b"\n"
        b"Ihre Nummer:\n"
        + STYLE_DOUBLE_CENTER_BOLD + b"4827 1930\n"
        b"\n"
        + STYLE_LEFT + b"Wir melden uns bis Dienstag, 24. November.\n"
        b"Bitte heben Sie diesen Zettel auf.\n"
        + RULE_80MM
        + b"Fragen? Rufen Sie an:\n"
        + STYLE_LEFT_BOLD + b"Seniorenb\x81ro H\x94rde\n"
        + STYLE_DOUBLE_LEFT_BOLD + b"0231 50-23456\n"
        + STYLE_LEFT
        + b"\x1bd\x06"              # ESC d 6: feed past the tear bar
        b"\x1dV\x00"                # GS V 0: full cut
    )
    assert render_slip(slip, "TM-T88V").data == expected


def test_schedule_slip_exact_bytes_with_native_qr() -> None:
    slip = ScheduleSlip(centre="BZ", heading="Heute", events=[event("Tanz", barrier_free=True)], footer=FOOTER,
                        qr_url="https://t.de/e")
    qr_data = b"https://t.de/e"
    expected = (
        b"\x1b@\x1bt\x13"
        + STYLE_CENTER_BOLD + b"BZ\n"
        + STYLE_DOUBLE_CENTER_BOLD + b"Heute\n"
        + STYLE_LEFT + RULE_80MM
        + STYLE_DOUBLE_LEFT_BOLD + b"Montag, 23. November\n"  # the day, as "Heute" carries no date
        + STYLE_LEFT_BOLD + b"14:00 - 16:00 Uhr\nTanz\n"  # time and title bold
        + STYLE_LEFT + b"BZ H\x94rde, H\x94rde, barrierefrei\n"
        b"\n"
        b"\n"
        + b"\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x01" + b"Mehr dazu im Internet:\n"
        b"\x1d(k\x04\x001A2\x00"   # GS ( k: QR model 2
        b"\x1d(k\x03\x001C\x06"    # module size 6
        b"\x1d(k\x03\x001E1"       # error correction M
        + b"\x1d(k" + bytes((len(qr_data) + 3, 0)) + b"1P0" + qr_data  # store the data
        + b"\x1d(k\x03\x001Q0"     # print the symbol
        b"\n"
        + STYLE_LEFT + RULE_80MM
        + b"Fragen? Rufen Sie an:\n" + STYLE_LEFT_BOLD + b"Seniorenb\x81ro H\x94rde\n"
        + STYLE_DOUBLE_LEFT_BOLD + b"0231 50-23456\n"
        + STYLE_LEFT + b"\x1bd\x06\x1dV\x00"
    )
    assert render_slip(slip, "TM-T88V").data == expected


def test_code_page_is_selected_after_initialising() -> None:
    data = render_slip(ScheduleSlip("BZ", "Heute", [], FOOTER), "TM-T20II").data
    assert data.startswith(b"\x1b@\x1bt\x13")
    assert data.count(b"\x1b@") == 1


def test_german_special_characters_print_in_cp858() -> None:
    slip = EventSlip(centre="BZ", event=event("Größe Äpfel Öl Übung"), description="Süß und heiß",
                     cost="3,50 €", footer=FOOTER)
    data = render_slip(slip, "TM-T88V").data
    assert "Größe Äpfel Öl Übung".encode("cp858") in data
    assert "Süß und heiß".encode("cp858") in data
    assert "Kosten: 3,50 €".encode("cp858") in data
    assert printed_text(data).count("?") == 1  # "Fragen?" in the footer
    assert b"\x1dv0" not in data  # no image needed for German


def test_polish_and_russian_switch_code_pages() -> None:
    events = [event("Spotkanie przy kawie – łódź"), event("Вечер русской песни"), event("Tanzcafé")]
    data = render_slip(ScheduleSlip("BZ", "Heute", events, FOOTER), "TM-T88V").data
    assert b"\x1bt\x12" + b"\x1bE\x00" not in data  # page switches come right before the text
    assert b"\x1bt\x12" + "Spotkanie przy kawie - łódź".encode("cp852") in data
    assert b"\x1bt\x11" + "Вечер русской песни".encode("cp866") in data
    assert "Tanzcafé" in printed_text(data)
    assert printed_text(data).count("?") == 1
    assert b"\x1dv0" not in data


def test_turkish_line_is_printed_as_an_image() -> None:
    data = render_slip(ScheduleSlip("BZ", "Heute", [event("Çay ve sohbet: ğüzel şarkılar")], FOOTER), "TM-T88V").data
    assert b"\x1dv0" in data
    assert printed_text(data).count("?") == 1
    assert b"sohbet" not in data  # the line is not printed as (mangled) text


def test_control_characters_cannot_reach_the_printer() -> None:
    data = render_slip(ScheduleSlip("BZ", "Heute", [event("Kaffee\x1b@\x1dV\x00 Kuchen\x07")], FOOTER),
                       "TM-T88V").data
    assert data.count(b"\x1b@") == 1
    assert data.count(b"\x1dV") == 1
    assert b"Kaffee @ V Kuchen\n" not in data
    assert b"Kaffee@V Kuchen\n" in data


def test_large_print_uses_double_size_and_half_the_columns() -> None:
    title = "Gedächtnistraining mit Musik und Bewegung für alle"
    receipt = render_slip(ScheduleSlip("BZ", "Heute", [event(title)], FOOTER, large_print=True), "TM-T88V")
    body = receipt.data.split(b"14:00")[1]
    assert b"\x1b!0" in body.split("Gedächtnis".encode("cp858"))[0]  # the title is double size
    assert b"\x1b!0" not in receipt.data.split(b"14:00")[0][-12:]  # the time is not: the title stands out
    for line in ("Gedächtnistraining", "mit Musik und Bewe-", "gung für alle"):
        assert len(line) <= 21
        assert line.encode("cp858") + b"\n" in body


def test_58mm_profile_wraps_to_32_columns_and_prints_qr_as_image() -> None:
    receipt = render_slip(ScheduleSlip("BZ", "Heute", [event("Ein sehr langer Veranstaltungstitel für "
                                                            "Menschen mit viel Zeit")], FOOTER,
                                       qr_url="https://t.de/e"), "POS-5890")
    assert all(len(line) <= 32 for line in receipt.preview.splitlines() if not line.startswith(" [QR"))
    assert b"\x1d(k" not in receipt.data  # that profile has no native QR
    assert b"\x1dv0" in receipt.data
    assert "Ein sehr langer".encode("cp858") in receipt.data


def test_words_are_hyphenated_the_german_way_never_split_mid_syllable() -> None:
    text = "Begegnungszentrum Dortmund-Hörde Alfred-Trappen-Straße 18"
    assert wrap_words(text, 22) == ("Begegnungszentrum", "Dortmund-Hörde Alfred-", "Trappen-Straße 18")
    assert wrap_words("Gedächtnistraining heute", 10) == ("Gedächt-", "nistrai-", "ning heute")
    assert wrap_words("Heute: Seniorengymnastik im Saal", 21) == ("Heute: Seniorengym-", "nastik im Saal")
    assert wrap_words("Wir treffen uns zur Seniorengymnastik", 24) == ("Wir treffen uns zur", "Seniorengymnastik"), \
        "never fewer than three letters before a break"
    assert all(line.rstrip("-") for line in wrap_words("Kaffee, Kuchen und Kaffeeklatsch", 8))
    assert wrap_words("x" * 30, 12) == ("x" * 12, "x" * 12, "x" * 6), "no syllables: cut where the line ends"


def test_the_title_that_was_split_mid_word_is_hyphenated_on_the_paper() -> None:
    title = "Kiosk-Test: Seniorengymnastik und Gedächtnistraining"
    receipt = render_slip(ScheduleSlip("BZ", "Heute", [event(title)], FOOTER), "TM-T88V")
    lines = receipt.preview.splitlines()
    assert not any(line.endswith("Seniorengymnasti") for line in lines)
    joined = " ".join(lines).replace("- ", "")
    assert "Seniorengymnastik" in joined and "Gedächtnistraining" in joined


def test_emoji_are_left_out() -> None:
    receipt = render_slip(ScheduleSlip("BZ", "Heute", [event("Kaffee ☕ und Kuchen 🎂👍🏽")], FOOTER), "TM-T88V")
    assert "Kaffee und Kuchen" in receipt.preview
    assert b"\x1dv0" not in receipt.data, "no image fallback for the emoji: they are gone"


def test_preview_is_readable_text() -> None:
    receipt = render_slip(ScheduleSlip("BZ Hörde", "Heute in Hörde", [event("Türk kahvesi ğ")], FOOTER), "TM-T88V")
    assert "Heute in Hörde" in receipt.preview
    assert "Türk kahvesi ğ" in receipt.preview
    assert receipt.preview.rstrip().endswith("-" * 41)


# --- any text -------------------------------------------------------------------------------------------

SUPPORTED = st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="?",
                          include_characters="äöüÄÖÜß€ğışİŞąćęłńóśźżЖжёЁ")
TEXT_COMMANDS = re.compile(rb"\x1b[!Eadt].|\x1b@", re.DOTALL)


def printed_text(data: bytes) -> str:
    """Decode everything the printer would print as characters (images and QR codes removed)."""
    pages = {0x13: "cp858", 0x10: "cp1252", 0x12: "cp852", 0x11: "cp866", 0x00: "cp437"}
    page, index, out = "cp858", 0, []
    while index < len(data):
        if data.startswith(b"\x1dv0", index):
            width = int.from_bytes(data[index + 4:index + 6], "little")
            height = int.from_bytes(data[index + 6:index + 8], "little")
            index += 8 + width * height
        elif data.startswith(b"\x1d(k", index):
            index += 5 + int.from_bytes(data[index + 3:index + 5], "little")
        elif data.startswith(b"\x1dV", index):
            index += 3
        elif data.startswith(b"\x1bt", index):
            page = pages[data[index + 2]]
            index += 3
        elif (match := TEXT_COMMANDS.match(data, index)) is not None:
            index = match.end()
        else:
            end = index
            while end < len(data) and data[end] not in (0x1b, 0x1d):
                end += 1
            out.append(data[index:end].decode(page))
            index = end
    return "".join(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(), place=st.text(), centre=st.text(max_size=80), large=st.booleans(),
       profile=st.sampled_from(["TM-T88V", "POS-5890"]))
def test_any_text_renders(title: str, place: str, centre: str, large: bool, profile: str) -> None:
    slip = ScheduleSlip(centre, title, [event(title, place=place)], FOOTER, qr_url=title, large_print=large)
    receipt = render_slip(slip, profile)
    assert receipt.data.startswith(b"\x1b@\x1bt")
    assert receipt.data.endswith(b"\x1dV\x00") or receipt.data.endswith(b"\x1bd\x06")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(SUPPORTED, min_size=1, max_size=120), double=st.booleans())
def test_supported_scripts_never_print_a_question_mark(text: str, double: bool) -> None:
    writer = ReceiptWriter("TM-T88V")
    writer.paragraph(text, Style(double=double))
    assert "?" not in printed_text(writer.finish().data)


def test_long_words_and_descriptions_stay_bounded() -> None:
    slip = EventSlip(centre="BZ", event=event("ğ" * 3000), description="Wort " * 1000, cost="",
                     footer=FOOTER)
    receipt = render_slip(slip, "TM-T88V")
    assert receipt.preview.count("Wort") <= 130
    assert receipt.preview.count("...") == 1


def test_arabic_is_drawn_right_aligned() -> None:
    from PIL import ImageOps

    from hardware import text_image

    font = text_image.load_font(False, 1)
    image = text_image.render_line("لقاء القهوة", font, 512, center=False)
    assert image.width == 512
    ink = ImageOps.invert(image.convert("L")).getbbox()  # the box around the ink
    assert ink is not None
    left, _, right, _ = ink
    assert right > 500 and left > 300  # ink sits at the right edge
    assert text_image.render_line("Çay ğ", font, 512, center=False).width < 512
