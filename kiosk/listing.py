"""Which events a kiosk list shows, in which order, and how they are split into pages."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
PHONE_LIMIT = 400  # entries on the phone page: a week of the whole city is ~120
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


def list_page(session: Session, scope: ListScope, number: int, size: int,
              now: datetime | None = None) -> OccurrencePage:
    """Page *number* (1-based, clamped to the existing pages) of a list, in chronological order
    ("Heute" without what is over at *now*, UTC)."""
    return page_of_occurrences(session, _criteria(scope, now), number, size)


def _criteria(scope: ListScope, now: datetime | None) -> EventFilter:
    """The scope's filter, without what is over at *now* where the list hides it."""
    return replace(scope.criteria, ending_after=now or utcnow()) if scope.hide_ended else scope.criteria


def phone_entries(session: Session, scope: ListScope, now: datetime | None = None) -> list[OccurrenceView]:
    """The whole list for the phone page, chronological, cancelled events included (marked there)."""
    return list_occurrences(session, replace(_criteria(scope, now), include_cancelled=True, limit=PHONE_LIMIT))


def first_entries(session: Session, scope: ListScope, limit: int,
                  now: datetime | None = None) -> OccurrencePage:
    """The first *limit* entries of a list in screen order (what a printed list holds) and how many
    there are in all (``total``)."""
    return list_page(session, scope, 1, limit, now)
