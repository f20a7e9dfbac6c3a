"""German labels of the codes stored in the database (translated when rendered with ``_``).

The domain words are keyed by their enum members (equal to the stored strings); note kinds and
field names are plain codes.
"""

from __future__ import annotations

from shared.models.vocabulary import Channel, PreferredTime, RequestKind, RequestStatus


def N_(message: str) -> str:  # noqa: N802 - the conventional name of a gettext no-op marker
    """Mark *message* for the catalogue without translating it here."""
    return message


LABELS: dict[str, str] = {
    RequestStatus.NEW: N_("Neu"),
    RequestStatus.IN_PROGRESS: N_("In Bearbeitung"),
    RequestStatus.WAITING: N_("Wartet"),
    RequestStatus.INCOMPLETE: N_("Unvollständig"),
    RequestStatus.DONE: N_("Erledigt"),
    RequestStatus.UNREACHABLE: N_("Nicht erreichbar"),
    RequestStatus.CANCELLED: N_("Storniert"),
    RequestKind.CALLBACK: N_("Rückruf"),
    RequestKind.HOME_VISIT: N_("Hausbesuch"),
    Channel.KIOSK: N_("Kiosk"),
    Channel.PHONE: N_("Telefon"),
    Channel.STAFF: N_("Büro"),
    PreferredTime.MORNING: N_("vormittags"),
    PreferredTime.MIDDAY: N_("mittags"),
    PreferredTime.AFTERNOON: N_("nachmittags"),
    PreferredTime.ANY: N_("jederzeit"),
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
    "running": N_("wird gedruckt"),
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
# Kinds of durable jobs and of the slips a print job prints (the names do not overlap).
JOB_KINDS: dict[str, str] = {
    "print": N_("Zettel drucken"),
    "daily": N_("Tägliche Aufgabe"),
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
    "expired": N_("abgelaufen"),
}
HEALTH_CHECKS: dict[str, str] = {
    "database": N_("Datenbank"),
    "printer": N_("Drucker"),
    "speech": N_("Spracherkennung und Sprachausgabe"),
}


# Problems of account and password forms, by (field, code) of the service's FieldProblem: the
# services say them in German, the dashboard in its language. %(min)s/%(max)s: the password lengths.
ACCOUNT_PROBLEMS: dict[tuple[str, str], str] = {
    ("password", "too_short"): N_("Das Passwort braucht mindestens %(min)s Zeichen."),
    ("password", "too_long"): N_("Das Passwort darf höchstens %(max)s Zeichen haben."),
    ("password", "contains_username"): N_("Das Passwort darf den Benutzernamen nicht enthalten."),
    ("password", "common"): N_("Dieses Passwort ist zu verbreitet und leicht zu erraten. "
                               "Bitte ein anderes wählen, z. B. mehrere Wörter."),
    ("username", "invalid"): N_("Benutzername: Buchstaben, Ziffern, '.' und '-'."),
    ("username", "taken"): N_("Diesen Benutzernamen gibt es schon."),
    ("username", "unknown"): N_("Diesen Benutzernamen gibt es nicht."),
    ("role", "invalid"): N_("Rolle: admin, staff oder leitstelle."),
    ("district", "invalid"): N_("Diesen Stadtbezirk kennen wir nicht."),
    ("district", "staff_required"): N_("Mitarbeitende brauchen einen Stadtbezirk."),
}
