"""A caller's German voice for speech tests and benches: espeak-ng with MBROLA de6, on the phone line.

The hotline speaks with SVOX Pico; a caller synthesised with another engine and voice keeps the
recogniser from hearing its own voice back.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ivr.speech.audio import FRAME_BYTES, level, mulaw_decode, phone_audio

CALLER_VOICE = "mb-de6"
VOICED_LEVEL = 150.0  # RMS above which a frame of the synthesised answer counts as voiced


def caller_frames(text: str, voice: str = CALLER_VOICE) -> list[bytes]:
    """*text* spoken by the caller as 20 ms µ-law frames, leading and trailing silence cut off."""
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "answer.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(wav), text],
                       check=True, capture_output=True, timeout=60)
        encoded = phone_audio(wav)
    frames = [encoded[i:i + FRAME_BYTES] for i in range(0, len(encoded), FRAME_BYTES)]
    voiced = [index for index, frame in enumerate(frames) if level(mulaw_decode(frame)) >= VOICED_LEVEL]
    return frames[voiced[0]:voiced[-1] + 1]
