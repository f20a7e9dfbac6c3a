"""µ-law (G.711) without audioop, resampling, frames."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ivr.speech.audio import (
    FRAME_BYTES,
    MULAW_SILENCE,
    frames,
    level,
    mulaw_decode,
    mulaw_encode,
    read_wav,
    resample,
    to_phone,
    write_wav,
)

# Reference points of the G.711 µ-law table.
KNOWN = {0: 0xFF, -1: 0x7F, 32767: 0x80, -32768: 0x00, 1000: 0xCE, -1000: 0x4E}


def test_known_code_points() -> None:
    for sample, code in KNOWN.items():
        assert mulaw_encode(np.array([sample], dtype=np.int16)) == bytes([code]), sample
    assert mulaw_decode(bytes([0xFF]))[0] == 0
    assert mulaw_decode(bytes([0x80]))[0] == 32124
    assert mulaw_decode(bytes([0x00]))[0] == -32124


def test_every_code_survives_decode_and_encode() -> None:
    codes = bytes(range(256))
    again = mulaw_encode(mulaw_decode(codes))
    # 0x7F and 0xFF are both zero; every other code maps to itself.
    assert [a for a, b in zip(codes, again, strict=True) if a != b] == [0x7F]


@given(st.lists(st.integers(min_value=-32768, max_value=32767), min_size=1, max_size=400))
def test_round_trip_error_is_within_the_quantisation_step(values: list[int]) -> None:
    samples = np.array(values, dtype=np.int16)
    decoded = mulaw_decode(mulaw_encode(samples)).astype(np.int32)
    error = np.abs(decoded - samples.astype(np.int32))
    assert np.all(error <= np.maximum(np.abs(samples.astype(np.int32)) // 16, 8) + 132 // 16 + 4)


def test_resampling_keeps_duration_and_pitch() -> None:
    rate = 22050
    t = np.arange(rate) / rate
    tone = (np.sin(2 * np.pi * 440 * t) * 10000).astype(np.int16)
    phone = resample(tone, rate, 8000)
    assert phone.size == 8000
    spectrum = np.abs(np.fft.rfft(phone))
    assert abs(int(np.argmax(spectrum)) - 440) <= 2
    high = (np.sin(2 * np.pi * 7000 * t) * 10000).astype(np.int16)
    assert level(resample(high, rate, 8000)) < level(high) * 0.1  # no alias of 7 kHz at 1 kHz


def test_prompt_audio_is_whole_20ms_frames() -> None:
    wav = write_wav((np.ones(22050 // 3) * 500).astype(np.int16), 22050)
    samples, rate = read_wav(wav)
    assert rate == 22050
    mulaw = to_phone(samples, rate)
    assert len(mulaw) % FRAME_BYTES == 0
    assert all(len(frame) == FRAME_BYTES for frame in frames(mulaw))
    assert mulaw[-1] in (MULAW_SILENCE, mulaw[-2])
