"""Everything the hotline says, in German (first) and Turkish, and the way it reads out values.

Keys are fixed so they can be printed on a flyer; each option is said before its key, in short
sentences the synthesiser pauses between ("Veranstaltungen: die 1."). Replies put the content first
("Gut. Heute."). Values are written out for the ear by :mod:`shared.speech.ear_text`. Texts without
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
    "speech_or_keys": "Sprechen Sie, oder drücken Sie eine Taste.",
    "keys_only": "Bitte drücken Sie eine Taste.",
    "main_menu": "Veranstaltungen die 1, Besuch oder Rückruf die 2, Gespräch die 0.",
    "day_menu": (
        "Für welchen Tag? Heute: die 1. Morgen: die 2. "
        "Diese Woche: die 3. Sie können auch einen Wochentag sagen."
    ),
    "district_menu": (
        "Für welchen Stadtbezirk? Tippen Sie die Nummer und danach die Raute-Taste. "
        "Für alle Stadtbezirke drücken Sie die 0."
    ),
    "district_list": "{list}",
    "home_district_menu": (
        "In welchem Stadtbezirk wohnen Sie? Tippen Sie die Nummer und danach die Raute-Taste."
    ),
    "chosen": "Gut. {choice}.",
    "events_found_one": "Ich habe eine Veranstaltung gefunden.",
    "events_found_many": "Ich habe {count} Veranstaltungen gefunden.",
    "no_events": "Für diese Auswahl habe ich leider keine Veranstaltungen gefunden.",
    "event_item": "{when}. {title}. {place}",
    "place_in": "Das ist im {place}.",
    "place_other": "Veranstaltungsort: {place}.",
    "event_price": "Das kostet {price}.",
    "event_free": "Der Eintritt ist frei.",
    "event_keys": (
        "Noch einmal: die 1. Nächste Veranstaltung: die 2. "
        "Rückruf dazu: die 3. Hauptmenü: die 9."
    ),
    "events_end": "Das waren alle Veranstaltungen.",
    "kind_menu": "Hausbesuch: die 1. Rückruf: die 2.",
    "consent": (
        "Damit das Seniorenbüro Ihnen helfen kann, nehmen wir Ihren Namen und Ihr Anliegen auf "
        "und speichern beides für die Mitarbeitenden Ihres Stadtbezirks. Sind Sie damit einverstanden? "
        "Ja: drücken Sie die 1. Nein: drücken Sie die 2."
    ),
    "no_consent": "In Ordnung. Wir nehmen nichts auf und speichern nur Ihre Telefonnummer für den Rückruf.",
    "record_name": "Bitte sagen Sie nach dem Ton Ihren Namen. Drücken Sie danach die Raute-Taste.",
    "record_topic": (
        "Worum geht es? Erzählen Sie es nach dem Ton in Ruhe, höchstens eine Minute. "
        "Drücken Sie danach die Raute-Taste."
    ),
    "record_message": (
        "Bitte sprechen Sie Ihre Nachricht nach dem Ton, höchstens eine Minute. Drücken Sie danach die Raute-Taste."
    ),
    "recording_missing": "Ich habe leider keine Aufnahme erhalten. Wir machen trotzdem weiter.",
    "number_readback": "Wir rufen Sie unter dieser Nummer zurück: {digits}. Ist das richtig? Ja: die 1. Nein: die 2.",
    "number_entry": "Bitte tippen Sie Ihre Telefonnummer mit Vorwahl und danach die Raute-Taste.",
    "number_invalid": "Diese Telefonnummer kann ich leider nicht verwenden.",
    "summary": "Ich fasse zusammen: {kind}, Stadtbezirk {district}, Rückruf unter {digits}.{event}",
    "summary_event": " Es geht um die Veranstaltung {title}.",
    "confirm": "Ist das so richtig? Ja: drücken Sie die 1. Nein: drücken Sie die 2.",
    "saved": (
        "Vielen Dank, Ihre Anfrage ist angekommen. Ihre Vorgangsnummer ist {reference}. "
        "Ich wiederhole: {reference}. Das Seniorenbüro meldet sich in den nächsten zwei Werktagen."
    ),
    "not_saved": "Gut, ich habe nichts gespeichert.",
    "transfer": "Ich verbinde Sie jetzt mit dem {office}. Einen Moment bitte.",
    "office_closed": (
        "Das Seniorenbüro ist gerade nicht besetzt. Sie können uns eine Nachricht hinterlassen, "
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
}

GERMAN.update(flow_prompts.GERMAN)


def text(language: str, key: str, **values: object) -> str:
    """The prompt *key* in *language* with *values* filled in (German, logged, when the catalogue lacks it)."""
    template = CATALOGUE.pgettext(language, key, GERMAN[key])
    return template.format(**values) if values else template


def district_list(language: str) -> str:
    """The district menu: each name followed by its key, one short sentence each ("Innenstadt-West: 1.")."""
    return " ".join(f"{district.name}: {district.number}." for district in DISTRICTS)


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
    texts = [text(language, key) for key, german in GERMAN.items() if "{" not in german]
    texts.append(district_list(language))
    return texts


def confirmations(language: str, most_events: int = 20) -> list[str]:
    """Every "Gut. …" and "Ich habe N Veranstaltungen gefunden.", for rendering at start-up.

    They start most replies, so a caller should never wait for them to be synthesised.
    """
    choices = [text(language, key) for key in ("events", "request", "person", "today", "tomorrow", "week",
                                               "home_visit", "callback", "yes", "no")]
    choices += [*WEEKDAYS[language], *(district_name(number, language) for number in range(len(DISTRICTS) + 1))]
    found = [text(language, "events_found_many", count=count) for count in range(2, most_events + 1)]
    return [*(text(language, "chosen", choice=choice) for choice in dict.fromkeys(choices)), *found]
