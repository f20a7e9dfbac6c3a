"""Every fixed label the kiosk shows, as lazily translated strings keyed by stable codes."""

from __future__ import annotations

from babel.support import LazyProxy

from kiosk.language import lazy_gettext as _l
from shared.errors import FieldProblem
from shared.models.vocabulary import JobState, PreferredTime, RequestKind

LazyString = LazyProxy  # a label translated into the screen language each time it is shown

REQUEST_KINDS: dict[str, LazyString] = {
    RequestKind.CALLBACK: _l("Rückruf"),
    RequestKind.HOME_VISIT: _l("Hausbesuch"),
}

PREFERRED_TIMES: dict[str, LazyString] = {
    PreferredTime.MORNING: _l("Vormittags"),
    PreferredTime.MIDDAY: _l("Mittags"),
    PreferredTime.AFTERNOON: _l("Nachmittags"),
    PreferredTime.ANY: _l("Egal, jederzeit"),
}

# Topics offered as buttons; the German label is stored on the request (staff read German).
TOPICS: dict[str, tuple[str, LazyString]] = {
    "pflege": ("Pflege und Gesundheit", _l("Pflege und Gesundheit")),
    "alltag": ("Hilfe im Alltag und Haushalt", _l("Hilfe im Alltag und Haushalt")),
    "wohnen": ("Wohnen im Alter", _l("Wohnen im Alter")),
    "gesellschaft": ("Gesellschaft und Freizeit", _l("Gesellschaft und Freizeit")),
    "geld": ("Geld und Anträge", _l("Geld und Anträge")),
    "sonstiges": ("Etwas anderes", _l("Etwas anderes")),
}

CATEGORIES: dict[str, LazyString] = {
    "bewegung": _l("Bewegung und Sport"),
    "gesundheit": _l("Gesundheit"),
    "kultur": _l("Kultur und Musik"),
    "geselligkeit": _l("Geselligkeit und Treffen"),
    "beratung": _l("Beratung und Information"),
    "bildung": _l("Bildung und Digitales"),
    "ausflug": _l("Ausflüge"),
    "fest": _l("Feste und Feiern"),
}

PROBLEMS: dict[tuple[str, str], LazyString] = {
    ("kind", "required"): _l("Bitte wählen Sie Rückruf oder Hausbesuch."),
    ("name", "required"): _l("Bitte geben Sie Ihren Namen ein."),
    ("name", "too_long"): _l("Der Name ist zu lang."),
    ("phone", "required"): _l("Bitte geben Sie Ihre Telefonnummer ein."),
    ("phone", "invalid"): _l(
        "Diese Telefonnummer stimmt nicht. Bitte mit Vorwahl eingeben, zum Beispiel 0231 1234567."),
    ("district", "required"): _l("Bitte wählen Sie Ihren Stadtbezirk."),
    ("district", "invalid"): _l("Bitte wählen Sie Ihren Stadtbezirk."),
    ("preferred_time", "invalid"): _l("Bitte wählen Sie eine Tageszeit."),
    ("topic", "too_long"): _l("Das Anliegen ist zu lang."),
    ("consent", "required"): _l("Ohne Ihr Einverständnis können wir Ihre Anfrage nicht speichern."),
}

# What the print screen says, by print job reason (shared.printing.queue.JobProgress); "done" wins.
PRINT_PROGRESS: dict[str, LazyString] = {
    JobState.DONE: _l("Bitte nehmen Sie Ihren Zettel."),
    "paper_out": _l("Der Drucker hat kein Papier mehr. Bitte fragen Sie das Personal."),
    "offline": _l("Der Drucker ist gerade nicht bereit. Bitte fragen Sie das Personal."),
    "cover_open": _l("Der Drucker ist gerade nicht bereit. Bitte fragen Sie das Personal."),
    JobState.FAILED: _l("Der Zettel konnte nicht gedruckt werden. Bitte fragen Sie das Personal."),
    JobState.EXPIRED: _l("Der Zettel konnte nicht gedruckt werden. Bitte fragen Sie das Personal."),
}
PRINTING = _l("Ihr Zettel wird gedruckt. Bitte warten Sie einen Moment.")

SPEECH_FAILED = _l("Vorlesen geht gerade nicht. Bitte versuchen Sie es später noch einmal.")
SPEECH_REFUSED = _l("Dieser Text kann nicht vorgelesen werden.")

GENERIC_PROBLEM = _l("Da stimmt etwas nicht. Bitte prüfen Sie Ihre Angaben.")


def category_label(slug: str, fallback: str) -> str:
    """The translated name of an event topic (the stored name for topics added later)."""
    label = CATEGORIES.get(slug)
    return str(label) if label is not None else fallback


def problem_message(problem: FieldProblem) -> str:
    """A translated message for a service's field problem, by its stable code."""
    return str(PROBLEMS.get((problem.field, problem.code), GENERIC_PROBLEM))
