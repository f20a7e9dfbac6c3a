"""ICS (RFC 5545) import: validate with line numbers, then sync one source by UID atomically.

A file is first checked line by line (structure, every property of every VEVENT decoded) and
only a file without errors touches the database; the sync then adds, updates and removes the
source's events inside one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from icalendar import Calendar
from icalendar.prop import vRecur
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shared.clock import BERLIN
from shared.folding import fold
from shared.models import Category, District, Event, Venue
from shared.seed.reference_data import DISTRICTS
from shared.seed.stadtteile import POSTCODES, STADTTEILE
from shared.services.event_bulk import EventRow, write_events
from shared.services.events import horizon
from shared.services.recurrence import expand, format_exdates
from shared.services.safe_fetch import FetchRefused, SafeFetcher

CONTENT_LINE = re.compile(r"^[A-Za-z0-9-]+(;[^:]*)?:")
MAX_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 15
# The work one file may cause, so any file is accepted or refused within seconds: events in it,
# and occurrences its rules produce inside the stored horizon (each is a row to write).
MAX_EVENTS = 500
MAX_OCCURRENCES = 10_000
# Rules repeating more often than daily are not events for seniors, only work for the server.
TOO_FREQUENT = ("SECONDLY", "MINUTELY", "HOURLY")


class IcsError(ValueError):
    """The file is not valid iCalendar; ``line`` is 1-based in the original file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"Zeile {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class ParsedEvent:
    """One VEVENT, decoded and mapped to our domain, not yet stored."""

    uid: str
    line: int
    title: str
    start: datetime
    end: datetime
    all_day: bool
    rrule: str = ""
    exdates: set[datetime] = field(default_factory=set)
    rdates: list[tuple[datetime, datetime]] = field(default_factory=list)
    recurrence_id: datetime | None = None
    description: str = ""
    location: str = ""
    url: str = ""
    categories: list[str] = field(default_factory=list)
    cancelled: bool = False
    district_slug: str = ""
    venue_slug: str = ""

    @property
    def external_uid(self) -> str:
        if self.recurrence_id is None:
            return self.uid
        return f"{self.uid}#{self.recurrence_id.isoformat()}"


@dataclass
class ImportReport:
    """What a sync did (or, for a preview, would do)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Titles: events whose district could not be resolved (imported city-wide), and removed events.
    city_wide: list[str] = field(default_factory=list)
    removed_titles: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{len(self.added)} neu, {len(self.updated)} geändert, "
                f"{len(self.removed)} entfernt, {len(self.unchanged)} unverändert")
        if self.city_wide:
            text += f"; {len(self.city_wide)} ohne erkennbaren Stadtbezirk für ganz Dortmund: " + ", ".join(
                self.city_wide)
        return text


class SourceUnreadable(Exception):
    """A file or URL could not be read; ``message`` is German and names no foreign content."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_source(path_or_url: str) -> str:
    """Read an ICS file from a path or a public http(s) URL (size first, short timeout, no SSRF)."""
    if path_or_url.startswith(("http://", "https://")):
        try:
            raw = SafeFetcher(MAX_BYTES, FETCH_TIMEOUT_SECONDS).get(path_or_url)
        except FetchRefused as exc:
            raise SourceUnreadable(exc.message) from exc
    else:
        try:
            with Path(path_or_url).open("rb") as file:
                raw = file.read(MAX_BYTES + 1)
        except OSError as exc:
            raise SourceUnreadable("Die Datei kann nicht gelesen werden (fehlt oder keine Berechtigung).") from exc
    return decode_ics(raw)


