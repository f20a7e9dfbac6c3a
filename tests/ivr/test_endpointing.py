"""Energy endpointing on 20 ms frames of real speech (espeak-ng) and line noise."""

from __future__ import annotations

import numpy as np
import pytest

from ivr.speech.audio import FRAME_BYTES
from ivr.speech.endpointing import END_SILENCE_SECONDS, PREROLL_FRAMES, SETTLE_SECONDS, Endpointer, Verdict
from tests.ivr.test_recognition import line_noise, spoken_word

FRAME = FRAME_BYTES  # samples per 20 ms frame at 8 kHz


def judge(samples: np.ndarray) -> list[Verdict]:
    endpointer = Endpointer()
    whole = samples[:samples.size // FRAME * FRAME].reshape(-1, FRAME)
    return [endpointer.push(frame) for frame in whole]


def first(verdicts: list[Verdict], flag: str) -> int:
    return next(index for index, verdict in enumerate(verdicts) if getattr(verdict, flag))


@pytest.mark.parametrize("word", ["넷", "아니요", "안녕하세요"])
def test_the_answer_ends_after_half_a_second_of_quiet_following_real_speech(word: str) -> None:
    lead, speech = line_noise(400), spoken_word(word)
    verdicts = judge(np.concatenate([lead, speech, line_noise(1500)]))
    speech_end = (lead.size + speech.size) / 8000
    ended_at = (first(verdicts, "ended") + 1) * 0.02
    # half a second of quiet; espeak's last ~80 ms fade below the speech level and already count
    assert END_SILENCE_SECONDS == 0.5
    assert 0.4 <= ended_at - speech_end <= 0.52
    settled_at = (first(verdicts, "settled") + 1) * 0.02
    assert settled_at == pytest.approx(ended_at - (END_SILENCE_SECONDS - SETTLE_SECONDS))
    assert sum(verdict.ended for verdict in verdicts[:first(verdicts, "ended")]) == 0


def test_line_noise_is_kept_back_and_the_onset_comes_with_a_pre_roll() -> None:
    lead = line_noise(1000)
    verdicts = judge(np.concatenate([lead, spoken_word("넷"), line_noise(600)]))
    onset = first(verdicts, "started")
    assert onset == pytest.approx(lead.size / FRAME, abs=1)
    assert all(not verdict.pcm for verdict in verdicts[:onset])
    assert len(verdicts[onset].pcm) == 2 * FRAME * PREROLL_FRAMES  # 300 ms pre-roll incl. the loud frame
    assert all(len(verdict.pcm) == 2 * FRAME for verdict in verdicts[onset + 1:])


def test_a_pause_shorter_than_the_end_silence_does_not_end_the_answer() -> None:
    first_word, pause, second_word = spoken_word("넷"), line_noise(400), spoken_word("아니요")
    verdicts = judge(np.concatenate([line_noise(300), first_word, pause, second_word, line_noise(1000)]))
    ended = first(verdicts, "ended")
    resumed = first(verdicts, "resumed")
    assert first(verdicts, "settled") < resumed < ended  # decoded in the pause, talked on, then over
    assert ended * 0.02 > (300 + 400) / 1000 + (first_word.size + second_word.size) / 8000


def test_line_noise_alone_never_starts_an_answer() -> None:
    assert not any(verdict.pcm or verdict.ended for verdict in judge(line_noise(5000)))
