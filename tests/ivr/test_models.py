"""Verifying a downloaded speech model against the bundled SHA-256 list."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.speech import models
from ivr.speech.models import MODELS, checksum_file, fetch_model, read_checksums, verify_model
from shared.cli.main import main


def _fake_model(root: Path) -> Path:
    files = {"README": b"small model\n", "am/final.mdl": b"\x00\x01model", "conf/model.conf": b"--beam=10\n"}
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    listing = root.parent / "fake.sha256"
    listing.write_text("".join(f"{hashlib.sha256(c).hexdigest()}  {len(c)}  {n}\n" for n, c in files.items()))
    return listing


def test_bundled_list_covers_the_german_model() -> None:
    entries = read_checksums(checksum_file("de"))
    paths = {entry.path for entry in entries}
    assert {"am/final.mdl", "graph/HCLr.fst", "graph/Gr.fst", "conf/model.conf"} <= paths
    assert all(len(entry.sha256) == 64 for entry in entries)


def test_intact_model_passes(tmp_path: Path) -> None:
    listing = _fake_model(tmp_path / "model")
    assert verify_model(tmp_path / "model", listing) == []


def test_changed_missing_and_truncated_files_are_reported(tmp_path: Path) -> None:
    listing = _fake_model(tmp_path / "model")
    (tmp_path / "model" / "README").write_bytes(b"small modeL\n")
    (tmp_path / "model" / "conf" / "model.conf").unlink()
    (tmp_path / "model" / "am" / "final.mdl").write_bytes(b"\x00")
    problems = verify_model(tmp_path / "model", listing)
    assert problems == ["README: Prüfsumme stimmt nicht", "am/final.mdl: Größe 1 statt 7 Bytes",
                        "conf/model.conf: fehlt"]


def test_a_list_escaping_the_directory_is_rejected(tmp_path: Path) -> None:
    listing = tmp_path / "bad.sha256"
    listing.write_text(f"{'0' * 64}  1  ../etc/passwd\n")
    with pytest.raises(ValueError, match="leaves"):
        read_checksums(listing)


def test_fetch_installs_only_a_verified_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = MODELS["de"]
    source_root = tmp_path / "src" / name
    listing = _fake_model(source_root)
    monkeypatch.setattr(models, "checksum_file", lambda language: listing)
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in source_root.rglob("*"):
            if path.is_file():
                bundle.write(path, f"{name}/{path.relative_to(source_root)}")
    installed = fetch_model("de", tmp_path / "models", archive.as_uri())
    assert installed == tmp_path / "models" / name and (installed / "am" / "final.mdl").exists()
    (source_root / "README").write_bytes(b"tampered\n")
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as bundle:
        for path in source_root.rglob("*"):
            if path.is_file():
                bundle.write(path, f"{name}/{path.relative_to(source_root)}")
    with pytest.raises(ValueError, match="README"):
        fetch_model("de", tmp_path / "other", (tmp_path / "bad.zip").as_uri())
    assert not (tmp_path / "other" / name).exists()


def test_cli_verify_reports_damage(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["models", "verify", "de", str(tmp_path)])
    assert result.exit_code != 0
    assert "fehlt" in result.output