def decode_ics(raw: bytes) -> str:
    """*raw* as text: at most :data:`MAX_BYTES`, UTF-8, no NUL (raises :class:`IcsError`)."""
    if len(raw) > MAX_BYTES:
        raise IcsError(1, "Die Datei ist größer als 5 MB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise IcsError(line, "Die Datei ist nicht UTF-8-kodiert.") from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise IcsError(line, "Die Zeile enthält ein ungültiges Zeichen (NUL).")
    return text


@dataclass
class _Component:
    name: str
    line: int
    properties: dict[str, int] = field(default_factory=dict)


def _scan(text: str) -> list[_Component]:
    """Check the line structure; return every VEVENT with the line of each property."""
    stack: list[str] = []
    events: list[_Component] = []
    current: _Component | None = None
    logical_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t"):
            if logical_line == 0:
                raise IcsError(number, "Fortsetzungszeile ohne vorherige Zeile.")
            continue
        if not raw.strip():
            continue
        logical_line = number
        if not CONTENT_LINE.match(raw):
            raise IcsError(number, "Die Zeile ist keine gültige iCalendar-Eigenschaft.")
        name, _, value = raw.partition(":")
        prop = name.split(";", 1)[0].upper()
        if not stack and prop != "BEGIN":
            raise IcsError(number, "Die Datei muss mit BEGIN:VCALENDAR beginnen.")
        if prop == "BEGIN":
            component = value.strip().upper()
            if not stack and component != "VCALENDAR":
                raise IcsError(number, "Die Datei muss mit BEGIN:VCALENDAR beginnen.")
            stack.append(component)
            if component == "VEVENT":
                current = _Component("VEVENT", number)
                if len(events) >= MAX_EVENTS:
                    raise IcsError(number, f"Die Datei enthält mehr als {MAX_EVENTS} Termine; "
                                           "bitte in kleineren Teilen importieren.")
        elif prop == "END":
            component = value.strip().upper()
            if not stack or stack[-1] != component:
                expected = stack[-1] if stack else "nichts"
                if component.isalpha() and len(component) <= 20:
                    raise IcsError(number, f"END:{component} passt nicht zu BEGIN:{expected}.")
                raise IcsError(number, f"Dieses END passt nicht zu BEGIN:{expected}.")
            stack.pop()
            if component == "VEVENT" and current is not None:
                events.append(current)
                current = None
        elif current is not None and stack[-1] == "VEVENT":
            current.properties.setdefault(prop, number)
    if stack:
        raise IcsError(logical_line or 1, f"BEGIN:{stack[-1]} wird nicht mit END abgeschlossen.")
    if logical_line == 0:
        raise IcsError(1, "Die Datei ist leer.")
    return events


def _to_local(value: date | datetime) -> tuple[datetime, bool]:
    """Return a naive Berlin wall time and whether the value was a date (all-day)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value, False
        return value.astimezone(BERLIN).replace(tzinfo=None), False
    return datetime.combine(value, time.min), True


def _aware(local_naive: datetime) -> datetime:
    return local_naive.replace(tzinfo=BERLIN)


def _rrule_text(rule: vRecur) -> str:
    """Serialise an RRULE with UNTIL turned into Berlin wall time (we expand on wall time)."""
    rule = vRecur(dict(rule))
    if "UNTIL" in rule:
        until = rule["UNTIL"][0]
        local, _ = _to_local(until)
        rule["UNTIL"] = [local if isinstance(until, datetime) else until]
    encoded: bytes = rule.to_ical()  # type: ignore[no-untyped-call]
    return encoded.decode()


def _dates(prop: Any) -> Iterable[date | datetime]:
    for item in prop if isinstance(prop, list) else [prop]:
        for value in item.dts:
            yield value.dt


def _rdate_span(value: Any, duration: timedelta) -> tuple[datetime, datetime]:
    """An RDATE (date, date-time or period) as naive Berlin wall times of start and end."""
    if isinstance(value, tuple):  # PERIOD: (start, end) or (start, duration)
        start, _ = _to_local(value[0])
        end = _to_local(value[1])[0] if isinstance(value[1], date) else start + value[1]
        return start, end
    start, _ = _to_local(value)
    return start, start + duration


def _rdate_instances(event: ParsedEvent, overridden: set[datetime]) -> list[ParsedEvent]:
    """The extra dates of *event* (RDATE) as one-off instances keyed like RECURRENCE-ID overrides.

    Events are stored as a start, an RRULE and EXDATEs; an RDATE adds an occurrence with the
    event's content, so it becomes an instance of its own. EXDATE removes an RDATE as it removes a
    rule's date; an explicit RECURRENCE-ID override of that date wins over the RDATE.
    """
    return [replace(event, start=_aware(start), end=_aware(end), rrule="", exdates=set(), rdates=[],
                    recurrence_id=start)
            for start, end in dict(event.rdates).items() if start not in event.exdates and start not in overridden]


def _decode(component: Any, scanned: _Component) -> ParsedEvent:
    props = scanned.properties

    def line_of(name: str) -> int:
        return props.get(name, scanned.line)

    uid = str(component.get("UID", "")).strip()
    if not uid:
        raise IcsError(scanned.line, "Termin ohne UID (eindeutige Kennung).")
    if "DTSTART" not in component:
        raise IcsError(scanned.line, "Termin ohne DTSTART (Beginn).")
    try:
        start_local, all_day = _to_local(component.decoded("DTSTART"))
    except Exception as exc:  # icalendar raises many kinds of errors for bad values
        raise IcsError(line_of("DTSTART"), "DTSTART ist kein gültiges Datum.") from exc
    try:
        if "DTEND" in component:
            end_local, _ = _to_local(component.decoded("DTEND"))
        elif "DURATION" in component:
            end_local = start_local + component.decoded("DURATION")
        else:
            end_local = start_local + (timedelta(days=1) if all_day else timedelta(hours=1))
    except Exception as exc:
        name = "DTEND" if "DTEND" in component else "DURATION"
        raise IcsError(line_of(name), f"{name} ist ungültig.") from exc
    if end_local < start_local:
        raise IcsError(line_of("DTEND"), "DTEND liegt vor DTSTART.")
    parsed = ParsedEvent(
        uid=uid, line=scanned.line, title=str(component.get("SUMMARY", "")).strip() or "(ohne Titel)",
        start=_aware(start_local), end=_aware(end_local), all_day=all_day,
        description=str(component.get("DESCRIPTION", "")).strip(),
        location=str(component.get("LOCATION", "")).strip(), url=str(component.get("URL", "")).strip(),
        cancelled=str(component.get("STATUS", "")).upper() == "CANCELLED",
        district_slug=str(component.get("X-TREFFPUNKT-DISTRICT", "")).strip(),
        venue_slug=str(component.get("X-TREFFPUNKT-VENUE", "")).strip(),
    )
    if "RRULE" in component:
        try:
            parsed.rrule = _rrule_text(component["RRULE"])
            from dateutil.rrule import rrulestr

            rrulestr(parsed.rrule, dtstart=start_local, ignoretz=True)
        except Exception as exc:
            raise IcsError(line_of("RRULE"), "RRULE ist ungültig.") from exc
        if re.search(rf"FREQ=({'|'.join(TOO_FREQUENT)})\b", parsed.rrule.upper()):
            raise IcsError(line_of("RRULE"), "Der Termin wiederholt sich zu oft (häufiger als täglich).")
    if "EXDATE" in component:
        try:
            parsed.exdates = {_to_local(value)[0] for value in _dates(component["EXDATE"])}
        except Exception as exc:
            raise IcsError(line_of("EXDATE"), "EXDATE ist ungültig.") from exc
    if "RDATE" in component:
        try:
            parsed.rdates = [_rdate_span(value, end_local - start_local) for value in _dates(component["RDATE"])]
        except Exception as exc:
            raise IcsError(line_of("RDATE"), "RDATE ist ungültig.") from exc
    if "RECURRENCE-ID" in component:
        try:
            parsed.recurrence_id = _to_local(component.decoded("RECURRENCE-ID"))[0]
        except Exception as exc:
            raise IcsError(line_of("RECURRENCE-ID"), "RECURRENCE-ID ist ungültig.") from exc
    if "CATEGORIES" in component:
        values = component["CATEGORIES"]
        for item in values if isinstance(values, list) else [values]:
            parsed.categories.extend(str(category).strip() for category in item.cats)
    return parsed


def parse_ics(text: str) -> list[ParsedEvent]:
    """Validate and decode every VEVENT; raise :class:`IcsError` with the line at fault."""
    scanned = _scan(text)
    try:
        calendar = Calendar.from_ical(text)
    except Exception as exc:
        raise IcsError(1, "Die Datei ist kein gültiger Kalender.") from exc
    components = list(calendar.walk("VEVENT"))
    if len(components) != len(scanned):
        raise IcsError(1, "Die Termine der Datei konnten nicht eindeutig gelesen werden.")
    parsed = [_decode(component, info) for component, info in zip(components, scanned, strict=True)]
    overridden: dict[str, set[datetime]] = {}
    for event in parsed:
        if event.recurrence_id is not None:
            overridden.setdefault(event.uid, set()).add(event.recurrence_id)
    parsed += [instance for event in parsed if event.recurrence_id is None
               for instance in _rdate_instances(event, overridden.get(event.uid, set()))]
    seen: dict[str, int] = {}
    for event in parsed:
        if event.external_uid in seen:
            raise IcsError(event.line, f"Die UID dieses Termins kommt doppelt vor (zuerst in Zeile "
                                       f"{seen[event.external_uid]}).")
        seen[event.external_uid] = event.line
    _check_work(parsed)
    return parsed


def _check_work(parsed: Sequence[ParsedEvent]) -> None:
    """Refuse a file whose rules would store more than :data:`MAX_OCCURRENCES` occurrences."""
    window_start, window_end = horizon()
    total = 0
    for event in parsed:
        if not event.rrule:
            total += 1
            continue
        for _span in expand(event.start, event.end, event.rrule, format_exdates(event.exdates),
                            window_start, window_end):
            total += 1
            if total > MAX_OCCURRENCES:
                raise IcsError(event.line, f"Die Termine der Datei ergeben mehr als {MAX_OCCURRENCES} "
                                           "Einzeltermine; bitte die Wiederholungen begrenzen.")


@dataclass
class _Places:
    districts: dict[str, District]
    venues: list[Venue]
    categories: dict[str, Category]

    @classmethod
    def load(cls, session: Session) -> _Places:
        categories: dict[str, Category] = {}
        for category in session.scalars(select(Category)):
            categories[category.slug] = category
            categories[category.name.lower()] = category
        return cls(
            districts={d.slug: d for d in session.scalars(select(District))},
            venues=sorted(session.scalars(select(Venue)), key=lambda v: -len(v.name)),
            categories=categories,
        )


def _place_names() -> list[tuple[re.Pattern[str], str]]:
    """Stadtbezirk and Stadtteil names as whole-word patterns, longest first (Kirchhörde before Hörde)."""
    names = {fold(name): slug for slug, parts in STADTTEILE.items() for name in parts}
    for info in DISTRICTS:
        for name in (info.name, *info.variants[:2]):
            names.setdefault(fold(name), info.slug)
    ordered = sorted(names.items(), key=lambda item: -len(item[0]))
    return [(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)"), slug) for name, slug in ordered]


_PLACE_NAMES = _place_names()
_POSTCODE = re.compile(r"(?<!\d)(44[1-3]\d\d)(?!\d)")


def district_of_location(location: str) -> str:
    """The district slug a LOCATION names by Stadtteil/Stadtbezirk (whole words) or postcode, else ""."""
    folded = fold(location)
    for pattern, slug in _PLACE_NAMES:
        if pattern.search(folded):
            return slug
    for postcode in _POSTCODE.findall(location):
        if postcode in POSTCODES:
            return POSTCODES[postcode]
    return ""


def cut_title(title: str, limit: int = 200) -> str:
    """*title* cut to *limit* characters at a word boundary, with "…" when shortened."""
    if len(title) <= limit:
        return title
    head = title[:limit - 1]
    if not title[limit - 1].isspace() and " " in head:
        head = head[:head.rindex(" ")]
    return head.rstrip(" ,;:-–") + "…"


def _resolve_place(
    parsed: ParsedEvent, places: _Places, default_district: str | None
) -> tuple[District | None, Venue | None]:
    """The event's district and venue; no district (city-wide) when nothing names one."""
    venue = next((v for v in places.venues if v.slug == parsed.venue_slug), None)
    if venue is None and parsed.location:
        location = parsed.location.lower()
        venue = next((v for v in places.venues if v.name.lower() in location), None)
    if venue is not None:
        return venue.district, venue
    slug = parsed.district_slug or (district_of_location(parsed.location) if parsed.location else "")
    slug = slug or (default_district or "")
    return places.districts.get(slug), None


def _values(parsed: ParsedEvent, district: District | None, venue: Venue | None,
            exdates: set[datetime]) -> dict[str, Any]:
    """The event columns an import sets from *parsed*."""
    return {
        "title": cut_title(parsed.title), "description": parsed.description, "start": parsed.start,
        "end": parsed.end, "all_day": parsed.all_day, "rrule": parsed.rrule,
        "exdates": format_exdates(exdates), "district_id": district.id if district else None,
        "venue_id": venue.id if venue else None, "location": parsed.location[:200],
        "url": parsed.url[:300], "cancelled": parsed.cancelled,
    }


def _unchanged(event: Event, values: dict[str, Any], categories: list[Category]) -> bool:
    return (all(getattr(event, name) == value for name, value in values.items())
            and [c.slug for c in event.categories] == [c.slug for c in categories])


@dataclass
class SyncPlan:
    """What a sync writes: new and changed event rows, removed ids, and the report."""

    report: ImportReport = field(default_factory=ImportReport)
    added: list[EventRow] = field(default_factory=list)
    changed: list[EventRow] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    kept_districts: set[int | None] = field(default_factory=set)

    def district_ids(self) -> set[int | None]:
        """The districts the source's events have after the sync (None: city-wide)."""
        return {row.values["district_id"] for row in (*self.added, *self.changed)} | self.kept_districts


def plan_sync(session: Session, parsed: Sequence[ParsedEvent], source: str,
              default_district: str | None = None) -> SyncPlan:
    """Compare *parsed* with the stored events of *source* (by UID); reads only, writes nothing."""
    if not source.strip():
        raise ValueError("an import needs a source name")
    plan = SyncPlan()
    places = _Places.load(session)
    existing = {
        event.external_uid: event
        for event in session.scalars(
            select(Event).where(Event.source == source).options(selectinload(Event.categories))
        )
    }
    overrides: dict[str, set[datetime]] = {}
    for item in parsed:
        if item.recurrence_id is not None:
            overrides.setdefault(item.uid, set()).add(item.recurrence_id)
    for item in parsed:
        district, venue = _resolve_place(item, places, default_district)
        if district is None:
            plan.report.city_wide.append(cut_title(item.title))
        categories = sorted(
            {places.categories[name.lower()] for name in item.categories if name.lower() in places.categories},
            key=lambda category: category.slug,
        )
        exdates = item.exdates | overrides.get(item.uid, set()) if item.recurrence_id is None else set()
        values = _values(item, district, venue, exdates)
        topics = [category.id for category in categories]
        event = existing.pop(item.external_uid, None)
        if event is None:
            plan.added.append(EventRow({**values, "source": source, "external_uid": item.external_uid}, topics))
            plan.report.added.append(item.external_uid)
        elif _unchanged(event, values, categories):
            plan.report.unchanged.append(item.external_uid)
            plan.kept_districts.add(event.district_id)
        else:
            plan.changed.append(EventRow(values, topics, event.id))
            plan.report.updated.append(item.external_uid)
    for uid, event in existing.items():
        plan.report.removed.append(uid or "")
        plan.report.removed_titles.append(event.title)
        plan.removed.append(event.id)
    return plan


def sync_source(
    session: Session, parsed: Sequence[ParsedEvent], source: str,
    default_district: str | None = None, dry_run: bool = False,
) -> ImportReport:
    """Make the events of *source* exactly those in *parsed* (by UID), in bulk and inside the
    session's transaction (a savepoint: all or nothing); *dry_run* only reports."""
    plan = plan_sync(session, parsed, source, default_district)
    if not dry_run:
        write_plan(session, plan)
    return plan.report


def write_plan(session: Session, plan: SyncPlan) -> None:
    """Write *plan* atomically (a savepoint inside the session's transaction)."""
    with session.begin_nested():
        write_events(session, plan.added, plan.changed, plan.removed)
    session.expire_all()  # the loaded events of the source are stale now


def import_ics(session: Session, text: str, source: str, default_district: str | None = None,
               dry_run: bool = False) -> ImportReport:
    """Validate *text* completely, then sync *source* to it (nothing is written on any error)."""
    return sync_source(session, parse_ics(text), source, default_district, dry_run=dry_run)
