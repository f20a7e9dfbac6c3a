"""Which events a kiosk list shows, in which order, and how they are split into pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from kiosk.texts import CATEGORIES
from shared.clock import local_today
from shared.errors import NotFound
from shared.models import Venue
from shared.services.events import EventFilter, OccurrenceView, list_occurrences, this_week
from shared.services.places import district_by_slug

CHOOSER_DAYS = 14  # lists by district or topic look two weeks ahead
PAGE_SIZE = 4  # entries per list page: titles take up to two lines, all of it fits 1920x1080
PAGE_SIZE_LARGE = 3
SCOPES = ("today", "tomorrow", "week", "district", "topic")


class UnknownScope(LookupError):
    """The list asked for does not exist."""


@dataclass(frozen=True)
class ListScope:
    """One list a senior can open: its heading and the filter behind it."""

    name: str
    slug: str
    heading: str
    criteria: EventFilter


@dataclass(frozen=True)
class Page:
    """One screenful of a list."""

    items: list[OccurrenceView]
    number: int
    count: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def resolve_scope(session: Session, name: str, slug: str, today: date | None = None) -> ListScope:
    """Turn a list name (and district or topic slug) into a filter; raise :class:`UnknownScope`."""
    today = today or local_today()
    if name == "today" and not slug:
        return ListScope(name, slug, str(_l("Heute")), EventFilter(first=today, last=today))
    if name == "tomorrow" and not slug:
        tomorrow = today + timedelta(days=1)
        return ListScope(name, slug, str(_l("Morgen")), EventFilter(first=tomorrow, last=tomorrow))
    if name == "week" and not slug:
        first, last = this_week(today)
        return ListScope(name, slug, str(_l("Diese Woche")), EventFilter(first=first, last=last))
    last = today + timedelta(days=CHOOSER_DAYS - 1)
    if name == "district" and slug:
        try:
            district = district_by_slug(session, slug)
        except NotFound as exc:
            raise UnknownScope(slug) from exc
        return ListScope(name, slug, district.name, EventFilter(first=today, last=last, districts=(slug,)))
    if name == "topic" and slug:
        if slug not in CATEGORIES:
            raise UnknownScope(slug)
        return ListScope(name, slug, str(CATEGORIES[slug]), EventFilter(first=today, last=last, category=slug))
    raise UnknownScope(name)


def home_first(views: list[OccurrenceView], home_district_id: int) -> list[OccurrenceView]:
    """The centre's own district first, each part in time order (the sort is stable)."""
    return sorted(views, key=lambda view: view.event.district_id != home_district_id)


def scope_occurrences(session: Session, scope: ListScope, venue: Venue) -> list[OccurrenceView]:
    """Every entry of a list, home district first."""
    return home_first(list_occurrences(session, scope.criteria), venue.district_id)


def paginate(views: list[OccurrenceView], number: int, size: int) -> Page:
    """Page *number* (1-based, clamped to the existing pages) of *views*."""
    count = max(1, -(-len(views) // size))
    number = min(max(1, number), count)
    start = (number - 1) * size
    return Page(views[start:start + size], number, count, len(views))
