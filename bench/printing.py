"""Receipt rendering benchmark: a schedule of 20 events (``--events``), rendered many times; prints JSON figures.

Figures: render time p50/p95 (target <= 10 ms), receipt size in bytes, and the transfer time that
size implies on a 9600 baud serial line (8N1: 10 bits per byte). German text only (code pages),
and a variant with Turkish titles that are printed as images.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.backend import load_average
from bench.bench_support import percentile
from hardware.receipt_content import Footer, ScheduleSlip, SlipEvent
from hardware.receipt_render import render_slip
from hardware.receipt_writer import wrap_words
from hardware.text_encoding import clean_text

RUNS = 200  # renders per figure; --runs changes it
EVENTS = 20  # entries on the schedule; --events changes it
BAUD = 9600
TITLES = ("Gedächtnistraining für Senioren", "Offener Spieletreff: Skat, Rommé und Doppelkopf",
          "Sitzgymnastik mit Musik", "Smartphone-Sprechstunde: Fragen rund ums Handy", "Frühstück für alle")
TURKISH = ("Türk kahvesi ve sohbet: ğüzel bir gün", "Çay saati: şarkılar ve hikâyeler")


def schedule(titles: tuple[str, ...], count: int = EVENTS, large_print: bool = False) -> ScheduleSlip:
    events = [SlipEvent(start=f"2026-11-23T{9 + index % 10:02d}:{(index * 15) % 60:02d}:00+01:00",
                        end=f"2026-11-23T{10 + index % 10:02d}:30:00+01:00", title=titles[index % len(titles)],
                        place="Begegnungszentrum Hörde, Alfred-Trappen-Straße 18", district="Hörde",
                        barrier_free=index % 3 == 0) for index in range(count)]
    return ScheduleSlip("Begegnungszentrum Hörde", "Montag, 23.11.2026 in Hörde", events,
                        Footer("Seniorenbüro Hörde", "0231 50-23456"), qr_url="https://treffpunkt.example/hoerde",
                        large_print=large_print)


def timings(slip: ScheduleSlip, profile: str, cold: bool, runs: int) -> list[float]:
    """Milliseconds of *runs* renders; *cold* empties the text caches first (a schedule never printed before)."""
    result = []
    for _ in range(runs):
        if cold:
            clean_text.cache_clear()
            wrap_words.cache_clear()
        started = time.perf_counter()
        render_slip(slip, profile)
        result.append((time.perf_counter() - started) * 1000)
    return sorted(result)


def measure(slip: ScheduleSlip, profile: str, runs: int = RUNS) -> dict[str, float | int]:
    receipt = render_slip(slip, profile)  # loads the profile and fonts once, as a running server has them
    cold, warm = timings(slip, profile, True, runs), timings(slip, profile, False, runs)
    size = len(receipt.data)
    return {
        "render_ms_p50": round(percentile(cold, 0.5), 3),
        "render_ms_p95": round(percentile(cold, 0.95), 3),
        "render_ms_p50_repeated": round(percentile(warm, 0.5), 3),
        "render_ms_p95_repeated": round(percentile(warm, 0.95), 3),
        "bytes": size,
        "transfer_s_at_9600_baud": round(size * 10 / BAUD, 2),
        "load": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=EVENTS, help=f"entries on the schedule (default {EVENTS})")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"renders per figure (default {RUNS})")
    arguments = parser.parse_args()
    count, runs = arguments.events, arguments.runs
    results = {
        "events": count,
        "runs": runs,
        "target_render_ms": 10,
        "load_before": load_average(),
        "german_80mm_TM-T88V": measure(schedule(TITLES, count), "TM-T88V", runs),
        "german_58mm_POS-5890": measure(schedule(TITLES, count), "POS-5890", runs),
        "german_large_print_80mm": measure(schedule(TITLES, count, large_print=True), "TM-T88V", runs),
        "with_turkish_image_lines_80mm": measure(schedule(TITLES + TURKISH, count), "TM-T88V", runs),
    }
    print(json.dumps({"benchmark": "printing", **results}, indent=2))


if __name__ == "__main__":
    main()
