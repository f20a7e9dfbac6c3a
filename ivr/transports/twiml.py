"""Turning the engine's output actions into TwiML (``<Play>``, ``<Gather input="dtmf">``, ...)."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.flow.engine import HangUp, Listen, Record, Say, Transfer
from ivr.flow.runner import OutputAction
from shared.speech.synthesis import SynthesisError, Synthesizer

log = logging.getLogger(__name__)

TWILIO_LANGUAGES = {"de": "de-DE", "tr": "tr-TR"}
RECORD_SILENCE_SECONDS = 8  # matches the prompts ("höchstens eine Minute", pauses allowed)


def audio_path(synthesizer: Synthesizer, say: Say) -> Path | None:
    """The synthesised prompt's WAV file, or None when synthesis failed."""
    try:
        return synthesizer.synthesize(say.text, say.language)
    except (SynthesisError, TimeoutError):
        log.exception("prompt could not be synthesised; Twilio reads it instead")
        return None


def render(
    actions: Sequence[OutputAction], synthesizer: Synthesizer, url: Callable[[str], str],
    audio_url: Callable[[str, str], str], personal_url: Callable[[Path], str],
) -> str:
    """TwiML for one turn. *url(kind)* gives the signed-step callback of this turn; shared prompts
    play from *audio_url(voice, key)*, personal ones (a number read back) from *personal_url(file)*."""
    response = VoiceResponse()
    plays: list[Say] = []

    def add_plays(target: VoiceResponse | Gather) -> None:
        for say in plays:
            path = audio_path(synthesizer, say)
            if path is None:
                target.say(say.text, language=TWILIO_LANGUAGES.get(say.language, "de-DE"))
            elif say.personal:
                target.play(personal_url(path))
            else:
                target.play(audio_url(path.parent.name, path.stem))
        plays.clear()

    for action in actions:
        if isinstance(action, Say):
            plays.append(action)
        elif isinstance(action, Listen):
            # numDigits always: a full entry completes without "#" (finishOnKey ends a shorter one).
            keys = {"num_digits": action.max_digits, "finish_on_key": action.finish_on_key}
            gather = Gather(input="dtmf", action=url("step"), method="POST", timeout=action.timeout_seconds,
                            action_on_empty_result=False, **keys)
            add_plays(gather)
            response.append(gather)
            response.redirect(url("noinput"), method="POST")
        elif isinstance(action, Record):
            add_plays(response)
            response.record(action=url(f"record-{action.purpose}"), method="POST", max_length=action.max_seconds,
                            finish_on_key="#", play_beep=True, timeout=RECORD_SILENCE_SECONDS, trim="trim-silence")
            response.redirect(url(f"record-{action.purpose}"), method="POST")
        elif isinstance(action, Transfer):
            add_plays(response)
            response.dial(action.number, action=url("dial"), method="POST", timeout=30)
        elif isinstance(action, HangUp):
            add_plays(response)
            response.hangup()
    add_plays(response)
    return str(response)


def connect_stream(stream_url: str, parameters: dict[str, str], after_url: str) -> str:
    """``<Connect><Stream>`` handing the call to our WebSocket, then *after_url* when it ends.

    Written out (attribute values escaped) rather than built as a tree: it answers every new call,
    also in a flood, and is the same few elements every time."""
    items = "".join(f'<Parameter name="{_attribute(name)}" value="{_attribute(value)}"/>'
                    for name, value in parameters.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?><Response><Connect action="{_attribute(after_url)}" method="POST">'
            f'<Stream url="{_attribute(stream_url)}">{items}</Stream></Connect></Response>')


def _attribute(value: str) -> str:
    """*value* escaped for a double-quoted XML attribute (&, <, >, " and ')."""
    return html.escape(value, quote=True)
