"""Speech intelligibility benchmark: how well the hotline's German is understood after the phone line.

Renders the whole German prompt catalogue (every key of ``ivr.flow.prompts``, placeholders filled
with sample values, see :data:`SAMPLES`) and ten event readouts through ``treffpunkt say``'s code
path (the synthesiser with the engine under test, then the product's 8 kHz µ-law encoder), decodes
the µ-law as a phone would and transcribes it with Whisper base (faster-whisper, beam 5, German;
installed from the bundled packages and verified, as the hotline does). Prints JSON: mean word
error rate per engine (espeak-ng, MBROLA de6, MBROLA de4, SVOX Pico), the opening's seconds
(answering to the end of the main menu, as ``ivr.flow.engine`` says it), the synthesis real-time
factor (wall seconds of synthesis and encoding per second of audio) and the load average.

    python bench/speech_intelligibility.py [--limit N] [--engines espeak,mbrola-de6,...] [--worst N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import string
import sys
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from ivr.cli import line_audio
from ivr.flow import nodes, prompts
from ivr.flow.engine import CallStarted, CallState, Say, step
from ivr.flow.services import spoken_event
from ivr.speech.audio import PHONE_RATE, mulaw_decode, resample
from ivr.speech.models import ready_whisper
from shared.models.events import Event
from shared.models.places import Venue
from shared.services.events import OccurrenceView
from shared.speech import ear_text
from shared.speech.engines import installed
from shared.speech.synthesis import Synthesizer

ENGINES = {"espeak": ("espeak", ""), "mbrola-de6": ("mbrola", "de6"), "mbrola-de4": ("mbrola", "de4"),
           "pico": ("pico", "")}
EVENTS = (("Seniorengymnastik", "Begegnungszentrum Hörde"), ("Gedächtnistraining", "Seniorenbüro Huckarde"),
          ("Sitzgymnastik mit Musik", "Begegnungszentrum Lütgendortmund"),
          ("Smartphone-Sprechstunde", "Seniorenbüro Innenstadt-West"),
          ("Frühstück für alle", "Begegnungszentrum Eving"),
          ("Offener Spieletreff", "Seniorenbüro Aplerbeck"), ("Tanzcafé", "Begegnungszentrum Scharnhorst"),
          ("Spaziergang am Phoenix-See", "Seniorenbüro Hörde"), ("Kochen für Einsteiger", "Seniorenbüro Mengede"),
          ("Lesekreis", "Begegnungszentrum Brackel"))


def event_readouts() -> list[str]:
    """Ten readouts as ``ivr.flow.services.spoken_event`` makes them (unsaved model objects)."""
    start = datetime(2026, 12, 9, 9, 30).astimezone()
    texts = []
    for index, (title, place) in enumerate(EVENTS):
        moment = start + timedelta(days=index % 5, hours=index, minutes=15 * (index % 3))
        event = Event(title=title, venue=Venue(name=place, street="", postcode="", city=""),
                      cost=("", "3 Euro", "2,50 €")[index % 3], registration_required=index % 4 == 0,
                      contact_phone="")
        texts.append(spoken_event(OccurrenceView(event, moment, moment + timedelta(hours=1)), "de"))
    return texts


SAMPLE_MOMENT = datetime(2026, 12, 9, 14, 30)
SAMPLES: dict[str, str] = {
    "choice": "Hörde", "count": "drei", "digits": ear_text.spoken_phone("+492315029408"),
    "district": "Lütgendortmund", "event": " Es geht um die Veranstaltung Gedächtnistraining.",
    "kind": "Hausbesuch", "list": "Montag: 1. Dienstag: 2. Mittwoch: 3.",
    "office": "Seniorenbüro Huckarde", "place": "Begegnungszentrum Hörde", "price": ear_text.spoken_price("3 Euro"),
    "reference": ear_text.spoken_reference("T-2026-0412"), "title": "Seniorengymnastik",
    "when": ear_text.spoken_when(SAMPLE_MOMENT), "weekday": "Mittwoch", "number": "3", "batch": "drei",
    "address": "Hörder Bahnhofstraße 16", "label": "Veranstaltungen", "digit": "1", "time": "am Vormittag",
}
# Where one placeholder name means different things: the values the hotline puts there for that prompt.
KEY_SAMPLES: dict[str, dict[str, str]] = {
    "events_count_one": {"when": "Heute"}, "events_count_many": {"when": "Heute"},
    "district_guess": {"digit": "9"},
}
SAMPLE_FALLBACK = "Hörde"  # a placeholder this bench does not know yet (a prompt added on another branch)


class _Samples(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return SAMPLE_FALLBACK


def is_fragment(template: str) -> bool:
    """A label or a value ("Hausbesuch", "diese Woche"): words without a sentence of their own."""
    return not template.rstrip().endswith((".", "?", "!")) and "{" not in template


def catalogue_texts() -> list[str]:
    """Every German prompt once, rendered with :data:`SAMPLES`, and the questions with their key lists.

    A fragment (an option's label, a value of the summary) is never said alone: the hotline says
    it inside a key list or a summary (both rendered here too) or, alone, as the confirmation of a
    spoken answer ("Verstanden: Hausbesuch."), which is how it is rendered here.
    """
    texts = []
    for key, template in prompts.GERMAN.items():
        if not template.strip() or key == "turkish_offer":  # the Turkish offer is spoken by the Turkish voice
            continue
        if is_fragment(template):
            texts.append(prompts.text("de", "chosen", choice=template[:1].upper() + template[1:]))
            continue
        has_fields = any(field for _, field, _, _ in string.Formatter().parse(template))
        values = _Samples({**SAMPLES, **KEY_SAMPLES.get(key, {})})
        texts.append(template.format_map(values).strip() if has_fields else template)
    texts += nodes.fixed_texts("de")  # whole questions as the caller hears them, key lists included
    return list(dict.fromkeys(texts))


def opening() -> list[Say]:
    """What the hotline says from answering to the end of the main menu (a caller with speech input)."""
    _, actions = step(CallState(), CallStarted(caller="", speech=True))
    return [action for action in actions if isinstance(action, Say)]


def load_whisper() -> Any:
    """Whisper base as the hotline installs it (joined from the bundled packages and verified)."""
    from faster_whisper import WhisperModel

    folder = ready_whisper(Path(tempfile.mkdtemp(prefix="whisper-base-")))
    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2)


NUMBERS = {"eine": "eins", "erste": "eins", "zweite": "zwei", "dritte": "drei"}  # "die erste" is the key 1
MONTHS = "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"


def _said(number: str) -> str:
    """A number as it is said: up to three digits as one number word, longer (or 0…) digit by digit."""
    if len(number) > 3 or (len(number) > 1 and number.startswith("0")):
        return _digit_by_digit(number)
    return ear_text.number_words(int(number))


def _digit_by_digit(digits: str) -> str:
    return " ".join(ear_text.number_words(int(digit)) for digit in re.sub(r"\D", "", digits))


def numbers_as_words(text: str) -> str:
    """Digits written out as the hotline says them ("14:30 Uhr", "9. Dezember", "2,50 €", "16").

    The usual normalisation before a word error rate: the recogniser may write a number the voice
    said as words in digits; both sides go through this. A run of digit groups (a phone number, a
    reference: "0231 50 29 408") is compared digit by digit, as the hotline says it.
    """
    text = text.replace("€", " euro ")
    text = re.sub(r"\b(\d{1,2})[:.](\d{2})(?:\s*uhr\b)?",
                  lambda m: f"{ear_text.spoken_time(time(int(m[1]) % 24, int(m[2]) % 60))} ", text)
    text = re.sub(rf"\b(\d{{1,2}})\.\s*(?=(?:{MONTHS})\b)", lambda m: f"{ear_text.german_ordinal(int(m[1]))} ", text)
    text = re.sub(r"\b(\d{1,3}),(\d{2})\s*euro\b", lambda m: f"{m[1]} euro {m[2]}", text)
    # A run of digit groups (a phone number, a reference) is said digit by digit, in groups.
    text = re.sub(r"\d+(?:[\s,/-]+\d+)+", lambda m: f" {_digit_by_digit(m[0])} ", text)
    return re.sub(r"\d+", lambda m: f" {_said(m[0])} ", text)


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, numbers as words ("die erste" is the number one)."""
    spoken = numbers_as_words(text.lower().replace("-", " ")).lower()
    return [NUMBERS.get(word, word) for word in re.findall(r"[^\W\d_]+", spoken)]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: edit distance over the reference's word count."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for index, word in enumerate(ref, 1):
        previous, row[0] = row[0], index
        for column, other in enumerate(hyp, 1):
            previous, row[column] = row[column], min(row[column] + 1, row[column - 1] + 1,
                                                     previous + (word != other))
    return row[len(hyp)] / max(1, len(ref))


def measure(name: str, texts: list[str], whisper: Any, cache: Path, shown: int = 8) -> dict[str, Any]:
    """Mean WER, synthesis real-time factor and the opening's seconds for one engine."""
    engine, voice = ENGINES[name]
    synthesizer = Synthesizer(cache / name, engine=engine, voice=voice, languages=())
    chosen = synthesizer.engine_for("de")
    if not installed(chosen) or (name != "espeak" and chosen.name != engine):
        synthesizer.close()
        return {"engine": name, "skipped": "not installed"}
    rates, errors, worst = [], [], []
    try:
        for text in texts:
            began = perf_counter()
            audio = line_audio(synthesizer, text)
            synthesis = perf_counter() - began
            seconds = len(audio) / PHONE_RATE
            rates.append(synthesis / seconds)
            # The phone's decoding of the line, upsampled to the 16 kHz Whisper expects.
            samples = resample(mulaw_decode(audio), PHONE_RATE, 16000).astype(np.float32) / 32768.0
            segments, _ = whisper.transcribe(samples, language="de", beam_size=5, vad_filter=False)
            heard = " ".join(segment.text for segment in segments)
            errors.append(wer(text, heard))
            worst.append((errors[-1], text, heard.strip()))
        opening_seconds = sum(len(line_audio(synthesizer, say.text, say.language)) / PHONE_RATE
                              for say in opening())
    finally:
        synthesizer.close()
    worst.sort(reverse=True)
    return {"engine": chosen.ident, "prompts": len(texts), "mean_wer": round(float(np.mean(errors)), 3),
            "synthesis_rtf": round(float(np.mean(rates)), 4), "opening_seconds": round(opening_seconds, 1),
            "worst": [{"wer": round(error, 2), "text": text, "heard": heard} for error, text, heard in worst[:shown]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="Render only the first N texts (0 = all).")
    parser.add_argument("--engines", default=",".join(ENGINES), help="Comma-separated: " + ", ".join(ENGINES))
    parser.add_argument("--worst", type=int, default=8, help="How many of the worst texts to list per engine.")
    args = parser.parse_args()
    texts = catalogue_texts() + event_readouts()
    if args.limit:
        texts = texts[:args.limit]
    whisper = load_whisper()
    with tempfile.TemporaryDirectory(prefix="speech-bench-") as folder:
        results = [measure(name, texts, whisper, Path(folder), args.worst) for name in args.engines.split(",")]
    default = Synthesizer(Path(tempfile.gettempdir()) / "speech-bench-default", languages=())
    print(json.dumps({"benchmark": "speech_intelligibility", "texts": len(texts),
                      "default_engine": default.engine_for("de").ident, "target_mean_wer": 0.12,
                      "results": results, "load_average": [round(x, 2) for x in os.getloadavg()]},
                     ensure_ascii=False, indent=2))
    default.close()


if __name__ == "__main__":
    main()
