"""The stream's player: real-time 20 ms frames, parts played as they become ready, clean barge-in."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest

from ivr.speech.audio import FRAME_BYTES
from ivr.speech.player import Player, ready


class Line:
    """Twilio's end of the WebSocket: every message the player sends, in order."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.senders: list[int] = []  # the thread that sent each message
        self.lock = threading.Lock()

    def __call__(self, message: dict[str, Any]) -> None:
        with self.lock:
            self.messages.append(dict(message))
            self.senders.append(threading.get_ident())

    def events(self) -> list[str]:
        with self.lock:
            return [message["event"] for message in self.messages]

    def audio(self) -> bytes:
        with self.lock:
            return b"".join(base64.b64decode(m["media"]["payload"]) for m in self.messages if m["event"] == "media")

    def wait_for(self, event: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while event not in self.events():
            assert time.monotonic() < deadline, f"no {event} sent"
            time.sleep(0.005)


def tone(frames: int, value: int) -> bytes:
    return bytes([value]) * (FRAME_BYTES * frames)


@pytest.fixture
def line() -> Line:
    return Line()


@pytest.fixture
def player(line: Line) -> Iterator[Player]:
    playing = Player(line)
    yield playing
    playing.close()


def test_the_first_frame_goes_out_before_play_returns_then_real_time(player: Player, line: Line) -> None:
    audio = tone(10, 0x10)
    started = time.monotonic()
    player.play(ready(audio))
    assert line.events()[0] == "media"
    assert line.senders[0] == threading.get_ident()  # not when the player thread gets to it
    player.mark("prompt-1")
    line.wait_for("mark")
    assert time.monotonic() - started >= 9 * 0.02 * 0.95
    assert line.audio() == audio and line.events()[-1] == "mark"
    assert threading.get_ident() not in line.senders[1:]  # the rest is paced by the player's thread
    assert not player.busy


def test_a_part_still_being_synthesised_follows_when_ready(player: Player, line: Line) -> None:
    later: Future[bytes] = Future()
    player.play(ready(tone(2, 0x20)))
    player.play(later)
    player.mark("prompt-1")
    time.sleep(0.2)
    assert line.events() == ["media", "media"] and player.busy  # waiting for the second part, mark held back
    later.set_result(tone(3, 0x30))
    line.wait_for("mark")
    assert line.audio() == tone(2, 0x20) + tone(3, 0x30)


def test_a_failed_part_is_skipped_and_the_prompt_goes_on(player: Player, line: Line) -> None:
    failed: Future[bytes] = Future()
    failed.set_exception(RuntimeError("espeak-ng gave no audio"))
    player.play(ready(tone(1, 0x10)))
    player.play(failed)
    player.play(ready(tone(1, 0x40)))
    player.mark("prompt-1")
    line.wait_for("mark")
    assert line.audio() == tone(1, 0x10) + tone(1, 0x40)


def test_stop_clears_and_no_frame_of_the_stopped_prompt_follows(player: Player, line: Line) -> None:
    player.play(ready(tone(100, 0x10)))
    player.mark("prompt-1")
    time.sleep(0.1)
    assert player.stop()
    time.sleep(0.15)
    events = line.events()
    assert events[-1] == "clear" and "mark" not in events
    assert not player.busy and not player.stop()  # nothing playing: no second clear
    assert line.events().count("clear") == 1


def test_a_stop_while_waiting_for_synthesis_frees_the_player(player: Player, line: Line) -> None:
    never: Future[bytes] = Future()
    player.play(never)
    player.mark("prompt-1")
    assert player.stop()
    player.play(ready(tone(3, 0x50)))
    player.mark("prompt-2")
    line.wait_for("mark", timeout=2)
    assert line.audio() == tone(3, 0x50)
    assert [m["mark"]["name"] for m in line.messages if m["event"] == "mark"] == ["prompt-2"]
