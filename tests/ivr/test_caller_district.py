"""Issue 11: the home district is taken from the caller's earlier requests, said once, and 9 changes it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.flow.engine import (
    CallerKnown,
    CallEvent,
    CallStarted,
    CallState,
    CheckOffice,
    Digits,
    Listen,
    LookupCaller,
    NoInput,
    OfficeStatus,
    Say,
    Speech,
    Transfer,
    step,
)
from ivr.flow.runner import OutputAction, advance
from ivr.flow.services import DatabaseCallServices
from ivr.speech.recognition import NoRecognizer
from ivr.transports.recordings import RecordingAttacher
from shared.clock import BERLIN
from shared.db import Database
from shared.models import Request
from shared.services.requests import NewRequest, create_request
from tests.ivr.conftest import CALLER, TwilioPhone

TUESDAY = datetime(2026, 11, 24, 10, 30, tzinfo=BERLIN)  # office hours
GUESS_HOERDE = "Ihr Stadtbezirk: Hörde. Ein anderer: Taste 9."
HOME_QUESTION = "In welchem Stadtbezirk wohnen Sie?"


def earlier_request(session: Session, phone: str, slug: str | None, created: datetime | None = None) -> None:
    request, _ = create_request(session, NewRequest(kind="callback", channel="phone", district_slug=slug,
                                                    phone=phone, consent_data=True, incomplete=slug is None),
                                "test")
    if created is not None:
        request.created_at = created
    session.commit()


class Caller:
    """A caller walking the engine by keys, its queries answered by the real database view."""

    def __init__(self, session: Session, tmp_path: Path, caller: str = CALLER) -> None:
        self.services = DatabaseCallServices(session, "CA9", RecordingAttacher(tmp_path, NoRecognizer()),
                                             now=TUESDAY)
        self.state, self.heard = advance(CallState(), CallStarted(caller=caller), self.services)

    def send(self, event: CallEvent) -> list[OutputAction]:
        self.state, self.heard = advance(CallState.from_json(self.state.to_json()), event, self.services)
        return self.heard

    def said(self) -> str:
        return " ".join(action.text for action in self.heard if isinstance(action, Say))


def test_lookup_is_asked_once_at_the_start_and_only_with_a_caller_id() -> None:
    _, actions = step(CallState(), CallStarted(caller=CALLER))
    assert [a for a in actions if isinstance(a, LookupCaller)] == [LookupCaller(CALLER)]
    assert isinstance(actions[-1], Listen) and isinstance(actions[-2], LookupCaller)  # after every Say
    _, withheld = step(CallState(), CallStarted(caller=""))
    assert not any(isinstance(a, LookupCaller) for a in withheld)


@pytest.mark.parametrize("found", [(CALLER, 0), ("0231 1234567", 0), (CALLER, 300)])
def test_known_number_skips_the_home_district_question(session: Session, tmp_path: Path,
                                                       found: tuple[str, int]) -> None:
    dialled, days_ago = found
    earlier_request(session, CALLER, "innenstadt-west", TUESDAY - timedelta(days=days_ago + 30))
    earlier_request(session, CALLER, "hoerde", TUESDAY - timedelta(days=days_ago))  # the most recent wins
    caller = Caller(session, tmp_path, dialled)
    assert caller.state.caller_district == 8
    for key in ("2", "1", "2"):  # request, home visit, no consent → straight to the number
        caller.send(Digits(key))
    assert GUESS_HOERDE in caller.said() and HOME_QUESTION not in caller.said()
    assert caller.state.node == "number_confirm" and caller.state.draft is not None
    assert caller.state.draft.district == 8
    caller.send(Digits("1"))  # the number is right: the district stands and is not said again
    assert caller.state.node == "callback_time" and "Hörde" not in caller.said()
    caller.send(Digits("4"))
    caller.send(Digits("1"))  # summary confirmed → saved
    assert caller.state.reference
    saved = session.get(Request, caller.state.request_id)
    assert saved is not None and saved.district is not None and saved.district.slug == "hoerde"
    assert saved.kind == "home_visit"


def test_nine_changes_the_guessed_district(session: Session, tmp_path: Path) -> None:
    earlier_request(session, CALLER, "hoerde")
    caller = Caller(session, tmp_path)
    for key in ("2", "2", "2"):
        caller.send(Digits(key))
    caller.send(Digits("*"))  # repeated: the guess is said again with the question
    assert GUESS_HOERDE in caller.said()
    caller.send(Digits("9"))
    assert HOME_QUESTION in caller.said() and caller.state.node == "home_district"
    caller.send(Digits("44135"))  # Innenstadt-West by postcode
    assert caller.state.node == "number_confirm" and "Ein anderer: Taste" not in caller.said()
    for key in ("1", "4", "1"):
        caller.send(Digits(key))
    saved = session.get(Request, caller.state.request_id)
    assert saved is not None and saved.district is not None and saved.district.slug == "innenstadt-west"


@pytest.mark.parametrize("case", ["no request", "other number", "older than a year", "no district", "withheld"])
def test_unknown_number_is_asked_for_the_district(session: Session, tmp_path: Path, case: str) -> None:
    if case == "other number":
        earlier_request(session, "+492317654321", "hoerde")
    elif case == "older than a year":
        earlier_request(session, CALLER, "hoerde", TUESDAY - timedelta(days=366))
    elif case == "no district":
        earlier_request(session, CALLER, None)  # an incomplete request without a district
    caller = Caller(session, tmp_path, "anonymous" if case == "withheld" else CALLER)
    assert caller.state.caller_district is None
    for key in ("2", "1", "2"):
        caller.send(Digits(key))
    assert HOME_QUESTION in caller.said() and "Ein anderer: Taste" not in caller.said()


def test_zero_with_a_known_number_says_the_district_and_connects_after_a_short_pause(
        session: Session, tmp_path: Path) -> None:
    earlier_request(session, CALLER, "hoerde")
    caller = Caller(session, tmp_path)
    heard = caller.send(Digits("0"))
    assert caller.said() == GUESS_HOERDE
    listen = heard[-1]
    assert isinstance(listen, Listen) and listen.timeout_seconds <= 3
    heard = caller.send(NoInput())  # silence: Hörde stands
    assert isinstance(heard[-1], Transfer) and "Seniorenbüro Hörde" in caller.said()


def test_zero_then_nine_asks_for_the_district(session: Session, tmp_path: Path) -> None:
    earlier_request(session, CALLER, "hoerde")
    caller = Caller(session, tmp_path)
    caller.send(Digits("0"))
    caller.send(Digits("9"))
    assert caller.state.node == "person_district" and "Mit welchem Büro verbinde ich Sie?" in caller.said()
    _, actions = step(caller.state, Digits("44135"))
    assert actions[-1] == CheckOffice(1)


def test_answer_without_a_district_changes_nothing() -> None:
    state, _ = step(CallState(), CallStarted(caller=CALLER))
    state, actions = step(state, CallerKnown(None))
    assert actions == [] and state.caller_district is None
    state, actions = step(state, Digits("0"))
    assert state.node == "person_district"


def test_the_number_is_never_logged(session: Session, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    earlier_request(session, CALLER, "hoerde")
    caplog.set_level(logging.DEBUG)
    caller = Caller(session, tmp_path, "0231 1234567")
    caller.send(Digits("0"))
    assert not any("1234567" in record.getMessage() for record in caplog.records)


# --- webhooks (the stream walks the same path in test_stream.py) ----------------------------

def saved_districts(db: Database) -> list[str]:
    with db.session() as session:
        rows = session.scalars(select(Request).where(Request.channel == "phone").order_by(Request.id))
        return [row.district.slug if row.district else "" for row in rows]


@pytest.mark.parametrize("change", [False, True])
def test_webhooks_take_the_district_from_the_number(phone: TwilioPhone, db: Database, change: bool) -> None:
    with db.session() as session:
        earlier_request(session, CALLER, "hoerde")
    phone.dial_in()
    phone.press("2")
    phone.press("2")  # callback
    phone.press("2")  # no consent: the district is said, the number asked
    if change:
        phone.press("9")
        phone.press("4")  # a postcode begins
        phone.press("4135")
    for key in ("1", "4", "1"):
        last = phone.press(key)
    assert last.verbs()[-1] == "Hangup"
    assert saved_districts(db) == ["hoerde", "innenstadt-west" if change else "hoerde"]


@pytest.mark.parametrize(("answer", "node"), [("neun", "home_district"), ("ja", "callback_time")])
def test_by_speech_neun_changes_the_district_and_ja_keeps_it(answer: str, node: str) -> None:
    state, _ = step(CallState(), CallStarted(caller=CALLER, speech=True))
    state, _ = step(state, CallerKnown(8))
    for said in ("Anfrage", "Hausbesuch", "nein"):
        state, actions = step(state, Speech(said))
    assert any(isinstance(a, Say) and GUESS_HOERDE in a.text for a in actions)
    state, _ = step(state, Speech(answer))
    assert state.node == node
    assert state.draft is not None and state.draft.district == (None if answer == "neun" else 8)


def test_silence_after_the_guess_goes_to_the_office_of_that_district_without_saying_it_again() -> None:
    state, _ = step(CallState(), CallStarted(caller=CALLER))
    state, _ = step(state, CallerKnown(8))
    for key in ("2", "1", "2"):
        state, _ = step(state, Digits(key))
    state, _ = step(state, NoInput())
    state, actions = step(state, NoInput())  # two silent rounds: the way to a person, for Hörde
    assert actions[-1] == CheckOffice(8) and not state.district_guess
    state, actions = step(state, OfficeStatus(False))
    assert state.node == "consent" and not any(isinstance(a, Say) and "anderer" in a.text for a in actions)
