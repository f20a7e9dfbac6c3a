"""Offline speech recognition behind a small interface; the Vosk model is loaded once per process.

Each question listens with its own grammar (the phrases it understands, plus ``[unk]`` when the
model knows that word) so a small model recognises "Hörde" or "ja" reliably on a phone line.
Grammars go to Vosk as JSON with ``ensure_ascii=False``: escaped umlauts would not match the
model's lexicon and Vosk would silently drop those words.
"""

from __future__ import annotations

import atexit
import json
import logging
import mmap
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from ivr.speech.audio import PHONE_RATE, Samples

log = logging.getLogger(__name__)

UNKNOWN_WORD = "[unk]"


class RecognitionSession(Protocol):
    """One question being listened to."""

    def accept(self, pcm: bytes) -> str | None:
        """Feed 16-bit mono PCM; returns the final text once the caller stopped speaking."""

    def hearing_speech(self) -> bool:
        """True as soon as words are being recognised (used for barge-in)."""

    def finish(self) -> str:
        """Whatever was recognised so far (the caller may have been cut off)."""


class Recognizer(Protocol):
    """Speech recognition for the hotline."""

    available: bool
    description: str

    def listen(self, phrases: Sequence[str], sample_rate: int = PHONE_RATE) -> RecognitionSession:
        """Start recognising one answer restricted to *phrases*."""

    def transcribe(self, samples: Samples, sample_rate: int) -> str:
        """Free transcription of a recording (no grammar)."""


def clean(text: str) -> str:
    """Recognised text without the unknown-word marker."""
    return " ".join(word for word in text.split() if word != UNKNOWN_WORD)


class NoRecognizer:
    """Keys only: used when no model is configured."""

    available = False
    description = "keys only (no speech model configured)"

    def listen(self, phrases: Sequence[str], sample_rate: int = PHONE_RATE) -> RecognitionSession:
        return _SilentSession()

    def transcribe(self, samples: Samples, sample_rate: int) -> str:
        return ""


class _SilentSession:
    def accept(self, pcm: bytes) -> str | None:
        return None

    def hearing_speech(self) -> bool:
        return False

    def finish(self) -> str:
        return ""


def model_has_word(model_dir: Path, word: str) -> bool:
    """True if the model's vocabulary contains *word* (words.txt, or the symbol table in Gr.fst)."""
    words = model_dir / "graph" / "words.txt"
    if words.exists():
        with words.open(encoding="utf-8") as handle:
            return any(line.split(" ", 1)[0] == word for line in handle)
    for name in ("Gr.fst", "HCLG.fst"):
        graph = model_dir / "graph" / name
        if graph.exists():
            with graph.open("rb") as binary, mmap.mmap(binary.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return data.find(word.encode()) >= 0
    return False


class VoskSession:
    """A Vosk recognizer for one answer."""

    def __init__(self, recognizer: Any) -> None:
        self._recognizer = recognizer
        self._speaking = False

    def accept(self, pcm: bytes) -> str | None:
        if self._recognizer.AcceptWaveform(pcm):
            result = json.loads(self._recognizer.Result())
            text = str(result.get("text", ""))
            if text:
                return clean(text)
            return None
        if not self._speaking:
            partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
            self._speaking = bool(partial)
        return None

    def hearing_speech(self) -> bool:
        return self._speaking

    def finish(self) -> str:
        return clean(str(json.loads(self._recognizer.FinalResult()).get("text", "")))


class VoskRecognizer:
    """Vosk with a shared model; thread-safe (each answer gets its own KaldiRecognizer)."""

    available = True

    def __init__(self, model_dir: Path) -> None:
        import vosk

        vosk.SetLogLevel(-1)
        self._vosk = vosk
        self.model_dir = model_dir
        self.model = vosk.Model(str(model_dir))
        self.has_unknown = model_has_word(model_dir, UNKNOWN_WORD)
        self.description = f"vosk ({model_dir.name})"

    def grammar_json(self, phrases: Sequence[str]) -> str:
        """The grammar as Vosk wants it (``[unk]`` added when the model has it)."""
        entries = list(dict.fromkeys(phrase.lower() for phrase in phrases if phrase.strip()))
        if self.has_unknown:
            entries.append(UNKNOWN_WORD)
        return json.dumps(entries, ensure_ascii=False)

    def listen(self, phrases: Sequence[str], sample_rate: int = PHONE_RATE) -> RecognitionSession:
        if phrases:
            recognizer = self._vosk.KaldiRecognizer(self.model, sample_rate, self.grammar_json(phrases))
        else:
            recognizer = self._vosk.KaldiRecognizer(self.model, sample_rate)
        return VoskSession(recognizer)

    def transcribe(self, samples: Samples, sample_rate: int) -> str:
        recognizer = self._vosk.KaldiRecognizer(self.model, sample_rate)
        data = samples.astype("<i2").tobytes()
        step = sample_rate // 5 * 2  # 200 ms chunks
        parts: list[str] = []
        for index in range(0, len(data), step):
            if recognizer.AcceptWaveform(data[index:index + step]):
                parts.append(str(json.loads(recognizer.Result()).get("text", "")))
        parts.append(str(json.loads(recognizer.FinalResult()).get("text", "")))
        return clean(" ".join(part for part in parts if part))


_loaded: dict[str, Recognizer] = {}
_lock = threading.Lock()
# Free the models before interpreter shutdown tears down the vosk module their finaliser needs.
atexit.register(_loaded.clear)


def load_recognizer(model_dir: str) -> Recognizer:
    """The process-wide recognizer for *model_dir* (empty: keys only); loads the model once."""
    with _lock:
        if model_dir in _loaded:
            return _loaded[model_dir]
        recognizer: Recognizer
        if not model_dir:
            recognizer = NoRecognizer()
        elif not (Path(model_dir) / "am" / "final.mdl").exists():
            log.error("speech model %s is missing or incomplete; the hotline works with keys only", model_dir)
            recognizer = NoRecognizer()
            recognizer.description = f"keys only (model missing at {model_dir})"
        else:
            recognizer = VoskRecognizer(Path(model_dir))
            log.info("speech model loaded from %s", model_dir)
        _loaded[model_dir] = recognizer
        return recognizer
