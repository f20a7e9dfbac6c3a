"""A recurrence rule in the dashboard's words: ``FREQ=WEEKLY;BYDAY=TU`` at 10:00 → "jeden Dienstag, 10:00"
("every Tuesday, 10:00"); weekday names from Babel, phrases from the staff catalogue."""

from __future__ import annotations

import re
from datetime import date, datetime

from babel.dates import format_skeleton

from shared.clock import as_local
from shared.i18n import locale_of, weekday_names
from shared.staff.i18n import current_language, format_local, gettext, ngettext

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"([+-]?\d{0,2})(MO|TU|WE|TH|FR|SA|SU)")


def _parts(rrule: str) -> dict[str, str]:
    return {key.upper(): value.upper() for key, _, value in (part.partition("=") for part in rrule.split(";")) if value}


def _day(code: str) -> str:
    return weekday_names(current_language())[DAY_CODES.index(code)]


def _join(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return gettext("%(first)s und %(last)s", first=", ".join(words[:-1]), last=words[-1])


def _weekly(days: list[str], interval: int) -> str:
    names = _join([_day(day) for day in days])
    if interval == 1:
        return gettext("jeden %(days)s", days=names)
    if interval == 2:
        return gettext("jeden zweiten %(days)s", days=names)
    if interval == 3:
        return gettext("jeden dritten %(days)s", days=names)
    if interval == 4:
        return gettext("jeden vierten %(days)s", days=names)
    return gettext("alle %(weeks)s Wochen am %(days)s", weeks=interval, days=names)


def _monthly(parts: dict[str, str], start: datetime, interval: int) -> str:
    every = gettext("jeden Monat") if interval == 1 else gettext("alle %(months)s Monate", months=interval)
    match = _BYDAY.fullmatch(parts.get("BYDAY", "").split(",")[0])
    if match and match.group(1):
        position = int(match.group(1))
        if position == -1:
            return gettext("%(every)s am letzten %(day)s", every=every, day=_day(match.group(2)))
        return gettext("%(every)s am %(position)s. %(day)s", every=every, position=position, day=_day(match.group(2)))
    day = parts.get("BYMONTHDAY", str(start.day)).split(",")[0]
    return gettext("%(every)s am %(day)s.", every=every, day=day)


def describe(rrule: str, start: datetime, all_day: bool = False) -> str:
    """The rule *rrule* of an event starting at *start* (aware) in words; "" for a single date."""
    if not rrule.strip():
        return ""
    local = as_local(start)
    parts = _parts(rrule)
    interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else 1
    frequency = parts.get("FREQ", "")
    if frequency == "DAILY":
        text = gettext("täglich") if interval == 1 else gettext("alle %(days)s Tage", days=interval)
    elif frequency == "WEEKLY":
        days = [match.group(2) for match in map(_BYDAY.fullmatch, parts.get("BYDAY", "").split(",")) if match]
        text = _weekly(sorted(days, key=DAY_CODES.index) or [DAY_CODES[local.weekday()]], interval)
    elif frequency == "MONTHLY":
        text = _monthly(parts, local, interval)
    elif frequency == "YEARLY":
        day = format_skeleton("dMMMM", local.date(), locale=locale_of(current_language()))
        text = gettext("jedes Jahr am %(day)s", day=day)
    else:
        text = gettext("regelmäßig")
    if not all_day:
        text += f", {local:%H:%M}"
    if parts.get("COUNT", "").isdigit():
        text += " " + ngettext("(%(num)d Termin)", "(%(num)d Termine)", int(parts["COUNT"]))
    elif parts.get("UNTIL"):
        until = re.match(r"(\d{4})(\d{2})(\d{2})", parts["UNTIL"])
        if until:
            last = date(int(until.group(1)), int(until.group(2)), int(until.group(3)))
            text += " " + gettext("bis %(day)s", day=format_local(last, with_time=False))
    return text
