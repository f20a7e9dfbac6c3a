"""``treffpunkt call`` (terminal softphone), ``treffpunkt say`` (the line's audio for a text) and
``treffpunkt models`` (speech model download)."""

from __future__ import annotations

import secrets
import shutil
import struct
import subprocess
from pathlib import Path

import click

from ivr.flow.engine import (
    CallEvent,
    CallStarted,
    Digits,
    HangUp,
    HungUp,
    Listen,
    NoInput,
    Record,
    RecordingDone,
    Say,
    Speech,
    Transfer,
)
from ivr.hotline import build_hotline, caller_id, open_call
from ivr.speech.audio import PHONE_RATE, mulaw_decode, phone_audio, read_wav, resample, write_wav
from ivr.speech.models import CHECKSUM_NAMES, WHISPER, checksum_file, fetch_model, fetch_whisper, verify_model
from ivr.transports.recordings import keep_pending
from shared.cli.context import CliContext
from shared.config import Config
from shared.speech.synthesis import SynthesisError, Synthesizer

HELP = ("Tasten eingeben (z. B. 1, 44263, *), Sprache als Text tippen, eine WAV-Datei angeben "
        "(wav:/pfad/datei.wav), Enter = Stille, 'auflegen' = Auflegen.")


def _recognise_wav(hotline_recognizer: object, path: Path, grammar: tuple[str, ...]) -> str:
    from ivr.speech.recognition import Recognizer

    recognizer: Recognizer = hotline_recognizer  # type: ignore[assignment]
    samples, rate = read_wav(path.read_bytes())
    session = recognizer.listen(grammar)
    pcm = resample(samples, rate, 8000).tobytes() + bytes(16000)
    for index in range(0, len(pcm), 320):
        result = session.accept(pcm[index:index + 320])
        if result is not None:
            return result
    return session.finish()


@click.command("call")
@click.option("--caller", default="", help="Caller ID to simulate, e.g. 0231 1234567.")
@click.option("--play/--no-play", default=False, help="Also play the prompts (needs sox 'play').")
@click.pass_obj
def call_command(context: CliContext, caller: str, play: bool) -> None:
    """Call the hotline from the terminal (no phone line needed)."""
    config = context.config
    synthesizer = Synthesizer.from_config(config)
    hotline = build_hotline(config, context.db, synthesizer)
    call_sid = "CLI" + secrets.token_hex(16)
    click.echo(f"Spracherkennung: {hotline.recognizer.description}. {HELP}")
    event: CallEvent = CallStarted(caller=caller_id(caller), speech=hotline.recognizer.available)
    try:
        while True:
            with context.session() as session:
                call, _ = open_call(session, call_sid, "cli")
                outputs = hotline.apply(session, call, event)
            if isinstance(event, HungUp):
                break
            waiting: Listen | Record | None = None
            finished = False
            for action in outputs:
                if isinstance(action, Say):
                    click.echo(f"🔊 {action.text}")
                    if play and shutil.which("play"):
                        subprocess.run(["play", "-q", str(synthesizer.synthesize(action.text, action.language))],  # noqa: S603,S607
                                       check=False)
                elif isinstance(action, Listen | Record):
                    waiting = action
                elif isinstance(action, Transfer):
                    click.echo(f"☎  Weiterleitung an {action.number}")
                    finished = True
                elif isinstance(action, HangUp):
                    finished = True
            if finished or waiting is None:
                click.echo("Anruf beendet.")
                event = HungUp()
                continue
            event = _read_answer(hotline, waiting, call_sid, synthesizer)
    finally:
        synthesizer.close()


def _read_answer(hotline: object, waiting: Listen | Record, call_sid: str, synthesizer: Synthesizer) -> CallEvent:
    from ivr.hotline import Hotline

    if not isinstance(hotline, Hotline):
        raise TypeError("the terminal softphone needs the app's Hotline")
    label = "Aufnahme" if isinstance(waiting, Record) else "Antwort"
    try:
        raw = click.prompt(label, default="", show_default=False).strip()
    except (EOFError, click.Abort):
        return HungUp()
    if raw.lower() in {"auflegen", "hangup", "quit"}:
        return HungUp()
    if isinstance(waiting, Record):
        if not raw:
            return RecordingDone(waiting.purpose, "")
        if raw.startswith("wav:"):
            wav = Path(raw.removeprefix("wav:")).read_bytes()
            transcript = None
        else:
            wav = synthesizer.synthesize(raw, "de").read_bytes()
            transcript = raw
        samples, rate = read_wav(wav)
        ref = keep_pending(hotline.data_dir, call_sid, waiting.purpose, wav)
        return RecordingDone(waiting.purpose, ref, round(samples.size / rate, 1), transcript)
    if not raw:
        return NoInput()
    if raw.startswith("wav:"):
        return Speech(_recognise_wav(hotline.recognizer, Path(raw.removeprefix("wav:")), waiting.grammar))
    if all(character in "0123456789*#" for character in raw):
        return Digits(raw.removesuffix("#"))
    return Speech(raw)


