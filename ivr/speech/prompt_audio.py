"""Prompts as µ-law 8 kHz, ready to stream: synthesised once, encoded once, kept in memory.

The WAV files of the synthesizer's disk cache serve ``<Play>``; streams need µ-law frames. Each
prompt is encoded once per process on one background thread (never on a call's thread) and kept
in a bounded in-memory cache, so a cached prompt's first frame is a dictionary lookup away. Prompts
that read out personal data are dropped from memory when their call ends (:meth:`forget`).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ivr.speech.audio import phone_audio
from shared.speech.synthesis import SpeechRequest, Synthesizer

_encoder: ThreadPoolExecutor | None = None
_encoder_lock = threading.Lock()


def _encoding_worker() -> ThreadPoolExecutor:
    """The process's one thread that turns WAV prompts into µ-law."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = ThreadPoolExecutor(1, thread_name_prefix="ivr-prompt-encoder")
        return _encoder


def _renew_after_fork() -> None:
    """A forked child (a gunicorn worker of an app built before the fork) has none of its parent's
    threads: a pool whose thread stayed behind would take work and never do it."""
    global _encoder, _encoder_lock
    _encoder, _encoder_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_renew_after_fork)


class PromptAudio:
    """µ-law audio of prompts by text and language, as futures (resolved at once when cached)."""

    def __init__(self, synthesizer: Synthesizer, capacity: int = 512) -> None:
        self.synthesizer = synthesizer
        self.capacity = capacity
        self._cache: OrderedDict[Path, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def path_for(self, text: str, language: str) -> Path:
        """The synthesizer's WAV for *text* (the cache key)."""
        return self.synthesizer.path_for(SpeechRequest(text.strip(), language, self.synthesizer.default_rate))

    def cached(self, text: str, language: str) -> bytes | None:
        """The encoded prompt, if it is in memory."""
        path = self.path_for(text, language)
        with self._lock:
            audio = self._cache.get(path)
            if audio is not None:
                self._cache.move_to_end(path)
            return audio

    def audio(self, text: str, language: str) -> Future[bytes]:
        """The prompt's µ-law audio; synthesised and encoded in the background when not cached."""
        result: Future[bytes] = Future()
        audio = self.cached(text, language)
        if audio is not None:
            result.set_result(audio)
            return result
        path = self.path_for(text, language)
        wav = self.synthesizer.submit(text, language)
        wav.add_done_callback(lambda done: _encoding_worker().submit(self._encode, done, path, result))
        return result

    def warm(self, texts: Iterable[str], language: str) -> list[Future[bytes]]:
        """Synthesise and encode *texts* ahead of the first caller."""
        return [self.audio(text, language) for text in texts]

    def forget(self, paths: Iterable[str | Path]) -> None:
        """Drop the prompts synthesised to *paths* from memory."""
        with self._lock:
            for path in paths:
                self._cache.pop(Path(path), None)

    def _encode(self, wav: Future[Path], path: Path, result: Future[bytes]) -> None:
        try:
            audio = phone_audio(wav.result())
        except Exception as exc:  # synthesis or decoding failed: the caller decides what to do
            result.set_exception(exc)
            return
        with self._lock:
            self._cache[path] = audio
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        result.set_result(audio)
