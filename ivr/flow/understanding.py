"""German answers understood from recognised text: intents, days, districts, yes/no, numbers.

Recognition runs with one small grammar per question (see :func:`grammar`); the same words are
mapped back to meanings here, so a caller's "Nordstadt" or "zwo" means what a key would mean.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from shared.seed.reference_data import DISTRICTS
from shared.seed.stadtteile import STADTTEILE

UNKNOWN = "[unk]"

NUMBER_WORDS: dict[str, int] = {
    "null": 0, "eins": 1, "ein": 1, "eine": 1, "einen": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4,
    "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwoelf": 12,
}
YES_WORDS = ("ja", "jawohl", "genau", "richtig", "stimmt", "gerne", "einverstanden", "okay", "korrekt")
NO_WORDS = ("nein", "nee", "falsch", "nicht", "ne", "lieber nicht")
REPEAT_WORDS = ("wiederholen", "nochmal", "noch einmal", "wie bitte", "bitte wiederholen")
WEEKDAY_WORDS = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
DAY_WORDS: dict[str, str] = {"heute": "today", "morgen": "tomorrow", "diese woche": "week", "woche": "week"}
MENU_WORDS: dict[str, tuple[str, ...]] = {
    "events": ("veranstaltungen", "veranstaltung", "termine", "angebote", "was ist los"),
    "request": ("hausbesuch", "besuch", "rueckruf", "zurueckrufen", "anfrage"),
    "person": ("mensch", "person", "mitarbeiter", "mitarbeiterin", "jemand", "sprechen", "beratung", "gespräch"),
}
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "home_visit": ("hausbesuch", "besuch", "besuchen"),
    "callback": ("rueckruf", "zurueckrufen", "anrufen", "anruf"),
}
EVENT_WORDS: dict[str, tuple[str, ...]] = {
    "next": ("weiter", "naechste", "naechster", "naechstes"),
    "callback": ("rueckruf", "zurueckrufen", "anmelden", "interesse"),
    "menu": ("hauptmenue", "menue", "zurueck", "anfang"),
}
CALLBACK_TIME_WORDS: dict[str, tuple[str, ...]] = {
    "morning": ("vormittag", "vormittags", "vor mittag", "vor mittags", "morgens", "frueh"),  # Whisper splits compounds
    "midday": ("mittag", "mittags", "mittagszeit"),
    "afternoon": ("nachmittag", "nachmittags", "spaeter"),
    "any": ("egal", "immer", "jederzeit", "wann sie wollen"),
}
ALL_WORDS = ("alle", "alle bezirke", "alle stadtbezirke", "ganz dortmund", "egal", "ueberall")


def normalise(text: str) -> str:
    """Lower case, umlauts spelled out, punctuation removed, single spaces."""
    lowered = unicodedata.normalize("NFC", text).lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        lowered = lowered.replace(umlaut, spelled)
    lowered = lowered.replace(UNKNOWN, " ")
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", lowered).split())


def _contains(text: str, phrase: str) -> bool:
    return f" {normalise(phrase)} " in f" {text} "


def _first_match(text: str, choices: dict[str, tuple[str, ...]]) -> str | None:
    """The choice whose phrase occurs earliest in *text* (longest phrase wins a tie)."""
    best: tuple[int, int, str] | None = None
    padded = f" {text} "
    for meaning, phrases in choices.items():
        for phrase in phrases:
            position = padded.find(f" {normalise(phrase)} ")
            if position >= 0:
                candidate = (position, -len(phrase), meaning)
                if best is None or candidate < best:
                    best = candidate
    return best[2] if best else None


def is_repeat(text: str) -> bool:
    """True if the caller asks to hear the question again."""
    normal = normalise(text)
    return any(_contains(normal, phrase) for phrase in REPEAT_WORDS)


def yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when neither (or both) was said."""
    normal = normalise(text)
    said_no = any(_contains(normal, phrase) for phrase in NO_WORDS)
    said_yes = any(_contains(normal, phrase) for phrase in YES_WORDS)
    if said_yes == said_no:
        return None
    return said_yes


def number(text: str) -> int | None:
    """The first number said as digits or a German number word (0–12)."""
    for token in normalise(text).split():
        if token.isdigit():
            return int(token)
        if token in NUMBER_WORDS:
            return NUMBER_WORDS[token]
    return None


