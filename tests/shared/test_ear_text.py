"""Text made for the ear: exact spoken forms of times, dates, phone numbers, references, prices, names."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from shared.speech.ear_text import (
    apply_lexicon,
    for_the_ear,
    german_ordinal,
    number_words,
    spoken_date,
    spoken_phone,
    spoken_price,
    spoken_reference,
    spoken_time,
    spoken_when,
)
from shared.speech.synthesis import SpeechRequest


@pytest.mark.parametrize(("moment", "language", "expected"), [
    (time(14, 30), "de", "vierzehn Uhr dreißig"),
    (time(10, 0), "de", "zehn Uhr"),
    (time(1, 0), "de", "ein Uhr"),
    (time(9, 5), "de", "neun Uhr fünf"),
    (time(21, 45), "de", "einundzwanzig Uhr fünfundvierzig"),
    (time(0, 15), "de", "null Uhr fünfzehn"),
    (time(14, 30), "tr", "saat on dört otuz"),
    (time(10, 0), "tr", "saat on"),
])
def test_times(moment: time, language: str, expected: str) -> None:
    assert spoken_time(moment, language) == expected


@pytest.mark.parametrize(("day", "language", "expected"), [
    (date(2026, 12, 9), "de", "Mittwoch, der neunte Dezember"),
    (date(2026, 12, 1), "de", "Dienstag, der erste Dezember"),
    (date(2026, 3, 3), "de", "Dienstag, der dritte März"),
    (date(2026, 11, 7), "de", "Samstag, der siebte November"),
    (date(2026, 11, 8), "de", "Sonntag, der achte November"),
    (date(2026, 11, 24), "de", "Dienstag, der vierundzwanzigste November"),
    (date(2026, 12, 31), "de", "Donnerstag, der einunddreißigste Dezember"),
    (date(2026, 12, 9), "tr", "dokuz Aralık Çarşamba"),
])
def test_dates(day: date, language: str, expected: str) -> None:
    assert spoken_date(day, language) == expected


def test_event_moment() -> None:
    assert spoken_when(datetime(2026, 12, 9, 14, 30), "de") == "Mittwoch, der neunte Dezember, um vierzehn Uhr dreißig"
    assert spoken_when(datetime(2026, 12, 9, 10, 0), "tr") == "dokuz Aralık Çarşamba, saat on"


@pytest.mark.parametrize(("number", "expected"), [
    (0, "null"), (1, "eins"), (16, "sechzehn"), (17, "siebzehn"), (20, "zwanzig"), (21, "einundzwanzig"),
    (99, "neunundneunzig"), (100, "einhundert"), (101, "einhunderteins"), (1000, "1000"),
])
def test_german_numbers(number: int, expected: str) -> None:
    assert number_words(number) == expected


@pytest.mark.parametrize(("number", "expected"), [(0, "sıfır"), (14, "on dört"), (50, "elli"), (120, "yüz yirmi")])
def test_turkish_numbers(number: int, expected: str) -> None:
    assert number_words(number, "tr") == expected


def test_ordinals() -> None:
    assert [german_ordinal(n) for n in (2, 19, 20, 30)] == ["zweite", "neunzehnte", "zwanzigste", "dreißigste"]


@pytest.mark.parametrize(("number", "language", "expected"), [
    ("+492315029408", "de", "null zwei drei eins, fünf null, zwei neun, vier null acht"),
    ("+492311234567", "de", "null zwei drei eins, eins zwei, drei vier, fünf sechs sieben"),
    ("0231 1234567", "de", "null zwei drei eins, eins zwei, drei vier, fünf sechs sieben"),
    ("+4915112345678", "de", "null eins fünf eins eins, zwei drei, vier fünf, sechs sieben acht"),
    ("+49231144110", "de", "null zwei drei eins, eins vier, vier eins, eins null"),
    ("+492315029408", "tr", "sıfır iki üç bir, beş sıfır, iki dokuz, dört sıfır sekiz"),
    ("110", "de", "eins eins null"),
])
def test_phone_numbers(number: str, language: str, expected: str) -> None:
    assert spoken_phone(number, language) == expected


@pytest.mark.parametrize(("reference", "language", "expected"), [
    ("48271930", "de", "vier acht, zwei sieben, eins neun, drei null"),
    ("4827 1930", "de", "vier acht, zwei sieben, eins neun, drei null"),
    ("48271930", "tr", "dört sekiz, iki yedi, bir dokuz, üç sıfır"),
])
def test_references(reference: str, language: str, expected: str) -> None:
    assert spoken_reference(reference, language) == expected


@pytest.mark.parametrize(("cost", "language", "expected"), [
    ("3 €", "de", "drei Euro"),
    ("3,00 €", "de", "drei Euro"),
    ("2,50 €", "de", "zwei Euro fünfzig"),
    ("2,5 EUR", "de", "zwei Euro fünfzig"),
    ("1 Euro", "de", "ein Euro"),
    ("0,80 €", "de", "achtzig Cent"),
    ("", "de", "kostenlos"),
    ("kostenlos", "de", "kostenlos"),
    ("0 €", "de", "kostenlos"),
    ("5 € mit Kaffee", "de", "5 € mit Kaffee"),
    ("2,50 €", "tr", "iki avro elli"),
    ("", "tr", "ücretsiz"),
])
def test_prices(cost: str, language: str, expected: str) -> None:
    assert spoken_price(cost, language) == expected


@pytest.mark.parametrize(("written", "expected"), [
    ("Das ist im Seniorenbüro Hörde.", "Das ist im Senioren-Büro Höhrde."),
    ("Treffpunkt der Seniorenbüros", "Treffpunkt der Senioren-Büros"),
    ("Begegnungszentrum Huckarde", "Begegnungs-Zentrum Huckaade"),
    ("Lütgendortmund: 10.", "Lütgen-Dortmund: 10."),
    ("Innenstadt-Nord, Innenstadt-Ost, Innenstadt-West", "Innenstadt Nord, Innenstadt Ost, Innenstadt West"),
    ("Brackel und Aplerbeck", "Braakel und Aplerbeck"),
    ("Hörder Bahnhofstraße", "Höhrder Bahnhofstraße"),
    ("Stadtteilzentrum Eugen-Krautscheid-Haus", "Stadtteil-Zentrum Eugen-Krautscheid-Haus"),
    ("Rückruf unter 0231", "Rükruf unter 0231"),  # a short ü, so Pico no longer says "Prupruf"
    ("Rückrufe", "Rückrufe"),
    ("Hördeweg", "Hördeweg"),  # whole words only
    ("Eving, Mengede, Scharnhorst, Hombruch", "Eving, Mengede, Scharnhorst, Hombruch"),
])
def test_lexicon(written: str, expected: str) -> None:
    assert apply_lexicon(written, "de") == expected


def test_lexicon_is_applied_before_synthesis(tmp_path: Path) -> None:
    written = SpeechRequest("Das ist im Seniorenbüro Hörde.")
    assert written.spoken_text == "Das ist im Senioren-Büro Höhrde."
    assert written.cache_key("mbrola-de6") == SpeechRequest("Das ist im Senioren-Büro Höhrde.").cache_key("mbrola-de6")
    assert apply_lexicon("Seniorenbüro", "en") == "Seniorenbüro"


@pytest.mark.parametrize(("text", "expected"), [
    ("Treffpunkt Dortmund, Datenschutz die 8.", "Treffpunkt Dortmund, Datenschutz die Acht."),
    ("Ja die 1, Nein die 2.", "Ja die Eins, Nein die Zwei."),
    ("Gespräch die 0, Türkçe die 9", "Gespräch die Null, Türkçe die Neun"),
    ("die 12 Plätze", "die 12 Plätze"),  # not a key
    ("die 2,50 Euro", "die 2,50 Euro"),
])
def test_keys_are_said_as_words_not_as_ordinals(text: str, expected: str) -> None:
    assert for_the_ear(text, "de") == expected
    assert for_the_ear(text, "tr") == text
