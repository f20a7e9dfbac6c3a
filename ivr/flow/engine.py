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

from ivr.flow import flow_prompts, prompts, understanding
from ivr.flow.prompts import text
from shared.errors import ValidationFailed
from shared.services.phone import display_phone, normalise_phone

MAX_FAILURES = 2  # failed rounds of one question before a person or a voice message is offered
MAX_STRIKES = 6  # failed rounds in the whole call before a friendly goodbye
MAX_TURNS = 80  # answers in the whole call before a friendly goodbye (a total call limit)
LISTEN_SECONDS = 8
INTER_DIGIT_SECONDS = 3  # after a "1" in the district menu: wait this long for 10/11/12
EVENT_BATCH = 5  # events announced per "the next five"
PERSON_KEY_NODES = ("main", "day", "weekday", "kind", "event")  # "0" reaches a person from here
DISTRICT_NODES = ("district", "home_district", "person_district")
RECORD_SECONDS = {"name": 10, "topic": 60, "message": 60}


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
class RequestSaved:
    """Answer to :class:`SaveRequest`."""

    reference: str
    request_id: int


CallEvent = (CallStarted | Digits | Speech | NoInput | RecordingDone | HungUp | TransferFailed
             | TransferAnswered | EventsFound | OfficeStatus | RequestSaved)


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
class SaveRequest:
    """Query: save (or complete) the request drafted in the state."""

    incomplete: bool


Action = Say | Listen | Record | Transfer | HangUp | LookupEvents | CheckOffice | SaveRequest
OUTPUT_ACTIONS = (Say, Listen, Record, Transfer, HangUp)


# --- state ----------------------------------------------------------------------------------

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
    recordings: list[dict[str, Any]] = field(default_factory=list)
    confirmed: bool = False
    purpose: str = "request"  # or "message" (voice message when no one can take the call)


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
            values["draft"] = Draft(**{key: value for key, value in draft.items() if key in draft_known})
        return cls(**values)


# --- the machine ----------------------------------------------------------------------------

def step(state: CallState, event: CallEvent) -> tuple[CallState, list[Action]]:
    """Apply *event* to a copy of *state*; return the new state and the actions to carry out."""
    new = copy.deepcopy(state)
    if new.ended and not isinstance(event, HungUp | RequestSaved):
        return new, [HangUp()]
    actions = _Flow(new).handle(event)
    return new, actions


