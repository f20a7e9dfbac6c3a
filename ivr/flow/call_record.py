"""What a call keeps between steps, typed: one record read from and written to ``calls.state``.

The flow's own state (:class:`ivr.flow.engine.CallState`) sits beside what the transports keep:
the webhook step counter and last answer (for replays), the stream's one-time token, the number
a stream hands to ``<Dial>``, the synthesised personal prompts to delete, and when the flow last
moved (for the sweep). The JSON column and its keys stay as they were, so stored calls still load.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from ivr.flow.engine import CallState
from shared.clock import as_utc
from shared.models import Call


@dataclass
class CallRecord:
    """The typed content of one call's ``state`` column."""

    flow: CallState = field(default_factory=CallState)
    step: int = 0  # webhook turn number: a request for another turn is a replay
    last: str = ""  # the TwiML of the last turn, answered again to a replay
    touched: str = ""  # ISO time the flow last moved
    personal_audio: list[str] = field(default_factory=list)  # prompts reading out a number or reference
    personal_tokens: list[str] = field(default_factory=list)  # their random URL names (webhooks' <Play>)
    caller: str = ""  # caller ID kept for the stream's start
    stream_nonce: str = ""
    stream_used: bool = False
    transfer: str = ""  # the number a stream asked to be connected to after it ends

    @classmethod
    def of(cls, call: Call) -> CallRecord:
        """The record stored in *call* (missing keys take their defaults, unknown ones are ignored)."""
        data: dict[str, Any] = dict(call.state or {})
        known = {item.name for item in fields(cls)}
        values = {key: value for key, value in data.items() if key in known and key != "flow"}
        return cls(flow=CallState.from_json(data.get("flow") or {}), **values)

    def store(self, call: Call) -> None:
        """Write the record to *call*'s JSON column (a new dict, so the change is tracked)."""
        call.state = self.as_json()

    def as_json(self) -> dict[str, Any]:
        """The content of the ``state`` column."""
        data = {item.name: getattr(self, item.name) for item in _FIELDS}  # values are JSON already
        data["flow"] = self.flow.to_json()
        data["personal_audio"] = list(self.personal_audio)
        data["personal_tokens"] = list(self.personal_tokens)
        return data

    def last_activity(self, call: Call) -> datetime:
        """When the flow of *call* last moved (its start when it never did)."""
        if self.touched:
            try:
                return as_utc(datetime.fromisoformat(self.touched))
            except ValueError:
                pass
        return as_utc(call.started_at)


_FIELDS = fields(CallRecord)
