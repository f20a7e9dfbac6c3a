"""Prompts added by the call-flow rework (kept apart from :mod:`ivr.flow.prompts` to ease merging).

They are merged into the catalogues of :mod:`ivr.flow.prompts`, so :func:`ivr.flow.prompts.text`
finds them like any other prompt.
"""

from __future__ import annotations

GERMAN: dict[str, str] = {
    "day_menu_speech_hint": "Sie können auch einen Wochentag sagen.",
    "events_count_one": "{when} eine Veranstaltung.",
    "events_count_many": "{when} {count} Veranstaltungen.",
    "events_reading": "Ich lese die nächsten {batch} vor.",
    "events_when_today": "Heute",
    "events_when_tomorrow": "Morgen",
    "events_when_week": "Diese Woche",
    "events_when_weekday": "Am {weekday}",
    "event_address": "Adresse: {address}.",
    "event_registration": "Bitte melden Sie sich vorher an.",
    "event_registration_phone": "Bitte melden Sie sich vorher an, Telefon {digits}.",
    "give_up": "Ich beende das Gespräch jetzt. Sie können uns jederzeit wieder anrufen.",
}


NUMBER_WORDS: dict[str, tuple[str, ...]] = {
    "de": ("null", "eine", "zwei", "drei", "vier", "fünf"),
    "tr": ("sıfır", "bir", "iki", "üç", "dört", "beş"),
}
