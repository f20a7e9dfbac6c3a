"""Never stuck: kiosk error pages in the screen language, a liveness probe, and the service worker
that shows a local "gleich wieder da" page whenever the server cannot be reached.

Every kiosk error page and the offline page poll :func:`alive` and go back to Start by themselves
once the server (and its database) answers again, so nobody has to touch the screen.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Response, render_template, request, send_file
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from kiosk.language import PAGES, current_language
from kiosk.language import lazy_gettext as _l
from kiosk.views import bp
from shared.web.request_session import db_session

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
KIOSK_PREFIX = "/kiosk/"

PROBLEMS = {
    404: _l("Diese Seite gibt es nicht."),
    400: _l("Das hat nicht geklappt. Bitte fangen Sie noch einmal an."),
    429: _l("Einen Moment bitte, das war zu schnell hintereinander."),
    500: _l("Hier ist gerade etwas nicht in Ordnung. Der Bildschirm beginnt gleich von vorn."),
}


def install_error_pages(app: Flask) -> None:
    """Unknown kiosk paths get the kiosk's error page too (errors in kiosk views are the blueprint's)."""
    previous = app.error_handler_spec.get(None, {}).get(None, {}).get(HTTPException)

    def unknown_path(error: HTTPException) -> ResponseReturnValue:
        if request.path.startswith(KIOSK_PREFIX):
            return _http_error(error)
        return previous(error) if previous is not None else error  # type: ignore[return-value]

    app.register_error_handler(HTTPException, unknown_path)


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, served from /kiosk/ so that it controls every kiosk page."""
    response = send_file(STATIC / "kiosk-sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline() -> str:
    """The page the service worker keeps and shows while the server cannot be reached (German)."""
    return render_template("kiosk/offline.html")


@bp.get("/alive")
def alive() -> tuple[str, int, dict[str, str]]:
    """200 when the server and its database answer, 503 otherwise (the waiting pages ask this)."""
    headers = {"Cache-Control": "no-store", "Content-Type": "text/plain"}
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("kiosk liveness: database unreachable (%s)", type(exc).__name__)
        return "database unreachable", 503, headers
    return "ok", 200, headers


def problem_page(code: int) -> tuple[str, int, dict[str, str]]:
    """The kiosk's own error page for HTTP status *code* (marked, so the service worker shows it)."""
    message = PROBLEMS.get(code, PROBLEMS[500] if code >= 500 else PROBLEMS[400])
    # An unknown path under /kiosk/ matched no blueprint, so the kiosk's context processor did not run.
    context = {} if request.blueprint == "kiosk" else {**PAGES.template_helpers(), "language": current_language()}
    page = render_template("kiosk/problem.html", message=message, wait=code >= 500, **context)
    return page, code, {"X-Kiosk-Page": "1", "Cache-Control": "no-store"}


@bp.errorhandler(HTTPException)
@bp.errorhandler(InternalServerError)
def _http_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    if (error.code or 500) >= 500:
        log.error("kiosk error %s under %s", error.code, request.endpoint)
    return problem_page(error.code or 500)


@bp.errorhandler(SQLAlchemyError)
def _database_down(error: SQLAlchemyError) -> tuple[str, int, dict[str, str]]:
    """The database failed under a kiosk page: say so in plain words and wait for it to come back."""
    log.error("database error under %s: %s", request.endpoint, type(error).__name__)
    return problem_page(503)
