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

# Codes on the operations page, each domain its own words ("done" is a different thing for a print job).
CALL_OUTCOMES: dict[str, str] = {
    "request": N_("Anfrage aufgenommen"),
    "incomplete": N_("unvollständig"),
    "hung_up": N_("aufgelegt"),
    "transferred": N_("weiterverbunden"),
    "-": N_("läuft noch"),
}
PRINT_JOB_STATES: dict[str, str] = {
    "queued": N_("wartet"),
    "printing": N_("wird gedruckt"),
    "done": N_("gedruckt"),
    "failed": N_("fehlgeschlagen"),
    "expired": N_("abgelaufen"),
}
PRINTER_STATES: dict[str, str] = {
    "ready": N_("bereit"),
    "unknown": N_("noch nicht geprüft"),
    "paper_out": N_("Papier leer"),
    "cover_open": N_("Deckel offen"),
    "offline": N_("nicht erreichbar"),
}
PRINTER_FINE = ("ready", "unknown")
# Kinds of durable background jobs and of print jobs (the names do not overlap).
JOB_KINDS: dict[str, str] = {
    "voice_message": N_("Sprachnachricht abholen"),
    "transcribe": N_("Abschrift erstellen"),
    "staff-digest": N_("Tages-E-Mail an die Teams"),
    "schedule": N_("Terminliste"),
    "event": N_("Termin"),
    "request": N_("Quittung"),
}
JOB_STATES: dict[str, str] = {
    "queued": N_("wartet"),
    "running": N_("läuft"),
    "done": N_("erledigt"),
    "failed": N_("fehlgeschlagen"),
}
HEALTH_CHECKS: dict[str, str] = {
    "database": N_("Datenbank"),
    "printer": N_("Drucker"),
    "speech": N_("Spracherkennung und Sprachausgabe"),
}
