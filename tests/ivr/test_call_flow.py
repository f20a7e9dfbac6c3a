"""Issue 11 findings: correct listings, a way out of every question, entries without ``#``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.flow.engine import (
    MAX_TURNS,
    Action,
    CallEvent,
    CallStarted,
    CallState,
    CheckOffice,
    Digits,
    Draft,
    EventItem,
    EventsFound,
    HangUp,
    HungUp,
    Listen,
    LookupEvents,
    NoInput,
    OfficeStatus,
    RecordingDone,
    RecordingRef,
    RequestSaved,
    SaveRequest,
    Say,
    Transfer,
    step,
)
from ivr.flow.services import DatabaseCallServices
from ivr.speech.audio import PHONE_RATE, Samples, write_wav
from ivr.speech.recognition import NoRecognizer, RecognitionSession
from ivr.transports.recordings import RecordingAttacher, RecordingFetcher, keep_pending
from shared.clock import BERLIN
from shared.db import Database
from shared.models import Event, Request, VoiceMessage
from shared.services.events import save_event
from shared.services.places import venue_by_slug
from shared.services.workdays import add_working_days

TUESDAY = datetime(2026, 11, 24, 13, 30, tzinfo=BERLIN)


def texts(actions: list[Action]) -> list[str]:
    return [action.text for action in actions if isinstance(action, Say)]


def run(state: CallState, *events: CallEvent) -> tuple[CallState, list[Action]]:
    actions: list[Action] = []
    for event in events:
        state, actions = step(state, event)
        state = CallState.from_json(state.to_json())
    return state, actions


def started(speech: bool = False) -> CallState:
    state, _ = step(CallState(), CallStarted(caller="+492311234567", speech=speech))
    return state


def _add(session: Session, title: str, start: datetime, venue: str = "bz-hoerde", **extra: object) -> Event:
    place = venue_by_slug(session, venue)
    return save_event(session, Event(title=title, start=start, end=start + timedelta(hours=1), venue_id=place.id,
                                     district_id=place.district_id, **extra))


def _services(session: Session, tmp_path: Path) -> DatabaseCallServices:
    return DatabaseCallServices(session, "CA1", RecordingAttacher(tmp_path, NoRecognizer()), now=TUESDAY)


# --- listings -------------------------------------------------------------------------------

def test_busy_day_past_events_are_removed_before_the_limit(session: Session, tmp_path: Path) -> None:
    for index in range(30):  # 30 events this morning, all over by 13:30
        _add(session, f"Vormittag {index:02d}", datetime(2026, 11, 24, 8, 0, tzinfo=BERLIN)
             + timedelta(minutes=index * 5), venue="bz-hoerde" if index % 2 else "bz-eving")
    for index in range(5):
        _add(session, f"Nachmittag {index}", datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN),
             venue="bz-hoerde" if index % 2 else "bz-eving")
    _add(session, "Abendkurs", datetime(2026, 11, 24, 18, 0, tzinfo=BERLIN))
    session.commit()
    with time_machine.travel(TUESDAY, tick=False):
        found = _services(session, tmp_path).find_events(LookupEvents("today", 0, "de"))
    titles = [item.title for item in found.items]
    assert found.total == 6
    assert titles[-1] == "Abendkurs" and sorted(titles[:5]) == [f"Nachmittag {index}" for index in range(5)]


def test_cost_address_and_registration_are_said_after_the_title(session: Session, tmp_path: Path) -> None:
    _add(session, "Kochkurs", datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN), cost="3 Euro",
         registration_required=True)
    session.commit()
    with time_machine.travel(TUESDAY, tick=False):
        found = _services(session, tmp_path).find_events(LookupEvents("today", 0, "de"))
    spoken = found.items[0].spoken
    venue = venue_by_slug(session, "bz-hoerde")
    assert spoken.index("Kochkurs") < spoken.index("Das kostet drei Euro.")
    assert f"Adresse: {venue.street}" in spoken
    assert "Bitte melden Sie sich vorher an" in spoken


def _items(count: int) -> tuple[EventItem, ...]:
    return tuple(EventItem(index, f"Termin {index}", f"Termin {index}.") for index in range(count))


def test_count_is_said_five_are_announced_and_a_key_gives_more() -> None:
    state, actions = run(started(), Digits("1"), Digits("1"), Digits("0"))
    assert actions[-1] == LookupEvents("today", 0, "de")
    state, actions = run(state, EventsFound(_items(12), total=12))
    said = texts(actions)
    assert said[:3] == ["Heute 12 Veranstaltungen.", "Ich lese die nächsten fünf vor.", "Termin 0."]
    assert "Die nächsten fünf die 4" in said[3]  # the key list comes from the key map
    state, actions = run(state, Digits("4"))
    assert texts(actions)[:2] == ["Ich lese die nächsten fünf vor.", "Termin 5."]
    state, actions = run(state, Digits("4"))
    assert texts(actions)[:2] == ["Ich lese die nächsten zwei vor.", "Termin 10."]
    assert "die 4" not in texts(actions)[2]  # no more batches: no key 4
    _, no_more = run(state, Digits("4"))  # a key not offered is not understood
    assert texts(no_more)[0] == "Das habe ich leider nicht verstanden."
    state, actions = run(state, Digits("2"), Digits("2"))
    assert "Das waren alle Veranstaltungen." in texts(actions) and state.node == "main"


def test_keys_only_day_menu_offers_a_weekday_key() -> None:
    state, actions = run(started(speech=False), Digits("1"))
    assert not any("Wochentag sagen" in said for said in texts(actions))
    assert any("Ein anderer Tag die 4" in said for said in texts(actions))
    state, actions = run(state, Digits("4"))
    assert any("Donnerstag die 4" in said for said in texts(actions))
    state, actions = run(state, Digits("4"), Digits("2"), Digits("4"))  # Thursday, Osten und Hörde, Hörde
    assert actions[-1] == LookupEvents("weekday:3", 8, "de")
    _, with_speech = run(started(speech=True), Digits("1"))
    assert texts(with_speech)[-1].endswith("Sie können auch einen Wochentag sagen.")


# --- entries without "#" ----------------------------------------------------------------------

@pytest.mark.parametrize(("keys", "district"), [
    (("0",), 0), (("2", "4"), 8), (("3", "4"), 12), (("3", "2"), 10), (("4", "4263"), 8), (("4", "4379"), 10),
    (("1", "1"), 1)])
def test_district_entry_completes_without_hash(keys: tuple[str, ...], district: int) -> None:
    state, _ = run(started(), Digits("1"), Digits("1"))
    state, actions = run(state, *(Digits(key) for key in keys))
    assert actions[-1] == LookupEvents("today", district, "de")
    menus = [said for said in texts(actions) if "die 1" in said]
    assert all(said.count(" die ") <= 4 for said in menus)  # at most four choices per menu


def test_postcode_waits_for_more_digits_and_an_unknown_one_is_said() -> None:
    state, _ = run(started(), Digits("1"), Digits("1"))
    menu = next(action for action in step(state, Digits("*"))[1] if isinstance(action, Listen))
    assert menu.max_digits == 1  # Twilio and the stream stop after one key ...
    state, actions = run(state, Digits("4"))  # ... "4" begins a postcode: wait for four more
    wait = actions[-1]
    assert isinstance(wait, Listen) and 2 <= wait.timeout_seconds <= 3 and wait.max_digits == 4 and len(actions) == 1
    _, actions = run(state, Digits("9999"))
    assert texts(actions)[0] == "Diese Postleitzahl kenne ich nicht." and isinstance(actions[-1], Listen)
    _, actions = run(state, NoInput())  # "4" alone after the pause: not understood, asked again
    assert texts(actions)[0] == "Das habe ich leider nicht verstanden."


# --- a way out --------------------------------------------------------------------------------

def test_zero_reaches_the_office_directly_when_the_district_is_known() -> None:
    state, _ = run(started(), Digits("1"), Digits("1"), Digits("44263"), EventsFound(_items(2)))
    state, actions = run(state, Digits("0"))
    assert actions[-1] == CheckOffice(8)
    assert not any("Stadtbezirk" in said for said in texts(actions))
    _, actions = run(state, OfficeStatus(True, "+492315029408", "Seniorenbüro Hörde"))
    assert actions[-1] == Transfer("+492315029408")


def test_silent_caller_reaches_a_person_then_a_goodbye() -> None:
    state, _ = run(started(), NoInput(), NoInput())  # two silent rounds at the main menu
    assert state.node == "person_district"
    state, actions = run(state, NoInput(), NoInput())  # no district either: a voice message
    assert state.node == "consent" and state.draft is not None and state.draft.purpose == "message"
    state, actions = run(state, NoInput(), NoInput())
    assert isinstance(actions[-1], HangUp | SaveRequest)
    assert state.ended


def test_silent_caller_with_a_draft_keeps_it_and_hears_the_reference() -> None:
    state, _ = run(started(), Digits("2"), Digits("1"), Digits("1"), RecordingDone("name", "file:n.wav", 2.0))
    rounds = 0
    while not state.ended:
        state, actions = run(state, NoInput())
        rounds += 1
    assert rounds <= 6 and actions[-1] == SaveRequest(incomplete=True)
    state, actions = run(state, RequestSaved("12345678", 4))
    assert isinstance(actions[-1], HangUp) and state.outcome == "incomplete"
    assert any("eins zwei, drei vier" in said for said in texts(actions))


def test_the_call_ends_after_the_turn_limit() -> None:
    state = started()
    actions: list[Action] = []
    for _ in range(MAX_TURNS + 1):
        state, actions = run(state, Digits("*"))
        if state.ended:
            break
    assert state.ended and isinstance(actions[-1], HangUp)


# --- no silence before the reference ----------------------------------------------------------

class SlowRecognizer:
    """A recognizer taking as long as a real one on a 45 s topic (a stand-in for the speech model)."""

    available = True
    description = "slow test recognizer"
    noise_becomes_words = False

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def listen(self, phrases: Sequence[str], sample_rate: int = PHONE_RATE) -> RecognitionSession:
        return NoRecognizer().listen(phrases, sample_rate)

    def transcribe(self, samples: Samples, sample_rate: int) -> str:
        time.sleep(self.seconds)
        return "Erika Mustermann"


def test_reference_comes_before_transcription_which_runs_after_commit(db: Database, tmp_path: Path) -> None:
    fetcher = RecordingFetcher(db, tmp_path, SlowRecognizer(2.0), "")
    attacher = RecordingAttacher(tmp_path, fetcher.recognizer, fetcher)
    ref = keep_pending(tmp_path, "CA9", "name", write_wav(np.zeros(8000, dtype=np.int16), PHONE_RATE))
    state = CallState(node="confirm", caller="+492311234567", draft=Draft(
        kind="home_visit", consent=True, district=8, phone="+492311234567", phone_confirmed=True, confirmed=True,
        recordings=[RecordingRef("name", ref, 1.0)]))
    add_working_days(TUESDAY.date(), 2)  # the holiday tables, loaded at start-up by the hotline's warm-up
    began = time.monotonic()
    with db.session() as session:
        saved = DatabaseCallServices(session, "CA9", attacher).save_request(state, SaveRequest(incomplete=False))
        session.commit()
    assert time.monotonic() - began < 1.0  # the caller hears the reference at once
    with db.session() as session:  # other webhooks are not locked out meanwhile
        assert session.get(Request, saved.request_id) is not None
        assert session.scalars(select(VoiceMessage)).one().transcript is None
    assert fetcher.worker.run_pending() == 1  # the durable transcription job, after the commit
    with db.session() as session:
        request = session.get(Request, saved.request_id)
        assert request is not None and request.caller_name == "Erika Mustermann"
        assert session.scalars(select(VoiceMessage)).one().transcript == "Erika Mustermann"


def test_name_and_topic_from_transcripts_are_marked_machine_made_for_staff(
        staff_client: FlaskClient, db: Database, tmp_path: Path) -> None:
    fetcher = RecordingFetcher(db, tmp_path, SlowRecognizer(0.0), "")
    attacher = RecordingAttacher(tmp_path, fetcher.recognizer, fetcher)
    wav = write_wav(np.zeros(8000, dtype=np.int16), PHONE_RATE)
    state = CallState(node="confirm", caller="+492311234567", draft=Draft(
        kind="home_visit", consent=True, district=8, phone="+492311234567", phone_confirmed=True, confirmed=True,
        callback_time="midday", recordings=[RecordingRef(purpose, keep_pending(tmp_path, "CA8", purpose, wav), 1.0)
                                            for purpose in ("name", "topic")]))
    with db.session() as session:
        saved = DatabaseCallServices(session, "CA8", attacher).save_request(state, SaveRequest(incomplete=False))
        session.commit()
        assert session.get(Request, saved.request_id).preferred_time == "midday"  # type: ignore[union-attr]
    page = staff_client.get(f"/staff/requests/{saved.request_id}").get_data(as_text=True)
    assert "Erika Mustermann <em" not in page  # not transcribed yet: nothing to mark
    assert fetcher.worker.run_pending() == 2  # both transcription jobs
    page = staff_client.get(f"/staff/requests/{saved.request_id}").get_data(as_text=True)
    mark = '<em class="machine-transcribed" data-machine-transcribed>(maschinell erstellt, kann Fehler enthalten)</em>'
    assert f"<dd>Erika Mustermann {mark}</dd>" in page  # the name
    assert f'<dd class="pre">Erika Mustermann {mark}</dd>' in page  # the topic


def test_hang_up_at_the_kind_question_keeps_the_number() -> None:
    state, _ = run(started(), Digits("2"))
    assert state.node == "kind"
    state, actions = run(state, HungUp())
    assert actions == [SaveRequest(incomplete=True)]
    assert state.draft is not None and state.draft.phone == "+492311234567"
