"""German labels of the codes stored in the database (translated when rendered with ``_``)."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional name of a gettext no-op marker
    """Mark *message* for the catalogue without translating it here."""
    return message


LABELS: dict[str, str] = {
    "new": N_("Neu"),
    "in_progress": N_("In Bearbeitung"),
    "waiting": N_("Wartet"),
    "incomplete": N_("Unvollständig"),
    "done": N_("Erledigt"),
    "unreachable": N_("Nicht erreichbar"),
    "cancelled": N_("Storniert"),
    "callback": N_("Rückruf"),
    "home_visit": N_("Hausbesuch"),
    "kiosk": N_("Kiosk"),
    "phone": N_("Telefon"),
    "staff": N_("Büro"),
    "morning": N_("vormittags"),
    "midday": N_("mittags"),
    "afternoon": N_("nachmittags"),
    "any": N_("jederzeit"),
    "name": N_("Name"),
    "topic": N_("Anliegen"),
    "message": N_("Nachricht"),
    "note": N_("Notiz"),
    "call": N_("Anruf"),
    "next_step": N_("Nächster Schritt"),
    "merge": N_("Zusammengeführt"),
}
