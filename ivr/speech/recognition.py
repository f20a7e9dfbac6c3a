"""Offline speech recognition behind a small interface; the Vosk model is loaded once per process.

Each question listens with its own grammar (the phrases it understands, plus ``[unk]`` when the
model knows that word) so a small model recognises "Hörde" or "ja" reliably on a phone line.
Grammars go to Vosk as JSON with ``ensure_ascii=False``: escaped umlauts would not match the
model's lexicon and Vosk would silently drop those words.

Without a German Vosk model, Whisper base (faster-whisper, CPU int8) decodes each endpointed
answer as a whole. Its work is bounded by a :class:`DecodeGate`: when it is saturated, or a decode
takes longer than the deadline, the answer counts as not understood and the caller uses the keys.
"""

from __future__ import annotations

import atexit
import difflib
import json
import logging
import mmap
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ivr.speech.audio import PHONE_RATE, Samples, resample
from ivr.speech.models import ready_whisper

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
    noise_becomes_words: bool  # no garbage word in its grammars: line noise is decoded as some phrase

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
    noise_becomes_words = False

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
        self.noise_becomes_words = not self.has_unknown
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


WHISPER_RATE = 16000
DECODE_DEADLINE_SECONDS = 3.0
DECODE_WORKERS = 1  # one decode at a time on every core: side-by-side decodes only slow each other down
DECODE_QUEUE_LIMIT = 4
DECODE_ESTIMATE_WEIGHT = 0.3  # weight of the newest decode's seconds in the running estimate
WINDOW_FRAMES = 3000  # the 30 s window Whisper was trained on (log-Mel frames of 10 ms)
ANSWER_PADDING_FRAMES = 100  # 1 s of silence after an answer, as Whisper expects speech to end before the window
MIN_ANSWER_FRAMES = 500  # 5 s: shorter windows make Whisper repeat itself (even with the n-gram rule)
NO_REPEAT_NGRAM = 3  # a short window invites loops ("ja ja ja ..."); no three words twice
REPETITION_PENALTY = 1.2
ANSWER_BEAM = 1  # greedy: answers are a few words, and the hint keeps them on the expected ones
MAX_ANSWER_TOKENS = 32  # an answer is at most a short sentence; a runaway decode stops here
HINT_TOKENS = 100  # the question's words as a prompt (Whisper allows half its 448-token context)
SNAP_MIN_LETTERS = 5  # shorter phrases must be heard exactly
SNAP_CUTOFF = 0.75  # letter similarity at which a heard word counts as the expected one ("Hausbezuch")
NO_SPEECH_PROBABILITY = 0.6  # with a low average log-probability: a noise, not words
LOW_LOG_PROBABILITY = -1.0


class DecodeGate:
    """Bounded decoding: *workers* at once, *queue_limit* waiting; nobody waits past *deadline*.

    The gate keeps a running estimate of a decode's seconds; an answer whose decode would end
    after the deadline (the decodes ahead of it plus its own) is refused at once, so the caller
    hears the keys straight away instead of after the deadline.
    """

    def __init__(self, workers: int = DECODE_WORKERS, queue_limit: int = DECODE_QUEUE_LIMIT,
                 deadline: float = DECODE_DEADLINE_SECONDS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="whisper")
        self.workers = workers
        self.limit = workers + queue_limit
        self.deadline = deadline
        self._pending = 0
        self._lock = threading.Lock()
        self.refused = 0  # answers turned away because the gate was full
        self.late = 0  # answers given up because the decode took longer than the deadline
        self.estimate: float | None = None  # seconds of one decode (running average), None before the first

    @property
    def pending(self) -> int:
        """Decodes running or waiting."""
        return self._pending

    @property
    def saturated(self) -> bool:
        """True while every place is taken: the next answer would be refused."""
        return self._pending >= self.limit

    def _done(self, _future: Future[str]) -> None:
        with self._lock:
            self._pending -= 1

    def _timed(self, work: Callable[[], str]) -> str:
        started = time.monotonic()
        try:
            return work()
        finally:
            seconds = time.monotonic() - started
            with self._lock:
                self.estimate = seconds if self.estimate is None else (
                    DECODE_ESTIMATE_WEIGHT * seconds + (1 - DECODE_ESTIMATE_WEIGHT) * self.estimate)

    def _too_late(self) -> bool:
        """The next decode would end past the deadline: the ones ahead of it, then itself.

        An idle gate always takes the answer (a slow estimate must not lock speech out for good).
        """
        rounds = self._pending // self.workers + 1
        return self._pending > 0 and self.estimate is not None and rounds * self.estimate > self.deadline

    def run(self, work: Callable[[], str]) -> str | None:
        """The result of *work*, or None when the gate is full or the result is later than the deadline.

        A late decode runs to its end in the background (it keeps its place in the gate).
        """
        with self._lock:
            if self._pending >= self.limit or self._too_late():
                self.refused += 1
                return None
            self._pending += 1
        future = self._pool.submit(self._timed, work)
        future.add_done_callback(self._done)
        try:
            return future.result(timeout=self.deadline)
        except TimeoutError:
            with self._lock:
                self.late += 1
            return None


