"""Which events a kiosk list shows, in which order, and how they are split into pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from kiosk.language import gettext as _
from kiosk.texts import CATEGORIES
from shared.clock import local_today, utcnow
from shared.errors import NotFound
from shared.i18n import date_range, long_date
from shared.services.events import (
    EventFilter,
    OccurrencePage,
    OccurrenceView,
    list_occurrences,
    page_of_occurrences,
    this_week,
)
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
    hide_ended: bool = False  # "Heute": what is over by now is left out


def resolve_scope(session: Session, name: str, slug: str, today: date | None = None,
                  language: str = "de") -> ListScope:
    """Turn a list name (and district or topic slug) into a filter with a dated heading in *language*;
    raise :class:`UnknownScope`."""
    today = today or local_today()
    if name == "today" and not slug:
        return ListScope(name, slug, f"{_('Heute')}, {long_date(today, language)}",
                         EventFilter(first=today, last=today), hide_ended=True)
    if name == "tomorrow" and not slug:
        tomorrow = today + timedelta(days=1)
        return ListScope(name, slug, f"{_('Morgen')}, {long_date(tomorrow, language)}",
                         EventFilter(first=tomorrow, last=tomorrow))
    if name == "week" and not slug:
        first, last = this_week(today)
        return ListScope(name, slug, f"{_('Diese Woche')}, {date_range(first, last, language)}",
                         EventFilter(first=first, last=last))
    last = today + timedelta(days=CHOOSER_DAYS - 1)
    span = date_range(today, last, language)
    if name == "district" and slug:
        try:
            district = district_by_slug(session, slug)
        except NotFound as exc:
            raise UnknownScope(slug) from exc
        return ListScope(name, slug, f"{district.name}, {span}",
                         EventFilter(first=today, last=last, districts=(slug,)))
    if name == "topic" and slug:
        if slug not in CATEGORIES:
            raise UnknownScope(slug)
        return ListScope(name, slug, f"{CATEGORIES[slug]}, {span}",
                         EventFilter(first=today, last=last, category=slug))
    raise UnknownScope(name)


def page_size(large_text: bool) -> int:
    """Entries per page: as many as fit the screen with the chosen text size."""
    return PAGE_SIZE_LARGE if large_text else PAGE_SIZE


def _current(session: Session, scope: ListScope, now: datetime | None) -> list[OccurrenceView]:
    """The whole list of a scope that hides ended events, without those over at *now* (UTC)."""
    moment = now or utcnow()
    return [view for view in list_occurrences(session, scope.criteria) if view.end > moment]


def list_page(session: Session, scope: ListScope, number: int, size: int,
              now: datetime | None = None) -> OccurrencePage:
    """Page *number* (1-based, clamped to the existing pages) of a list, in chronological order."""
    if not scope.hide_ended:
        return page_of_occurrences(session, scope.criteria, number, size)
    views = _current(session, scope, now)  # one day's list: small enough to cut in memory
    count = max(1, -(-len(views) // size))
    number = min(max(1, number), count)
    return OccurrencePage(views[(number - 1) * size:number * size], number, count, len(views))


def first_entries(session: Session, scope: ListScope, limit: int,
                  now: datetime | None = None) -> OccurrencePage:
    """The first *limit* entries of a list in screen order (what a printed list holds) and how many
    there are in all (``total``)."""
    return list_page(session, scope, 1, limit, now)
