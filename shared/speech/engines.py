"""Speech engines behind the synthesiser: pyttsx3 (espeak-ng), espeak-ng with MBROLA, SVOX Pico.

Every engine turns text into a WAV file at a speech rate in words per minute. :func:`choose`
picks one per language from the settings ``TTS_ENGINE`` (``auto``, ``mbrola``, ``pico``,
``espeak``) and ``TTS_VOICE``; ``auto`` takes the most intelligible engine installed (measured
after an 8 kHz phone line: Pico, then MBROLA de6, de4, …, then plain espeak-ng).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

ENGINE_NAMES = ("auto", "mbrola", "pico", "espeak")
ESPEAK_VOICES = {"de": "de", "tr": "tr", "en": "en", "ru": "ru", "pl": "pl", "ar": "ar", "ko": "ko"}
MBROLA_VOICES = {"de": ("de6", "de4", "de5", "de7", "de3", "de2", "de1", "de8"), "tr": ("tr1", "tr2")}
PICO_LANGUAGES = {"de": "de-DE", "en": "en-GB"}
MBROLA_DIRS = (Path("/usr/share/mbrola"), Path("/usr/local/share/mbrola"))
PICO_WPM_AT_100 = 155  # Pico's speed level 100 is about this many words per minute
TIMEOUT_SECONDS = 60
FILE_WAIT_SECONDS = 5.0


class EngineUnavailable(RuntimeError):
    """The engine cannot speak (binary, library or voice missing)."""


class Engine(ABC):
    """Turns text into a WAV file; one engine is used by one thread at a time."""

    name: str
    voice: str

    @property
    def ident(self) -> str:
        """Engine and voice as one name (the cache directory and part of the cache key)."""
        return f"{self.name}-{self.voice}".lower()

    @abstractmethod
    def render(self, text: str, rate: int, target: Path) -> None:
        """Write speech for *text* at *rate* words per minute as a WAV file to *target*."""

    def reset(self) -> None:  # noqa: B027 - most engines keep no state
        """Forget internal state after a failed render."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.ident}>"


@dataclass(repr=False)
class Pyttsx3Engine(Engine):
    """espeak-ng through pyttsx3 (the formant voice; always the last resort)."""

    voice: str
    name: str = "espeak"
    _engine: Any = field(default=None, init=False)

    def render(self, text: str, rate: int, target: Path) -> None:
        self._engine = self._engine or new_pyttsx3()
        self._engine.setProperty("voice", self.voice)
        self._engine.setProperty("rate", rate)
        self._engine.save_to_file(text, str(target))
        self._engine.runAndWait()
        # pyttsx3's espeak driver can return before its file is written: wait for it a moment.
        deadline = time.monotonic() + FILE_WAIT_SECONDS
        while not _complete(target) and time.monotonic() < deadline:
            time.sleep(0.02)

    def reset(self) -> None:
        self._engine = None


@dataclass(repr=False)
class MbrolaEngine(Engine):
    """espeak-ng's text processing driving an MBROLA diphone voice (``espeak-ng -v mb-de6``)."""

    voice: str
    name: str = "mbrola"

    def render(self, text: str, rate: int, target: Path) -> None:
        _run(["espeak-ng", "-v", f"mb-{self.voice}", "-s", str(rate), "-w", str(target), "--", text])