class _Flow:
    """The handlers of one step; mutates its (already copied) state."""

    def __init__(self, state: CallState) -> None:
        self.state = state
        self._last: CallEvent | None = None

    def continued(self, event: Digits | NoInput) -> Digits:
        """Complete a district entry begun with "1": a second digit, or "1" alone after the pause."""
        s = self.state
        prefix, s.partial = s.partial, ""
        more = event.digits.rstrip("#") if isinstance(event, Digits) else ""
        completed = Digits(prefix + more)
        self._last = completed
        return completed

    def give_up(self) -> list[Action]:
        """A friendly goodbye; keep what the caller gave as an incomplete request."""
        s = self.state
        saving = self.hung_up()
        if saving:
            s.node = "giving_up"
            return [self.say("give_up"), *saving]
        return [self.say("give_up"), self.say("goodbye"), HangUp()]

    def to_person(self, *before: Action) -> list[Action]:
        """Straight to the Seniorenbüro (district asked only when no earlier answer gives it)."""
        s = self.state
        district = s.district or (s.draft.district if s.draft else None)
        s.draft = None
        if district:
            s.district = district
            s.node = "person"
            return [*before, CheckOffice(district)]
        return self.go("person_district", *before)

    def t(self, key: str, **values: object) -> str:
        return text(self.state.language, key, **values)

    def say(self, key: str, **values: object) -> Say:
        return Say(self.t(key, **values), self.state.language)

    def say_personal(self, key: str, **values: object) -> Say:
        return Say(self.t(key, **values), self.state.language, personal=True)

    # dispatch

    def handle(self, event: CallEvent) -> list[Action]:
        s = self.state
        if isinstance(event, CallStarted):
            s.caller, s.speech, s.node = event.caller, event.speech, "main"
            # The opening stays under 12 s: greeting, menu, then the Turkish offer (keys barge in throughout).
            *menu, listen = self.ask()
            return [self.say("greeting_speech" if s.speech else "greeting"), *menu,
                    Say(text("de", "turkish_offer"), "tr"), listen]
        if isinstance(event, HungUp):
            return self.hung_up()
        if isinstance(event, EventsFound):
            return self.events_found(event)
        if isinstance(event, OfficeStatus):
            return self.office_status(event)
        if isinstance(event, RequestSaved):
            return self.request_saved(event)
        if isinstance(event, TransferAnswered):
            s.outcome, s.node, s.ended = "transferred", "connected", True
            return [HangUp()]
        if isinstance(event, TransferFailed):
            return [self.say("transfer_failed"), *self.start_message()]
        if isinstance(event, RecordingDone):
            return self.recording_done(event)
        if s.partial and isinstance(event, Digits | NoInput):
            event = self.continued(event)
        elif isinstance(event, Speech):
            s.partial = ""
        if isinstance(event, Digits | Speech | NoInput):
            s.turns += 1
            if s.turns > MAX_TURNS:
                return self.give_up()
        if isinstance(event, NoInput):
            return self.failed("no_input")
        answer = event.digits if isinstance(event, Digits) else ""
        if (s.node in DISTRICT_NODES and answer == "1" and s.partial == ""
                and not isinstance(self._last, Digits)):
            s.partial = "1"
            return [Listen(s.node, understanding.grammar("district"), max_digits=1, finish_on_key="#",
                           timeout_seconds=INTER_DIGIT_SECONDS)]
        if answer == "0" and s.node in PERSON_KEY_NODES:
            s.failures = 0
            return self.to_person(self.chosen(self.t("person")))
        spoken = event.text if isinstance(event, Speech) else ""
        if answer == "*" or (spoken and understanding.is_repeat(spoken)):
            return self.ask()
        handler = getattr(self, f"answer_{s.node}", None)
        if handler is None:
            return self.ask()
        result: list[Action] | None = handler(answer, spoken)
        if result is None:
            typed_number = s.node == "number_entry" and bool(answer)
            return self.failed("number_invalid" if typed_number else "not_understood")
        s.failures = 0
        return result

    # questions

    def ask(self) -> list[Action]:
        """Say the current question again and listen."""
        s = self.state
        node = s.node
        if node == "main":
            return [self.say("main_menu"), Listen("main", understanding.grammar("main"))]
        if node == "day":
            hint = [self.say("day_menu_speech_hint")] if s.speech else []
            return [self.say("day_menu_keys"), *hint, Listen("day", understanding.grammar("day"))]
        if node == "weekday":
            options = " ".join(self.t("weekday_option", weekday=name, number=number)
                               for number, name in enumerate(prompts.WEEKDAYS[s.language], start=1))
            return [self.say("weekday_menu", list=options), Listen("weekday", understanding.grammar("day"))]
        if node in DISTRICT_NODES:
            key = "district_menu" if node == "district" else "home_district_menu"
            return [self.say(key), Say(prompts.district_list(s.language), s.language),
                    Listen(node, understanding.grammar("district"), max_digits=1, finish_on_key="#")]
        if node == "event":
            item = s.events[s.event_index]
            more = [self.say("event_keys_more")] if self.more_batches() else []
            return [Say(item["spoken"], s.language), self.say("event_keys"), *more,
                    Listen("event", understanding.grammar("event"))]
        if node == "kind":
            return [self.say("kind_menu"), Listen("kind", understanding.grammar("kind"))]
        if node == "consent":
            return [self.say("consent"), Listen("consent", understanding.grammar("yes_no"))]
        if node == "number_confirm":
            digits = prompts.spoken_digits(display_phone(self.draft.phone))
            return [self.say_personal("number_readback", digits=digits),
                    Listen("number_confirm", understanding.grammar("yes_no"))]
        if node == "number_entry":
            return [self.say("number_entry"),
                    Listen("number_entry", understanding.grammar("digits"), max_digits=20, finish_on_key="#",
                           timeout_seconds=15)]
        if node == "confirm":
            return [*self.summary(), self.say("confirm"), Listen("confirm", understanding.grammar("yes_no"))]
        if node.startswith("record_"):
            purpose = node.removeprefix("record_")
            return [self.say(f"record_{purpose}"), Record(purpose, RECORD_SECONDS[purpose])]
        return [self.say("goodbye"), HangUp()]

    def go(self, node: str, *before: Action) -> list[Action]:
        self.state.node = node
        self.state.failures = 0
        return [*before, *self.ask()]

    def chosen(self, choice: str) -> Say:
        return self.say("chosen", choice=choice)

    @property
    def draft(self) -> Draft:
        if self.state.draft is None:
            self.state.draft = Draft()
        return self.state.draft

    def failed(self, reason: str) -> list[Action]:
        s = self.state
        if s.node.startswith("record_"):
            return self.recording_done(RecordingDone(s.node.removeprefix("record_"), ""))
        s.failures += 1
        s.strikes += 1
        if s.strikes >= MAX_STRIKES:
            return [self.say(reason), *self.give_up()]
        if s.failures < MAX_FAILURES:
            return [self.say(reason), *self.ask()]
        s.failures = 0
        if s.draft and s.draft.purpose == "message":
            # Not even the voice message gets an answer: keep what there is and say goodbye.
            return [self.say(reason), *self.give_up()]
        if s.node == "person_district":
            # Even the way to a person failed: keep what we have as a voice message without district.
            return [self.say(reason), *self.start_message()]
        district = s.district or (s.draft.district if s.draft else None)
        if district:
            s.district = district
            s.node = "person"
            return [self.say(reason), self.say("offer_person"), CheckOffice(district)]
        return [self.say(reason), self.say("offer_person"), *self.go("person_district")]

    # answers per node (None = not understood)

    def answer_main(self, digits: str, spoken: str) -> list[Action] | None:
        s = self.state
        if digits == "9" and s.language == "de":
            s.language = "tr"
            s.speech = False  # the recognizer understands German only
            return [self.say("greeting"), self.say("keys_only"), *self.ask()]
        if digits == "8":
            return [self.say("privacy"), *self.ask()]
        choice = {"1": "events", "2": "request", "0": "person"}.get(digits) or understanding.menu_choice(spoken)
        if choice is None and spoken:
            choice = {1: "events", 2: "request", 0: "person"}.get(understanding.number(spoken) or -1)
        if choice == "events":
            return self.go("day", self.chosen(self.t("events")))
        if choice == "request":
            s.draft = Draft()
            return self.go("kind", self.chosen(self.t("request")))
        if choice == "person":
            return self.to_person(self.chosen(self.t("person")))
        return None

    def answer_day(self, digits: str, spoken: str) -> list[Action] | None:
        s = self.state
        if digits == "4":
            return self.go("weekday")
        chosen = {"1": "today", "2": "tomorrow", "3": "week"}.get(digits)
        if chosen is None and spoken:
            chosen = understanding.day(spoken) or {1: "today", 2: "tomorrow", 3: "week"}.get(
                understanding.number(spoken) or -1)
        if chosen is None:
            return None
        s.day = chosen
        return self.go("district", self.chosen(self.day_label(chosen)))

    def answer_weekday(self, digits: str, spoken: str) -> list[Action] | None:
        chosen = f"weekday:{int(digits) - 1}" if digits in ("1", "2", "3", "4", "5", "6", "7") else None
        if chosen is None and spoken:
            said_day = understanding.day(spoken)
            chosen = said_day if said_day and said_day.startswith("weekday:") else None
        if chosen is None:
            return None
        self.state.day = chosen
        return self.go("district", self.chosen(self.day_label(chosen)))

    def day_label(self, chosen: str) -> str:
        if chosen.startswith("weekday:"):
            return prompts.WEEKDAYS[self.state.language][int(chosen.split(":")[1])]
        return self.t(chosen)

    def district_answer(self, digits: str, spoken: str, allow_all: bool) -> int | None:
        number: int | None = None
        if digits:
            number = int(digits) if digits.isdigit() else None
        elif spoken:
            number = understanding.district(spoken)
        if number is None or number > 12 or (number == 0 and not allow_all):
            return None
        return number

    def answer_district(self, digits: str, spoken: str) -> list[Action] | None:
        s = self.state
        number = self.district_answer(digits, spoken, allow_all=True)
        if number is None:
            return None
        s.district = number
        return [self.chosen(prompts.district_name(number, s.language)),
                LookupEvents(s.day, number, s.language)]

    def events_found(self, event: EventsFound) -> list[Action]:
        s = self.state
        s.events = [asdict(item) for item in event.items]
        s.event_index = 0
        s.events_total = len(s.events) if event.total is None else max(event.total, len(s.events))
        if not s.events:
            return self.go("main", self.say("no_events"))
        count = s.events_total
        when = self.when_label()
        intro = [self.say("events_count_one", when=when) if count == 1
                 else self.say("events_count_many", when=when, count=count)]
        if count > EVENT_BATCH:
            intro.append(self.batch_intro())
        return self.go("event", *intro)

    def when_label(self) -> str:
        """"Heute" / "Morgen" / "Diese Woche" / "Am Dienstag" for the chosen day."""
        day = self.state.day or "today"
        if day.startswith("weekday:"):
            return self.t("events_when_weekday", weekday=prompts.WEEKDAYS[self.state.language][int(day[8:])])
        return self.t(f"events_when_{day}")

    def batch_intro(self) -> Say:
        """"Ich lese Ihnen die nächsten fünf vor." for the batch starting at the current event."""
        s = self.state
        batch = min(EVENT_BATCH, len(s.events) - s.event_index)
        words = flow_prompts.NUMBER_WORDS.get(s.language, flow_prompts.NUMBER_WORDS["de"])
        return self.say("events_reading", batch=words[batch] if batch < len(words) else batch)

    def more_batches(self) -> bool:
        """Whether events remain after the batch of the current event."""
        s = self.state
        return (s.event_index // EVENT_BATCH + 1) * EVENT_BATCH < len(s.events)

    def answer_event(self, digits: str, spoken: str) -> list[Action] | None:
        s = self.state
        command = {"1": "repeat", "2": "next", "3": "callback", "4": "more", "9": "menu"}.get(digits)
        if command is None and spoken:
            command = understanding.event_command(spoken)
        if command == "repeat":
            return self.ask()
        if command == "more" and self.more_batches():
            s.event_index = (s.event_index // EVENT_BATCH + 1) * EVENT_BATCH
            return [self.batch_intro(), *self.ask()]
        if command in ("next", "more"):
            if s.event_index + 1 >= len(s.events):
                return self.go("main", self.say("events_end"))
            s.event_index += 1
            if s.event_index % EVENT_BATCH == 0:
                return [self.batch_intro(), *self.ask()]
            return self.ask()
        if command == "callback":
            item = s.events[s.event_index]
            s.draft = Draft(kind="callback", event_id=item["event_id"], event_title=item["title"],
                            district=s.district or None)
            return self.go("consent", self.chosen(self.t("callback")))
        if command == "menu":
            return self.go("main")
        return None

    def answer_kind(self, digits: str, spoken: str) -> list[Action] | None:
        chosen = {"1": "home_visit", "2": "callback"}.get(digits)
        if chosen is None and spoken:
            chosen = understanding.kind(spoken) or {1: "home_visit", 2: "callback"}.get(
                understanding.number(spoken) or -1)
        if chosen is None:
            return None
        self.draft.kind = chosen
        return self.go("consent", self.chosen(self.t(chosen)))

    def yes_no(self, digits: str, spoken: str) -> bool | None:
        if digits in ("1", "2"):
            return digits == "1"
        if spoken:
            answer = understanding.yes_no(spoken)
            if answer is None and understanding.number(spoken) in (1, 2):
                answer = understanding.number(spoken) == 1
            return answer
        return None

    def answer_consent(self, digits: str, spoken: str) -> list[Action] | None:
        answer = self.yes_no(digits, spoken)
        if answer is None:
            return None
        self.draft.consent = answer
        confirmation = self.chosen(self.t("yes" if answer else "no"))
        if self.draft.purpose == "message":
            if answer:
                return self.go("record_message", confirmation)
            return [confirmation, self.say("no_consent"), *self.after_recordings()]
        if answer:
            return self.go("record_name", confirmation)
        return [confirmation, self.say("no_consent"), *self.next_request_field()]

    def recording_done(self, event: RecordingDone) -> list[Action]:
        draft = self.draft
        before: list[Action] = []
        if event.ref and not any(item["purpose"] == event.purpose for item in draft.recordings):
            draft.recordings.append({"purpose": event.purpose, "ref": event.ref, "duration": event.duration,
                                     "transcript": event.transcript, "attached": False})
        elif not event.ref:
            before.append(self.say("recording_missing"))
        if event.purpose == "message":
            return [*before, *self.after_recordings()]
        if event.purpose == "topic":
            return self.go("confirm", *before)
        return [*before, *self.next_request_field()]

    def after_recordings(self) -> list[Action]:
        """After a voice message: complete the number, then save."""
        draft = self.draft
        if draft.district is None:
            draft.district = self.state.district if self.state.district else None
        if not draft.phone_confirmed:
            return self.next_request_field()
        return [SaveRequest(incomplete=draft.district is None)]

    def next_request_field(self) -> list[Action]:
        """Ask for the first missing piece of the request: district, then number, then topic."""
        draft = self.draft
        if draft.district is None and draft.purpose == "request":
            return self.go("home_district")
        if not draft.phone_confirmed:
            if not draft.phone:
                draft.phone = self.state.caller
            return self.go("number_confirm" if draft.phone else "number_entry")
        if draft.purpose == "message":
            return [SaveRequest(incomplete=draft.district is None)]
        if draft.consent and not any(item["purpose"] == "topic" for item in draft.recordings):
            return self.go("record_topic")
        return self.go("confirm")

    def answer_home_district(self, digits: str, spoken: str) -> list[Action] | None:
        number = self.district_answer(digits, spoken, allow_all=False)
        if number is None:
            return None
        self.draft.district = number
        return [self.chosen(prompts.district_name(number, self.state.language)), *self.next_request_field()]

    def answer_number_confirm(self, digits: str, spoken: str) -> list[Action] | None:
        answer = self.yes_no(digits, spoken)
        if answer is None:
            return None
        if answer:
            self.draft.phone_confirmed = True
            return [self.chosen(self.t("yes")), *self.next_request_field()]
        self.draft.phone = ""
        return self.go("number_entry", self.chosen(self.t("no")))

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
        return self.go("number_confirm")

    def summary(self) -> list[Action]:
        draft = self.draft
        s = self.state
        event = self.t("summary_event", title=draft.event_title) if draft.event_title else ""
        district = prompts.district_name(draft.district or 0, s.language) if draft.district else "–"
        return [self.say_personal("summary", kind=self.t(draft.kind or "callback"), district=district,
                         digits=prompts.spoken_digits(display_phone(draft.phone)), event=event)]

    def answer_confirm(self, digits: str, spoken: str) -> list[Action] | None:
        answer = self.yes_no(digits, spoken)
        if answer is None:
            return None
        if answer:
            self.draft.confirmed = True
            return [self.chosen(self.t("yes")), SaveRequest(incomplete=False)]
        self.state.draft = None
        return self.go("main", self.chosen(self.t("no")), self.say("not_saved"))

    def answer_person_district(self, digits: str, spoken: str) -> list[Action] | None:
        number = self.district_answer(digits, spoken, allow_all=False)
        if number is None:
            return None
        self.state.district = number
        return [self.chosen(prompts.district_name(number, self.state.language)), CheckOffice(number)]

    def office_status(self, event: OfficeStatus) -> list[Action]:
        if event.open and event.phone:
            self.state.outcome = "transferred"
            self.state.node = "transferred"
            return [self.say("transfer", office=event.name), Transfer(event.phone)]
        return [self.say("office_closed"), *self.start_message()]

    def start_message(self) -> list[Action]:
        """A voice message that becomes a callback request (consent first)."""
        s = self.state
        s.draft = Draft(kind="callback", purpose="message", district=s.district or None)
        return self.go("consent")

    def request_saved(self, event: RequestSaved) -> list[Action]:
        s = self.state
        s.reference, s.request_id = event.reference, event.request_id
        for item in self.draft.recordings:
            item["attached"] = True
        if s.node == "hung_up":
            return []
        s.outcome = "incomplete" if s.node == "giving_up" else "request"
        s.node = "done"
        s.ended = True
        reference = prompts.spoken_reference(event.reference)
        return [self.say_personal("saved", reference=reference), self.say("goodbye"), HangUp()]

    def hung_up(self) -> list[Action]:
        """Keep what the caller gave as an incomplete request."""
        s = self.state
        if s.ended:
            return []
        s.ended = True
        if s.node == "transferred" and s.request_id is None:
            # Hung up while the office phone rang: keep the caller's number for a callback.
            s.draft = Draft(kind="callback", purpose="message", district=s.district or None)
        draft = s.draft
        if s.node == "connected" or draft is None or s.request_id is not None:
            s.outcome = s.outcome or "hung_up"
            return []
        if not draft.kind:
            draft.kind = "callback"  # hung up at the kind question: a callback is the least we can do
        if not draft.phone:
            draft.phone = s.caller
        if not (draft.phone or draft.recordings):
            s.outcome = "hung_up"
            return []
        s.node = "hung_up"
        s.outcome = "incomplete"
        return [SaveRequest(incomplete=True)]
