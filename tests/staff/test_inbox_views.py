"""Inbox: columns, sorting, saved views, and a waiting request that is not overdue before its date."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from shared.clock import local_today, utcnow
from shared.db import Database
from shared.models import Request
from shared.services import inbox
from shared.services.inbox import InboxFilter, inbox_page, is_overdue
from tests.staff.conftest import RequestFactory, Staff


def _names(client: FlaskClient, query: str) -> list[str]:
    response = client.get(f"/staff/{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return re.findall(r"<td>(Person [A-Z])</td>", body)


def _setup(db: Database, make_request: RequestFactory, staff_users: Staff) -> None:
    today = local_today()
    made = {letter: make_request(name=f"Person {letter}", topic=f"Anliegen {letter}") for letter in "ABCD"}
    with db.session() as session:
        def edit(letter: str, **values: object) -> None:
            item = session.get(Request, made[letter].id)
            assert item is not None
            for name, value in values.items():
                setattr(item, name, value)
        edit("A", due_date=today - timedelta(days=3), created_at=utcnow() - timedelta(days=5))
        edit("B", due_date=today - timedelta(days=1), status="waiting", waiting_until=today + timedelta(days=2),
             created_at=utcnow() - timedelta(days=9))
        edit("C", due_date=today + timedelta(days=2), assignee_id=staff_users.hoerde,
             created_at=utcnow() - timedelta(days=1))
        edit("D", due_date=today + timedelta(days=1), status="incomplete", created_at=utcnow())
        session.commit()


def test_sorting_and_saved_views(hoerde_client: FlaskClient, make_request: RequestFactory, db: Database,
                                 staff_users: Staff) -> None:
    _setup(db, make_request, staff_users)
    # B waits for a later date: not in the day's open list (but under "Wartend", in a search and every status).
    assert _names(hoerde_client, "") == ["Person A", "Person D", "Person C"]
    assert _names(hoerde_client, "?sort=-due") == ["Person C", "Person D", "Person A"]
    assert _names(hoerde_client, "?sort=received") == ["Person A", "Person C", "Person D"]
    assert _names(hoerde_client, "?sort=-received") == ["Person D", "Person C", "Person A"]
    assert _names(hoerde_client, "?sort=bogus") == ["Person A", "Person D", "Person C"]
    assert _names(hoerde_client, "?status=all") == ["Person A", "Person B", "Person D", "Person C"]
    assert _names(hoerde_client, "?q=Anliegen+B") == ["Person B"]
    assert _names(hoerde_client, "?view=mine") == ["Person C"]
    assert _names(hoerde_client, "?view=new") == ["Person A", "Person C"]
    assert _names(hoerde_client, "?view=waiting") == ["Person B"]
    assert _names(hoerde_client, "?view=incomplete") == ["Person D"]
    # B is past due but waits for a later date: not overdue.
    assert _names(hoerde_client, "?view=overdue") == ["Person A"]
    body = hoerde_client.get("/staff/").get_data(as_text=True)
    assert "Anliegen A" in body and "5 Tage" in body and "heute" in body


def test_a_waiting_request_is_overdue_again_from_its_date(make_request: RequestFactory, db: Database) -> None:
    today = local_today()
    made = make_request(name="Person W")
    with db.session() as session:
        item = session.get(Request, made.id)
        assert item is not None
        item.status, item.due_date, item.waiting_until = "waiting", today - timedelta(days=4), today + timedelta(1)
        session.commit()
        assert not is_overdue(item, today)
        assert inbox_page(session, InboxFilter(None, overdue=True)).total == 0
        assert inbox_page(session, InboxFilter(None, ready=True)).total == 0  # not in the day's open list
        assert inbox_page(session, InboxFilter(None)).total == 1
        item.waiting_until = today
        session.commit()
        assert is_overdue(item, today)
        assert inbox_page(session, InboxFilter(None, overdue=True)).total == 1
        assert inbox_page(session, InboxFilter(None, ready=True)).total == 1  # back from its date


def test_a_broad_view_is_counted_up_to_a_bound(hoerde_client: FlaskClient, make_request: RequestFactory,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for letter in "EFG":
        make_request(name=f"Person {letter}")
    monkeypatch.setattr(inbox, "COUNT_LIMIT", 2)
    monkeypatch.setattr(inbox, "PAGE_SIZE", 1)
    body = hoerde_client.get("/staff/").get_data(as_text=True)
    # Three match: the count stops at the bound and says so; the pages cover what was counted.
    assert "Mehr als 2 Anfragen" in body and "Seite 1 von 2" in body
    assert "Mehr als" not in hoerde_client.get("/staff/?q=person+e").get_data(as_text=True)
    monkeypatch.setattr(inbox, "COUNT_LIMIT", 3)
    body = hoerde_client.get("/staff/").get_data(as_text=True)
    assert "3 Anfragen" in body and "Mehr als" not in body and "Seite 1 von 3" in body


def test_a_districts_first_page_is_read_off_the_open_requests_index(make_request: RequestFactory,
                                                                      db: Database) -> None:
    """The default inbox (open requests by due date) walks the partial index of open requests: its
    cost is the page, not a sort of every open request of the district. SQLite uses the index only
    when the query spells out the index's condition."""
    made = [make_request(name=f"Person {letter}") for letter in "ABC"]
    with db.session() as session:
        closed = session.get(Request, made[0].id)
        assert closed is not None
        closed.status = "done"
        session.commit()
        seen: list[tuple[str, object]] = []

        def remember(_connection: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
            seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            page = inbox_page(session, InboxFilter(district_id=made[1].district_id))
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        assert [item.id for item in page.requests] == [made[1].id, made[2].id] and page.total == 2
        statement, parameters = next((statement, parameters) for statement, parameters in seen
                                     if "ORDER BY" in statement)
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            plan = " | ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                            parameters))  # type: ignore[arg-type]
            assert "ix_requests_open_district_due" in plan and "TEMP B-TREE" not in plan, plan
        else:  # a table this small would be read whole: asked to avoid that, the planner shows what it can use
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                connection.exec_driver_sql(f"SET LOCAL {setting} = off")
            plan = " | ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement,
                                                                           parameters))  # type: ignore[arg-type]
            assert "ix_requests_open_district_due" in plan and "Sort" not in plan, plan
