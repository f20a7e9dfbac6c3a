"""Every node of the call-flow table walked by keys, by speech, by silence and by hang-up."""

from __future__ import annotations

import pytest

from ivr.flow import engine as flow
from ivr.flow.nodes import DISTRICT_NODES, QUESTIONS, Node, key_list

ITEMS = tuple(flow.EventItem(index, f"Termin {index}", f"Termin {index}.") for index in range(7))
NAME = flow.RecordingDone("name", "file:name.wav", 2.0)
TO_NUMBER = ("2", "1", "2", "2", "4")  # request, home visit, no consent, Osten und Hörde, Hörde

PATHS: dict[Node, tuple[str | flow.CallEvent, ...]] = {
    Node.MAIN: (),
    Node.DAY: ("1",),
    Node.WEEKDAY: ("1", "4"),
    Node.DISTRICT: ("1", "1"),
    Node.DISTRICT_GROUP: ("1", "1", "2"),
    Node.HOME_DISTRICT: ("2", "1", "2"),
    Node.PERSON_DISTRICT: ("0",),
    Node.EVENT: ("1", "1", "0", flow.EventsFound(ITEMS)),
    Node.KIND: ("2",),
    Node.CONSENT: ("2", "1"),
    Node.RECORD_NAME: ("2", "1", "1"),
    Node.NUMBER_CONFIRM: TO_NUMBER,
    Node.NUMBER_ENTRY: (*TO_NUMBER, "2"),
    Node.CALLBACK_TIME: (*TO_NUMBER, "1"),
    Node.RECORD_TOPIC: ("2", "1", "1", NAME, "2", "4", "1", "1"),
    Node.RECORD_MESSAGE: ("0", "2", "4", flow.OfficeStatus(False), "1"),
    Node.CONFIRM: (*TO_NUMBER, "1", "1"),
}
KEYS: dict[Node, str] = {Node.NUMBER_ENTRY: "02319876543", Node.HOME_DISTRICT: "44263", Node.DISTRICT_GROUP: "4"}
SPOKEN: dict[Node, str] = {
    Node.MAIN: "Veranstaltungen", Node.DAY: "morgen", Node.WEEKDAY: "Freitag", Node.DISTRICT: "Hörde",
    Node.DISTRICT_GROUP: "Brackel", Node.HOME_DISTRICT: "Wellinghofen", Node.PERSON_DISTRICT: "Eving",
    Node.EVENT: "weiter", Node.KIND: "Hausbesuch", Node.CONSENT: "ja", Node.NUMBER_CONFIRM: "ja",
    Node.NUMBER_ENTRY: "null zwei drei eins neun acht sieben sechs fünf vier drei",
    Node.CALLBACK_TIME: "nachmittags", Node.CONFIRM: "ja",
}
QUERIES = (flow.LookupEvents, flow.CheckOffice, flow.SaveRequest)


def at(node: Node, speech: bool = True) -> flow.CallState:
    """A call (caller ID known) that has reached *node* by keys."""
    state, _ = flow.step(flow.CallState(), flow.CallStarted(caller="+492311234567", speech=speech))
    for item in PATHS[node]:
        state, _ = flow.step(state, flow.Digits(item) if isinstance(item, str) else item)
        state = flow.CallState.from_json(state.to_json())  # what a webhook stores between steps
    assert state.node == node, (node, state.node)
    return state


def says(actions: list[flow.Action]) -> list[str]:
    return [action.text for action in actions if isinstance(action, flow.Say)]


def moved_on(node: Node, state: flow.CallState, actions: list[flow.Action]) -> bool:
    """The answer was taken: a next flow.step of the table, or a query that leads to one."""
    question = QUESTIONS[node]
    understood = not any("nicht verstanden" in said or "nichts gehört" in said for said in says(actions))
    return understood and (state.node in question.next or isinstance(actions[-1], QUERIES))


def test_the_table_covers_every_question_node_and_district_menus_fit_a_phone() -> None:
    assert set(PATHS) == set(QUESTIONS)
    for node in (*DISTRICT_NODES, Node.DISTRICT_GROUP):  # at most four choices; "Alle Stadtbezirke" is one
        state = at(node)
        assert len(flow.options_for(state, node)) <= 4
        assert all(next_node in QUESTIONS or next_node == Node.PERSON for next_node in QUESTIONS[node].next)


@pytest.mark.parametrize("node", list(QUESTIONS), ids=str)
def test_each_node_by_keys(node: Node) -> None:
    question = QUESTIONS[node]
    event: flow.CallEvent = flow.RecordingDone(question.record, f"file:{question.record}.wav", 3.0) if question.record \
        else flow.Digits(KEYS.get(node) or question.options[0].key)
    state, actions = flow.step(at(node), event)
    assert moved_on(node, state, actions), (state.node, says(actions))


@pytest.mark.parametrize("node", [node for node in QUESTIONS if not QUESTIONS[node].record], ids=str)
def test_each_node_by_speech(node: Node) -> None:
    state, actions = flow.step(at(node), flow.Speech(SPOKEN[node]))
    assert moved_on(node, state, actions), (state.node, says(actions))


@pytest.mark.parametrize("node", list(QUESTIONS), ids=str)
def test_each_node_by_silence_reaches_its_timeout_destination(node: Node) -> None:
    question = QUESTIONS[node]
    state = at(node, speech=False)
    if question.record:  # nothing recorded: said so, and the flow goes on
        state, actions = flow.step(state, flow.NoInput())
        assert "keine Aufnahme" in " ".join(says(actions)) and (state.node in question.next
                                                                or isinstance(actions[-1], QUERIES))
        return
    state, actions = flow.step(state, flow.NoInput())
    assert says(actions)[0] == "Ich habe leider nichts gehört." and isinstance(actions[-1], flow.Listen)
    assert key_list(question.options, "de") in says(actions)[-1] or node in (Node.EVENT, Node.DISTRICT_GROUP)
    for _ in range(question.retries - 1):
        state, actions = flow.step(state, flow.NoInput())
    destination = question.on_timeout
    if destination == Node.PERSON:  # a person: the office of a known district, else asked which
        assert isinstance(actions[-1], flow.CheckOffice) or state.node == Node.PERSON_DISTRICT
    elif destination == Node.RECORD_MESSAGE:
        assert state.node == Node.CONSENT and state.draft is not None and state.draft.purpose == "message"
    else:
        assert state.ended or isinstance(actions[-1], flow.SaveRequest)


def test_silence_in_the_group_menu_of_the_person_question_leads_to_a_voice_message() -> None:
    state = at(Node.PERSON_DISTRICT)
    state, _ = flow.step(state, flow.Digits("1"))  # Innenstadt und Eving
    assert state.node == Node.DISTRICT_GROUP
    for _ in range(QUESTIONS[Node.DISTRICT_GROUP].retries):
        state, _ = flow.step(state, flow.NoInput())
    assert state.node == Node.CONSENT and state.draft is not None and state.draft.purpose == "message"


@pytest.mark.parametrize("node", list(QUESTIONS), ids=str)
def test_each_node_by_hang_up_keeps_what_was_given(node: Node) -> None:
    state = at(node)
    state, actions = flow.step(state, flow.HungUp())
    assert state.ended
    if state.draft is not None and (state.draft.phone or state.draft.recordings):
        assert actions == [flow.SaveRequest(incomplete=True)] and state.outcome == "incomplete"
    else:
        assert actions == [] and state.outcome == "hung_up"
    assert not any(isinstance(action, flow.Listen | flow.Record) for action in actions)
