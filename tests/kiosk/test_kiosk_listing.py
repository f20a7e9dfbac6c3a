"""Kiosk lists are counted and cut in the database (``page_of_occurrences``), loading only the events
of the page shown; the entries and their order are exactly those of ``list_occurrences``, home
district first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.listing import first_entries, list_page, resolve_scope
from shared.clock import local_today
from shared.db import Database
from shared.models import Event, Venue
from shared.services.events import EventFilter, OccurrenceView, cancel_event, list_occurrences, page_of_occurrences
from tests.kiosk.kiosk_data import TODAY_AWAY, TODAY_HOME

SCOPES = (("today", ""), ("tomorrow", ""), ("week", ""), ("district", "hoerde"), ("district", "eving"),
          ("topic", "bewegung"), ("topic", "fest"))


def _entries(views: list[OccurrenceView]) -> list[tuple[int, object]]:
    return [(view.event.id, view.start) for view in views]


def _home_first(session: Session, criteria: EventFilter, home: Venue) -> list[OccurrenceView]:
    """The shared list, reordered the kiosk's way: stable sort, own district first."""
    return sorted(list_occurrences(session, criteria), key=lambda view: view.event.district_id != home.district_id)


@pytest.fixture
def hoerde(kiosk_db: Database, session: Session) -> Venue:
    return session.scalars(select(Venue).where(Venue.slug == "bz-hoerde")).one()


@pytest.mark.parametrize(("name", "slug"), SCOPES)
def test_pages_hold_the_shared_list_home_district_first(session: Session, hoerde: Venue, name: str,
                                                        slug: str) -> None:
    scope = resolve_scope(session, name, slug)
    expected = _home_first(session, scope.criteria, hoerde)
    assert expected, f"the demo data has entries for {name} {slug}"
    home = hoerde.district_id
    first = list_page(session, scope, home, 1, 4)
    pages = [first] + [list_page(session, scope, home, number, 4) for number in range(2, first.count + 1)]
    assert [_entries(page.views) for page in pages] == [_entries(expected[i:i + 4]) for i in range(0, len(expected), 4)]
    assert first.total == len(expected) and first.count == -(-len(expected) // 4)
    last = list_page(session, scope, home, first.count + 5, 4)
    assert (last.number, _entries(last.views)) == (first.count, _entries(pages[-1].views)), "clamped to the last page"
    assert not first.has_previous and first.has_next == (first.count > 1) and not last.has_next
    assert _entries(first_entries(session, scope, home, 40)) == _entries(expected[:40])


def test_the_own_district_comes_first_and_cancelled_events_are_left_out(session: Session, hoerde: Venue) -> None:
    scope = resolve_scope(session, "today", "")
    titles = [view.event.title for view in list_page(session, scope, hoerde.district_id, 1, 1000).views]
    assert titles.index(TODAY_HOME) < titles.index(TODAY_AWAY)
    cancel_event(session, session.scalars(select(Event).where(Event.title == TODAY_HOME)).one())
    session.flush()
    assert TODAY_HOME not in [view.event.title for view in first_entries(session, scope, hoerde.district_id, 1000)]


def test_beyond_the_materialised_horizon_pages_are_cut_from_the_expanded_list(session: Session,
                                                                               hoerde: Venue) -> None:
    far = local_today() + timedelta(days=600)
    criteria = EventFilter(first=far, last=far + timedelta(days=6))
    expected = _home_first(session, criteria, hoerde)
    assert expected, "weekly demo offers continue beyond the horizon"
    page = page_of_occurrences(session, criteria, 2, 4, hoerde.district_id)
    assert (_entries(page.views), page.total) == (_entries(expected[4:8]), len(expected))


def test_a_limit_caps_the_list(session: Session, hoerde: Venue) -> None:
    criteria = EventFilter(first=local_today(), last=local_today() + timedelta(days=6), limit=6)
    page = page_of_occurrences(session, criteria, 2, 4)
    assert (_entries(page.views), page.total, page.count) == (_entries(list_occurrences(session, criteria)[4:6]), 6, 2)
    home_first = page_of_occurrences(session, criteria, 1, 10, hoerde.district_id)
    assert _entries(home_first.views) == _entries(_home_first(session, criteria, hoerde)), "the first 6, reordered"
