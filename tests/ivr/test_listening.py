"""One spoken answer with the real Korean Vosk model: ended by the endpointer, decoded while the caller is quiet."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from ivr.speech.audio import FRAME_BYTES, level, mulaw_decode, mulaw_encode
from ivr.speech.endpointing import END_SILENCE_SECONDS, PREROLL_FRAMES, SETTLE_SECONDS, SPEECH_LEVEL
from ivr.speech.listening import Listener
from ivr.speech.recognition import NoRecognizer, VoskRecognizer
from tests.ivr.test_recognition import line_noise, spoken_word

GRAMMAR = ["넷", "아니요", "안녕하세요"]


def listen(listener: Listener, samples: np.ndarray) -> tuple[str | None, int, bool]:
    """Feed a phone line's frames (through µ-law); the answer, its frame and whether words were heard."""
    line = mulaw_decode(mulaw_encode(samples))
    heard_words = False
    for index in range(line.size // FRAME_BYTES):
        heard = listener.push(line[index * FRAME_BYTES:(index + 1) * FRAME_BYTES])
        heard_words = heard_words or heard.speaking
        if heard.text is not None:
            return heard.text, index, heard_words
    return None, line.size // FRAME_BYTES, heard_words


def quiet_before_answer(listener: Listener, word: str) -> tuple[str | None, float]:
    """The answer to *word* and how long after its last voiced sample it came."""
    lead, speech = line_noise(300), spoken_word(word)
    text, frame, heard_words = listen(listener, np.concatenate([lead, speech, line_noise(1500)]))
    assert heard_words
    return text, (frame + 1) * 0.02 - (lead.size + speech.size) / 8000


@pytest.mark.parametrize("word", ["넷", "아니요"])
def test_a_whole_grammar_phrase_is_answered_after_the_short_settle(recognizer: VoskRecognizer, word: str) -> None:
    text, quiet = quiet_before_answer(Listener(recognizer, GRAMMAR), word)
    assert text == word
    assert SETTLE_SECONDS - 0.1 <= quiet <= SETTLE_SECONDS + 0.02


def test_an_open_answer_waits_the_full_end_silence(recognizer: VoskRecognizer) -> None:
    # "넷" is only the start of "넷 아니요": the caller may go on, so the full end silence applies.
    text, quiet = quiet_before_answer(Listener(recognizer, ["넷 아니요", "넷", "안녕하세요"]), "넷")
    assert text == "넷"
    assert END_SILENCE_SECONDS - 0.1 <= quiet <= END_SILENCE_SECONDS + 0.02


def test_talking_on_after_a_pause_keeps_the_first_word(recognizer: VoskRecognizer) -> None:
    # "넷" is decoded 300 ms into the pause but begins a longer phrase; the second word decodes afresh.
    audio = np.concatenate([line_noise(300), spoken_word("넷"), line_noise(400), spoken_word("아니요"),
                            line_noise(1500)])
    text, _, _ = listen(Listener(recognizer, ["넷 아니요", "넷", "아니요"]), audio)
    assert text is not None and text.split() == ["넷", "아니요"]


def test_a_noise_without_words_is_no_answer_and_listening_goes_on(recognizer: VoskRecognizer) -> None:
    click = (np.sin(np.arange(800) * 2 * np.pi * 1000 / 8000) * 3000).astype(np.int16)  # 100 ms tone
    listener = Listener(recognizer, GRAMMAR)
    text, _, _ = listen(listener, np.concatenate([line_noise(300), click, line_noise(1000)]))
    assert text is None
    text, _, _ = listen(listener, np.concatenate([line_noise(300), spoken_word("넷"), line_noise(1000)]))
    assert text == "넷"


def frames_fed(listener: Listener) -> list[int]:
    """Spy on what *listener* hands its recogniser: the number of 20 ms frames of each call."""
    fed: list[int] = []
    session = listener._session
    real_accept = session.accept

    def accept(pcm: bytes) -> str | None:
        fed.append(len(pcm) // (2 * FRAME_BYTES))
        return real_accept(pcm)

    session.accept = accept  # type: ignore[method-assign]
    return fed


def with_garbage_word(recognizer: VoskRecognizer) -> VoskRecognizer:
    """The Korean model as if it had ``[unk]`` (as the German models do)."""
    twin = copy.copy(recognizer)
    twin.noise_becomes_words = False
    return twin


@pytest.mark.parametrize("garbage_word", [False, True])
def test_the_quiet_after_the_words_is_decoded_only_where_it_stays_quiet(recognizer: VoskRecognizer,
                                                                        garbage_word: bool) -> None:
    # Without a garbage word even 40 ms of line noise after "안녕하세요" decoded as "아니요 아니요"; with
    # one (and with Whisper) the quiet up to the settle point is decoded, so soft endings are kept.
    assert recognizer.noise_becomes_words
    listener = Listener(with_garbage_word(recognizer) if garbage_word else recognizer, GRAMMAR)
    fed = frames_fed(listener)
    audio = np.concatenate([line_noise(300), spoken_word("넷"), line_noise(1500)])
    text, answered_at, _ = listen(listener, audio)
    assert text == "넷"
    line = mulaw_decode(mulaw_encode(audio))
    loud = [index for index in range(answered_at + 1)
            if level(line[index * FRAME_BYTES:(index + 1) * FRAME_BYTES]) >= SPEECH_LEVEL]
    assert answered_at - loud[-1] <= round(SETTLE_SECONDS / 0.02)  # answered at the settle point
    tail_frames = answered_at - loud[-1] if garbage_word else 0
    assert sum(fed) == PREROLL_FRAMES + loud[-1] - loud[0] + tail_frames


@pytest.mark.parametrize(("decoded", "complete"), [
    ("hörde", True), ("innenstadt", False), ("innenstadt nord", True),
    ("hörde innenstadt", False),  # ends in the beginning of a longer phrase: the caller may go on
    ("innenstadt hörde", True), ("hörde hörde", True),
    ("hallo", False), ("hörde hallo", False), ("", False),
])
def test_a_decode_is_complete_when_it_ends_in_a_whole_phrase_that_begins_no_longer_one(decoded: str,
                                                                                      complete: bool) -> None:
    listener = Listener(NoRecognizer(), ["Innenstadt Nord", "Innenstadt", "Hörde"])
    assert listener._is_complete(decoded) is complete
