"""The speech engines themselves (espeak-ng, MBROLA, Pico), their choice and the one fallback warning.

Real binaries; a test skips only when its engine is missing outside CI (CI installs them all).
"""

from __future__ import annotations

import logging
import os
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from ivr.speech.audio import PHONE_RATE, mulaw_decode, phone_audio
from shared.speech import engines
from shared.speech.engines import Engine, MbrolaEngine, PicoEngine, Pyttsx3Engine, choose
from shared.speech.synthesis import SynthesisError, Synthesizer

TEXT = "Guten Tag. Hier ist das Seniorenbüro Hörde. Für Veranstaltungen drücken Sie die 1."


def _require(available: bool, what: str) -> None:
    if not available:
        if os.environ.get("CI"):
            pytest.fail(f"{what} must be installed in CI (scripts/install-system-deps.sh)")
        pytest.skip(f"{what} is not installed")


@pytest.mark.parametrize("engine", [Pyttsx3Engine("de"), MbrolaEngine("de6"), MbrolaEngine("de4"),
                                    PicoEngine("de-DE"), MbrolaEngine("tr1")], ids=lambda e: e.ident)
def test_each_engine_speaks_audibly_on_the_8_khz_line(engine: Engine, tmp_path: Path) -> None:
    _require(engines.installed(engine), engine.ident)
    target = tmp_path / "out.wav"
    text = TEXT if engine.voice != "tr1" else "Merhaba, burası Treffpunkt."
    engine.render(text, 140, target)
    with wave.open(str(target), "rb") as wav:
        assert wav.getnframes() > 0
    line = mulaw_decode(phone_audio(target))
    spoken_seconds = len(text.split()) * 60 / 140  # the words at 140 per minute
    assert spoken_seconds * 0.5 < line.size / PHONE_RATE < spoken_seconds * 2 + 1.0  # pauses and edges
    assert float(np.sqrt(np.mean(line.astype(np.float64) ** 2))) > 300  # speech, not silence


def test_rate_slows_the_command_line_engines_down(tmp_path: Path) -> None:
    for engine in (MbrolaEngine("de6"), PicoEngine("de-DE")):  # pyttsx3 applies its rate itself
        _require(engines.installed(engine), engine.ident)
        lengths = []
        for rate in (110, 180):
            target = tmp_path / f"{engine.ident}-{rate}.wav"
            engine.render(TEXT, rate, target)
            lengths.append(mulaw_decode(phone_audio(target)).size)
        assert lengths[0] > lengths[1] * 1.3, engine.ident


def test_auto_prefers_pico_then_mbrola_de6_then_de4_then_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    order = [engine.ident for engine in engines.candidates("de")]
    assert order == ["pico-de-de", "mbrola-de6", "mbrola-de4", "mbrola-de5", "mbrola-de7", "mbrola-de3",
                     "mbrola-de2", "mbrola-de1", "mbrola-de8", "espeak-de"]
    assert [engine.ident for engine in engines.candidates("tr")] == ["mbrola-tr1", "mbrola-tr2", "espeak-tr"]
    assert [engine.ident for engine in engines.candidates("de", "espeak")] == ["espeak-de"]
    assert engines.candidates("de", "mbrola", "de4")[0].ident == "mbrola-de4"
    assert engines.candidates("tr", "mbrola", "de4")[0].ident == "mbrola-tr1"  # a German voice is not Turkish
    _require(engines.pico_installed(), "pico2wave")
    assert choose("de") == engines.Choice(PicoEngine("de-DE"))


def test_without_better_engines_one_warning_at_start_and_none_per_prompt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # A machine without mbrola and pico2wave: PATH holds only espeak-ng.
    _require(shutil.which("espeak-ng") is not None, "espeak-ng")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "espeak-ng").symlink_to(str(shutil.which("espeak-ng")))
    monkeypatch.setenv("PATH", str(bin_dir))
    caplog.set_level(logging.WARNING)
    synthesizer = Synthesizer(tmp_path / "speech")
    try:
        assert synthesizer.engine_for("de").ident == "espeak-de"
        for text in ("Guten Tag.", "Auf Wiederhören.", "Bitte drücken Sie die 1."):
            synthesizer.synthesize(text)
    finally:
        synthesizer.close()
    warnings = [record.getMessage() for record in caplog.records
                if record.levelno >= logging.WARNING and "speech output" in record.getMessage()]
    assert len(warnings) == 1  # German and Turkish in one line, at start
    assert "no better speech engine for 'de'" in warnings[0] and "'tr'" in warnings[0]


def test_an_engine_asked_for_but_missing_falls_back_with_its_reason(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    choice = choose("de", "pico")
    assert choice.engine.ident == "espeak-de"
    assert "pico-de-de" in choice.fallback and "not installed" in choice.fallback
    assert choose("de", "espeak").fallback == ""


def test_the_cache_keeps_engines_apart(tmp_path: Path) -> None:
    _require(engines.mbrola_installed("de6") and engines.pico_installed(), "mbrola-de6 and pico2wave")
    paths = set()
    for engine in ("mbrola", "pico", "espeak"):
        synthesizer = Synthesizer(tmp_path / "speech", engine=engine)
        try:
            paths.add(synthesizer.synthesize("Guten Tag."))
        finally:
            synthesizer.close()
    assert len(paths) == 3
    assert {path.parent.name for path in paths} == {"mbrola-de6", "pico-de-de", "espeak-de"}


def test_an_engine_missing_at_run_time_warns_once_and_then_fails_fast(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    synthesizer = Synthesizer(tmp_path / "speech", engine="mbrola", languages=())
    try:
        synthesizer.engine_for("de")
        monkeypatch.setenv("PATH", str(tmp_path))  # espeak-ng and mbrola vanish after the start
        caplog.set_level(logging.WARNING)
        for text in ("Guten Tag.", "Auf Wiederhören.", "Bitte drücken Sie die 1."):
            with pytest.raises(SynthesisError, match="not installed"):
                synthesizer.synthesize(text)
    finally:
        synthesizer.close()
    assert len([record for record in caplog.records if record.levelno >= logging.WARNING]) == 1
