"""Working a request to its end: the action panel, the next request, routing and merging duplicates."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shared.clock import local_today
from shared.db import Database
from shared.models import AuditEntry, Note, Request, VoiceMessage
from shared.services.staff_users import create_user
from tests.staff.conftest import RequestFactory, Staff, client_for, wav_bytes
from tests.support.staff_login import PASSWORD, csrf_token


def _stored(db: Database, request_id: int) -> Request:
    with db.session() as session:
        item = session.get(Request, request_id)
        assert item is not None
        _ = (item.history, item.notes, item.voice_messages, item.district)
        session.expunge_all()
        return item


def test_one_save_records_call_status_assignment_and_next_step(hoerde_client: FlaskClient,
                                                               make_request: RequestFactory, db: Database,
                                                               staff_users: Staff) -> None:
    item = make_request()
    token = csrf_token(hoerde_client, "/staff/")
    response = hoerde_client.post(f"/staff/requests/{item.id}/act", data={
        "call": "reached", "call_text": "Tochter war dran", "to_status": "waiting", "waiting_until": "2099-01-05",
        "reason": "Rückmeldung der Tochter", "assignee": "me", "next_step": "Am 5.1. zurückrufen",
        "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/requests/{item.id}")
    stored = _stored(db, item.id)
    assert stored.status == "waiting" and str(stored.waiting_until) == "2099-01-05"
    assert stored.assignee_id == staff_users.hoerde
    assert [(note.kind, note.text) for note in stored.notes] == [
        ("call", "Tochter war dran"), ("next_step", "Am 5.1. zurückrufen")]
    assert [change.to_status for change in stored.history] == ["new", "in_progress", "waiting"]
    # An empty save is refused in words, nothing changes.
    empty = hoerde_client.post(f"/staff/requests/{item.id}/act", data={"assignee": "keep", "csrf_token": token})
    assert empty.status_code == 400 and "mindestens eine Aktion" in empty.get_data(as_text=True)
    assert len(_stored(db, item.id).history) == 3


def test_finishing_a_request_leads_to_the_next_one(hoerde_client: FlaskClient, make_request: RequestFactory,
                                                   db: Database) -> None:
    first = make_request(name="Erste Anfrage")
    second = make_request(name="Zweite Anfrage")
    make_request(name="Fremder Bezirk", district="eving")
    token = csrf_token(hoerde_client, "/staff/")
    done = hoerde_client.post(f"/staff/requests/{first.id}/act", data={
        "call": "reached", "to_status": "done", "csrf_token": token})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/staff/requests/{second.id}?after={first.id}")
    page = hoerde_client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Zweite Anfrage" in page and 'id="next-request"' in page and "abgeschlossen" in page
    last = hoerde_client.post(f"/staff/requests/{second.id}/act", data={
        "to_status": "cancelled", "reason": "doppelt", "csrf_token": token})
    assert last.headers["Location"].endswith("/staff/")  # nothing open left: back to the inbox
    assert _stored(db, first.id).status == "done"


def test_the_next_request_skips_one_waiting_for_a_later_date(hoerde_client: FlaskClient,
                                                              make_request: RequestFactory, db: Database) -> None:
    first = make_request(name="Erste Anfrage")
    waiting = make_request(name="Wartet noch")
    back_today = make_request(name="Wartet bis heute")
    later = make_request(name="Spätere Anfrage")
    today = local_today()
    with db.session() as session:
        # Both waiting ones are more urgent than the last; only the one whose date has come is next.
        for item, until in ((waiting, today + timedelta(days=3)), (back_today, today)):
            stored = session.get(Request, item.id)
            assert stored is not None
            stored.status, stored.waiting_until, stored.due_date = "waiting", until, today - timedelta(days=5)
        session.commit()
    token = csrf_token(hoerde_client, "/staff/")
    done = hoerde_client.post(f"/staff/requests/{first.id}/act", data={
        "call": "reached", "to_status": "done", "csrf_token": token})
    assert done.headers["Location"].endswith(f"/staff/requests/{back_today.id}?after={first.id}")
    hoerde_client.post(f"/staff/requests/{back_today.id}/act", data={
        "to_status": "cancelled", "reason": "erledigt", "csrf_token": token})
    done = hoerde_client.post(f"/staff/requests/{later.id}/act", data={
        "call": "reached", "to_status": "done", "csrf_token": token})
    # Only the request waiting for a later date is left open: the inbox, not that request.
    assert done.headers["Location"].endswith("/staff/")
    assert _stored(db, waiting.id).status == "waiting"


def test_moving_a_request_hands_it_to_the_other_team_as_new(hoerde_client: FlaskClient, eving_client: FlaskClient,
                                                             make_request: RequestFactory, db: Database,
                                                             staff_users: Staff) -> None:
    item = make_request(name="Umzug Person")
    token = csrf_token(hoerde_client, "/staff/")
    hoerde_client.post(f"/staff/requests/{item.id}/act", data={"call": "reached", "assignee": "me",
                                                               "csrf_token": token})
    assert "Umzug Person" not in eving_client.get("/staff/").get_data(as_text=True)
    moved = hoerde_client.post(f"/staff/requests/{item.id}/route", data={
        "district": "eving", "reason": "wohnt jetzt in Eving", "csrf_token": token})
    assert moved.status_code == 302
    stored = _stored(db, item.id)
    assert stored.district is not None and stored.district.slug == "eving"
    assert stored.status == "new" and stored.assignee_id is None
    assert stored.history[-1].reason == "Weitergeleitet von Hörde an Eving: wohnt jetzt in Eving"
    assert "Umzug Person" in eving_client.get("/staff/?view=new").get_data(as_text=True)
    assert hoerde_client.get(f"/staff/requests/{item.id}").status_code == 404
    with db.session() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "route")).one()
        assert audit.actor == "staff:hoerde1" and audit.record_id == str(item.id)
    # Eving cannot "move" it to a district that does not exist, nor is anything lost trying.
    again = eving_client.post(f"/staff/requests/{item.id}/route", data={
        "district": "atlantis", "csrf_token": csrf_token(eving_client, "/staff/")}, follow_redirects=True)
    assert "Bitte einen Stadtbezirk wählen" in again.get_data(as_text=True)
    assert _stored(db, item.id).district_id == stored.district_id


def test_leitstelle_gives_unrouted_requests_a_district(app: Flask, make_request: RequestFactory, db: Database,
                                                       hoerde_client: FlaskClient, staff_users: Staff) -> None:
    with db.session() as session:
        create_user(session, "zentrale", PASSWORD, "leitstelle", display_name="Leitstelle")
    central = client_for(app, "zentrale")
    unrouted = make_request(district=None, name="Ohne Bezirk")
    make_request(name="Hat Bezirk")
    inbox = central.get("/staff/").get_data(as_text=True)
    assert "Ohne Bezirk" in inbox and "Hat Bezirk" not in inbox
    assert "Ohne Bezirk" not in hoerde_client.get("/staff/").get_data(as_text=True)
    # District staff cannot route a request they cannot see.
    assert hoerde_client.post(f"/staff/requests/{unrouted.id}/route", data={
        "district": "hoerde", "csrf_token": csrf_token(hoerde_client, "/staff/")}).status_code == 404
    routed = central.post(f"/staff/requests/{unrouted.id}/route", data={
        "district": "hoerde", "csrf_token": csrf_token(central, "/staff/")})
    assert routed.status_code == 302
    stored = _stored(db, unrouted.id)
    assert stored.district is not None and stored.district.slug == "hoerde" and stored.status == "incomplete"
    assert "Ohne Bezirk" in hoerde_client.get("/staff/").get_data(as_text=True)
    assert "Ohne Bezirk" not in central.get("/staff/").get_data(as_text=True)


def test_merging_duplicates_keeps_notes_recordings_and_history(hoerde_client: FlaskClient,
                                                               make_request: RequestFactory, db: Database) -> None:
    survivor = make_request(name="Erika Doppelt")
    duplicate = make_request(name="Erika Doppelt", voice=wav_bytes())
    other = make_request(name="Fremd", district="eving")
    token = csrf_token(hoerde_client, "/staff/")
    hoerde_client.post(f"/staff/requests/{duplicate.id}/notes", data={"text": "Rief zweimal an", "csrf_token": token})
    # A request of another district cannot be the survivor; a typo is refused in words.
    foreign = hoerde_client.post(f"/staff/requests/{duplicate.id}/merge", data={
        "reference": other.reference, "csrf_token": token})
    assert foreign.status_code == 404
    typo = hoerde_client.post(f"/staff/requests/{duplicate.id}/merge", data={
        "reference": "12", "csrf_token": token}, follow_redirects=True)
    assert "Diese Nummer gibt es nicht" in typo.get_data(as_text=True)
    spaced = f"{survivor.reference[:4]} {survivor.reference[4:]}"
    merged = hoerde_client.post(f"/staff/requests/{duplicate.id}/merge", data={"reference": spaced,
                                                                              "csrf_token": token})
    assert merged.status_code == 302 and merged.headers["Location"].endswith(f"/staff/requests/{survivor.id}")
    gone = _stored(db, duplicate.id)
    assert gone.merged_into_id == survivor.id and gone.status == "cancelled"
    assert [change.to_status for change in gone.history] == ["new", "cancelled"]
    with db.session() as session:
        notes = session.scalars(select(Note).where(Note.request_id == survivor.id).order_by(Note.id)).all()
        assert notes[0].text == "Rief zweimal an"
        assert notes[-1].kind == "merge" and duplicate.reference[:4] in notes[-1].text
        assert session.scalars(select(VoiceMessage.request_id)).all() == [survivor.id]
    page = hoerde_client.get(f"/staff/requests/{duplicate.id}").get_data(as_text=True)
    assert "Zusammengeführt in" in page and spaced in page
    again = hoerde_client.post(f"/staff/requests/{duplicate.id}/merge", data={"reference": spaced,
                                                                             "csrf_token": token},
                               follow_redirects=True)
    assert "schon zusammengeführt" in again.get_data(as_text=True)
