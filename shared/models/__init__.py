"""All tables of Treffpunkt; importing this package registers every model on ``Base.metadata``."""

from shared.models.base import Base
from shared.models.devices import AuditEntry, Call, Kiosk, PrinterState
from shared.models.events import (
    Category,
    DeletedEvent,
    Event,
    EventSearch,
    Occurrence,
    RefreshState,
    event_categories,
)
from shared.models.jobs import DailyRun, Job
from shared.models.kiosk_forms import KioskForm
from shared.models.places import District, OfficeHours, Venue
from shared.models.requests import Note, Request, RequestSearch, StatusChange, VoiceMessage
from shared.models.staff import LoginFailure, RecoveryCode, StaffDigest, StaffSession, StaffUser

__all__ = [
    "AuditEntry",
    "Base",
    "Call",
    "Category",
    "DailyRun",
    "DeletedEvent",
    "District",
    "Event",
    "EventSearch",
    "Job",
    "Kiosk",
    "KioskForm",
    "LoginFailure",
    "Note",
    "Occurrence",
    "OfficeHours",
    "PrinterState",
    "RecoveryCode",
    "RefreshState",
    "Request",
    "RequestSearch",
    "StaffDigest",
    "StaffSession",
    "StaffUser",
    "StatusChange",
    "Venue",
    "VoiceMessage",
    "event_categories",
]
