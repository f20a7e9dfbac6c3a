"""German understanding on text: intents, districts with variants, days, yes/no, numbers, repeat."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ivr.flow import understanding
from shared.seed.reference_data import DISTRICTS

FILLER = st.sampled_from(["", "äh", "also", "bitte", "ich möchte", "gerne", "ähm ja also"])
NUMBER_WORDS = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf",
                "zwölf"]


@given(st.sampled_from(DISTRICTS), st.data(), FILLER, FILLER)
def test_every_district_name_and_variant_is_understood(info, data, before, after) -> None:  # type: ignore[no-untyped-def]
    said = data.draw(st.sampled_from([info.name, *info.variants]))
    casing = data.draw(st.sampled_from([str.lower, str.upper, str.title, lambda text: text]))
    assert understanding.district(f"{before} {casing(said)} {after}") == info.number


def test_common_district_variants() -> None:
    assert understanding.district("Nordstadt") == 2
    assert understanding.district("ich wohne in der nordstadt") == 2
    assert understanding.district("Hoerde") == 8
    assert understanding.district("phoenix see") == 8
    assert understanding.district("alle") == 0
    assert understanding.district("ganz Dortmund bitte") == 0
    assert understanding.district("Berlin") is None


@given(st.integers(min_value=0, max_value=12), FILLER)
def test_numbers_as_words_and_digits(value: int, filler: str) -> None:
    assert understanding.number(f"{filler} {NUMBER_WORDS[value]}") == value
    assert understanding.number(f"{filler} {value}") == value
    assert understanding.district(f"{filler} {NUMBER_WORDS[value]}") == value


def test_zwo_is_two() -> None:
    assert understanding.number("zwo") == 2


@given(st.sampled_from(["ja", "Ja bitte", "jawohl", "genau", "richtig", "ja, einverstanden", "stimmt"]), FILLER)
def test_yes(text: str, filler: str) -> None:
    assert understanding.yes_no(f"{filler} {text}") is True


@given(st.sampled_from(["nein", "Nein danke", "nee", "falsch", "lieber nicht"]))
def test_no(text: str) -> None:
    assert understanding.yes_no(text) is False


@given(st.text(alphabet="xyzqkw ", max_size=30))
def test_noise_is_neither_yes_nor_no(text: str) -> None:
    assert understanding.yes_no(text) is None
    assert understanding.district(text) is None
    assert understanding.day(text) is None


def test_days_and_weekdays() -> None:
    assert understanding.day("heute") == "today"
    assert understanding.day("Morgen bitte") == "tomorrow"
    assert understanding.day("diese Woche") == "week"
    assert understanding.day("am Mittwoch") == "weekday:2"
    assert understanding.day("Sonntag") == "weekday:6"


@given(st.sampled_from(["wiederholen", "Bitte wiederholen", "noch einmal", "nochmal", "wie bitte"]), FILLER)
def test_repeat(text: str, filler: str) -> None:
    assert understanding.is_repeat(f"{filler} {text}")


def test_menu_and_event_commands() -> None:
    assert understanding.menu_choice("Veranstaltungen") == "events"
    assert understanding.menu_choice("ich hätte gern einen Hausbesuch") == "request"
    assert understanding.menu_choice("mit einem Menschen sprechen") == "person"
    assert understanding.kind("Rückruf") == "callback"
    assert understanding.kind("einen Hausbesuch bitte") == "home_visit"
    assert understanding.event_command("weiter") == "next"
    assert understanding.event_command("nächste") == "next"
    assert understanding.event_command("Hauptmenü") == "menu"


def test_unknown_marker_is_ignored() -> None:
    assert understanding.yes_no("[unk] ja") is True
    assert understanding.normalise("[unk]") == ""


def test_grammars_keep_umlauts_and_repeat_words() -> None:
    for question in understanding.GRAMMARS:
        phrases = understanding.grammar(question)
        assert "wiederholen" in phrases
        assert len(phrases) == len(set(phrases))
    assert "hörde" in understanding.grammar("district")
    assert "zwölf" in understanding.grammar("district")
    assert "rückruf" in understanding.grammar("kind")
    encoded = json.dumps(list(understanding.grammar("district")), ensure_ascii=False)
    assert "hörde" in encoded and "\\u" not in encoded


def test_callback_times_including_compounds_split_by_the_recogniser() -> None:
    cases = {"Vormittags.": "morning", "vor Mittags bitte": "morning", "am Vormittag": "morning",
             "mittags": "midday", "Nachmittags": "afternoon", "das ist mir egal": "any", "Hörde": None}
    assert {text: understanding.callback_time(text) for text in cases} == cases