def day(text: str) -> str | None:
    """``today``, ``tomorrow``, ``week`` or ``weekday:N`` (0 = Monday)."""
    normal = normalise(text)
    choices: dict[str, tuple[str, ...]] = {}
    for phrase, meaning in DAY_WORDS.items():
        choices.setdefault(meaning, ())
        choices[meaning] += (phrase,)
    for index, weekday in enumerate(WEEKDAY_WORDS):
        choices[f"weekday:{index}"] = (weekday,)
    return _first_match(normal, choices)


def district(text: str) -> int | None:
    """District number 1–12 by name, common variant or number; 0 for "all"; None otherwise."""
    normal = normalise(text)
    choices: dict[str, tuple[str, ...]] = {"0": ALL_WORDS}
    for info in DISTRICTS:
        choices[str(info.number)] = (info.name, info.slug.replace("-", " "), *info.variants,
                                     *STADTTEILE.get(info.slug, ()))
    found = _first_match(normal, choices)
    if found is not None:
        return int(found)
    spoken = number(normal)
    if spoken is not None and 0 <= spoken <= len(DISTRICTS):
        return spoken
    return None


def callback_time(text: str) -> str | None:
    """``morning``, ``midday``, ``afternoon`` or ``any`` for the preferred callback time."""
    return _first_match(normalise(text), CALLBACK_TIME_WORDS)


def menu_choice(text: str) -> str | None:
    """``events``, ``request`` or ``person`` from a main-menu answer."""
    return _first_match(normalise(text), MENU_WORDS)


def kind(text: str) -> str | None:
    """``home_visit`` or ``callback``."""
    return _first_match(normalise(text), KIND_WORDS)


def event_command(text: str) -> str | None:
    """``next``, ``callback`` or ``menu`` while an event is read."""
    return _first_match(normalise(text), EVENT_WORDS)


@dataclass(frozen=True)
class Grammar:
    """The phrases a question listens for (``[unk]`` is added by the recognizer)."""

    phrases: tuple[str, ...]


def _spoken(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Phrases in the recognizer's spelling (umlauts as in the German model's lexicon)."""
    table = {"ae": "ä", "oe": "ö", "ue": "ü"}
    result = []
    for phrase in phrases:
        spoken = phrase
        for spelled, umlaut in table.items():
            spoken = spoken.replace(spelled, umlaut) if phrase in _UMLAUT_WORDS else spoken
        result.append(spoken)
    return tuple(dict.fromkeys(result))


_UMLAUT_WORDS = frozenset({
    "fuenf", "zwoelf", "rueckruf", "zurueckrufen", "naechste", "naechster", "naechstes", "hauptmenue",
    "menue", "zurueck", "ueberall", "frueh", "spaeter",
})

_COMMON = REPEAT_WORDS
_NUMBERS = tuple(NUMBER_WORDS)

GRAMMARS: dict[str, tuple[str, ...]] = {
    "main": tuple(phrase for phrases in MENU_WORDS.values() for phrase in phrases) + _NUMBERS,
    "day": (*DAY_WORDS, *WEEKDAY_WORDS, *_NUMBERS),
    "district": (*ALL_WORDS, *(d.name.lower().replace("-", " ") for d in DISTRICTS),
                 *(variant for d in DISTRICTS for variant in d.variants),
                 *(name.lower().replace("-", " ") for names in STADTTEILE.values() for name in names), *_NUMBERS),
    "event": tuple(phrase for phrases in EVENT_WORDS.values() for phrase in phrases) + _NUMBERS,
    "callback_time": tuple(phrase for phrases in CALLBACK_TIME_WORDS.values() for phrase in phrases) + _NUMBERS,
    "kind": tuple(phrase for phrases in KIND_WORDS.values() for phrase in phrases) + _NUMBERS,
    "yes_no": (*YES_WORDS, *NO_WORDS, *_NUMBERS),
    "digits": _NUMBERS,
}


def grammar(question: str) -> tuple[str, ...]:
    """The phrases recognised for *question* (always with the repeat words)."""
    phrases = GRAMMARS.get(question, ())
    return _spoken(tuple(dict.fromkeys((*phrases, *_COMMON))))
