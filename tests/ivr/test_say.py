"""`treffpunkt say`: the hotline's line audio for a text, as a WAV file."""

from __future__ import annotations

import wave
from pathlib import Path

from click.testing import CliRunner

from ivr.cli import line_audio
from ivr.speech.audio import mulaw_decode
from shared.cli.main import main
from shared.config import Config
from shared.speech.synthesis import Synthesizer


def _environment(config: Config) -> dict[str, str]:
    return {"TREFFPUNKT_DATA_DIR": str(config.data_dir), "TREFFPUNKT_DATABASE_URL": config.database_url,
            "TREFFPUNKT_SECRET_KEY": "test-secret-key-0123456789"}


def test_say_writes_the_lines_audio_as_8_khz_wav(config: Config, tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    text = "Guten Tag. Hier ist Treffpunkt."
    result = CliRunner().invoke(main, ["say", text, "-o", str(target)], env=_environment(config))
    assert result.exit_code == 0, result.output
    with wave.open(str(target), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        pcm = wav.readframes(wav.getnframes())
    synthesizer = Synthesizer.from_config(config)
    try:
        expected = line_audio(synthesizer, text)  # what the hotline streams for this prompt
    finally:
        synthesizer.close()
    assert pcm == mulaw_decode(expected).astype("<i2").tobytes()
    assert len(expected) / 8000 > 1.0


def test_say_can_write_the_mulaw_bytes_themselves(config: Config, tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    result = CliRunner().invoke(main, ["say", "Merhaba", "--language", "tr", "--mulaw", "-o", str(target)],
                                env=_environment(config))
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert int.from_bytes(data[20:22], "little") == 7  # WAVE_FORMAT_MULAW
    assert int.from_bytes(data[24:28], "little") == 8000
    size = int.from_bytes(data[54:58], "little")
    assert data[50:54] == b"data" and size == len(data) - 58 and size > 4000 and size % 160 == 0
