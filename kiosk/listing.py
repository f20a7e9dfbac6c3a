"""Which events a kiosk list shows, in which order, and how they are split into pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from kiosk.texts import CATEGORIES
from shared.clock import local_today
from shared.errors import NotFound
from shared.services.events import EventFilter, OccurrencePage, OccurrenceView, page_of_occurrences, this_week
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


def page_size(large_text: bool) -> int:
    """Entries per page: as many as fit the screen with the chosen text size."""
    return PAGE_SIZE_LARGE if large_text else PAGE_SIZE


def list_page(session: Session, scope: ListScope, home_district_id: int, number: int,
              size: int) -> OccurrencePage:
    """Page *number* (1-based, clamped to the existing pages) of a list, the centre's own district first."""
    return page_of_occurrences(session, scope.criteria, number, size, home_district_id)


def first_entries(session: Session, scope: ListScope, home_district_id: int, limit: int) -> list[OccurrenceView]:
    """The first *limit* entries of a list in screen order (what a printed list holds)."""
    return page_of_occurrences(session, scope.criteria, 1, limit, home_district_id).views
