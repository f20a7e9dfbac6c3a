"""The call flow as one table: every question the hotline asks, in one declarative entry each.

An entry names the prompt, the speech grammar, the key map (the spoken key list is generated from
it, so what is said and what is accepted never drift apart), the parser for recognised words, the
timeout, how many failed rounds it allows, where silence and nonsense lead after those rounds, and
the steps an answer may lead to. :mod:`ivr.flow.engine` asks the questions and acts on the meanings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ivr.flow import prompts, understanding
from shared.seed.reference_data import DISTRICTS
from shared.seed.stadtteile import POSTCODES

LISTEN_SECONDS = 8
INTER_DIGIT_SECONDS = 3  # after the first digit of a postcode: wait this long for the next ones
MAX_FAILURES = 2  # failed rounds of one question before its timeout/invalid destination
GROUP_SIZE = 4  # districts per group menu: no menu offers more than four choices


class Node(StrEnum):
    """Where a call is: a question, or a state between questions (values are stored in the call)."""

    NEW = "new"
    MAIN = "main"
    DAY = "day"
    WEEKDAY = "weekday"
    DISTRICT = "district"
    HOME_DISTRICT = "home_district"
    PERSON_DISTRICT = "person_district"
    DISTRICT_GROUP = "district_group"
    EVENT = "event"
    KIND = "kind"
    CONSENT = "consent"
    RECORD_NAME = "record_name"
    RECORD_TOPIC = "record_topic"
    RECORD_MESSAGE = "record_message"
    NUMBER_CONFIRM = "number_confirm"
    NUMBER_ENTRY = "number_entry"
    CALLBACK_TIME = "callback_time"
    CONFIRM = "confirm"
    PERSON = "person"  # the office is being checked: a person (office hours) or a voice message
    TRANSFERRED = "transferred"
    CONNECTED = "connected"
    GIVING_UP = "giving_up"  # a friendly goodbye, keeping what was given
    HUNG_UP = "hung_up"
    DONE = "done"


@dataclass(frozen=True)
class Option:
    """One key of a menu: the key, what it means, and the label said before it."""

    key: str
    meaning: str
    label: str  # a prompt key; "weekday:N" and "district:N" name a weekday or a district


@dataclass(frozen=True)
class Question:
    """One question of the flow."""

    prompt: str  # prompt key said before the key list ("" for none)
    grammar: str  # the recognizer's phrase list (:data:`ivr.flow.understanding.GRAMMARS`)
    options: tuple[Option, ...] = ()
    parse: Callable[[str], str | None] | None = None  # recognised words → a meaning
    hint: str = ""  # said after the key list ("Oder tippen Sie Ihre Postleitzahl.")
    speech_hint: str = ""  # said after the key list when speech is on
    max_digits: int = 1
    prefixes: tuple[str, ...] = ()  # first keys that begin a longer entry (a postcode "4…")
    finish_on_key: str = ""
    timeout: int = LISTEN_SECONDS
    retries: int = MAX_FAILURES
    on_timeout: Node = Node.PERSON  # after *retries* silent rounds
    on_invalid: Node = Node.PERSON  # after *retries* rounds not understood
    next: tuple[Node, ...] = ()  # where an answer leads (documents the flow; the tests walk it)
    record: str = ""  # a recording question: its purpose


YES_NO = (Option("1", "yes", "yes"), Option("2", "no", "no"))
DISTRICT_GROUPS = (Option("1", "group:1", "group_1"), Option("2", "group:2", "group_2"),
                   Option("3", "group:3", "group_3"))


def _yes_no(spoken: str) -> str | None:
    answer = understanding.yes_no(spoken)
    return None if answer is None else ("yes" if answer else "no")


def _district(spoken: str) -> str | None:
    number = understanding.district(spoken)
    return None if number is None else ("all" if number == 0 else f"district:{number}")


def _weekday(spoken: str) -> str | None:
    said = understanding.day(spoken)
    return said if said and said.startswith("weekday:") else None


def postcode_district(digits: str) -> int | None:
    """The Stadtbezirk of a Dortmund postcode typed as five digits, or None."""
    slug = POSTCODES.get(digits)
    return next((district.number for district in DISTRICTS if district.slug == slug), None)


def _district_question(prompt: str, with_all: bool, next_nodes: tuple[Node, ...],
                       on_timeout: Node = Node.PERSON) -> Question:
    options = (Option("0", "all", "all_districts_label"), *DISTRICT_GROUPS) if with_all else DISTRICT_GROUPS
    return Question(prompt, "district", options, _district, hint="postcode_hint",
                    speech_hint="district_speech_hint", prefixes=("4",), max_digits=5, finish_on_key="#",
                    on_timeout=on_timeout, on_invalid=on_timeout,
                    next=(Node.DISTRICT_GROUP, *next_nodes))


QUESTIONS: dict[Node, Question] = {
    Node.MAIN: Question(
        "", "main",
        (Option("1", "events", "events_label"), Option("2", "request", "request_label"),
         Option("0", "person", "person_label")),
        understanding.menu_choice, next=(Node.DAY, Node.KIND, Node.PERSON)),
    Node.DAY: Question(
        "", "day",
        (Option("1", "today", "events_when_today"), Option("2", "tomorrow", "events_when_tomorrow"),
         Option("3", "week", "events_when_week"), Option("4", "weekday", "other_day_label")),
        understanding.day, speech_hint="day_menu_speech_hint", next=(Node.DISTRICT, Node.WEEKDAY)),
    Node.WEEKDAY: Question(
        "", "day",
        tuple(Option(str(index + 1), f"weekday:{index}", f"weekday:{index}") for index in range(7)),
        _weekday, next=(Node.DISTRICT,)),
    Node.DISTRICT: _district_question("q_district", True, (Node.EVENT, Node.MAIN)),
    Node.HOME_DISTRICT: _district_question("q_home_district", False, (Node.NUMBER_CONFIRM, Node.NUMBER_ENTRY)),
    Node.PERSON_DISTRICT: _district_question("q_person_district", False, (Node.PERSON,),
                                             on_timeout=Node.RECORD_MESSAGE),
    Node.DISTRICT_GROUP: Question(
        "", "district", (), _district, speech_hint="district_speech_hint",
        next=(Node.EVENT, Node.NUMBER_CONFIRM, Node.PERSON)),
    Node.EVENT: Question(
        "", "event",
        (Option("1", "repeat", "repeat_label"), Option("2", "next", "next_label"),
         Option("3", "callback", "event_callback_label"), Option("4", "more", "more_label"),
         Option("9", "menu", "menu_label")),
        understanding.event_command, next=(Node.EVENT, Node.CONSENT, Node.MAIN)),
    Node.KIND: Question(
        "", "kind", (Option("1", "home_visit", "home_visit"), Option("2", "callback", "callback")),
        understanding.kind, next=(Node.CONSENT,)),
    Node.CONSENT: Question(
        "q_consent", "yes_no", YES_NO, _yes_no,
        next=(Node.RECORD_NAME, Node.RECORD_MESSAGE, Node.HOME_DISTRICT, Node.NUMBER_CONFIRM)),
    Node.NUMBER_CONFIRM: Question(
        "q_number_confirm", "yes_no", YES_NO, _yes_no, next=(Node.CALLBACK_TIME, Node.NUMBER_ENTRY)),
    Node.NUMBER_ENTRY: Question(
        "q_number_entry", "digits", (), None, max_digits=20, finish_on_key="#", timeout=15,
        next=(Node.NUMBER_CONFIRM,)),
    Node.CALLBACK_TIME: Question(
        "q_callback_time", "callback_time",
        (Option("1", "morning", "morning_label"), Option("2", "midday", "midday_label"),
         Option("3", "afternoon", "afternoon_label"), Option("4", "any", "any_time_label")),
        understanding.callback_time, next=(Node.RECORD_TOPIC, Node.CONFIRM)),
    Node.CONFIRM: Question("q_confirm", "yes_no", YES_NO, _yes_no, next=(Node.DONE, Node.MAIN)),
    Node.RECORD_NAME: Question("record_name", "", record="name", next=(Node.HOME_DISTRICT,)),
    Node.RECORD_TOPIC: Question("record_topic", "", record="topic", next=(Node.CONFIRM,)),
    Node.RECORD_MESSAGE: Question("record_message", "", record="message", on_timeout=Node.GIVING_UP,
                                  on_invalid=Node.GIVING_UP, next=(Node.NUMBER_CONFIRM, Node.DONE)),
}
DISTRICT_NODES = (Node.DISTRICT, Node.HOME_DISTRICT, Node.PERSON_DISTRICT)
PERSON_KEY_NODES = (Node.MAIN, Node.DAY, Node.WEEKDAY, Node.KIND, Node.EVENT)  # "0" reaches a person
RECORD_SECONDS = {"name": 10, "topic": 60, "message": 60}


def group_options(group: int) -> tuple[Option, ...]:
    """The districts of group menu *group* (1–3), four each, keys 1–4."""
    first = (group - 1) * GROUP_SIZE
    return tuple(Option(str(index + 1), f"district:{district.number}", f"district:{district.number}")
                 for index, district in enumerate(DISTRICTS[first:first + GROUP_SIZE]))


def label(option: Option, language: str) -> str:
    """The words said before an option's key."""
    kind, _, value = option.label.partition(":")
    if kind == "weekday" and value:
        return prompts.WEEKDAYS[language][int(value)]
    if kind == "district" and value:
        return prompts.district_name(int(value), language)
    said = prompts.text(language, option.label)
    return said[:1].upper() + said[1:]


