"""Generic error pages for the dashboard: no stack traces, no internals, the same look."""

from __future__ import annotations

from flask import render_template
from werkzeug.exceptions import HTTPException

from shared.staff.blueprint import bp
from shared.staff.i18n import gettext
from shared.staff.labels import N_

MESSAGES = {
    400: N_("Die Anfrage war ungültig oder das Formular ist abgelaufen. Bitte laden Sie die Seite neu."),
    403: N_("Dafür fehlt Ihnen die Berechtigung."),
    404: N_("Diese Seite gibt es nicht."),
    405: N_("Diese Aktion ist hier nicht möglich."),
    413: N_("Die Datei ist zu groß."),
    429: N_("Zu viele Versuche. Bitte warten Sie einige Minuten."),
    500: N_("Ein Fehler ist aufgetreten. Bitte versuchen Sie es später noch einmal."),
}


def _render(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    message = MESSAGES.get(code, MESSAGES[500])
    return render_template("staff/error.html", code=code, message=gettext(message)), code


for _code in MESSAGES:
    bp.register_error_handler(_code, _render)
