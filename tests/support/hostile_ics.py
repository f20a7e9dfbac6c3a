"""Pathological ICS files of the security audit (issue 12), shared by the tests and the bench."""

from __future__ import annotations

HEADER = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//audit//EN\r\n"
FOOTER = "END:VCALENDAR\r\n"


def _event(uid: str, start: str, extra: str = "") -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{start}\r\nDTEND:{start[:9]}235900\r\n"
            f"SUMMARY:Termin {uid}\r\nX-TREFFPUNKT-DISTRICT:hoerde\r\n{extra}END:VEVENT\r\n")


def minutely(year: int = 2025) -> str:
    """A 233-byte-class file whose one event repeats every minute from *year* on, for ever."""
    return HEADER + _event("m@audit", f"{year}0101T000000", "RRULE:FREQ=MINUTELY\r\n") + FOOTER


def many_events(count: int = 5000) -> str:
    """*count* distinct single events."""
    return HEADER + "".join(_event(f"e{number}@audit", "20270105T100000") for number in range(count)) + FOOTER


def oversized(megabytes: int = 8) -> bytes:
    """A syntactically plausible calendar of *megabytes* MB (comment-like padding in DESCRIPTION)."""
    padding = "DESCRIPTION:" + "x" * 70 + "\r\n"
    body = padding * (megabytes * 1024 * 1024 // len(padding) + 1)
    return (HEADER + _event("big@audit", "20270105T100000", body) + FOOTER).encode()


def with_nul() -> str:
    """A valid calendar with a NUL character inside a SUMMARY."""
    return HEADER + _event("nul@audit", "20270105T100000").replace("SUMMARY:Termin", "SUMMARY:Ter\x00min") + FOOTER
