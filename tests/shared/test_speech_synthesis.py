"""Speech synthesis with the real engines: audio, cache, retries of empty output, quiet stdout."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import pytest

from shared.speech.engines import Pyttsx3Engine
from shared.speech.synthesis import SpeechRequest, Synthesizer, wav_is_usable


@pytest.fixture
def synthesizer(tmp_path: Path) -> Any:
    engine = Synthesizer(tmp_path / "speech", engine="espeak")
    yield engine
    engine.close()


def test_german_speech_is_a_usable_wav_and_nothing_is_printed(
        synthesizer: Synthesizer, capfd: pytest.CaptureFixture[str]) -> None:
    path = synthesizer.synthesize("Heute im Begegnungszentrum Hörde: Seniorengymnastik um zehn Uhr.")
    assert wav_is_usable(path)
    with wave.open(str(path), "rb") as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert 2.0 < seconds < 10.0
    assert path.parent.name == "espeak-de"
    assert capfd.readouterr().out == ""


def test_the_cache_answers_without_the_engine_and_keys_on_engine_text_language_and_rate(
        synthesizer: Synthesizer) -> None:
    first = synthesizer.synthesize("Guten Tag", "de")
    modified = first.stat().st_mtime_ns
    future = synthesizer.submit("Guten Tag", "de")
    assert future.done() and future.result() == first  # resolved at once, no queue
    assert first.stat().st_mtime_ns == modified
    keys = {SpeechRequest("Guten Tag", "de", 140).cache_key("espeak-de"),
            SpeechRequest("Guten Tag", "tr", 140).cache_key("espeak-de"),
            SpeechRequest("Guten Tag", "de", 120).cache_key("espeak-de"),
            SpeechRequest("Guten Abend", "de", 140).cache_key("espeak-de"),
            SpeechRequest("Guten Tag", "de", 140).cache_key("mbrola-de6"),
            SpeechRequest("Guten Tag", "de", 140).cache_key("pico-de-de")}
    assert len(keys) == 6


class _EmptyFirst(Pyttsx3Engine):
    """The real engine, except that its first file comes out empty as espeak-ng sometimes does."""

    def __init__(self) -> None:
        super().__init__("de")
        self.runs = 0
        self.resets = 0

    def render(self, text: str, rate: int, target: Path) -> None:
        self.runs += 1
        super().render(text, rate, target)
        if self.runs == 1:
            target.write_bytes(b"")

    def reset(self) -> None:
        self.resets += 1
        super().reset()


def test_empty_output_is_detected_and_retried(synthesizer: Synthesizer) -> None:
    engine = _EmptyFirst()
    path = synthesizer._render(engine, SpeechRequest("Bitte sprechen Sie nach dem Ton."))
    assert (engine.runs, engine.resets) == (2, 1)  # the retry runs on a fresh pyttsx3 engine
    assert wav_is_usable(path)
    assert not list(path.parent.glob("*.tmp.wav"))


def test_truncated_or_missing_files_are_not_usable(tmp_path: Path) -> None:
    assert not wav_is_usable(tmp_path / "missing.wav")
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 300)
    assert not wav_is_usable(truncated)


def _silence_at_ends(path: Path) -> tuple[float, float]:
    import numpy as np

    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 200)
    return loud[0] / rate, (samples.size - loud[-1] - 1) / rate


def test_engine_silence_around_the_words_is_cut_to_a_fixed_length(synthesizer: Synthesizer,
                                                                   tmp_path: Path) -> None:
    from shared.speech.silence import LEAD_SECONDS, TAIL_SECONDS, trim_silence

    raw = tmp_path / "raw.wav"
    Pyttsx3Engine("de").render("Auf Wiederhören.", 140, raw)
    padded = tmp_path / "padded.wav"
    with wave.open(str(raw), "rb") as source, wave.open(str(padded), "wb") as target:
        target.setparams(source.getparams())
        silence = b"\x00\x00" * source.getframerate()  # a second of dead air on each side
        target.writeframes(silence + source.readframes(source.getnframes()) + silence)
    trim_silence(padded)
    lead, tail = _silence_at_ends(padded)
    assert lead <= LEAD_SECONDS + 0.01 and tail <= TAIL_SECONDS + 0.01
    assert lead >= LEAD_SECONDS - 0.01 and tail >= TAIL_SECONDS - 0.01  # the pause before the next prompt stays
    lead, tail = _silence_at_ends(synthesizer.synthesize("Auf Wiederhören."))
    assert lead <= LEAD_SECONDS + 0.01 and tail <= TAIL_SECONDS + 0.01
