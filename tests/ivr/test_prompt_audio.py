"""Prompts for streams: synthesised with the real espeak-ng, encoded to µ-law once, kept in memory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event

from ivr.flow.engine import CallStarted, Digits, Say
from ivr.hotline import find_call, get_hotline, open_call
from ivr.speech.audio import FRAME_BYTES, phone_audio
from ivr.speech.prompt_audio import PromptAudio
from shared.db import Database
from shared.models import Call
from shared.speech.synthesis import Synthesizer
from tests.support.forked import assert_works_in_forked_child


def test_a_prompt_is_encoded_once_then_served_from_memory(tmp_path: Path) -> None:
    synthesizer = Synthesizer(tmp_path, 140)
    prompts = PromptAudio(synthesizer)
    try:
        cold = prompts.audio("Guten Tag.", "de")
        audio = cold.result(timeout=30)
        assert audio == phone_audio(prompts.path_for("Guten Tag.", "de"))
        assert len(audio) % FRAME_BYTES == 0 and len(audio) > 20 * FRAME_BYTES
        again = prompts.audio(" Guten Tag. ", "de")
        assert again.done() and again.result() is audio  # no disk, no synthesis, no encoding
        prompts.forget([prompts.path_for("Guten Tag.", "de")])
        assert prompts.cached("Guten Tag.", "de") is None
    finally:
        synthesizer.close()


def test_the_memory_cache_is_bounded(tmp_path: Path) -> None:
    synthesizer = Synthesizer(tmp_path, 140)
    prompts = PromptAudio(synthesizer, capacity=2)
    try:
        for future in prompts.warm(["Eins.", "Zwei.", "Drei."], "de"):
            future.result(timeout=30)
        assert prompts.cached("Eins.", "de") is None
        assert prompts.cached("Drei.", "de") is not None
    finally:
        synthesizer.close()


def test_personal_prompts_leave_memory_and_disk_when_the_call_ends(ivr_app: Flask) -> None:
    hotline = get_hotline(ivr_app)
    text = "Wir rufen Sie unter dieser Nummer zurück: 0 2 3, 1 1 2, 3 4 5, 6 7."
    hotline.prompt_audio.audio(text, "de").result(timeout=30)
    path = hotline.prompt_audio.path_for(text, "de")
    call = Call(call_sid="CA" + "5" * 32, transport="stream", state={"personal_audio": [str(path)]})
    hotline.forget_personal_audio(call)
    assert hotline.prompt_audio.cached(text, "de") is None and not path.exists()


def test_a_reply_starts_before_the_events_are_looked_up(ivr_app: Flask, db: Database) -> None:
    hotline = get_hotline(ivr_app)
    lookups: list[str] = []

    def count_lookups(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "occurrences" in statement:
            lookups.append(statement)

    call_sid = "CA" + "6" * 32
    with db.session() as session:
        open_call(session, call_sid, "stream")
    for step in (CallStarted(caller="", speech=False), Digits("1"), Digits("1")):  # events, today
        with db.session() as session:
            hotline.apply(session, find_call(session, call_sid), step)  # type: ignore[arg-type]
    early: list[tuple[str, int]] = []
    event.listen(db.engine, "before_cursor_execute", count_lookups)
    try:
        with db.session() as session:
            outputs = hotline.apply(session, find_call(session, call_sid), Digits("44263"),  # type: ignore[arg-type]
                                    lambda say: early.append((say.text, len(lookups))))
    finally:
        event.remove(db.engine, "before_cursor_execute", count_lookups)
    assert early == [("Verstanden: Hörde.", 0)]  # handed over before any lookup ran
    assert lookups, "the events were not looked up"
    says = [action.text for action in outputs if isinstance(action, Say)]
    assert says[0] == early[0][0] and len(says) > 1  # what the lookup found comes after


def test_a_child_forked_after_prompts_were_encoded_still_encodes(tmp_path: Path) -> None:
    """gunicorn forks an app built (and its prompts warmed) in the master: a prompt not warmed must
    still be synthesised and encoded in the worker, not wait for the parent's threads and engine."""
    synthesizer = Synthesizer(tmp_path, 140)
    prompts = PromptAudio(synthesizer)
    try:
        prompts.audio("Guten Tag.", "de").result(timeout=30)  # the parent's encoding thread runs
        assert_works_in_forked_child(lambda: len(prompts.audio("Guten Abend.", "de").result(timeout=30)) > 0,
                                     "encoding")
    finally:
        synthesizer.close()
