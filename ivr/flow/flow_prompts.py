"""Prompts added by the call-flow rework (kept apart from :mod:`ivr.flow.prompts` to ease merging).

They are merged into :data:`ivr.flow.prompts.GERMAN`, so :func:`ivr.flow.prompts.text` finds them
like any other prompt; their Turkish is in ``ivr/translations/tr/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

GERMAN: dict[str, str] = {
    "day_menu_keys": (
        "Für welchen Tag? Für heute drücken Sie die 1. Für morgen die 2. "
        "Für diese Woche die 3. Für einen anderen Wochentag die 4."
    ),
    "day_menu_speech_hint": "Sie können auch einen Wochentag sagen.",
    "weekday_menu": "Für welchen Wochentag? {list}",
    "weekday_option": "{weekday}: die {number}.",
    "events_count_one": "{when} gibt es eine Veranstaltung.",
    "events_count_many": "{when} gibt es {count} Veranstaltungen.",
    "events_reading": "Ich lese Ihnen die nächsten {batch} vor.",
    "event_keys_more": "Für die nächsten Veranstaltungen drücken Sie die 4.",
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
