"""Drives the engine: answers its queries through :class:`CallServices` until only output remains."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ivr.flow.engine import (
    Action,
    CallerKnown,
    CallEvent,
    CallState,
    CheckOffice,
    EventsFound,
    HangUp,
    Listen,
    LookupCaller,
    LookupEvents,
    OfficeStatus,
    Record,
    RequestSaved,
    SaveRequest,
    Say,
    Transfer,
    step,
)

OutputAction = Say | Listen | Record | Transfer | HangUp


class CallServices(Protocol):
    """What the call flow needs from the outside world."""

    def find_events(self, query: LookupEvents) -> EventsFound:
        """Events for a day and district, ready to be read out."""

    def check_office(self, query: CheckOffice) -> OfficeStatus:
        """Whether the district's Seniorenbüro takes calls now."""

    def find_caller(self, query: LookupCaller) -> CallerKnown:
        """The district of the caller's most recent request (a year at most), if any."""

    def save_request(self, state: CallState, query: SaveRequest) -> RequestSaved:
        """Save (or complete) the drafted request with its recordings."""


def advance(state: CallState, event: CallEvent, services: CallServices,
            early: Callable[[Say], None] | None = None) -> tuple[CallState, list[OutputAction]]:
    """Feed *event* (and the answers to any queries it raises) through the engine.

    *early* gets each ``Say`` that comes before the first query, as soon as the engine produced it
    (it depends on nothing the queries look up or save), so a stream can start the reply while the
    database is still being asked.
    """
    pending: list[CallEvent] = [event]
    outputs: list[OutputAction] = []
    queried = False
    while pending:
        state, actions = step(state, pending.pop(0))
        for action in actions:
            if early is not None and not queried and isinstance(action, Say):
                early(action)
            answer = _answer(action, state, services)
            if answer is not None:
                queried = True
                pending.append(answer)
            else:
                outputs.append(action)  # type: ignore[arg-type]
    return state, outputs


def _answer(action: Action, state: CallState, services: CallServices) -> CallEvent | None:
    if isinstance(action, LookupEvents):
        return services.find_events(action)
    if isinstance(action, CheckOffice):
        return services.check_office(action)
    if isinstance(action, LookupCaller):
        return services.find_caller(action)
    if isinstance(action, SaveRequest):
        return services.save_request(state, action)
    return None
