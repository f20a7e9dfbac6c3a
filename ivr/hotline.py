"""One hotline per app: speech in and out, and applying call events to persisted calls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ivr.flow import nodes, prompts
from ivr.flow.call_record import CallRecord
from ivr.flow.engine import CallEvent, HungUp, Say
from ivr.flow.runner import OutputAction, advance
from ivr.flow.services import DatabaseCallServices
from ivr.speech.prompt_audio import PromptAudio
from ivr.speech.recognition import Recognizer, load_recognizer
from ivr.transports.recordings import RecordingAttacher, RecordingFetcher
from shared.clock import local_today, utcnow
from shared.config import Config
from shared.db import Database
from shared.models import Call
from shared.seed.reference_data import DISTRICTS
from shared.services.phone import normalise_phone
from shared.services.places import district_by_slug
from shared.services.workdays import add_working_days
from shared.speech.synthesis import SpeechRequest, Synthesizer

log = logging.getLogger(__name__)
EXTENSION = "treffpunkt-ivr"


@dataclass
class Hotline:
    """Per-process parts of the hotline: synthesizer, recognizer, recording downloads."""

    config: Config
    db: Database
    synthesizer: Synthesizer
    recognizer: Recognizer
    fetcher: RecordingFetcher
    prompt_audio: PromptAudio

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    @property
    def speech_rate(self) -> int:
        return self.config.ivr_speech_rate

    def attacher(self) -> RecordingAttacher:
        """Attaches recordings to requests (files directly, Twilio URLs in the background)."""
        return RecordingAttacher(self.data_dir, self.recognizer, self.fetcher)

    def prerendered(self, language: str) -> list[str]:
        """The prompts rendered at start-up: every fixed text and every confirmation."""
        return [*prompts.fixed_prompts(language), *nodes.fixed_texts(language), *prompts.confirmations(language)]

    def warm_and_wait(self) -> None:
        """Render (WAV for webhooks, µ-law for streams) the prompts callers hear first; a start-up worker."""
        # Saving a request computes its due date: load the holiday tables now, not on a caller's time.
        add_working_days(local_today(), 2)
        for language in prompts.LANGUAGES:
            for future in self.prompt_audio.warm(self.prerendered(language), language):
                future.result(timeout=120)
        log.info("hotline prompts are rendered")

    def forget_personal_audio(self, call: Call) -> None:
        """Delete the synthesised prompts that read out this caller's number or reference."""
        record = CallRecord.of(call)
        for path in record.personal_audio:
            Path(path).unlink(missing_ok=True)
        self.prompt_audio.forget(record.personal_audio)
        record.personal_audio = []
        record.personal_tokens = []
        record.store(call)

    def speech_input(self) -> bool:
        """True when a call starting now can answer by voice: a recogniser, and Whisper not saturated."""
        gate = getattr(self.recognizer, "gate", None)
        return self.recognizer.available and not (gate is not None and gate.saturated)

    def health(self) -> dict[str, Any]:
        """The ``speech`` entry of ``/healthz``."""
        health: dict[str, Any] = {
            "ok": True, "recognition": self.recognizer.description, "speech_input": self.recognizer.available,
            "input": "speech" if self.speech_input() else "keys", "mode": self.config.ivr_mode}
        gate = getattr(self.recognizer, "gate", None)
        if gate is not None:  # Whisper: answers turned to the keys because it was busy or slow
            health["decoding"] = {"pending": gate.pending, "refused": gate.refused, "late": gate.late}
        return health

    def apply(self, session: Session, call: Call, event: CallEvent,
              early: Callable[[Say], None] | None = None) -> list[OutputAction]:
        """Run *event* through the flow of *call* and persist the new state (caller commits).

        *early*: see :func:`ivr.flow.runner.advance`.
        """
        record = CallRecord.of(call)
        services = DatabaseCallServices(session, call.call_sid, self.attacher())
        state, outputs = advance(record.flow, event, services, early)
        personal = [str(self.synthesizer.path_for(SpeechRequest(say.text.strip(), say.language, self.speech_rate)))
                    for say in outputs if isinstance(say, Say) and say.personal]
        record.flow, record.touched = state, utcnow().isoformat()
        record.personal_audio = [*record.personal_audio, *personal]
        record.store(call)
        if isinstance(event, HungUp):
            self.forget_personal_audio(call)
        call.language = state.language
        call.outcome = state.outcome
        call.request_id = state.request_id
        district = state.district or (state.draft.district if state.draft else None)
        if district:
            call.district_id = district_by_slug(session, DISTRICTS[district - 1].slug).id
        if state.ended and call.ended_at is None:
            call.ended_at = utcnow()
        return outputs


def get_hotline(app: Flask | None = None) -> Hotline:
    """The hotline of *app* (default: the current app)."""
    hotline: Hotline = (app or current_app).extensions[EXTENSION]
    return hotline


def find_call(session: Session, call_sid: str) -> Call | None:
    """The persisted call with *call_sid*."""
    return session.scalars(select(Call).where(Call.call_sid == call_sid)).first()


def open_call(session: Session, call_sid: str, transport: str) -> tuple[Call, bool]:
    """The call with *call_sid*, created on first sight; returns ``(call, created)``."""
    call = find_call(session, call_sid)
    if call is not None:
        return call, False
    call = Call(call_sid=call_sid, transport=transport, state={}, started_at=utcnow())
    session.add(call)
    session.flush()
    return call, True


def _insert_new_call(dialect: Any) -> Any:
    """``INSERT … ON CONFLICT (call_sid) DO NOTHING RETURNING id``, built once per dialect."""
    return (dialect.insert(Call)
            .values(call_sid=bindparam("call_sid"), transport=bindparam("transport"), state=bindparam("state"),
                    started_at=bindparam("started_at"))
            .on_conflict_do_nothing(index_elements=["call_sid"]).returning(Call.id))


_INSERT_NEW_CALL = {"postgresql": _insert_new_call(postgresql), "sqlite": _insert_new_call(sqlite)}


def insert_call(session: Session, call_sid: str, transport: str, state: dict[str, Any]) -> bool:
    """Insert the call with its *state* in one statement (no read before); False when *call_sid*
    is already there (Twilio retried the first webhook), and then nothing is written."""
    connection = session.connection()
    statement = _INSERT_NEW_CALL["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    return connection.execute(statement, {"call_sid": call_sid, "transport": transport, "state": state,
                                          "started_at": utcnow()}).scalar() is not None


def caller_id(raw: str) -> str:
    """The caller's number in E.164, or empty when withheld or not a phone number."""
    try:
        return normalise_phone(raw) if raw else ""
    except ValueError:
        return ""


def build_hotline(config: Config, db: Database, synthesizer: Synthesizer) -> Hotline:
    """Load the speech model (once per process) and set up recording downloads."""
    whisper_dir = str(config.data_dir / "models") if config.whisper == "auto" else ""
    recognizer = load_recognizer(config.vosk_model, whisper_dir)
    fetcher = RecordingFetcher(db, config.data_dir, recognizer, config.twilio_auth_token, config.twilio_api_base_url)
    return Hotline(config, db, synthesizer, recognizer, fetcher, PromptAudio(synthesizer))
