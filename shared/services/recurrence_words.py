"""A recurrence rule in German words for staff: ``FREQ=WEEKLY;BYDAY=TU`` at 10:00 → "jeden Dienstag, 10:00"."""

from __future__ import annotations

import re
from datetime import datetime

from shared.clock import as_local

WEEKDAYS = {"MO": "Montag", "TU": "Dienstag", "WE": "Mittwoch", "TH": "Donnerstag", "FR": "Freitag",
            "SA": "Samstag", "SU": "Sonntag"}
_DAY_CODES = tuple(WEEKDAYS)
_ORDINALS = {2: "zweiten", 3: "dritten", 4: "vierten"}
_BYDAY = re.compile(r"([+-]?\d{0,2})(MO|TU|WE|TH|FR|SA|SU)")


def _parts(rrule: str) -> dict[str, str]:
    return {key.upper(): value.upper() for key, _, value in (part.partition("=") for part in rrule.split(";")) if value}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " und " + words[-1]


def _weekly(days: list[str], interval: int) -> str:
    names = _join([WEEKDAYS[day] for day in days])
    if interval == 1:
        return f"jeden {names}"
    if interval in _ORDINALS:
        return f"jeden {_ORDINALS[interval]} {names}"
    return f"alle {interval} Wochen am {names}"


def _monthly(parts: dict[str, str], start: datetime, interval: int) -> str:
    every = "jeden Monat" if interval == 1 else f"alle {interval} Monate"
    match = _BYDAY.fullmatch(parts.get("BYDAY", "").split(",")[0])
    if match and match.group(1):
        position = int(match.group(1))
        which = "letzten" if position == -1 else f"{position}."
        return f"{every} am {which} {WEEKDAYS[match.group(2)]}"
    day = parts.get("BYMONTHDAY", str(start.day)).split(",")[0]
    return f"{every} am {day}."


def describe(rrule: str, start: datetime, all_day: bool = False) -> str:
    """The rule *rrule* of an event starting at *start* (aware) in German words; "" for a single date."""
    if not rrule.strip():
        return ""
    local = as_local(start)
    parts = _parts(rrule)
    interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else 1
    frequency = parts.get("FREQ", "")
    if frequency == "DAILY":
        text = "täglich" if interval == 1 else f"alle {interval} Tage"
    elif frequency == "WEEKLY":
        days = [match.group(2) for match in map(_BYDAY.fullmatch, parts.get("BYDAY", "").split(",")) if match]
        text = _weekly(sorted(days, key=_DAY_CODES.index) or [_DAY_CODES[local.weekday()]], interval)
    elif frequency == "MONTHLY":
        text = _monthly(parts, local, interval)
    elif frequency == "YEARLY":
        text = f"jedes Jahr am {local:%d.%m.}"
    else:
        text = "regelmäßig"
    if not all_day:
        text += f", {local:%H:%M}"
    if parts.get("COUNT", "").isdigit():
        text += f" ({int(parts['COUNT'])} Termine)"
    elif parts.get("UNTIL"):
        until = re.match(r"(\d{4})(\d{2})(\d{2})", parts["UNTIL"])
        if until:
            text += f" bis {until.group(3)}.{until.group(2)}.{until.group(1)}"
    return text
