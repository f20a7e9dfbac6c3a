"""Text made for the ear: values written out the way a caller hears them best over a phone line.

Times ("vierzehn Uhr dreißig"), dates ("Mittwoch, der neunte Dezember"), phone numbers and
references in short digit groups separated by commas (the synthesiser pauses on them), prices
("zwei Euro fünfzig") and a pronunciation lexicon of the city's names, applied to every text just
before synthesis. Used by the hotline and by the kiosk's read-aloud. German first, Turkish kept in step.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

import phonenumbers

from shared.i18n import month_name, weekday_names

DIGITS: dict[str, tuple[str, ...]] = {
    "de": ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"),
    "tr": ("sıfır", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),  # kiosk read-aloud
}
_DE_TEENS = ("zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn",
             "neunzehn")
_DE_TENS = ("", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig")
_TR_TENS = ("", "on", "yirmi", "otuz", "kırk", "elli", "altmış", "yetmiş", "seksen", "doksan")
_DE_ORDINAL_IRREGULAR = {1: "erste", 3: "dritte", 7: "siebte", 8: "achte"}

#: Respellings that espeak-ng (and MBROLA voices fed by it) pronounce correctly, per language.
#: Whole words only; checked with ``espeak-ng -v de -x``. Longer entries first where they overlap.
LEXICON: dict[str, tuple[tuple[str, str], ...]] = {
    "de": (
        ("Seniorenbüros", "Senioren-Büros"),  # otherwise heard as "Ohrenbüro"
        ("Seniorenbüro", "Senioren-Büro"),
        ("Begegnungszentren", "Begegnungs-Zentren"),
        ("Begegnungszentrum", "Begegnungs-Zentrum"),
        ("Stadtteilzentrum", "Stadtteil-Zentrum"),
        ("Lütgendortmund", "Lütgen-Dortmund"),  # stress on "Dort"
        ("Innenstadt-Nord", "Innenstadt Nord"),  # the hyphen glues "stadtnord" together
        ("Innenstadt-Ost", "Innenstadt Ost"),
        ("Innenstadt-West", "Innenstadt West"),
        ("Huckarde", "Huckaade"),  # the r lengthens the a: [ˈhʊkaːdə]
        ("Brackel", "Braakel"),  # the c lengthens the a, as in Soest: [ˈbraːkəl]
        ("Hörde", "Höhrde"),  # long ö
        ("Hörder", "Höhrder"),
        ("Treffpunkt-Telefon", "Treffpunkt Telefon"),
        ("Rückruf", "Rükruf"),  # Pico otherwise says "Prupruf"; the same sounds for espeak-ng
    ),
    "tr": (
        ("Seniorenbüros", "Zenioren Büros"),
        ("Seniorenbüro", "Zenioren Büro"),
        ("Begegnungszentrum", "Begegnungs Sentrum"),
    ),
}


def _lexicon_pattern(language: str) -> re.Pattern[str] | None:
    entries = LEXICON.get(language, ())
    if not entries:
        return None
    words = sorted((re.escape(word) for word, _ in entries), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(words) + r")(?![\w-])")


_PATTERNS = {language: _lexicon_pattern(language) for language in LEXICON}


def apply_lexicon(text: str, language: str = "de") -> str:
    """*text* with the city's names respelled for the synthesiser of *language*."""
    pattern = _PATTERNS.get(language)
    if pattern is None:
        return text
    table = dict(LEXICON[language])
    return pattern.sub(lambda match: table[match.group(1)], text)


def number_words(number: int, language: str = "de") -> str:
    """0–999 in words ("einundzwanzig", "yirmi bir"); larger numbers stay digits."""
    if not 0 <= number <= 999:
        return str(number)
    if language == "tr":
        return _turkish_number(number)
    return _german_number(number)


def _german_number(number: int) -> str:
    if number < 10:
        return DIGITS["de"][number]
    if number < 20:
        return _DE_TEENS[number - 10]
    if number < 100:
        tens, ones = divmod(number, 10)
        if not ones:
            return _DE_TENS[tens]
        unit = "ein" if ones == 1 else DIGITS["de"][ones]
        return f"{unit}und{_DE_TENS[tens]}"
    hundreds, rest = divmod(number, 100)
    head = ("ein" if hundreds == 1 else DIGITS["de"][hundreds]) + "hundert"
    return head + (_german_number(rest) if rest else "")


