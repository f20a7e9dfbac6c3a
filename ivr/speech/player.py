"""Plays prompts into a Media Stream: 20 ms µ-law ``media`` frames in real time, then a ``mark``.

A prompt is a sequence of parts (futures of µ-law audio). Each part starts as soon as it is ready,
so a reply's first, cached sentence goes out while a later one is still being synthesised. A
stop (barge-in) drops everything not yet sent and tells Twilio to ``clear`` its buffer; no frame
of the stopped prompt follows the ``clear``.
"""

from __future__ import annotations

import base64
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from ivr.speech.audio import FRAME_BYTES, FRAME_MS, frames

log = logging.getLogger(__name__)

FRAME_SECONDS = FRAME_MS / 1000
PART_TIMEOUT = 30.0  # longest wait for a part still being synthesised
WAIT_SLICE = 0.05  # how often a wait for synthesis looks whether the prompt was stopped

Send = Callable[[dict[str, Any]], None]
_Item = tuple[int, Future[bytes] | None, str | None]


def _media(frame: bytes) -> dict[str, Any]:
    return {"event": "media", "media": {"payload": base64.b64encode(frame).decode()}}


def ready(audio: bytes) -> Future[bytes]:
    """Audio that is already there, as a part."""
    future: Future[bytes] = Future()
    future.set_result(audio)
    return future


class Player:
    """One call's outgoing audio, on its own thread."""

    def __init__(self, send: Send, pace: Callable[[], float] = lambda: 1.0) -> None:
        self._send = send
        self._pace = pace  # 1.0 = real time; tests may play faster than a phone line
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._lock = threading.Lock()
        self._generation = 0
        self._pending = 0  # parts and marks of the current generation queued or playing
        self._next_frame_at = 0.0
        self._thread = threading.Thread(target=self._run, name="ivr-stream-player", daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """True while anything is queued or playing."""
        return self._pending > 0

    def play(self, part: Future[bytes]) -> None:
        """Queue one part of a prompt; when nothing is playing and it is ready, its first frame goes out at once.

        That first frame is sent on the caller's thread: a reply starts without waiting for the
        player thread to be scheduled.
        """
        with self._lock:
            if self._pending == 0 and part.done() and part.exception() is None:
                audio = part.result()
                self._send(_media(audio[:FRAME_BYTES]))
                self._next_frame_at = time.monotonic() + FRAME_SECONDS * self._pace()
                part = ready(audio[FRAME_BYTES:])
            self._pending += 1
            self._queue.put((self._generation, part, None))

    def mark(self, name: str) -> None:
        """Queue the mark that ends a prompt (Twilio echoes it once everything before has played)."""
        self._put(None, name)

    def stop(self) -> bool:
        """Drop what is queued or playing and send ``clear``; False if nothing was playing."""
        with self._lock:
            if self._pending == 0:
                return False
            self._generation += 1
            self._pending = 0
            self._send({"event": "clear"})
            return True

    def close(self) -> None:
        with self._lock:
            self._generation += 1
        self._queue.put(None)

    def _put(self, part: Future[bytes] | None, mark: str | None) -> None:
        with self._lock:
            self._pending += 1
            self._queue.put((self._generation, part, mark))

    def _emit(self, generation: int, message: dict[str, Any]) -> bool:
        with self._lock:
            if generation != self._generation:
                return False
            self._send(message)
            return True

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            generation, part, mark = item
            try:
                if generation != self._generation:
                    continue  # stopped before it started
                if part is not None:
                    self._stream(generation, part)
                elif mark is not None:
                    self._emit(generation, {"event": "mark", "mark": {"name": mark}})
            finally:
                with self._lock:
                    if generation == self._generation:
                        self._pending -= 1

    def _await(self, generation: int, part: Future[bytes]) -> bytes | None:
        """The part's audio once synthesised; None if it failed, took too long or was stopped."""
        deadline = time.monotonic() + PART_TIMEOUT
        while generation == self._generation:
            try:
                return part.result(WAIT_SLICE)
            except FutureTimeout:
                if time.monotonic() > deadline:
                    log.warning("a prompt part took too long to synthesise; skipped")
                    return None
            except Exception as exc:  # synthesis failed: the caller hears the rest of the prompt
                log.warning("a prompt part could not be synthesised: %s", type(exc).__name__)
                return None
        return None

    def _stream(self, generation: int, part: Future[bytes]) -> None:
        audio = self._await(generation, part)
        if audio is None:
            return
        self._next_frame_at = max(self._next_frame_at, time.monotonic())
        for frame in frames(audio):
            delay = self._next_frame_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if not self._emit(generation, _media(frame)):
                return
            self._next_frame_at += FRAME_SECONDS * self._pace()