def key_list(options: tuple[Option, ...], language: str) -> str:
    """The spoken key list, generated from the key map ("Heute: die 1. Morgen: die 2.")."""
    said = ", ".join(prompts.text(language, "option", label=label(option, language), digit=option.key)
                     for option in options)
    return f"{said}." if said else ""


def question_text(question: Question, options: tuple[Option, ...], language: str, speech: bool,
                  **values: object) -> str:
    """Prompt, key list and hints of one question as one text (rendered and cached as one prompt)."""
    parts = [prompts.text(language, question.prompt, **values) if question.prompt else "",
             key_list(options, language), prompts.text(language, question.hint) if question.hint else "",
             prompts.text(language, question.speech_hint) if speech and question.speech_hint else ""]
    return " ".join(part for part in parts if part)


def meaning(question: Question, options: tuple[Option, ...], digits: str, spoken: str) -> str | None:
    """What a key or recognised words mean for *question* (None: not understood)."""
    by_key = {option.key: option.meaning for option in options}
    if digits:
        return by_key.get(digits)
    if not spoken:
        return None
    parsed = question.parse(spoken) if question.parse else None
    if parsed is not None:
        return parsed
    said_number = understanding.number(spoken)  # "eins" means what the key 1 means
    return by_key.get(str(said_number)) if said_number is not None else None


def fixed_texts(language: str) -> list[str]:
    """Every question text without placeholders, for rendering at start-up."""
    texts: list[str] = []
    for node, question in QUESTIONS.items():
        if question.record or (question.prompt and "{" in prompts.text(language, question.prompt)):
            continue
        for speech in (False, True):
            if node == Node.DISTRICT_GROUP:
                texts += [question_text(question, group_options(group), language, speech) for group in (1, 2, 3)]
            elif node == Node.EVENT:
                texts += [question_text(question, question.options, language, speech),
                          question_text(question, tuple(o for o in question.options if o.meaning != "more"),
                                        language, speech)]
            else:
                texts.append(question_text(question, question.options, language, speech))
    return list(dict.fromkeys(texts))
