"""Inbox search: reference, phone in any format, name in any script/case/diacritics, topic, notes; scoped."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select, update

from shared.db import Database
from shared.models import District, Request
from shared.services import fulltext, search
from shared.services.inbox import InboxFilter, inbox_page
from shared.services.requests import add_note
from tests.staff.conftest import RequestFactory


def _references(client: FlaskClient, query: str) -> set[str]:
    response = client.get("/staff/", query_string={"q": query})
    assert response.status_code == 200
    return set(re.findall(r"/staff/requests/\d+\">(\d{4} \d{4})<", response.get_data(as_text=True)))


def _found(db: Database, query: str, district_id: int | None = None) -> list[str]:
    with db.session() as session:
        return [item.caller_name for item in inbox_page(session, InboxFilter(district_id, (), query=query)).requests]


def test_search_by_reference_phone_name_topic_and_note(hoerde_client: FlaskClient, make_request: RequestFactory,
                                                       db: Database) -> None:
    erika = make_request(name="Erika Müller", phone="0231 1234567", topic="Einkaufshilfe")
    sukran = make_request(name="Şükran Yılmaz", phone="0231 7654321", topic="Rente")
    olga = make_request(name="Ольга Встреча", phone="0170 5555555", topic="Hausbesuch")
    with db.session() as session:
        item = session.get(Request, olga.id)
        assert item is not None
        add_note(session, item, "Braucht einen Rollator vom Sanitätshaus", None, "test")
        session.commit()
    spaced = f"{erika.reference[:4]} {erika.reference[4:]}"
    dashed = f"{erika.reference[:4]}-{erika.reference[4:]}"
    for query in (erika.reference, spaced, dashed):
        assert _references(hoerde_client, query) == {spaced}
    for number in ("0231 1234567", "+49 231 1234567", "0049-231-1234567", "(0231) 123 45 67"):
        assert _found(db, number) == ["Erika Müller"], number
    assert _found(db, "müller") == ["Erika Müller"]
    assert _found(db, "MULLER") == ["Erika Müller"]
    assert _found(db, "sukran yilmaz") == ["Şükran Yılmaz"]
    assert _found(db, "ŞÜKRAN") == ["Şükran Yılmaz"]
    assert _found(db, "встреча") == ["Ольга Встреча"]
    assert _found(db, "ВСТР") == ["Ольга Встреча"]
    assert _found(db, "einkauf") == ["Erika Müller"]
    assert _found(db, "rollator") == ["Ольга Встреча"]
    assert _found(db, "sanitatshaus") == ["Ольга Встреча"]
    assert _found(db, "Erika Rente") == []
    assert _found(db, "nichtda") == []
    assert sukran.id != erika.id


def test_search_stays_within_the_district(hoerde_client: FlaskClient, eving_client: FlaskClient,
                                          make_request: RequestFactory, db: Database) -> None:
    hoerde = make_request(name="Wilhelm Schmidt", district="hoerde")
    eving = make_request(name="Wilma Schmidt", district="eving")
    assert _references(hoerde_client, "schmidt") == {f"{hoerde.reference[:4]} {hoerde.reference[4:]}"}
    assert _references(eving_client, "Schmidt") == {f"{eving.reference[:4]} {eving.reference[4:]}"}
    assert _references(eving_client, hoerde.reference) == set()
    assert sorted(_found(db, "schmidt")) == ["Wilhelm Schmidt", "Wilma Schmidt"]


def test_search_finds_closed_requests_and_follows_edits(make_request: RequestFactory, db: Database) -> None:
    made = make_request(name="Anna Alt")
    with db.session() as session:
        item = session.get(Request, made.id)
        assert item is not None
        item.caller_name = "Anna Neu"
        item.status = "done"
        session.commit()
    assert _found(db, "neu") == ["Anna Neu"]
    assert _found(db, "alt") == []
    with db.session() as session:
        session.delete(session.scalars(select(Request)).one())
        session.commit()
    assert _found(db, "neu") == []


def test_rebuild_indexes_rows_written_without_the_orm(make_request: RequestFactory, db: Database) -> None:
    make_request(name="Björn Bulk")
    with db.engine.begin() as connection:
        connection.execute(update(Request).values(topic="Gartenarbeit"))
        assert _found(db, "garten") == []
        assert search.rebuild(connection) == 1
    assert _found(db, "garten") == ["Björn Bulk"]


def test_query_parsing() -> None:
    assert search.reference_key("4827 1930") == "48271930"
    assert search.reference_key("4827-19") is None
    assert search.phone_key("0231 / 12 34 567") == "+492311234567"
    assert search.phone_key("Müller 0231") is None
    assert fulltext.terms("Łódź, O'Brien!") == ["lodz", "o", "brien"]


def test_search_follows_a_move_and_caps_broad_queries(make_request: RequestFactory, db: Database,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    moved = make_request(name="Berta Umzug", district="hoerde")
    with db.session() as session:
        hoerde, eving = (session.scalar(select(District.id).where(District.slug == slug))
                         for slug in ("hoerde", "eving"))
        item = session.get(Request, moved.id)
        assert item is not None
        item.district_id = eving  # the scope word in the search text follows the district
    assert _found(db, "umzug", hoerde) == [] and _found(db, "umzug", eving) == ["Berta Umzug"]
    for number in range(3):
        make_request(name=f"Breit Treffer{number}", district="eving")
    monkeypatch.setattr(search, "CANDIDATE_LIMIT", 2)
    with db.session() as session:
        page = inbox_page(session, InboxFilter(eving, (), query="breit"))
        # The newest two of three, and the page knows there were more.
        assert page.truncated and sorted(item.caller_name for item in page.requests) == [
            "Breit Treffer1", "Breit Treffer2"]
        exact = inbox_page(session, InboxFilter(eving, (), query=moved.reference))
        assert not exact.truncated and [item.caller_name for item in exact.requests] == ["Berta Umzug"]


def test_each_kind_of_query_goes_to_its_own_index_without_an_or(db: Database) -> None:
    statements: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        with db.session() as session:
            for query, expected in (("4827 1930", ("requests.reference =", "requests.phone_e164 =")),
                                    ("+49 231 1234567", ("requests.phone_e164 =",)),
                                    ("müller", ("request_search",))):
                statements.clear()
                search.find(session, query, None)
                assert all(" or " not in statement for statement in statements), query
                assert all(any(part in statement for statement in statements) for part in expected), query
                if "request_search" not in expected:
                    assert not any("request_search" in statement for statement in statements), query
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
