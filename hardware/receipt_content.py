"""What a receipt says, independent of any printer: the contract between surfaces and printing.

Surfaces build these from the database and queue them (as JSON, via ``dataclasses.asdict``); the
printing worker turns them into ESC/POS bytes for the printer that finally prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SlipEvent:
    """One event line block; times are ISO 8601 local (Europe/Berlin) with offset."""

    start: str
    end: str
    title: str
    place: str
    district: str
    barrier_free: bool = False
    all_day: bool = False


@dataclass(frozen=True)
class Footer:
    """The district Seniorenbüro a senior can call about anything on the slip."""

    office_name: str
    office_phone: str


@dataclass(frozen=True)
class ScheduleSlip:
    """A day or week schedule, e.g. "Heute in Hörde"."""

    centre: str
    heading: str
    events: list[SlipEvent]
    footer: Footer
    qr_url: str = ""
    large_print: bool = False
    language: str = "de"
    more: int = 0  # entries of the list left off the slip (it stays short); the slip says so
    kind: str = field(default="schedule", init=False)


@dataclass(frozen=True)
class EventSlip:
    """Everything about one event."""

    centre: str
    event: SlipEvent
    description: str
    cost: str
    footer: Footer
    qr_url: str = ""
    large_print: bool = False
    language: str = "de"
    kind: str = field(default="event", init=False)


@dataclass(frozen=True)
class RequestSlip:
    """Confirmation of a callback or home-visit request (no name or phone number on it)."""

    centre: str
    reference: str
    request_kind: str
    district: str
    due_date: str
    footer: Footer
    large_print: bool = False
    language: str = "de"
    kind: str = field(default="request", init=False)


Slip = ScheduleSlip | EventSlip | RequestSlip


def slip_from_json(data: dict[str, Any]) -> Slip:
    """Rebuild a slip from the JSON payload of a print job."""
    values = {key: value for key, value in data.items() if key != "kind"}
    footer = Footer(**values.pop("footer"))
    kind = data.get("kind")
    if kind == "schedule":
        events = [SlipEvent(**item) for item in values.pop("events")]
        return ScheduleSlip(events=events, footer=footer, **values)
    if kind == "event":
        return EventSlip(event=SlipEvent(**values.pop("event")), footer=footer, **values)
    if kind == "request":
        return RequestSlip(footer=footer, **values)
    raise ValueError(f"unknown slip kind {kind!r}")