class WhisperSession:
    """One answer for Whisper: the endpointed audio is kept and decoded as a whole at its end."""

    def __init__(self, recognizer: WhisperRecognizer, sample_rate: int, phrases: Sequence[str]) -> None:
        self._recognizer = recognizer
        self._sample_rate = sample_rate
        self._phrases = phrases
        self._audio: list[bytes] = []

    def accept(self, pcm: bytes) -> str | None:
        self._audio.append(pcm)
        return None  # the endpointer decides when the answer is over

    def hearing_speech(self) -> bool:
        return bool(self._audio)  # the endpointer passes audio on only once it is loud

    def finish(self) -> str:
        if not self._audio:
            return ""
        samples = np.frombuffer(b"".join(self._audio), dtype="<i2").astype(np.int16)
        text = self._recognizer.decode_answer(samples, self._sample_rate, self._phrases)
        # Saturated or too slow: an answer nobody understands, so the flow offers the keys.
        return UNKNOWN_WORD if text is None else snap_to_phrases(text, self._phrases)


def _compact(text: str) -> str:
    return "".join(character for character in text.lower() if character.isalnum())


def snap_to_phrases(text: str, phrases: Sequence[str], cutoff: float = SNAP_CUTOFF) -> str:
    """*text* with Whisper's near miss of an expected phrase ("Hausbezuch") replaced by that phrase.

    Only when no phrase was heard as such; the closest run of one to three words is compared
    letter by letter with each phrase (spaces and punctuation ignored) and must be at least
    *cutoff* alike.
    """
    words = [word for word in re.split(r"[^\w]+", text.lower()) if word]
    heard_as_such = f" {' '.join(words)} "
    if not words or any(f" {' '.join(phrase.lower().split())} " in heard_as_such for phrase in phrases):
        return text
    # Short words ("ein", "ja") only as such: "in" must not become the number one.
    expected = {_compact(phrase): phrase for phrase in phrases
                if len(_compact(phrase)) >= SNAP_MIN_LETTERS and phrase != UNKNOWN_WORD}
    best: tuple[float, int, int, str] | None = None
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + 3) + 1):
            heard = "".join(words[start:end])
            for compact, phrase in expected.items():
                if len(compact) < SNAP_MIN_LETTERS * (end - start) or len(heard) < SNAP_MIN_LETTERS - 1:
                    continue  # "in den" is no "einen", "den" no "Derne": long words and phrases only
                score = difflib.SequenceMatcher(None, heard, compact).ratio()
                if score >= cutoff and (best is None or score > best[0]):
                    best = (score, start, end, phrase)
    if best is None:
        return text
    _, start, end, phrase = best
    return " ".join([*words[:start], phrase, *words[end:]])


def hint_text(phrases: Sequence[str]) -> str:
    """The question's expected words as Whisper's previous text ("Hörde, Hombruch, ja, nein.")."""
    words = [phrase for phrase in dict.fromkeys(phrases) if phrase.strip() and phrase != UNKNOWN_WORD]
    return ", ".join(word[:1].upper() + word[1:] for word in words) + "." if words else ""


