"""Dead air around synthesised speech, cut to a fixed length.

Engines end every text with up to 0.7 s of silence (SVOX Pico) and begin with a little. Between
two prompts that adds up to a second of nothing on the line, which the caller hears as a pause
too long, and the opening grows past its budget. The pauses inside a text (at commas, between
options) are left as the engine made them.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

QUIET_LEVEL = 200  # absolute 16-bit sample value below which a sample counts as silence
LEAD_SECONDS = 0.12  # silence kept before the first sound
TAIL_SECONDS = 0.30  # silence kept after the last sound: the pause before the next prompt


def trim_silence(path: Path, lead_seconds: float = LEAD_SECONDS, tail_seconds: float = TAIL_SECONDS) -> None:
    """Rewrite the 16-bit WAV file at *path* with at most *lead_seconds*/*tail_seconds* of silence.

    Files that are not 16-bit, or are silent throughout, are left as they are.
    """
    with wave.open(str(path), "rb") as wav:
        params = wav.getparams()
        data = wav.readframes(wav.getnframes())
    if params.sampwidth != 2:
        return
    samples = np.frombuffer(data, dtype="<i2").reshape(-1, params.nchannels)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)).max(axis=1) > QUIET_LEVEL)
    if loud.size == 0:
        return
    start = max(0, int(loud[0]) - round(lead_seconds * params.framerate))
    end = min(len(samples), int(loud[-1]) + 1 + round(tail_seconds * params.framerate))
    if start == 0 and end == len(samples):
        return
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(params.nchannels)
        wav.setsampwidth(2)
        wav.setframerate(params.framerate)
        wav.writeframes(samples[start:end].astype("<i2").tobytes())
