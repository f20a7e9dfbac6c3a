"""The touchscreen kiosk surface for meeting centres."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel

from kiosk.texts import LANGUAGES
from shared.runtime import get_runtime

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGE_KEY = "kiosk_language"


def _select_locale() -> str:
    """The kiosk's chosen language on kiosk pages, German everywhere else."""
    if request.blueprint == "kiosk":
        chosen = session.get(LANGUAGE_KEY, "de")
        return chosen if chosen in LANGUAGES else "de"
    return "de"


def _install_babel(app: Flask) -> None:
    """Set up Flask-Babel, or add the kiosk catalogues if another surface already did."""
    existing = app.extensions.get("babel")
    if existing is not None:
        existing.translation_directories.append(str(TRANSLATIONS))
        return
    Babel(app, default_locale="de", default_timezone="Europe/Berlin", locale_selector=_select_locale,
          default_translation_directories=str(TRANSLATIONS))


def init_app(app: Flask) -> None:
    """Register the kiosk blueprint and its message catalogues."""
    from kiosk import form_state, mobile, request_flow, resilience, views  # noqa: F401 - the modules register routes

    _install_babel(app)
    resilience.install_error_pages(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(mobile.bp)
    mobile.warn_without_public_url(app)
    get_runtime(app).add_daily_job("kiosk-forms-purge", form_state.purge_expired)
