"""Speech models: download the German Vosk model and verify every file against our checksum list."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

CHECKSUM_DIR = Path(__file__).resolve().parent / "models_checksums"
MODEL_SOURCE = "https://alphacephei.com/vosk/models/{name}.zip"
MODELS = {"de": "vosk-model-small-de-0.15"}


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
    """The bundled checksum list of the model for *language*."""
    return CHECKSUM_DIR / f"{MODELS[language]}.sha256"


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
