"""The fixed words on a receipt, German first, translated from ``hardware/translations`` through Babel.

``hardware`` imports nothing of the app, so it loads its own gettext catalogue with Babel here (the
same layout as every surface's, see :mod:`shared.i18n`): msgctxt is the key below, msgid the German
text. A word a catalogue lacks is printed in German and logged; ``tests/test_translations.py`` fails first.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# Every language a slip can be printed in: the kiosk's three and the city's other large communities.
LANGUAGES = ("de", "en", "tr", "ru", "pl", "ar")

GERMAN: dict[str, str] = {
    "more": "Und {count} weitere Termine: am Kiosk, im Internet (QR-Code) oder beim Seniorenbüro.",
    "time": "{start} - {end} Uhr", "time_from": "ab {start} Uhr",
    "all_day": "ganztägig", "barrier_free": "barrierefrei",
    "no_events": "Keine Veranstaltungen in dieser Zeit.", "cost": "Kosten: {cost}",
    "questions": "Fragen? Rufen Sie an:", "scan": "Mehr dazu im Internet:",
    "request_title": "Ihre Anfrage", "reference": "Ihre Nummer:", "due": "Wir melden uns bis {date}.",
    "callback": "Rückruf", "home_visit": "Hausbesuch", "keep": "Bitte heben Sie diesen Zettel auf.",
}


@lru_cache(maxsize=len(LANGUAGES))
def _catalogue(language: str) -> NullTranslations:
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    if language == "de" or not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        return Translations(handle)


def label(language: str, key: str, **values: str) -> str:
    """The receipt word *key* in *language* (German when the language is not offered)."""
    german, offered = GERMAN[key], language if language in LANGUAGES else "de"
    text = str(_catalogue(offered).pgettext(key, german))
    if offered != "de" and text == german:
        log.warning("receipt word %s missing in %s, German printed", key, offered)
    return text.format(**values)


def day_heading(language: str, day: date) -> str:
    """The heading of one day on a slip, e.g. "Dienstag, 1. Dezember", "1 Aralık Salı".

    The same pattern as :func:`shared.i18n.long_date` (the kiosk's screen headings); a test keeps them equal.
    """
    try:
        locale = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("de")
    pattern = re.sub("E+", "EEEE", locale.datetime_skeletons["MMMMEd"].pattern)
    return format_date(day, pattern, locale=locale).replace("\u2009", " ").replace("\u202f", " ")
