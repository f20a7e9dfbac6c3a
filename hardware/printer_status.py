"""What a printer says about itself: DLE EOT real-time status, decoded.

We ask ``DLE EOT 1`` (online), ``DLE EOT 2`` (why offline) and ``DLE EOT 4`` (paper sensor) and
read one byte each. No answer is *not* "plenty of paper" (python-escpos' ``paper_status()`` says
so when nothing comes back): it is reported as ``unknown``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, TypeGuard

DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_OFFLINE_CAUSE = b"\x10\x04\x02"
DLE_EOT_PAPER = b"\x10\x04\x04"

# The states a printer can be in, as plain words the kiosk and /healthz show.
State = Literal["ready", "paper_out", "cover_open", "offline", "unknown"]
Paper = Literal["ok", "near_end", "out", "unknown"]

_FIXED_MASK, _FIXED_BITS = 0x93, 0x12  # bits 0, 1, 4, 7 of every status byte: 0 1 1 0


@dataclass(frozen=True)
class PrinterStatus:
    """The state that decides whether a job is sent now, plus details for people."""

    state: State
    paper: Paper = "unknown"
    detail: str = ""

    @property
    def can_print(self) -> bool:
        """Send the job? Yes when ready, and when the transport cannot tell (file, CUPS, dummy)."""
        return self.state in ("ready", "unknown")

    def as_dict(self) -> dict[str, str]:
        """For JSON output."""
        return {key: str(value) for key, value in asdict(self).items()}


def _valid(byte: int | None) -> TypeGuard[int]:
    return byte is not None and byte & _FIXED_MASK == _FIXED_BITS


def decode(printer: int | None, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Combine the answers to DLE EOT 1, 2 and 4 (``None`` where nothing came back)."""
    if not _valid(printer):
        return PrinterStatus("unknown", "unknown", "printer did not answer the status query")
    paper_state: Paper = "unknown"
    if _valid(paper):
        paper_state = "out" if paper & 0x60 == 0x60 else "near_end" if paper & 0x0C == 0x0C else "ok"
    if paper_state == "out":
        return PrinterStatus("paper_out", paper_state, "roll paper end sensor: no paper")
    if printer & 0x08:
        if _valid(offline_cause):
            if offline_cause & 0x20:
                return PrinterStatus("paper_out", "out", "printing stopped by paper end")
            if offline_cause & 0x04:
                return PrinterStatus("cover_open", paper_state, "cover is open")
        return PrinterStatus("offline", paper_state, "printer reports offline")
    return PrinterStatus("ready", paper_state, "paper near end" if paper_state == "near_end" else "")
