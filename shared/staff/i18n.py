"""German-first UI text of the dashboard with an English catalogue of its own.

The dashboard keeps its catalogue in ``shared/staff/translations`` (loaded through :mod:`shared.i18n`
like every surface's) and picks its language itself: the staff member's choice, else the browser's.
Templates get ``_``/``gettext``/``ngettext`` from the blueprint's context processor.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import g, has_request_context, request, session

from shared.clock import as_local
from shared.i18n import Catalogue, PageTranslator

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
SESSION_KEY = "staff_lang"
CATALOGUE = Catalogue("staff", Path(__file__).resolve().parent / "translations", LANGUAGES)


def current_language() -> str:
    """The chosen language, else the browser's best match, else German (decided once a request)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if "staff_language" not in g:
        chosen = session.get(SESSION_KEY)
        g.staff_language = str(chosen) if chosen in LANGUAGES else (
            request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE)
    return str(g.staff_language)


PAGES = PageTranslator(CATALOGUE, current_language)
gettext = PAGES.gettext
ngettext = PAGES.ngettext


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
    return {**PAGES.template_helpers(), "format_local": format_local,
            "language": current_language(), "languages": LANGUAGES}