def _turkish_number(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    parts = []
    if hundreds:
        parts.append("yüz" if hundreds == 1 else f"{DIGITS['tr'][hundreds]} yüz")
    if tens:
        parts.append(_TR_TENS[tens])
    if ones or not parts:
        parts.append(DIGITS["tr"][ones])
    return " ".join(parts)


def german_ordinal(number: int) -> str:
    """The nominative ordinal after "der": 9 → "neunte", 21 → "einundzwanzigste"."""
    if number in _DE_ORDINAL_IRREGULAR:
        return _DE_ORDINAL_IRREGULAR[number]
    return _german_number(number) + ("te" if number < 20 else "ste")


def spoken_time(moment: time | datetime, language: str = "de") -> str:
    """14:30 → "vierzehn Uhr dreißig", 10:00 → "zehn Uhr", 1:00 → "ein Uhr"; tr: "saat on dört otuz"."""
    hour, minute = moment.hour, moment.minute
    if language == "tr":
        return f"saat {_turkish_number(hour)}" + (f" {_turkish_number(minute)}" if minute else "")
    spoken_hour = "ein" if hour == 1 else _german_number(hour)
    return f"{spoken_hour} Uhr" + (f" {_german_number(minute)}" if minute else "")


def spoken_date(day: date, language: str = "de") -> str:
    """"Mittwoch, der neunte Dezember"; tr: "dokuz Aralık Çarşamba" (weekday and month names from Babel)."""
    spoken = "tr" if language == "tr" else "de"  # the sentence is German for every other language
    weekday, month = weekday_names(spoken)[day.weekday()], month_name(day, spoken)
    if spoken == "tr":
        return f"{_turkish_number(day.day)} {month} {weekday}"
    return f"{weekday}, der {german_ordinal(day.day)} {month}"


def spoken_when(moment: datetime, language: str = "de") -> str:
    """Date and time of an event: "Mittwoch, der neunte Dezember, um vierzehn Uhr dreißig"."""
    if language == "tr":
        return f"{spoken_date(moment.date(), 'tr')}, {spoken_time(moment, 'tr')}"
    return f"{spoken_date(moment.date(), 'de')}, um {spoken_time(moment, 'de')}"


def _digit_words(digits: str, language: str) -> str:
    names = DIGITS.get(language, DIGITS["de"])
    return " ".join(names[int(digit)] for digit in digits)


def _pairs(digits: str) -> list[str]:
    """Groups of two, the last one of three when the count is odd ("5029408" → 50 29 408)."""
    if len(digits) <= 3:
        return [digits] if digits else []
    groups = [digits[index:index + 2] for index in range(0, len(digits), 2)]
    if len(digits) % 2:
        groups[-2:] = [groups[-2] + groups[-1]]
    return groups


def spoken_phone(number: str, language: str = "de") -> str:
    """A phone number in its national format, area code first, then groups of two or three digits.

    ``+492315029408`` → "null zwei drei eins, fünf null, zwei neun, vier null acht".
    """
    try:
        parsed = phonenumbers.parse(number, "DE")
        formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL
                                               if parsed.country_code == 49
                                               else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        formatted = number
    blocks = [re.sub(r"\D", "", block) for block in re.split(r"[\s/-]+", formatted.strip())]
    blocks = [block for block in blocks if block]
    if not blocks:
        return ""
    head, rest = (blocks[0], "".join(blocks[1:])) if len(blocks) > 1 else ("", blocks[0])
    groups = ([head] if head else []) + _pairs(rest)
    return ", ".join(_digit_words(group, language) for group in groups)


def spoken_reference(reference: str, language: str = "de") -> str:
    """A request reference (eight digits, see ``format_reference``) in blocks of two.

    ``48271930`` → "vier acht, zwei sieben, eins neun, drei null".
    """
    digits = re.sub(r"\D", "", reference)
    groups = [digits[index:index + 2] for index in range(0, len(digits), 2)]
    return ", ".join(_digit_words(group, language) for group in groups)


_FREE = {"kostenlos", "kostenfrei", "frei", "gratis", "0", "ücretsiz", "eintritt frei"}
_PRICE = re.compile(r"^\s*(?:€\s*)?(\d{1,3})(?:[.,](\d{1,2}))?\s*(?:€|eur|euro)?\s*$", re.IGNORECASE)


def spoken_price(cost: str | int | None, language: str = "de") -> str:
    """"3 €" → "drei Euro", "2,50 €" → "zwei Euro fünfzig", "" / "0" → "kostenlos".

    Free text that is not a plain price ("5 € mit Kaffee") is left as written.
    """
    raw = "" if cost is None else str(cost).strip()
    if not raw or raw.lower() in _FREE:
        return "ücretsiz" if language == "tr" else "kostenlos"
    match = _PRICE.match(raw)
    if match is None:
        return raw
    euros = int(match.group(1))
    cents = int((match.group(2) or "0").ljust(2, "0"))
    if not euros and not cents:
        return "ücretsiz" if language == "tr" else "kostenlos"
    if language == "tr":
        spoken_euros = f"{_turkish_number(euros)} avro" if euros else ""
        spoken_cents = (f" {_turkish_number(cents)}" if euros else f"{_turkish_number(cents)} sent") if cents else ""
        return (spoken_euros + spoken_cents).strip()
    if not euros:
        return f"{_german_number(cents)} Cent"
    spoken_euros = "ein" if euros == 1 else _german_number(euros)
    return f"{spoken_euros} Euro" + (f" {_german_number(cents)}" if cents else "")


_KEY = re.compile(r"(?<![\w-])([Dd]ie) (\d)(?![\d,.]\d|\w)")


def spoken_keys(text: str) -> str:
    """A key named in German as the word for its digit: "Gespräch die 0." → "Gespräch die Null.".

    Written as a digit, "die 8." reads as the ordinal ("die achte") and a lone digit is easily lost.
    """
    return _KEY.sub(lambda match: f"{match[1]} {DIGITS['de'][int(match[2])].capitalize()}", text)


def for_the_ear(text: str, language: str = "de") -> str:
    """What the synthesiser gets for *text*: keys as words, the lexicon applied (values are written
    out by the callers)."""
    if language == "de":
        text = spoken_keys(text)
    return apply_lexicon(text, language)
