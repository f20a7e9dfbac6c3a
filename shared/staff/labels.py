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
}
