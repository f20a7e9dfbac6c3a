"""Everything the hotline says, in German (first) and Turkish, and the way it reads out values.

Keys are fixed so they can be printed on a flyer; each option is said before its key ("Heute die 1,
morgen die 2."), the key lists being generated from the key maps of :mod:`ivr.flow.nodes`. Replies
put the content first ("Hörde."). Values are written out for the ear by :mod:`shared.speech.ear_text`. Texts without
placeholders are rendered at start-up.
"""

from __future__ import annotations

from pathlib import Path

from ivr.flow import flow_prompts
from shared.i18n import Catalogue, weekday_names
from shared.seed.reference_data import DISTRICTS
from shared.speech import ear_text

LANGUAGES = ("de", "tr")
# German is the source (the msgids below); Turkish lives in ivr/translations/tr/LC_MESSAGES/messages.po,
# each entry under its key as msgctxt. `make translations` brings new keys into the catalogue.
CATALOGUE = Catalogue("hotline", Path(__file__).resolve().parents[1] / "translations", LANGUAGES)
WEEKDAYS: dict[str, tuple[str, ...]] = {language: weekday_names(language) for language in LANGUAGES}

GERMAN: dict[str, str] = {
    "greeting": "Treffpunkt Dortmund, Datenschutz die 8.",
    "greeting_speech": "Treffpunkt Dortmund, Datenschutz die 8, Sie können sprechen.",
    "privacy": (
        "Zum Datenschutz. Wir speichern nur, was Sie uns für eine Anfrage sagen. "
        "Aufnahmen speichern wir nur mit Ihrer Zustimmung."
    ),
    "turkish_offer": "Türkçe 9.",
    "keys_only": "Bitte drücken Sie eine Taste.",
    "chosen": "Verstanden: {choice}.",
    "no_events": "Für diese Auswahl habe ich leider keine Veranstaltungen gefunden.",
    "event_item": "{when}. {title}. {place}",
    "place_in": "Das ist im {place}.",
    "place_other": "Veranstaltungsort: {place}.",
    "event_price": "Das kostet {price}.",
    "event_free": "Der Eintritt ist frei.",
    "events_end": "Das waren alle Veranstaltungen.",
    "no_consent": "Gut. Wir speichern nur Ihre Telefonnummer.",
    "record_name": "Ihr Name, bitte. Nach dem Ton.",
    "record_topic": "Worum geht es? Nach dem Ton, bis zu einer Minute. Dann die Raute.",
    "record_message": "Ihre Nachricht, bitte. Nach dem Ton, bis zu einer Minute. Dann die Raute.",
    "recording_missing": "Ich habe leider keine Aufnahme erhalten. Wir machen trotzdem weiter.",
    "number_invalid": "Diese Telefonnummer kann ich leider nicht verwenden.",
    "summary_short": "{kind}, {district}, {time}.{event}",
    "summary_event": " Es geht um die Veranstaltung {title}.",
    "saved": "Ihre Vorgangsnummer: {reference}. Noch einmal: {reference}.",
    "not_saved": "Gut, ich habe nichts gespeichert.",
    "transfer": "Ich verbinde Sie jetzt mit dem {office}. Einen Moment bitte.",
    "office_closed": (
        "Im Büro ist gerade niemand. Sie können uns eine Nachricht hinterlassen, "
        "dann rufen wir Sie zurück."
    ),
    "transfer_failed": "Leider hat niemand abgenommen. Sie können uns eine Nachricht hinterlassen.",
    "offer_person": "Ich helfe Ihnen weiter und verbinde Sie mit dem Seniorenbüro.",
    "not_understood": "Das habe ich leider nicht verstanden.",
    "no_input": "Ich habe leider nichts gehört.",
    "goodbye": "Auf Wiederhören.",
    "home_visit": "Hausbesuch",
    "callback": "Rückruf",
    "all_districts": "alle Stadtbezirke",
    "today": "heute",
    "tomorrow": "morgen",
    "week": "diese Woche",
    "events": "Veranstaltungen",
    "request": "Hausbesuch oder Rückruf",
    "person": "mit einem Menschen sprechen",
    "yes": "ja",
    "no": "nein",
    # added with the call-flow table (issue 11)
    "option": "{label} die {digit}",
    "events_label": "Veranstaltungen",
    "request_label": "Besuch oder Rückruf",
    "person_label": "Gespräch",
    "other_day_label": "ein anderer Tag",
    "all_districts_label": "Alle Stadtbezirke",
    "group_1": "Innenstadt und Eving",
    "group_2": "Osten und Hörde",
    "group_3": "Hombruch und Westen",
    "repeat_label": "Noch einmal",
    "next_label": "Weiter",
    "event_callback_label": "Rückruf zum Termin",
    "more_label": "Die nächsten fünf",
    "menu_label": "Zum Anfang",
    "morning_label": "Am Vormittag",
    "midday_label": "Mittags",
    "afternoon_label": "Am Nachmittag",
    "any_time_label": "Egal",
    "morning": "am Vormittag",
    "midday": "mittags",
    "afternoon": "am Nachmittag",
    "any": "Zeit egal",
    "q_district": "Welcher Stadtbezirk?",
    "q_home_district": "In welchem Stadtbezirk wohnen Sie?",
    "district_guess": "Ihr Stadtbezirk: {district}. Ein anderer: Taste {digit}.",
    "q_person_district": "Mit welchem Büro verbinde ich Sie?",
    "postcode_hint": "Oder Ihre Postleitzahl.",
    "district_speech_hint": "Sie können auch Ihren Stadtteil sagen.",
    "postcode_unknown": "Diese Postleitzahl kenne ich nicht.",
    "q_consent": "Wir nehmen Ihren Namen und Ihr Anliegen auf, für Ihr Seniorenbüro. Einverstanden?",
    "q_number_confirm": "Rückruf unter {digits}. Richtig?",
    "q_number_entry": "Bitte tippen Sie Ihre Telefonnummer. Dann die Raute.",
    "q_callback_time": "Wann sollen wir anrufen?",
    "q_confirm": "Richtig?",
    "moment": "Einen Moment bitte.",
    "saved_after": "Wir melden uns in zwei Werktagen bei Ihnen. Danke.",
}


