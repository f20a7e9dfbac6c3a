"""Hotline path lengths: how long a caller who listens to every prompt needs to reach a goal.

The call flow (:mod:`ivr.flow.engine`) is walked key by key; every prompt is synthesised with the
hotline's own synthesizer (espeak-ng, as callers hear it) and its WAV duration counted. The caller
answers 2 s after a prompt has finished; a recording lasts as long as the script says. Query
answers (events, the saved reference) are filled in as the database would give them.

Prints JSON: seconds and inputs until the first event starts to be read, and until the reference
of a home visit (consent, name, postcode, number confirmed, callback time, topic, confirmation)
starts, also for a caller whose district is known from the number (said, not asked); and the
silence a caller hears between confirming a request with a 60 s topic and the reference: the
request saved on a real (scratch SQLite) database by the hotline of a real app, and the reference
prompt synthesised, as the confirming webhook does it.

Run: ``.venv/bin/python bench/ivr_paths.py`` (a few seconds once prompts are cached).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/ivr.py would shadow the ivr package: the repository root comes first.
sys.path[:] = [str(ROOT), *(entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench")]

from bench.bench_support import app_client, scratch_database  # noqa: E402
from ivr.flow.call_record import CallRecord  # noqa: E402
from ivr.flow.engine import (  # noqa: E402
    Action,
    CallerKnown,
    CallEvent,
    CallStarted,
    CallState,
    Digits,
    Draft,
    EventItem,
    EventsFound,
    LookupCaller,
    LookupEvents,
    RecordingDone,
    RecordingRef,
    RequestSaved,
    SaveRequest,
    Say,
    step,
)
from ivr.hotline import Hotline, find_call, get_hotline, open_call  # noqa: E402
from ivr.speech.audio import PHONE_RATE, write_wav  # noqa: E402
from ivr.transports.recordings import keep_pending  # noqa: E402
from shared.db import Database  # noqa: E402
from shared.seed.demo import seed_reference_data  # noqa: E402
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

    def __init__(self, synthesizer: Synthesizer, caller_district: int | None = None) -> None:
        self.synthesizer = synthesizer
        self.caller_district = caller_district  # what earlier requests of the number give
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
            elif isinstance(action, LookupCaller):
                pending.append(CallerKnown(self.caller_district))
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


def home_visit(synthesizer: Synthesizer, name_seconds: float, topic_seconds: float,
               known_caller: bool = False) -> dict[str, Any]:
    """The home-visit path; a *known_caller*'s district comes from earlier requests of the number."""
    walk = Walk(synthesizer, caller_district=8 if known_caller else None)
    walk.send(CallStarted(caller="+492311234567", speech=False))
    for key in ("2", "1", "1"):  # request, home visit, consent
        walk.send(Digits(key))
    walk.send(RecordingDone("name", "file:name.wav", name_seconds), name_seconds)
    if not known_caller:
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


def silence_before_reference(topic_seconds: float) -> dict[str, Any]:
    """Seconds from the confirming key to the reference audio being ready, after a long topic.

    The first call of a process runs before the start-up warm-up has finished; the figure that
    counts is the next one (a running server), the first is reported beside it.
    """
    with scratch_database(None) as db, app_client(db) as client:
        hotline = get_hotline(client.application)
        with db.session() as session:
            seed_reference_data(session)
        first = _confirm_after_topic(hotline, db, "CA" + "5" * 32, topic_seconds)
        hotline.warm_and_wait()
        warm = _confirm_after_topic(hotline, db, "CA" + "6" * 32, topic_seconds)
    return {**warm, "topic_seconds": topic_seconds, "silence_seconds_first_call": first["silence_seconds"]}


def _confirm_after_topic(hotline: Hotline, db: Database, call_sid: str, topic_seconds: float) -> dict[str, Any]:
    """One call confirming a home visit with a name and a *topic_seconds* topic: the seconds until its reference."""
    import numpy as np

    with db.session() as session:
        call, _ = open_call(session, call_sid, "gather")
        noise = (np.random.default_rng(1).normal(0, 3000, int(PHONE_RATE * topic_seconds))).astype(np.int16)
        recordings = [RecordingRef(purpose, keep_pending(hotline.data_dir, call.call_sid, purpose,
                                                         write_wav(audio, PHONE_RATE)),
                                   round(audio.size / PHONE_RATE, 1))
                      for purpose, audio in (("name", noise[:PHONE_RATE * 2]), ("topic", noise))]
        state = CallState(node="confirm", caller="+492311234567", draft=Draft(
            kind="home_visit", consent=True, district=8, phone="+492311234567", phone_confirmed=True,
            callback_time="morning", recordings=recordings))
        CallRecord(flow=state).store(call)
        session.commit()
    began = time.perf_counter()
    with db.session() as session:
        found = find_call(session, call_sid)
        assert found is not None
        outputs = hotline.apply(session, found, Digits("1"))
        session.commit()
    saved = time.perf_counter()
    says = [action for action in outputs if isinstance(action, Say)]
    hotline.synthesizer.synthesize(says[0].text, says[0].language)
    silence = time.perf_counter() - began
    assert "Vorgangsnummer" in says[0].text, says[0].text
    return {"silence_seconds": round(silence, 2),
            "saving_seconds": round(saved - began, 2), "synthesis_seconds": round(silence - (saved - began), 2)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--name-seconds", type=float, default=3.0, help="length of the name recording")
    parser.add_argument("--topic-seconds", type=float, default=20.0, help="length of the topic recording")
    parser.add_argument("--long-topic-seconds", type=float, default=60.0,
                        help="length of the topic before the silence is measured")
    parser.add_argument("--rate", type=int, default=140, help="speech rate of the synthesizer (words/min)")
    parser.add_argument("--cache", type=Path, default=None, help="speech cache directory (default: temporary)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        synthesizer = Synthesizer(args.cache or Path(scratch), args.rate)
        try:
            result = {"answer_delay_seconds": ANSWER_DELAY, "speech_rate": args.rate,
                      "first_event": first_event(synthesizer),
                      "home_visit_reference": home_visit(synthesizer, args.name_seconds, args.topic_seconds),
                      "home_visit_reference_known_caller": home_visit(synthesizer, args.name_seconds,
                                                                      args.topic_seconds, known_caller=True)}
        finally:
            synthesizer.close()
    result["silence_before_reference"] = silence_before_reference(args.long_topic_seconds)
    result["goals"] = {"first_event_seconds": 45, "home_visit_reference_seconds": 120, "silence_seconds": 1.0}
    result["load_average"] = [round(value, 2) for value in os.getloadavg()]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
