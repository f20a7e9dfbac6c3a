"""The call flow: a pure state machine from call events to actions, independent of any transport.

:func:`step` takes the JSON-serialisable :class:`CallState` and one :class:`CallEvent` and returns
the new state and a list of actions. Output actions (say, listen, record, transfer, hang up) go to
the transport; query actions (look up events, check office hours, save the request) are answered
by the runner with another event, so this module touches neither database nor clock.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ivr.flow import flow_prompts, nodes, prompts, understanding
from ivr.flow.nodes import (
    DISTRICT_NODES,
    INTER_DIGIT_SECONDS,
    LISTEN_SECONDS,
    PERSON_KEY_NODES,
    QUESTIONS,
    RECORD_SECONDS,
    Node,
    Option,
)
from ivr.flow.prompts import text
from shared.errors import ValidationFailed
from shared.services.phone import display_phone, normalise_phone

MAX_STRIKES = 6  # failed rounds in the whole call before a friendly goodbye
MAX_TURNS = 80  # answers in the whole call before a friendly goodbye (a total call limit)
GUESS_SECONDS = 3  # the pause after "Ihr Stadtbezirk: Hörde. Ein anderer: Taste 9." before connecting
CHANGE_DISTRICT_KEY = "9"
EVENT_BATCH = 5  # events announced per "the next five"


# --- events ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CallStarted:
    """A call was answered; *caller* is the caller ID (may be empty)."""

    caller: str = ""
    speech: bool = False


@dataclass(frozen=True)
class Digits:
    """Keys pressed (without the finishing ``#``)."""

    digits: str


@dataclass(frozen=True)
class Speech:
    """Recognised words (empty when something was said but not understood)."""

    text: str


@dataclass(frozen=True)
class NoInput:
    """The caller said and pressed nothing before the timeout."""


@dataclass(frozen=True)
class RecordingDone:
    """A recording finished; *ref* locates the audio for the transport (empty: nothing recorded)."""

    purpose: str
    ref: str
    duration: float = 0.0
    transcript: str | None = None


@dataclass(frozen=True)
class HungUp:
    """The caller hung up (or the stream stopped)."""


@dataclass(frozen=True)
class TransferFailed:
    """The transfer to the Seniorenbüro was not answered."""


@dataclass(frozen=True)
class TransferAnswered:
    """The Seniorenbüro took the transferred call (and it has ended)."""


@dataclass(frozen=True)
class EventItem:
    """One event as the caller hears it."""

    event_id: int
    title: str
    spoken: str


@dataclass(frozen=True)
class EventsFound:
    """Answer to :class:`LookupEvents`."""

    items: tuple[EventItem, ...]
    total: int | None = None  # all upcoming events of the choice (None: as many as *items*)


@dataclass(frozen=True)
class OfficeStatus:
    """Answer to :class:`CheckOffice`."""

    open: bool
    phone: str = ""
    name: str = ""


@dataclass(frozen=True)
class CallerKnown:
    """Answer to :class:`LookupCaller`: the district of the caller's latest request (None: unknown)."""

    district: int | None


@dataclass(frozen=True)
class RequestSaved:
    """Answer to :class:`SaveRequest`."""

    reference: str
    request_id: int


CallEvent = (CallStarted | Digits | Speech | NoInput | RecordingDone | HungUp | TransferFailed
             | TransferAnswered | EventsFound | OfficeStatus | CallerKnown | RequestSaved)


# --- actions --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Say:
    """Speak *text* in *language*; *personal* audio (a number, a reference) is deleted after the call."""

    text: str
    language: str = "de"
    personal: bool = False


@dataclass(frozen=True)
class Listen:
    """Wait for an answer: speech from *grammar* and/or up to *max_digits* keys."""

    question: str
    grammar: tuple[str, ...]
    max_digits: int = 1
    finish_on_key: str = ""
    timeout_seconds: int = LISTEN_SECONDS


@dataclass(frozen=True)
class Record:
    """Record the caller (after a beep) for at most *max_seconds*; ``#`` ends it."""

    purpose: str
    max_seconds: int


@dataclass(frozen=True)
class Transfer:
    """Connect the caller to a human at *number*."""

    number: str


@dataclass(frozen=True)
class HangUp:
    """End the call."""


@dataclass(frozen=True)
class LookupEvents:
    """Query: events on *day* (today/tomorrow/week/weekday:N) in *district* (0 = all)."""

    day: str
    district: int
    language: str


@dataclass(frozen=True)
class CheckOffice:
    """Query: is the Seniorenbüro of *district* open now, and its number."""

    district: int


@dataclass(frozen=True)
class LookupCaller:
    """Query: the district of earlier requests from the caller ID *caller* (asked once, at the start)."""

    caller: str


@dataclass(frozen=True)
class SaveRequest:
    """Query: save (or complete) the request drafted in the state."""

    incomplete: bool


Action = Say | Listen | Record | Transfer | HangUp | LookupEvents | CheckOffice | LookupCaller | SaveRequest
OUTPUT_ACTIONS = (Say, Listen, Record, Transfer, HangUp)


# --- state ----------------------------------------------------------------------------------

@dataclass
class RecordingRef:
    """A recording of this call: where its audio is until it is stored with the request."""

    purpose: str
    ref: str  # file:NAME (pending folder) or url:URL|ACCOUNT (at Twilio)
    duration: float = 0.0
    transcript: str | None = None
    attached: bool = False


@dataclass
class Draft:
    """What the caller has given for a request so far."""

    kind: str = ""
    consent: bool | None = None
    district: int | None = None
    phone: str = ""
    phone_confirmed: bool = False
    event_id: int | None = None
    event_title: str = ""
    recordings: list[RecordingRef] = field(default_factory=list)
    confirmed: bool = False
    purpose: str = "request"  # or "message" (voice message when no one can take the call)
    callback_time: str = ""  # morning / midday / afternoon / any ("" not asked yet)


@dataclass
class CallState:
    """Everything about one call, JSON-serialisable so webhooks stay stateless."""

    node: str = "new"
    language: str = "de"
    caller: str = ""
    speech: bool = False
    failures: int = 0
    day: str = ""
    district: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    event_index: int = 0
    draft: Draft | None = None
    reference: str = ""
    request_id: int | None = None
    outcome: str = ""
    ended: bool = False
    events_total: int = 0
    partial: str = ""  # a district entry that may continue ("1" of 10/11/12)
    strikes: int = 0
    turns: int = 0
    district_group: int = 0  # the group menu (1–3) being asked
    district_for: str = ""  # the district question the group menu answers
    caller_district: int | None = None  # the district of the caller's earlier requests
    district_guess: bool = False  # that district was just said instead of asked: 9 changes it

    def to_json(self) -> dict[str, Any]:
        """A plain dict for the ``calls.state`` column."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CallState:
        """Rebuild a state saved with :meth:`to_json` (unknown keys are ignored)."""
        known = {item.name for item in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        draft = values.get("draft")
        if isinstance(draft, dict):
            draft_known = {item.name for item in fields(Draft)}
            rebuilt = Draft(**{key: value for key, value in draft.items() if key in draft_known})
            ref_known = {item.name for item in fields(RecordingRef)}
            rebuilt.recordings = [RecordingRef(**{key: value for key, value in item.items() if key in ref_known})
                                  if isinstance(item, dict) else item for item in rebuilt.recordings]
            values["draft"] = rebuilt
        return cls(**values)


# --- the machine ----------------------------------------------------------------------------

def step(state: CallState, event: CallEvent) -> tuple[CallState, list[Action]]:
    """Apply *event* to a copy of *state*; return the new state and the actions to carry out."""
    new = copy.deepcopy(state)
    if new.ended and isinstance(event, RecordingDone):
        return new, _Flow(new).late_recording(event)
    if new.ended and not isinstance(event, HungUp | RequestSaved):
        return new, [HangUp()]
    actions = _Flow(new).handle(event)
    return new, actions


def options_for(state: CallState, node: str) -> tuple[Option, ...]:
    """The key map of *node* as it stands in this call (group menus and "more" depend on it)."""
    if node == Node.DISTRICT_GROUP:
        return nodes.group_options(state.district_group or 1)
    options = QUESTIONS[Node(node)].options
    if node == Node.EVENT and not _more_batches(state):
        return tuple(option for option in options if option.meaning != "more")
    return options


def _more_batches(state: CallState) -> bool:
    """Whether events remain after the batch of the current event."""
    return (state.event_index // EVENT_BATCH + 1) * EVENT_BATCH < len(state.events)


class _Flow:
    """The handlers of one step; mutates its (already copied) state."""

    def __init__(self, state: CallState) -> None:
        self.state = state
        self.by_speech = False

    def t(self, key: str, **values: object) -> str:
        return text(self.state.language, key, **values)

    def say(self, key: str, **values: object) -> Say:
        return Say(self.t(key, **values), self.state.language)

    def say_personal(self, key: str, **values: object) -> Say:
        return Say(self.t(key, **values), self.state.language, personal=True)

    def chosen(self, choice: str) -> Say:
        """The content of an answer said back first ("Hörde.")."""
        return self.say("chosen", choice=choice[:1].upper() + choice[1:])

    def confirm(self, choice: str) -> list[Say]:
        """Words understood are said back before acting on them; a key needs no echo."""
        return [self.chosen(choice)] if self.by_speech else []

    @property
    def draft(self) -> Draft:
        if self.state.draft is None:
            self.state.draft = Draft()
        return self.state.draft

    # dispatch

    def handle(self, event: CallEvent) -> list[Action]:
        s = self.state
        if isinstance(event, CallStarted):
            s.caller, s.speech, s.node = event.caller, event.speech, Node.MAIN
            # The opening stays under 12 s: greeting, menu, then the Turkish offer (keys barge in throughout).
            *menu, listen = self.ask()
            lookup = [LookupCaller(s.caller)] if s.caller else []
            return [self.say("greeting_speech" if s.speech else "greeting"), *menu,
                    Say(text("de", "turkish_offer"), "tr"), *lookup, listen]
        if isinstance(event, CallerKnown):
            s.caller_district = event.district or None
            return []
        if isinstance(event, HungUp):
            return self.hung_up()
        if isinstance(event, EventsFound):
            return self.events_found(event)
        if isinstance(event, OfficeStatus):
            return self.office_status(event)
        if isinstance(event, RequestSaved):
            return self.request_saved(event)
        if isinstance(event, TransferAnswered):
            s.outcome, s.node, s.ended = "transferred", Node.CONNECTED, True
            return [HangUp()]
        if isinstance(event, TransferFailed):
            return [self.say("transfer_failed"), *self.start_message()]
        if isinstance(event, RecordingDone):
            return self.recording_done(event)
        return self.answered(event)

    def answered(self, event: Digits | Speech | NoInput) -> list[Action]:
        """An answer (keys, words or silence) to the current question."""
        s = self.state
        s.turns += 1
        if s.turns > MAX_TURNS:
            return self.give_up()
        if s.district_guess:
            guessed = self.guess_answered(event)
            if guessed is not None:
                return guessed
        question = QUESTIONS.get(Node(s.node)) if s.node in QUESTIONS else None
        if s.partial:  # the rest of an entry begun with a prefix key, or the pause after it
            prefix, s.partial = s.partial, ""
            if isinstance(event, Digits | NoInput):
                more = event.digits if isinstance(event, Digits) else ""
                return self.entry(prefix + more)
        if isinstance(event, NoInput):
            return self.failed("no_input")
        digits = event.digits if isinstance(event, Digits) else ""
        spoken = event.text if isinstance(event, Speech) else ""
        self.by_speech = bool(spoken)
        if question is not None and digits in question.prefixes and len(digits) < question.max_digits:
            s.partial = digits
            return [Listen(s.node, understanding.grammar(question.grammar),
                           max_digits=question.max_digits - len(digits), finish_on_key="#",
                           timeout_seconds=INTER_DIGIT_SECONDS)]
        if digits == "0" and s.node in PERSON_KEY_NODES:
            s.failures = 0
            return self.to_person(*self.confirm(self.t("person")))
        if digits == "*" or (spoken and understanding.is_repeat(spoken)):
            return self.ask()
        if s.node == Node.MAIN and digits in ("8", "9"):
            extra = self.greeting_keys(digits)
            if extra is not None:
                return extra
        if len(digits) > 1 and s.node in (*DISTRICT_NODES, Node.DISTRICT_GROUP):
            return self.entry(digits)
        return self.understood(question, digits, spoken)

    def entry(self, digits: str) -> list[Action]:
        """A multi-key entry: a postcode in a district question."""
        s = self.state
        if s.node in DISTRICT_NODES or s.node == Node.DISTRICT_GROUP:
            number = nodes.postcode_district(digits)
            if number is None:
                return self.failed("postcode_unknown" if len(digits) == 5 else "not_understood")
            s.failures = 0
            return self.district_chosen(number)
        return self.understood(QUESTIONS.get(Node(s.node)), digits, "")

    def understood(self, question: nodes.Question | None, digits: str, spoken: str) -> list[Action]:
        s = self.state
        if question is None:
            return self.ask()
        if s.node == Node.NUMBER_ENTRY:
            result = self.answer_number_entry(digits, spoken)
            if result is None:
                return self.failed("number_invalid" if digits else "not_understood")
            s.failures = 0
            return result
        said = nodes.meaning(question, options_for(s, s.node), digits, spoken)
        if said is None:
            return self.failed("not_understood")
        s.failures = 0
        s.district_guess = False  # the question after the guessed district is answered: it stands
        handler = getattr(self, f"on_{s.node}")
        answer: list[Action] = handler(said)
        return answer

    # questions

    def ask(self) -> list[Action]:
        """Say the current question (generated from its table entry) and listen."""
        s = self.state
        if s.node not in QUESTIONS:
            return [self.say("goodbye"), HangUp()]
        node = Node(s.node)
        question = QUESTIONS[node]
        if question.record:
            return [self.say(question.prompt), Record(question.record, RECORD_SECONDS[question.record])]
        before: list[Action] = []
        values: dict[str, object] = {}
        personal = False
        if node == Node.EVENT:
            before = [Say(s.events[s.event_index]["spoken"], s.language)]
        elif node == Node.NUMBER_CONFIRM:
            values["digits"] = prompts.spoken_digits(display_phone(self.draft.phone))
            personal = True
        elif node == Node.CONFIRM:
            before = self.summary()
        if s.district_guess:
            before = [self.guess_said(), *before]
        said = nodes.question_text(question, options_for(s, node), s.language, s.speech, **values)
        listen = Listen(node.value, understanding.grammar(question.grammar),
                        max_digits=1 if question.prefixes else question.max_digits,
                        finish_on_key=question.finish_on_key, timeout_seconds=question.timeout)
        return [*before, Say(said, s.language, personal=personal), listen]

    def go(self, node: Node, *before: Action) -> list[Action]:
        self.state.node = node
        self.state.failures = 0
        return [*before, *self.ask()]

    def failed(self, reason: str) -> list[Action]:
        """A silent or not understood round; after the question's retries, its destination."""
        s = self.state
        question = QUESTIONS.get(Node(s.node)) if s.node in QUESTIONS else None
        if question is not None and question.record:
            return self.recording_done(RecordingDone(question.record, ""))
        s.failures += 1
        s.strikes += 1
        if s.strikes >= MAX_STRIKES:
            return [self.say(reason), *self.give_up()]
        if question is None or s.failures < question.retries:
            return [self.say(reason), *self.ask()]
        s.failures = 0
        if s.node == Node.DISTRICT_GROUP and s.district_for in QUESTIONS:
            question = QUESTIONS[Node(s.district_for)]  # a group menu fails the way its question does
        destination = question.on_timeout if reason == "no_input" else question.on_invalid
        if (s.draft and s.draft.purpose == "message") or destination == Node.GIVING_UP:
            # Not even the voice message gets an answer: keep what there is and say goodbye.
            return [self.say(reason), *self.give_up()]
        if destination == Node.RECORD_MESSAGE:
            # Even the way to a person failed: keep what we have as a voice message without district.
            return [self.say(reason), *self.start_message()]
        return [self.say(reason), self.say("offer_person"), *self.to_person()]

    def give_up(self) -> list[Action]:
        """A friendly goodbye; keep what the caller gave as an incomplete request."""
        s = self.state
        saving = self.hung_up()
        if saving:
            s.node = Node.GIVING_UP
            return [self.say("give_up"), *saving]
        return [self.say("give_up"), self.say("goodbye"), HangUp()]

    def known_district(self) -> int | None:
        """The district an earlier answer of this call gave (None when none did)."""
        s = self.state
        return (s.draft.district if s.draft and s.draft.district else None) or s.district or None

    def to_person(self, *before: Action) -> list[Action]:
        """Straight to the Seniorenbüro (district asked only when no earlier answer gives it)."""
        s = self.state
        district = self.known_district()
        s.draft, s.district_guess = None, False  # a guess said for the request is not said again
        if district:
            s.district = district
            s.node = Node.PERSON
            return [*before, CheckOffice(district)]
        if s.caller_district:  # known from the caller's number: said, with a short pause to change it
            s.district, s.node, s.district_guess = s.caller_district, Node.PERSON, True
            return [*before, self.guess_said(),
                    Listen(Node.PERSON.value, understanding.grammar("yes_no"), timeout_seconds=GUESS_SECONDS)]
        return self.go(Node.PERSON_DISTRICT, *before)

    def guess_said(self) -> Say:
        """"Ihr Stadtbezirk: Hörde. Ein anderer: Taste 9." instead of the district question."""
        s = self.state
        district = s.draft.district if s.node != Node.PERSON and s.draft else s.district
        return self.say("district_guess", district=prompts.district_name(district or 0, s.language),
                        digit=CHANGE_DISTRICT_KEY)

    def guess_answered(self, event: Digits | Speech | NoInput) -> list[Action] | None:
        """The answer after a district said from the caller's number: 9 asks for another one."""
        s = self.state
        digits = event.digits if isinstance(event, Digits) else ""
        spoken = event.text if isinstance(event, Speech) else ""
        wants_other = digits == CHANGE_DISTRICT_KEY or (
            bool(spoken) and understanding.number(spoken) == int(CHANGE_DISTRICT_KEY))
        if wants_other and self.guess_changeable():
            s.district_guess, s.caller_district = False, None
            if s.node == Node.PERSON:
                s.district = None
                return self.go(Node.PERSON_DISTRICT)
            self.draft.district = None
            return self.go(Node.HOME_DISTRICT)
        if s.node == Node.PERSON:  # silence or any other answer: the district stands
            s.district_guess = False
            return [CheckOffice(s.district or 0)]
        return None

    def guess_changeable(self) -> bool:
        """Whether the change key is free in the current question (not one of its own keys)."""
        s = self.state
        if s.node == Node.PERSON:
            return True
        question = QUESTIONS.get(Node(s.node)) if s.node in QUESTIONS else None
        return (question is not None and not question.record and question.max_digits == 1
                and all(option.key != CHANGE_DISTRICT_KEY for option in options_for(s, s.node)))

    # answers per node

    def on_main(self, said: str) -> list[Action]:
        s = self.state
        if said == "events":
            return self.go(Node.DAY, *self.confirm(self.t("events_label")))
        if said == "request":
            s.draft = Draft()
            return self.go(Node.KIND, *self.confirm(self.t("request_label")))
        return self.to_person(*self.confirm(self.t("person")))

    def greeting_keys(self, digits: str) -> list[Action] | None:
        """Keys of the greeting rather than the menu: 9 Turkish, 8 privacy."""
        s = self.state
        if digits == "9" and s.language == "de":
            s.language = "tr"
            s.speech = False  # the recognizer understands German only
            return [self.say("greeting"), self.say("keys_only"), *self.ask()]
        if digits == "8":
            return [self.say("privacy"), *self.ask()]
        return None

    def on_day(self, said: str) -> list[Action]:
        if said == "weekday":
            return self.go(Node.WEEKDAY)
        self.state.day = said
        return self.go(Node.DISTRICT, *self.confirm(self.day_label(said)))

    def on_weekday(self, said: str) -> list[Action]:
        self.state.day = said
        return self.go(Node.DISTRICT, *self.confirm(self.day_label(said)))

    def day_label(self, chosen: str) -> str:
        if chosen.startswith("weekday:"):
            return prompts.WEEKDAYS[self.state.language][int(chosen.split(":")[1])]
        return self.t(f"events_when_{chosen}")

    def on_district(self, said: str) -> list[Action]:
        return self.district_meaning(said)

    on_home_district = on_district
    on_person_district = on_district
    on_district_group = on_district

    def district_meaning(self, said: str) -> list[Action]:
        s = self.state
        if said.startswith("group:"):
            s.district_for = s.node if s.node != Node.DISTRICT_GROUP else s.district_for
            s.district_group = int(said.removeprefix("group:"))
            return self.go(Node.DISTRICT_GROUP, *self.confirm(self.t(f"group_{s.district_group}")))
        if said == "all":
            if (s.district_for or s.node) != Node.DISTRICT:
                return self.failed("not_understood")
            return self.district_chosen(0)
        return self.district_chosen(int(said.removeprefix("district:")))

    def district_chosen(self, number: int) -> list[Action]:
        """A district (0: all) answers the district question that asked for it."""
        s = self.state
        asked = s.district_for if s.node == Node.DISTRICT_GROUP else s.node
        s.district_for, s.district_group = "", 0
        said = self.chosen(prompts.district_name(number, s.language) if number else self.t("all_districts_label"))
        if asked == Node.DISTRICT:
            s.node = Node.DISTRICT
            s.district = number
            return [said, LookupEvents(s.day, number, s.language)]
        if asked == Node.HOME_DISTRICT:
            s.node = Node.HOME_DISTRICT
            self.draft.district = number
            return [said, *self.next_request_field()]
        s.node = Node.PERSON
        s.district = number
        return [said, CheckOffice(number)]

    def events_found(self, event: EventsFound) -> list[Action]:
        s = self.state
        s.events = [asdict(item) for item in event.items]
        s.event_index = 0
        s.events_total = len(s.events) if event.total is None else max(event.total, len(s.events))
        if not s.events:
            return self.go(Node.MAIN, self.say("no_events"))
        count = s.events_total
        when = self.when_label()
        intro = [self.say("events_count_one", when=when) if count == 1
                 else self.say("events_count_many", when=when, count=count)]
        if count > EVENT_BATCH:
            intro.append(self.batch_intro())
        return self.go(Node.EVENT, *intro)

    def when_label(self) -> str:
        """"Heute" / "Morgen" / "Diese Woche" / "Am Dienstag" for the chosen day."""
        day = self.state.day or "today"
        if day.startswith("weekday:"):
            return self.t("events_when_weekday", weekday=prompts.WEEKDAYS[self.state.language][int(day[8:])])
        return self.t(f"events_when_{day}")

    def batch_intro(self) -> Say:
        """"Die nächsten fünf:" for the batch starting at the current event."""
        s = self.state
        batch = min(EVENT_BATCH, len(s.events) - s.event_index)
        words = flow_prompts.NUMBER_WORDS.get(s.language, flow_prompts.NUMBER_WORDS["de"])
        return self.say("events_reading", batch=words[batch] if batch < len(words) else batch)

    def on_event(self, said: str) -> list[Action]:
        s = self.state
        if said == "repeat":
            return self.ask()
        if said == "more" and _more_batches(s):
            s.event_index = (s.event_index // EVENT_BATCH + 1) * EVENT_BATCH
            return [self.batch_intro(), *self.ask()]
        if said in ("next", "more"):
            if s.event_index + 1 >= len(s.events):
                return self.go(Node.MAIN, self.say("events_end"))
            s.event_index += 1
            if s.event_index % EVENT_BATCH == 0:
                return [self.batch_intro(), *self.ask()]
            return self.ask()
        if said == "callback":
            item = s.events[s.event_index]
            s.draft = Draft(kind="callback", event_id=item["event_id"], event_title=item["title"],
                            district=s.district or None)
            return self.go(Node.CONSENT, *self.confirm(self.t("callback")))
        return self.go(Node.MAIN)

    def on_kind(self, said: str) -> list[Action]:
        self.draft.kind = said
        return self.go(Node.CONSENT, *self.confirm(self.t(said)))

    def on_consent(self, said: str) -> list[Action]:
        answer = said == "yes"
        self.draft.consent = answer
        confirmation = self.confirm(self.t(said))
        if self.draft.purpose == "message":
            if answer:
                return self.go(Node.RECORD_MESSAGE, *confirmation)
            return [*confirmation, self.say("no_consent"), *self.after_recordings()]
        if answer:
            return self.go(Node.RECORD_NAME, *confirmation)
        return [*confirmation, self.say("no_consent"), *self.next_request_field()]

    def recording_done(self, event: RecordingDone) -> list[Action]:
        draft = self.draft
        before: list[Action] = []
        if event.ref and not any(item.purpose == event.purpose for item in draft.recordings):
            draft.recordings.append(RecordingRef(event.purpose, event.ref, event.duration, event.transcript))
        elif not event.ref:
            before.append(self.say("recording_missing"))
        if event.purpose == "message":
            return [*before, *self.after_recordings()]
        if event.purpose == "topic":
            return self.go(Node.CONFIRM, *before)
        return [*before, *self.next_request_field()]

    def late_recording(self, event: RecordingDone) -> list[Action]:
        """A recording whose callback came after the hang-up (the race): kept with the request."""
        s = self.state
        draft = s.draft
        if (not event.ref or draft is None or not draft.consent
                or any(item.purpose == event.purpose for item in draft.recordings)):
            return []
        draft.recordings.append(RecordingRef(event.purpose, event.ref, event.duration, event.transcript))
        s.node, s.outcome = Node.HUNG_UP, s.outcome if s.outcome in ("request", "transferred") else "incomplete"
        return [SaveRequest(incomplete=True)]

    def after_recordings(self) -> list[Action]:
        """After a voice message: complete the number and the time, then save."""
        draft = self.draft
        if draft.district is None:
            draft.district = self.state.district if self.state.district else None
        return self.next_request_field()

    def next_request_field(self) -> list[Action]:
        """Ask for the first missing piece: district (unless known), number, callback time, topic."""
        draft = self.draft
        if draft.district is None and draft.purpose == "request":
            draft.district = self.state.district or None  # an earlier answer of this call
            if draft.district is None and self.state.caller_district:
                draft.district, self.state.district_guess = self.state.caller_district, True  # said, not asked
            if draft.district is None:
                return self.go(Node.HOME_DISTRICT)
        if not draft.phone_confirmed:
            if not draft.phone:
                draft.phone = self.state.caller
            return self.go(Node.NUMBER_CONFIRM if draft.phone else Node.NUMBER_ENTRY)
        if not draft.callback_time:
            return self.go(Node.CALLBACK_TIME)
        if draft.purpose == "message":
            return [SaveRequest(incomplete=draft.district is None)]
        if draft.consent and not any(item.purpose == "topic" for item in draft.recordings):
            return self.go(Node.RECORD_TOPIC)
        return self.go(Node.CONFIRM)

    def on_number_confirm(self, said: str) -> list[Action]:
        if said == "yes":
            self.draft.phone_confirmed = True
            return [*self.confirm(self.t("yes")), *self.next_request_field()]
        self.draft.phone = ""
        return self.go(Node.NUMBER_ENTRY, *self.confirm(self.t("no")))

    def answer_number_entry(self, digits: str, spoken: str) -> list[Action] | None:
        entered = digits
        if not entered and spoken:
            entered = "".join(str(understanding.NUMBER_WORDS.get(token, token)) for token in
                              understanding.normalise(spoken).split()
                              if token.isdigit() or token in understanding.NUMBER_WORDS)
        try:
            self.draft.phone = normalise_phone(entered)
        except ValidationFailed:
            return None
        return self.go(Node.NUMBER_CONFIRM)

    def on_callback_time(self, said: str) -> list[Action]:
        self.draft.callback_time = said
        return [*self.confirm(self.t(said)), *self.next_request_field()]

    def summary(self) -> list[Action]:
        draft = self.draft
        s = self.state
        event = self.t("summary_event", title=draft.event_title) if draft.event_title else ""
        district = prompts.district_name(draft.district, s.language) if draft.district else "–"
        kind = self.t(draft.kind or "callback")
        return [self.say_personal("summary_short", kind=kind[:1].upper() + kind[1:], district=district,
                                  time=self.t(draft.callback_time or "any"), event=event)]

    def on_confirm(self, said: str) -> list[Action]:
        if said == "yes":
            self.draft.confirmed = True
            return [*self.confirm(self.t("yes")), SaveRequest(incomplete=False)]
        self.state.draft = None
        return self.go(Node.MAIN, *self.confirm(self.t("no")), self.say("not_saved"))

    def office_status(self, event: OfficeStatus) -> list[Action]:
        if event.open and event.phone:
            self.state.outcome = "transferred"
            self.state.node = Node.TRANSFERRED
            return [self.say("transfer", office=event.name), Transfer(event.phone)]
        return [self.say("office_closed"), *self.start_message()]

    def start_message(self) -> list[Action]:
        """A voice message that becomes a callback request (consent first)."""
        s = self.state
        s.draft = Draft(kind="callback", purpose="message", district=s.district or None)
        s.district_guess = False
        return self.go(Node.CONSENT)

    def request_saved(self, event: RequestSaved) -> list[Action]:
        s = self.state
        s.reference, s.request_id = event.reference, event.request_id
        for item in self.draft.recordings:
            item.attached = True
        if s.node == Node.HUNG_UP:
            return []
        s.outcome = "incomplete" if s.node == Node.GIVING_UP else "request"
        s.node = Node.DONE
        s.ended = True
        reference = prompts.spoken_reference(event.reference)
        # Only the reference itself is synthesised now; the rest was rendered at start-up.
        return [self.say_personal("saved", reference=reference), self.say("saved_after"), self.say("goodbye"),
                HangUp()]

    def hung_up(self) -> list[Action]:
        """Keep what the caller gave as an incomplete request."""
        s = self.state
        if s.ended:
            return []
        s.ended = True
        if s.node == Node.TRANSFERRED and s.request_id is None:
            # Hung up while the office phone rang: keep the caller's number for a callback.
            s.draft = Draft(kind="callback", purpose="message", district=s.district or None)
        draft = s.draft
        if s.node == Node.CONNECTED or draft is None or s.request_id is not None:
            s.outcome = s.outcome or "hung_up"
            return []
        if not draft.kind:
            draft.kind = "callback"  # hung up at the kind question: a callback is the least we can do
        if not draft.phone:
            draft.phone = s.caller
        if not (draft.phone or draft.recordings):
            s.outcome = "hung_up"
            return []
        s.node = Node.HUNG_UP
        s.outcome = "incomplete"
        return [SaveRequest(incomplete=True)]