GERMAN.update(flow_prompts.GERMAN)


def text(language: str, key: str, **values: object) -> str:
    """The prompt *key* in *language* with *values* filled in (German, logged, when the catalogue lacks it)."""
    template = CATALOGUE.pgettext(language, key, GERMAN[key])
    return template.format(**values) if values else template


def district_name(number: int, language: str) -> str:
    """The spoken name of district *number*, or "all districts" for 0."""
    if number == 0:
        return text(language, "all_districts")
    return DISTRICTS[number - 1].name


def spoken_digits(number: str, language: str = "de") -> str:
    """A phone number for the ear (see :func:`shared.speech.ear_text.spoken_phone`)."""
    return ear_text.spoken_phone(number, language)


def spoken_reference(reference: str, language: str = "de") -> str:
    """A request reference for the ear, in blocks of two digits."""
    return ear_text.spoken_reference(reference, language)


def fixed_prompts(language: str) -> list[str]:
    """Every prompt without placeholders, for rendering at start-up."""
    return [text(language, key) for key, german in GERMAN.items() if german and "{" not in german]


def confirmations(language: str, most_events: int = 20) -> list[str]:
    """Every confirmation ("Hörde.") and event count, for rendering at start-up.

    They start most replies, so a caller should never wait for them to be synthesised.
    """
    choices = [text(language, key) for key in (
        "events_label", "request_label", "person", "events_when_today", "events_when_tomorrow",
        "events_when_week", "home_visit", "callback", "yes", "no", "morning", "midday", "afternoon", "any",
        "all_districts_label", "group_1", "group_2", "group_3")]
    choices += [*WEEKDAYS[language], *(district_name(number, language) for number in range(1, len(DISTRICTS) + 1))]
    found = [text(language, "events_count_many", when=text(language, f"events_when_{day}"), count=count)
             for day in ("today", "tomorrow", "week") for count in range(2, most_events + 1)]
    return [*(text(language, "chosen", choice=choice[:1].upper() + choice[1:]) for choice in dict.fromkeys(choices)),
            *found]
