"""The call flow as a pure state machine: events in, actions out, state always JSON."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.flow.engine import (
    Action,
    CallerKnown,
    CallEvent,
    CallStarted,
    CallState,
    CheckOffice,
    Digits,
    EventItem,
    EventsFound,
    HangUp,
    HungUp,
    Listen,
    LookupEvents,
    NoInput,
    OfficeStatus,
    Record,
    RecordingDone,
    RequestSaved,
    SaveRequest,
    Say,
    Speech,
    Transfer,
    TransferAnswered,
    step,
)

ITEMS = (EventItem(1, "Gymnastik", "Dienstag, 24. November, um 10 Uhr: Gymnastik. Ort: BZ Hörde."),
         EventItem(2, "Singkreis", "Dienstag, 24. November, um 15 Uhr: Singkreis. Ort: BZ Hörde."))


def said(action: Action) -> str:
    """The text of a Say action (fails the test for any other action)."""
    assert isinstance(action, Say), action
    return action.text


def run(state: CallState, *events: CallEvent) -> tuple[CallState, list[Action]]:
    actions: list[Action] = []
    for event in events:
        state, actions = step(state, event)
        json.dumps(state.to_json())
        state = CallState.from_json(json.loads(json.dumps(state.to_json())))
    return state, actions


def started(speech: bool = True) -> CallState:
    state, _ = step(CallState(), CallStarted(caller="+492311234567", speech=speech))
    return state


def test_greeting_mentions_speech_or_keys_and_listens() -> None:
    _, actions = step(CallState(), CallStarted(caller="", speech=False))
    texts = [a.text for a in actions if isinstance(a, Say)]
    assert "Datenschutz die 8" in texts[0] and "sprechen" not in texts[0]
    assert "Veranstaltungen die 1" in texts[1]
    assert [a.language for a in actions if isinstance(a, Say)][-1] == "tr"  # the Turkish offer after the menu
    assert "Türkçe" in texts[-1]
    assert "sprechen" in next(a for a in step(CallState(), CallStarted(caller="", speech=True))[1]
                          if isinstance(a, Say)).text
    assert isinstance(actions[-1], Listen) and actions[-1].timeout_seconds >= 8
    assert "[unk]" not in actions[-1].grammar  # added by the recognizer when the model has it


def test_events_by_speech_are_confirmed_and_read_one_at_a_time() -> None:
    state, actions = run(started(), Speech("Veranstaltungen"))
    assert "Veranstaltungen" in said(actions[0])
    state, actions = run(state, Speech("morgen"))
    assert said(actions[0]) == "Verstanden: Morgen."  # words understood are said back first
    state, actions = run(state, Speech("Nordstadt"))
    assert actions[-1] == LookupEvents("tomorrow", 2, "de")
    state, actions = run(state, EventsFound(ITEMS))
    assert [a.text for a in actions if isinstance(a, Say)][:2] == [
        "Morgen 2 Veranstaltungen.", ITEMS[0].spoken]
    state, actions = run(state, Digits("1"))
    assert ITEMS[0].spoken in [a.text for a in actions if isinstance(a, Say)]
    state, actions = run(state, Speech("weiter"))
    assert ITEMS[1].spoken in [a.text for a in actions if isinstance(a, Say)]
    state, actions = run(state, Digits("2"))
    assert "Das waren alle Veranstaltungen." in [a.text for a in actions if isinstance(a, Say)]
    assert state.node == "main"


def test_callback_about_an_event_without_consent_is_number_only() -> None:
    state, _ = run(started(), Digits("1"), Digits("3"), Digits("44263"), EventsFound(ITEMS), Digits("3"))
    assert state.draft is not None and state.draft.event_id == 1 and state.draft.kind == "callback"
    state, actions = run(state, Digits("2"))          # no consent → number read back (Hörde is known)
    assert state.node == "number_confirm"
    assert "null zwei drei eins, eins zwei, drei vier, fünf sechs sieben" in said(actions[-2])
    state, actions = run(state, Speech("ja"))
    assert state.node == "callback_time"
    state, actions = run(state, Speech("nachmittags"))
    assert state.node == "confirm" and state.draft is not None and state.draft.callback_time == "afternoon"
    assert not any(isinstance(a, Record) for a in actions)
    state, actions = run(state, Digits("1"))
    assert actions[-1] == SaveRequest(incomplete=False)
    state, actions = run(state, RequestSaved("48271930", 7))
    assert "vier acht, zwei sieben, eins neun, drei null" in said(actions[0])
    assert isinstance(actions[-1], HangUp) and state.outcome == "request"


def test_typed_number_is_validated() -> None:
    state, _ = run(CallState(), CallStarted(caller="", speech=False), Digits("2"), Digits("2"), Digits("2"),
                   Digits("2"), Digits("2"))  # callback, no consent, Osten und Hörde, Brackel
    assert state.node == "number_entry"
    state, actions = run(state, Digits("12"))
    assert state.node == "number_entry" and "nicht verwenden" in said(actions[0])
    state, _ = run(state, Digits("02319876543"))
    assert state.node == "number_confirm" and state.draft is not None
    assert state.draft.phone == "+492319876543"


def test_recording_then_hang_up_keeps_an_incomplete_request() -> None:
    state, actions = run(started(), Digits("2"), Digits("1"), Digits("1"))
    assert isinstance(actions[-1], Record) and actions[-1].purpose == "name"
    state, _ = run(state, RecordingDone("name", "file:x.wav", 2.0))
    state, actions = run(state, HungUp())
    assert actions == [SaveRequest(incomplete=True)]
    state, actions = run(state, RequestSaved("12345678", 3))
    assert actions == [] and state.outcome == "incomplete"
    assert state.draft is not None and state.draft.recordings[0].attached is True
    _, actions = run(state, HungUp())
    assert actions == []


def test_no_input_twice_then_person_then_office() -> None:
    state, _ = run(started(), NoInput())
    state, actions = run(state, NoInput())
    assert state.node == "person_district"
    state, actions = run(state, Speech("Hörde"))
    assert actions[-1] == CheckOffice(8)
    state, actions = run(state, OfficeStatus(True, "+492315029408", "Seniorenbüro Hörde"))
    assert actions[-1] == Transfer("+492315029408") and state.outcome == "transferred"
    _, ringing = run(state, HungUp())  # hung up while the office phone rang: keep the number
    assert ringing == [SaveRequest(incomplete=True)]
    state, actions = run(state, TransferAnswered(), HungUp())
    assert actions == [] and state.outcome == "transferred"


def test_turkish_at_the_greeting() -> None:
    state, actions = run(started(), Digits("9"))
    assert state.language == "tr" and not state.speech
    assert all(a.language == "tr" for a in actions if isinstance(a, Say))
    assert "Etkinlikler 1" in [a.text for a in actions if isinstance(a, Say)][-1]


def test_repeat_word_and_star_repeat_the_question() -> None:
    state, first = run(started(), Digits("1"))
    _, by_star = run(state, Digits("*"))
    _, by_word = run(state, Speech("bitte wiederholen"))
    assert by_star == by_word == first


EVENTS = st.one_of(
    st.builds(Digits, st.sampled_from(["0", "1", "2", "3", "8", "9", "*", "12", "02311234567", ""])),
    st.builds(Speech, st.sampled_from(["ja", "nein", "Hörde", "morgen", "weiter", "", "Veranstaltungen"])),
    st.just(NoInput()),
    st.builds(RecordingDone, st.sampled_from(["name", "topic", "message"]), st.sampled_from(["", "file:a.wav"])),
    st.builds(EventsFound, st.sampled_from([(), ITEMS])),
    st.builds(OfficeStatus, st.booleans(), st.just("+492315029408"), st.just("Seniorenbüro")),
    st.builds(CallerKnown, st.sampled_from([None, 8])),  # a district from the number, then "9" or not
)


@settings(max_examples=150, deadline=None)
@given(st.lists(EVENTS, max_size=40))
def test_any_sequence_keeps_a_json_state_and_ends_cleanly(events: list[CallEvent]) -> None:
    state = started()
    for event in events:
        state, actions = step(state, event)
        assert json.loads(json.dumps(state.to_json())) == state.to_json()
        assert all(isinstance(a, Say | Listen | Record | Transfer | HangUp | LookupEvents | CheckOffice
                              | SaveRequest) for a in actions)
        listens = [a for a in actions if isinstance(a, Listen | Record)]
        assert len(listens) <= 1
    state, actions = step(state, HungUp())
    assert state.ended
    assert all(isinstance(a, SaveRequest) and a.incomplete for a in actions)
