"""Read-aloud audio for the kiosk screen, without turning personal data into files.

Screen text that is the same for everybody (questions, lists, event details) is cached on disk in a
size-bounded cache (oldest evicted first). Personal text (a typed name or phone number, read only
when the senior asks for it) is rendered in a private temporary directory, read into memory and
deleted before the response leaves: it never stays on disk and is never cached anywhere.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from shared.speech.ear_text import spoken_phone, spoken_reference
from shared.speech.engines import Engine, EngineUnavailable
from shared.speech.synthesis import SpeechRequest, SynthesisError, Synthesizer, wav_is_usable

MAX_PART_CHARS = 400  # the screen is read in short parts; a longer one is refused
CACHE_BYTES = 64 * 1024 * 1024
KINDS = ("text", "phone", "reference")

_render_lock = threading.Lock()  # one engine renders one text at a time


@dataclass(frozen=True)
class SpeechPart:
    """One short part of the screen to read: its text, language and whether it is personal."""

    text: str
    language: str
    personal: bool = False
    kind: str = "text"  # "phone" and "reference" are read in groups of digits

    def spoken(self) -> str:
        """What the engine says: numbers grouped the way people say them."""
        if self.kind == "phone":
            return spoken_phone(self.text, self.language)
        if self.kind == "reference":
            return spoken_reference(self.text, self.language)
        return self.text


def speech_audio(synthesizer: Synthesizer, part: SpeechPart, cache_dir: Path,
                 cache_bytes: int = CACHE_BYTES) -> bytes:
    """The WAV bytes for *part*; raise :class:`SynthesisError` when no engine could speak it."""
    request = SpeechRequest(text=part.spoken(), language=part.language, rate=synthesizer.default_rate)
    engine = synthesizer.engine_for(part.language)
    if part.personal:
        with tempfile.TemporaryDirectory(prefix="kiosk-speech-") as private:  # 0700, removed at once
            return _render(engine, request, Path(private) / "speech.wav").read_bytes()
    key = hashlib.sha256(f"{engine.ident}\x00{request.language}\x00{request.rate}\x00{request.spoken_text}"
                         .encode()).hexdigest()[:40]
    target = cache_dir / f"{key}.wav"
    if wav_is_usable(target):
        target.touch()  # recently used: evicted last
        return target.read_bytes()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        _render(engine, request, Path(scratch) / "speech.wav").replace(target)
    evict(cache_dir, cache_bytes)
    return target.read_bytes()


def _render(engine: Engine, request: SpeechRequest, target: Path) -> Path:
    with _render_lock:
        try:
            engine.render(request.spoken_text, request.rate, target)
        except (EngineUnavailable, OSError) as exc:
            engine.reset()
            raise SynthesisError(type(exc).__name__) from exc
    if not wav_is_usable(target):
        raise SynthesisError("speech synthesis produced no audio")
    return target


def evict(cache_dir: Path, max_bytes: int) -> int:
    """Delete the least recently used files until the cache holds at most *max_bytes*; the count deleted."""
    files = sorted((path for path in cache_dir.glob("*.wav")), key=lambda path: path.stat().st_mtime)
    total = sum(path.stat().st_size for path in files)
    deleted = 0
    for path in files:
        if total <= max_bytes:
            break
        total -= path.stat().st_size
        path.unlink(missing_ok=True)
        deleted += 1
    return deleted
