"""Hotline path lengths: how long a caller who listens to every prompt needs to reach a goal.

The call flow (:mod:`ivr.flow.engine`) is walked key by key; every prompt is synthesised with the
hotline's own synthesizer (espeak-ng, as callers hear it) and its WAV duration counted. The caller
answers 2 s after a prompt has finished; a recording lasts as long as the script says. Query
answers (events, the saved reference) are filled in as the database would give them.

Prints JSON: seconds and inputs until the first event starts to be read, and until the reference
of a home visit (consent, name, district, number confirmed, topic, confirmation) starts.

Run: ``.venv/bin/python bench/ivr_paths.py`` (a few seconds once prompts are cached).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/ivr.py would shadow the ivr package: the repository root comes first.
sys.path[:] = [str(ROOT), *(entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench")]

from ivr.flow.engine import (  # noqa: E402
    Action,
    CallEvent,
    CallStarted,
    CallState,
    Digits,
    EventItem,
    EventsFound,
    LookupEvents,
    RecordingDone,
    RequestSaved,
    SaveRequest,
    Say,
    step,
)
from shared.speech.synthesis import Synthesizer  # noqa: E402

ANSWER_DELAY = 2.0
KEY_SECONDS = 0.6  # between the keys of a longer entry
EVENTS = tuple(EventItem(index, f"Termin {index}", f"Dienstag, 24. November, um {15 + index % 4} Uhr: "
                         f"Seniorengymnastik. Ort: Begegnungszentrum Hörde. Adresse: Hörder Bahnhofstraße 6, "
                         f"44263 Dortmund. Kosten: 2 Euro.") for index in range(12))


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


class Walk:
    """One caller's way through the flow, timing every prompt."""

    def __init__(self, synthesizer: Synthesizer) -> None:
        self.synthesizer = synthesizer
        self.state = CallState()
        self.seconds = 0.0
        self.inputs = 0
        self.heard: list[str] = []
        self.started_at: dict[str, float] = {}  # when each prompt began to play

    def play(self, actions: Sequence[Action]) -> list[Action]:
        """Count the prompts of *actions*; answer queries like the database would."""
        pending: list[CallEvent] = []
        for action in actions:
            if isinstance(action, Say) and action.text.strip():
                self.started_at.setdefault(action.text, self.seconds)
                self.seconds += wav_seconds(self.synthesizer.synthesize(action.text, action.language))
                self.heard.append(action.text)
            elif isinstance(action, LookupEvents):
                pending.append(EventsFound(EVENTS, total=len(EVENTS)))
            elif isinstance(action, SaveRequest):
                pending.append(RequestSaved("48213907", 1))
        followed = list(actions)
        for event in pending:
            self.state, more = step(self.state, event)
            followed += self.play(more)
        return followed

    def send(self, event: CallEvent, recorded_seconds: float = 0.0) -> list[Action]:
        if not isinstance(event, CallStarted):
            self.inputs += 1
            self.seconds += recorded_seconds if isinstance(event, RecordingDone) else ANSWER_DELAY
        if isinstance(event, Digits):
            self.seconds += KEY_SECONDS * (len(event.digits) - 1)  # typing a postcode takes a moment
        self.state, actions = step(self.state, event)
        return self.play(actions)


def first_event(synthesizer: Synthesizer) -> dict[str, Any]:
    walk = Walk(synthesizer)
    walk.send(CallStarted(caller="+492311234567", speech=False))
    for key in ("1", "1", "0"):  # events, today, all of Dortmund
        walk.send(Digits(key))
    assert EVENTS[0].spoken in walk.started_at, "the first event was not read"
    return {"seconds": round(walk.started_at[EVENTS[0].spoken], 1), "inputs": walk.inputs}


def home_visit(synthesizer: Synthesizer, name_seconds: float, topic_seconds: float) -> dict[str, Any]:
    walk = Walk(synthesizer)
    walk.send(CallStarted(caller="+492311234567", speech=False))
    for key in ("2", "1", "1"):  # request, home visit, consent
        walk.send(Digits(key))
    walk.send(RecordingDone("name", "file:name.wav", name_seconds), name_seconds)
    walk.send(Digits("44263"))  # the postcode: Hörde
    walk.send(Digits("1"))  # the caller's number is right
    walk.send(Digits("1"))  # call back in the morning
    walk.send(RecordingDone("topic", "file:topic.wav", topic_seconds), topic_seconds)
    walk.send(Digits("1"))  # confirmed → reference
    assert walk.state.reference == "48213907", walk.state.node
    reference = next(at for text, at in walk.started_at.items() if "Vorgangsnummer" in text)
    recorded = name_seconds + topic_seconds
    return {"seconds": round(reference, 1), "seconds_without_recordings": round(reference - recorded, 1),
            "inputs": walk.inputs, "recorded_seconds": recorded}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--name-seconds", type=float, default=3.0, help="length of the name recording")
    parser.add_argument("--topic-seconds", type=float, default=20.0, help="length of the topic recording")
    parser.add_argument("--rate", type=int, default=140, help="speech rate of the synthesizer (words/min)")
    parser.add_argument("--cache", type=Path, default=None, help="speech cache directory (default: temporary)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        synthesizer = Synthesizer(args.cache or Path(scratch), args.rate)
        try:
            result = {"answer_delay_seconds": ANSWER_DELAY, "speech_rate": args.rate,
                      "first_event": first_event(synthesizer),
                      "home_visit_reference": home_visit(synthesizer, args.name_seconds, args.topic_seconds)}
        finally:
            synthesizer.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
