"""Telephone audio without ``audioop``: G.711 µ-law, resampling, WAV, and 20 ms frames.

Twilio Media Streams carry µ-law at 8 kHz in 20 ms frames (160 bytes); our prompts are 16-bit
WAV at 22 050 Hz. Conversions use numpy lookup tables, so a frame costs microseconds.
"""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

PHONE_RATE = 8000
FRAME_MS = 20
FRAME_BYTES = PHONE_RATE * FRAME_MS // 1000  # µ-law: one byte per sample
MULAW_SILENCE = 0xFF
_BIAS = 0x84
_CLIP = 32635

Samples = npt.NDArray[np.int16]


def _decode_table() -> npt.NDArray[np.int16]:
    codes = np.arange(256, dtype=np.int32)
    inverted = ~codes & 0xFF
    sign = inverted & 0x80
    exponent = (inverted >> 4) & 0x07
    mantissa = inverted & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _encode_table() -> npt.NDArray[np.uint8]:
    samples = np.arange(-32768, 32768, dtype=np.int32)
    sign = np.where(samples < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(samples), _CLIP) + _BIAS
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    table: npt.NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return table


DECODE = _decode_table()
ENCODE = _encode_table()  # indexed by sample + 32768


def mulaw_decode(data: bytes) -> Samples:
    """µ-law bytes to 16-bit linear samples."""
    return DECODE[np.frombuffer(data, dtype=np.uint8)]


def mulaw_encode(samples: Samples) -> bytes:
    """16-bit linear samples to µ-law bytes."""
    return bytes(ENCODE[samples.astype(np.int32) + 32768].tobytes())


def resample(samples: Samples, source_rate: int, target_rate: int) -> Samples:
    """Band-limit and resample by linear interpolation (enough for speech on a phone line)."""
    if source_rate == target_rate or samples.size == 0:
        return samples
    signal = samples.astype(np.float64)
    if target_rate < source_rate:
        # A short windowed-sinc low-pass below the new Nyquist frequency avoids aliasing.
        cutoff = 0.45 * target_rate / source_rate
        taps = np.arange(-32, 33)
        kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(taps.size)
        signal = np.convolve(signal, kernel / kernel.sum(), mode="same")
    count = round(samples.size * target_rate / source_rate)
    positions = np.arange(count) * (source_rate / target_rate)
    result = np.interp(positions, np.arange(samples.size), signal)
    converted: Samples = np.clip(np.round(result), -32768, 32767).astype(np.int16)
    return converted


def read_wav(data: bytes) -> tuple[Samples, int]:
    """Mono 16-bit samples and the sample rate of a WAV file's bytes."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError("expected 16-bit WAV audio")
        frames = wav.readframes(wav.getnframes())
        samples = np.frombuffer(frames, dtype="<i2").astype(np.int16)
        if wav.getnchannels() > 1:
            samples = samples.reshape(-1, wav.getnchannels()).mean(axis=1).astype(np.int16)
        return samples, wav.getframerate()


def write_wav(samples: Samples, rate: int) -> bytes:
    """WAV bytes (mono, 16-bit) for *samples*."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()


def to_phone(samples: Samples, rate: int) -> bytes:
    """Any-rate samples to 8 kHz µ-law, padded to whole 20 ms frames."""
    encoded = mulaw_encode(resample(samples, rate, PHONE_RATE))
    remainder = len(encoded) % FRAME_BYTES
    if remainder:
        encoded += bytes([MULAW_SILENCE]) * (FRAME_BYTES - remainder)
    return encoded


def phone_audio(path: Path) -> bytes:
    """The WAV prompt at *path* as µ-law 8 kHz in whole 20 ms frames."""
    samples, rate = read_wav(path.read_bytes())
    return to_phone(samples, rate)


def frames(mulaw: bytes) -> list[bytes]:
    """Split µ-law audio into 20 ms frames."""
    return [mulaw[index:index + FRAME_BYTES] for index in range(0, len(mulaw), FRAME_BYTES)]


def level(samples: Samples) -> float:
    """Root-mean-square level of *samples* (0–32768), to tell speech from line silence."""
    if samples.size == 0:
        return 0.0
    values = samples.astype(np.float32)
    return math.sqrt(float(np.dot(values, values)) / samples.size)  # np.mean costs 5× as much per frame
