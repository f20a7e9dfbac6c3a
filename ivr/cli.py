"""``treffpunkt call`` (terminal softphone) and ``treffpunkt models`` (speech model download)."""

from __future__ import annotations

import secrets
import shutil
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
from ivr.speech.audio import read_wav, resample
from ivr.speech.models import CHECKSUM_NAMES, WHISPER, checksum_file, fetch_model, fetch_whisper, verify_model
from ivr.transports.recordings import keep_pending
from shared.cli.context import CliContext
from shared.speech.synthesis import Synthesizer

HELP = ("Tasten eingeben (z. B. 1, 12#, *), Sprache als Text tippen, eine WAV-Datei angeben "
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
    synthesizer = Synthesizer(config.data_dir / "speech-cache", config["IVR_SPEECH_RATE"])
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