class WhisperRecognizer:
    """faster-whisper with one shared model (loaded once per process), bounded by a :class:`DecodeGate`.

    Answers (a few seconds, endpointed) take a short path straight to CTranslate2: the encoder
    sees the answer plus :data:`ANSWER_PADDING_FRAMES`, at least :data:`MIN_ANSWER_FRAMES`, instead
    of the padded 30 s window (its cost grows with the frames: 0.27 instead of 1.34 CPU-seconds),
    one greedy decode with the question's words as prompt, at most :data:`MAX_ANSWER_TOKENS`, no
    repeated trigram, and no temperature fallback (which re-decodes up to five times when a short
    answer scores low).
    Recordings (voice messages, up to minutes) go through faster-whisper's full ``transcribe`` with
    beam search, in a background job.
    """

    available = True
    noise_becomes_words = False  # it hears silence as silence (and the no-speech check drops noise)

    def __init__(self, model_dir: Path, gate: DecodeGate | None = None, language: str = "de",
                 beam_size: int = 5) -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer

        self.gate = gate or DecodeGate()
        # One model shared by the gate's workers, each decode on its share of the cores (all of
        # them with the default single worker): more threads than cores only add switching.
        threads = max(1, (os.cpu_count() or 1) // self.gate.workers)
        self.model = WhisperModel(str(model_dir), device="cpu", compute_type="int8",
                                  cpu_threads=threads, num_workers=self.gate.workers)
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                                   task="transcribe", language=language)
        self.model_dir = model_dir
        self.language = language
        self.beam_size = beam_size
        self.description = f"whisper ({model_dir.name}, {language})"

    def decode(self, samples: Samples, sample_rate: int, language: str | None = None) -> str:
        """Text of a recording of any length (any rate; resampled to 16 kHz), without the gate."""
        segments, _info = self.model.transcribe(
            self._audio(samples, sample_rate), language=language or self.language, beam_size=self.beam_size,
            condition_on_previous_text=False, without_timestamps=True, vad_filter=False)
        return " ".join(segment.text.strip() for segment in segments).strip()

    def decode_short(self, samples: Samples, sample_rate: int, phrases: Sequence[str] = ()) -> str:
        """Text of one short answer (up to 30 s): the short path described in the class docstring."""
        import ctranslate2

        features = self.model.feature_extractor(self._audio(samples, sample_rate))
        frames = min(WINDOW_FRAMES, max(MIN_ANSWER_FRAMES, features.shape[-1] + ANSWER_PADDING_FRAMES))
        padded = np.zeros((1, features.shape[0], frames), dtype=np.float32)
        padded[0, :, :min(frames, features.shape[-1])] = features[:, :frames]
        prompt = self._prompt(phrases)
        result = self.model.model.generate(
            ctranslate2.StorageView.from_array(padded), [prompt], beam_size=ANSWER_BEAM,
            max_length=len(prompt) + MAX_ANSWER_TOKENS, return_scores=True, return_no_speech_prob=True,
            no_repeat_ngram_size=NO_REPEAT_NGRAM, repetition_penalty=REPETITION_PENALTY,
            suppress_blank=True, suppress_tokens=[-1])[0]
        tokens = [token for token in result.sequences_ids[0] if token < self.tokenizer.eot]
        # CTranslate2's score is the log-probability normalised by the length: per token.
        if result.no_speech_prob > NO_SPEECH_PROBABILITY and result.scores[0] < LOW_LOG_PROBABILITY:
            return ""  # a cough or line noise: Whisper would make up words
        return str(self.tokenizer.decode(tokens)).strip()

    def _prompt(self, phrases: Sequence[str]) -> list[int]:
        hint = hint_text(phrases)
        previous = [self.tokenizer.sot_prev, *self.tokenizer.encode(" " + hint)[-HINT_TOKENS:]] if hint else []
        return [*previous, *self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]

    @staticmethod
    def _audio(samples: Samples, sample_rate: int) -> np.ndarray:
        return resample(samples, sample_rate, WHISPER_RATE).astype(np.float32) / 32768.0

    def decode_answer(self, samples: Samples, sample_rate: int, phrases: Sequence[str] = ()) -> str | None:
        """Text of one answer through the gate; None when saturated or later than the deadline."""
        return self.gate.run(lambda: self.decode_short(samples, sample_rate, phrases))

    def listen(self, phrases: Sequence[str], sample_rate: int = PHONE_RATE) -> RecognitionSession:
        return WhisperSession(self, sample_rate, phrases)

    def transcribe(self, samples: Samples, sample_rate: int) -> str:
        return self.decode(samples, sample_rate)


_loaded: dict[str, Recognizer] = {}
_lock = threading.Lock()
# Free the models before interpreter shutdown tears down the vosk module their finaliser needs.
atexit.register(_loaded.clear)


def _load_whisper(models_dir: Path) -> Recognizer:
    try:
        model_dir = ready_whisper(models_dir)
        recognizer: Recognizer = WhisperRecognizer(model_dir)
    except (ImportError, OSError, ValueError, RuntimeError) as exc:
        log.error("Whisper is not available (%s); the hotline works with keys only", exc)
        recognizer = NoRecognizer()
        recognizer.description = "keys only (Whisper not available)"
        return recognizer
    log.info("Whisper loaded from %s", model_dir)
    return recognizer


def load_recognizer(model_dir: str, whisper_dir: str = "") -> Recognizer:
    """The process-wide recognizer: Vosk from *model_dir*, else Whisper under *whisper_dir*, else keys only.

    Each model is loaded once per process.
    """
    with _lock:
        if not model_dir and whisper_dir:
            key = f"whisper:{whisper_dir}"
            if key not in _loaded:
                _loaded[key] = _load_whisper(Path(whisper_dir))
            return _loaded[key]
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
