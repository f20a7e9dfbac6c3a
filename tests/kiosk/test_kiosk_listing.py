"""Kiosk lists are counted and cut in the database (``page_of_occurrences``), loading only the events
of the page shown; the entries and their order are exactly those of ``list_occurrences``
(chronological), "Heute" without what is over; every heading carries its dates in the screen language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.listing import ListScope, first_entries, list_page, resolve_scope
from shared.clock import local_today
from shared.db import Database
from shared.models import Event, Venue
from shared.services import events
from shared.services.events import (
    EventFilter,
    OccurrenceView,
    cancel_event,
    list_occurrences,
    page_of_occurrences,
    save_event,
)
from tests.kiosk.kiosk_data import TODAY_AWAY, TODAY_HOME

SCOPES = (("today", ""), ("tomorrow", ""), ("week", ""), ("district", "hoerde"), ("district", "eving"),
          ("topic", "bewegung"), ("topic", "fest"))


def _entries(views: list[OccurrenceView]) -> list[tuple[int, object]]:
    return [(view.event.id, view.start) for view in views]


def _home_first(session: Session, criteria: EventFilter, home: Venue) -> list[OccurrenceView]:
    """The shared list, reordered the way page_of_occurrences does with a first district."""
    return sorted(list_occurrences(session, criteria), key=lambda view: view.event.district_id != home.district_id)


def _shown(session: Session, criteria: EventFilter, hide_ended: bool, now: datetime) -> list[OccurrenceView]:
    return [view for view in list_occurrences(session, criteria) if not hide_ended or view.end > now]


@pytest.fixture
def hoerde(kiosk_db: Database, session: Session) -> Venue:
    return session.scalars(select(Venue).where(Venue.slug == "bz-hoerde")).one()


@pytest.mark.parametrize("prefetched", [events.PREFETCHED_STARTS, 4], ids=["read-ahead", "read-after-count"])
@pytest.mark.parametrize(("name", "slug"), SCOPES)
def test_pages_hold_the_shared_list_in_time_order(session: Session, hoerde: Venue, name: str, slug: str,
                                                  prefetched: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages within the read-ahead come with the count; pages beyond it read their starts after it."""
    monkeypatch.setattr(events, "PREFETCHED_STARTS", prefetched)
    scope = resolve_scope(session, name, slug)
    now = datetime.combine(local_today(), datetime.min.time(), UTC)
    assert _shown(session, scope.criteria, scope.hide_ended, now), f"the demo data has entries for {name} {slug}"
    _assert_pages(session, scope, now)


def test_a_district_list_merges_the_city_wide_events_in_time_order(session: Session, hoerde: Venue) -> None:
    others = session.scalars(select(Event).where(Event.district_id != hoerde.district_id).order_by(Event.id)).all()
    for event in others[::3]:
        event.district_id = None  # city-wide: in every district's list
        save_event(session, event)
    session.commit()
    scope = resolve_scope(session, "district", "hoerde")
    now = datetime.combine(local_today(), datetime.min.time(), UTC)
    shown = _shown(session, scope.criteria, scope.hide_ended, now)
    assert {view.event.district_id for view in shown} == {hoerde.district_id, None}
    _assert_pages(session, scope, now)


def _assert_pages(session: Session, scope: ListScope, now: datetime) -> None:
    """Every page of *scope* holds the next four entries of the shared list; counts and clamping."""
    expected = _shown(session, scope.criteria, scope.hide_ended, now)
    assert [view.start for view in expected] == sorted(view.start for view in expected)
    first = list_page(session, scope, 1, 4, now)
    pages = [first] + [list_page(session, scope, number, 4, now) for number in range(2, first.count + 1)]
    assert [_entries(page.views) for page in pages] == [_entries(expected[i:i + 4]) for i in range(0, len(expected), 4)]
    assert first.total == len(expected) and first.count == -(-len(expected) // 4)
    last = list_page(session, scope, first.count + 5, 4, now)
    assert (last.number, _entries(last.views)) == (first.count, _entries(pages[-1].views)), "clamped to the last page"
    assert not first.has_previous and first.has_next == (first.count > 1) and not last.has_next
    assert _entries(first_entries(session, scope, 40, now).views) == _entries(expected[:40])


def test_today_leaves_out_what_is_over_and_cancelled_events(session: Session, hoerde: Venue) -> None:
    scope = resolve_scope(session, "today", "")
    away = session.scalars(select(Event).where(Event.title == TODAY_AWAY)).one()
    before = away.start - timedelta(minutes=1)
    titles = [view.event.title for view in list_page(session, scope, 1, 1000, before).views]
    assert titles.index(TODAY_AWAY) < titles.index(TODAY_HOME), "in time order, the home district not first"
    after = list_page(session, scope, 1, 1000, away.end + timedelta(minutes=1)).views
    assert TODAY_AWAY not in [view.event.title for view in after] and TODAY_HOME in [v.event.title for v in after]
    assert all(view.end > away.end for view in after)
    assert list_page(session, scope, 1, 1000, away.start + timedelta(minutes=1)).total == len(titles), \
        "still on while it runs"
    cancel_event(session, session.scalars(select(Event).where(Event.title == TODAY_HOME)).one())
    session.flush()
    assert TODAY_HOME not in [view.event.title for view in first_entries(session, scope, 1000, before).views]


@pytest.mark.parametrize(("language", "today", "tomorrow", "week"), [
    ("de", "Heute, Dienstag, 1. Dezember", "Morgen, Mittwoch, 2. Dezember", "Diese Woche, 1.–6. Dezember"),
    ("tr", "Heute, 1 Aralık Salı", "Morgen, 2 Aralık Çarşamba", "Diese Woche, 1 – 6 Aralık"),
    ("en", "Heute, Tuesday, December 1", "Morgen, Wednesday, December 2", "Diese Woche, December 1 – 6"),
])
def test_headings_carry_the_date_in_the_screen_language(session: Session, hoerde: Venue, language: str, today: str,
                                                        tomorrow: str, week: str) -> None:
    day = date(2026, 12, 1)  # a Tuesday (outside a request the words stay German, the dates do not)
    headings = [resolve_scope(session, name, "", day, language).heading for name in ("today", "tomorrow", "week")]
    assert headings == [today, tomorrow, week]
    assert resolve_scope(session, "district", "hoerde", day, language).heading.startswith("Hörde, ")
    assert resolve_scope(session, "district", "hoerde", day, "de").heading == "Hörde, 1.–14. Dezember"


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
