"""The kiosk's screen language and its gettext, from the catalogue in ``kiosk/translations``."""

from __future__ import annotations

from pathlib import Path

from flask import has_request_context, request, session

from shared.i18n import Catalogue, PageTranslator

LANGUAGES: dict[str, str] = {"de": "Deutsch", "tr": "Türkçe", "en": "English"}
LANGUAGE_KEY = "kiosk_language"
PHONE_BLUEPRINT = "event_page"  # kiosk.mobile: the pages a QR code opens
CATALOGUE = Catalogue("kiosk", Path(__file__).resolve().parent / "translations", tuple(LANGUAGES))


def current_language() -> str:
    """The senior's chosen language on kiosk pages (until the next idle reset), on the phone pages
    the ``lang`` of the QR code's address, German everywhere else."""
    chosen: object = "de"
    if has_request_context() and request.blueprint == "kiosk":
        chosen = session.get(LANGUAGE_KEY, "de")
    elif has_request_context() and request.blueprint == PHONE_BLUEPRINT:
        chosen = request.args.get("lang", "de")
    return str(chosen) if chosen in LANGUAGES else "de"


PAGES = PageTranslator(CATALOGUE, current_language)
gettext = PAGES.gettext
lazy_gettext = PAGES.lazy_gettext