@dataclass(repr=False)
class PicoEngine(Engine):
    """SVOX Pico (``pico2wave``); its speed is set by markup from the rate in words per minute."""

    voice: str
    name: str = "pico"

    def render(self, text: str, rate: int, target: Path) -> None:
        level = max(20, min(500, round(100 * rate / PICO_WPM_AT_100)))
        markup = f"<speed level='{level}'>{escape(text, quote=False)}</speed>"
        _run(["pico2wave", "-l", self.voice, "-w", str(target), "--", markup])


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT_SECONDS)  # noqa: S603
    except FileNotFoundError as exc:
        raise EngineUnavailable(f"{command[0]} is not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise EngineUnavailable(f"{command[0]} failed: {exc.stderr.decode(errors='replace')[:200]}") from exc


def new_pyttsx3() -> Any:
    """A fresh pyttsx3 espeak-ng engine that prints nothing."""
    try:
        import pyttsx3
        import pyttsx3.drivers.espeak

        # The espeak driver print()s "Audio saved to <file>" for every file it writes; a module
        # global named print shadows the builtin for that module only.
        setattr(pyttsx3.drivers.espeak, "print", _discard)  # noqa: B010
        return pyttsx3.init("espeak")
    except Exception as exc:  # missing libespeak-ng raises OSError, RuntimeError or KeyError
        raise EngineUnavailable(f"espeak-ng is not available: {exc}") from exc


def _complete(path: Path) -> bool:
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() > 0
    except (OSError, wave.Error, EOFError):
        return False


def _discard(*_args: object, **_kwargs: object) -> None:
    """Swallow a third-party print()."""


def mbrola_installed(voice: str) -> bool:
    """True if the ``mbrola`` binary, espeak-ng and the MBROLA voice *voice* are installed."""
    return (shutil.which("mbrola") is not None and shutil.which("espeak-ng") is not None
            and any((directory / voice / voice).is_file() for directory in MBROLA_DIRS))


def pico_installed() -> bool:
    """True if SVOX Pico's ``pico2wave`` is installed."""
    return shutil.which("pico2wave") is not None


@dataclass(frozen=True)
class Choice:
    """The engine for one language and, when it is not what was asked for, why."""

    engine: Engine
    fallback: str = ""


def candidates(language: str, engine: str = "auto", voice: str = "") -> list[Engine]:
    """Engines for *language* in order of preference under the settings, best first.

    Installed or not; :func:`choose` takes the first installed one. espeak-ng is always last.
    *voice* (``de4``, ``de+f3``) only applies to the language it starts with.
    """
    voice = voice if voice.lower().startswith(language) else ""  # TTS_VOICE names one language's voice
    mbrola = [MbrolaEngine(name) for name in ((voice,) if voice and engine == "mbrola" else ())
              + MBROLA_VOICES.get(language, ())]
    pico = [PicoEngine(PICO_LANGUAGES[language])] if language in PICO_LANGUAGES else []
    espeak_voice = voice if voice and engine == "espeak" else ESPEAK_VOICES.get(language, language)
    espeak = Pyttsx3Engine(espeak_voice)
    if engine == "mbrola":
        ordered: list[Engine] = [*mbrola, *pico]
    elif engine == "pico":
        ordered = [*pico, *mbrola]
    elif engine == "espeak":
        ordered = []
    else:  # auto: intelligibility after the phone line, as measured (bench/speech_intelligibility.py)
        ordered = [*pico, *mbrola]
    return [*ordered, espeak]


def installed(engine: Engine) -> bool:
    """True if *engine* can run on this machine (espeak-ng through pyttsx3 is assumed to)."""
    if isinstance(engine, MbrolaEngine):
        return mbrola_installed(engine.voice)
    if isinstance(engine, PicoEngine):
        return pico_installed()
    return True


def choose(language: str, engine: str = "auto", voice: str = "") -> Choice:
    """The best installed engine for *language*; ``fallback`` says what was missing, if anything."""
    options = candidates(language, engine, voice)
    chosen = next(option for option in options if installed(option))
    wanted = options[0]
    if engine == "auto":
        if chosen is options[-1] and len(options) > 1:
            return Choice(chosen, f"no better speech engine for '{language}' is installed (MBROLA voice"
                                  f" {wanted.voice} or SVOX Pico); using the formant voice {chosen.ident}")
        return Choice(chosen)
    if chosen.ident != wanted.ident:
        return Choice(chosen, f"TTS engine {wanted.ident} for '{language}' is not installed; using {chosen.ident}")
    return Choice(chosen)