def line_audio(synthesizer: Synthesizer, text: str, language: str = "de", timeout: float = 60.0) -> bytes:
    """The 8 kHz µ-law bytes the hotline sends down the line for *text*.

    The same path as :class:`ivr.speech.prompt_audio.PromptAudio`: the synthesiser's engine, voice
    and rate (and its disk cache), then the product's µ-law encoder.
    """
    return phone_audio(synthesizer.synthesize(text.strip(), language, timeout=timeout))


def mulaw_wav(mulaw: bytes) -> bytes:
    """*mulaw* (8 kHz mono) in a WAV container with format tag 7 (G.711 µ-law), bytes unchanged."""
    fmt = struct.pack("<HHIIHHH", 7, 1, PHONE_RATE, PHONE_RATE, 1, 8, 0)
    fact = struct.pack("<I", len(mulaw))
    pad = b"\x00" if len(mulaw) % 2 else b""
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
            + b"data" + struct.pack("<I", len(mulaw)) + mulaw + pad)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def say_wav(config: Config, text: str, language: str = "de", mulaw: bool = False) -> bytes:
    """``treffpunkt say``'s file: the line's audio as 16-bit PCM WAV at 8 kHz (or µ-law WAV)."""
    synthesizer = Synthesizer.from_config(config)
    try:
        encoded = line_audio(synthesizer, text, language)
    finally:
        synthesizer.close()
    return mulaw_wav(encoded) if mulaw else write_wav(mulaw_decode(encoded), PHONE_RATE)


@click.command("say")
@click.argument("text")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="WAV file to write.")
@click.option("--language", type=click.Choice(["de", "tr"]), default="de", show_default=True)
@click.option("--mulaw", is_flag=True,
              help="Write the µ-law bytes themselves (WAV format 7) instead of their 16-bit PCM decoding.")
@click.pass_obj
def say_command(context: CliContext, text: str, output: Path, language: str, mulaw: bool) -> None:
    """Write exactly the audio the hotline plays on the line for TEXT (8 kHz, after µ-law)."""
    try:
        data = say_wav(context.config, text, language, mulaw)
    except (SynthesisError, TimeoutError) as exc:
        raise click.ClickException(f"Sprachausgabe fehlgeschlagen: {exc}") from exc
    output.write_bytes(data)
    seconds = (len(data) - (58 if mulaw else 44)) / (PHONE_RATE if mulaw else 2 * PHONE_RATE)
    click.echo(f"{output}: {seconds:.1f} s, 8 kHz, {'µ-law' if mulaw else '16-bit PCM (decoded µ-law)'}")


@click.group("models")
def models_group() -> None:
    """Speech recognition models."""


@models_group.command("fetch")
@click.argument("language", type=click.Choice(sorted(CHECKSUM_NAMES)))
@click.option("--target", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for models (default: DATA_DIR/models).")
@click.option("--source", default=None, help="Other download URL (e.g. a local mirror).")
@click.pass_obj
def models_fetch(context: CliContext, language: str, target: Path | None, source: str | None) -> None:
    """Download a model and verify every file against the bundled SHA-256 list.

    ``whisper-base`` comes file by file from Systran/faster-whisper-base (``--source`` with ``{path}``).
    """
    directory = target or context.config.data_dir / "models"
    try:
        path = fetch_whisper(directory, source) if language == WHISPER else fetch_model(language, directory, source)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"Modell nicht installiert: {exc}") from exc
    if language == WHISPER:
        click.echo(f"Modell geprüft und installiert: {path}\nOhne TREFFPUNKT_VOSK_MODEL erkennt die Hotline "
                   "deutsche Antworten damit (TREFFPUNKT_WHISPER=auto).")
        return
    click.echo(f"Modell geprüft und installiert: {path}\nSetzen Sie TREFFPUNKT_VOSK_MODEL={path}")


@models_group.command("verify")
@click.argument("language", type=click.Choice(sorted(CHECKSUM_NAMES)))
@click.argument("model_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
def models_verify(language: str, model_dir: Path) -> None:
    """Check an installed model against the bundled SHA-256 list."""
    problems = verify_model(model_dir, checksum_file(language))
    if problems:
        raise click.ClickException("Modell beschädigt: " + "; ".join(problems))
    click.echo("Alle Dateien des Modells sind unverändert.")
