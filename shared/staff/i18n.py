"""German-first UI text of the dashboard with an English catalogue of its own.

The dashboard keeps its catalogue in ``shared/staff/translations`` and picks its language itself
(the staff member's choice, else the browser's), so it never collides with the kiosk's Flask-Babel
set-up. Templates get ``_``/``gettext``/``ngettext`` from the blueprint's context processor.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from flask import g, has_request_context, request, session

from shared.clock import as_local

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
SESSION_KEY = "staff_lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


@lru_cache(maxsize=len(LANGUAGES))
def _catalogue(language: str) -> NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [language], domain="messages")


def current_language() -> str:
    """The chosen language, else the browser's best match, else German (decided once a request)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if "staff_language" not in g:
        chosen = session.get(SESSION_KEY)
        g.staff_language = str(chosen) if chosen in LANGUAGES else (
            request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE)
    return str(g.staff_language)


def gettext(message: str, **values: Any) -> str:
    """Translate *message* and fill ``%(name)s`` placeholders."""
    text = _catalogue(current_language()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, count: int, **values: Any) -> str:
    """Translate with a plural form; ``%(num)d`` is *count*."""
    text = _catalogue(current_language()).ngettext(singular, plural, count)
    return text % {"num": count, **values}


def format_local(value: datetime | date | None, with_time: bool = True) -> str:
    """A date or instant in Dortmund time in the current language's short form."""
    if value is None:
        return "–"
    day_format = "%d.%m.%Y" if current_language() == "de" else "%Y-%m-%d"
    if isinstance(value, datetime):
        local = as_local(value)
        return local.strftime(f"{day_format} %H:%M") if with_time else local.strftime(day_format)
    return value.strftime(day_format)


def template_helpers() -> dict[str, Any]:
    """What every dashboard template may call."""
    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "format_local": format_local,
            "language": current_language(), "languages": LANGUAGES}
