"""The opening: at most 12 s of audio from answering to listening, and keys act during it."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from flask import Flask

from ivr.flow.engine import CallStarted, CallState, Digits, Listen, Say, step
from ivr.flow.nodes import QUESTIONS, Node, question_text
from ivr.flow.prompts import text
from shared.config import Config
from shared.runtime import get_runtime
from shared.speech.synthesis import Synthesizer
from tests.ivr.conftest import TwilioPhone

OPENING_SECONDS = 12.0


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.mark.parametrize("speech", [False, True], ids=["keys", "speech"])
def test_opening_audio_is_at_most_twelve_seconds(speech: bool, config: Config, speech_cache: Path) -> None:
    _, actions = step(CallState(), CallStarted(caller="+492311234567", speech=speech))
    assert isinstance(actions[-1], Listen)  # everything before it is the opening
    says = [action for action in actions if isinstance(action, Say)]
    synthesizer = Synthesizer(speech_cache, config.ivr_speech_rate)
    assert says[-1].language == "tr"  # the Turkish offer comes after the menu
    try:  # from answering to the end of the main menu, with the default (most intelligible) engine
        total = sum(_seconds(synthesizer.synthesize(say.text, say.language)) for say in says[:-1])
    finally:
        synthesizer.close()
    assert 3.0 < total <= OPENING_SECONDS, total


def test_twiml_opening_plays_inside_the_gather_and_a_key_is_acted_on(ivr_app: Flask) -> None:
    phone = TwilioPhone(ivr_app.test_client(), "CA" + "7" * 32)
    opening = phone.dial_in()
    gather = opening.find("Gather")
    assert len(gather.findall("Play")) == len(opening.plays()) == 3  # Twilio stops <Play> in <Gather> on a key
    reply = phone.press("1")  # pressed during the greeting: Twilio posts it at once
    synthesizer = get_runtime(ivr_app).synthesizer
    day_menu = synthesizer.synthesize(question_text(QUESTIONS[Node.DAY], QUESTIONS[Node.DAY].options, "de", False),
                                      "de")
    assert len(reply.plays()) == 1  # a key needs no echo: straight to the day question
    assert reply.plays()[0].endswith(f"/{day_menu.parent.name}/{day_menu.stem}.wav")


@pytest.mark.parametrize("language_key", ["", "9"], ids=["de", "tr"])
def test_key_8_reads_the_privacy_details_and_the_menu_again(language_key: str) -> None:
    state, _ = step(CallState(), CallStarted(caller="", speech=False))
    if language_key:
        state, _ = step(state, Digits(language_key))
    state, actions = step(state, Digits("8"))
    texts = [action.text for action in actions if isinstance(action, Say)]
    menu = question_text(QUESTIONS[Node.MAIN], QUESTIONS[Node.MAIN].options, state.language, False)
    assert texts == [text(state.language, "privacy"), menu]
    assert "Zustimmung" in text("de", "privacy") and "izninizle" in text("tr", "privacy")
    assert state.node == "main" and isinstance(actions[-1], Listen)
