"""Every language the product offers has every text: kiosk and staff catalogues, hotline prompts, receipts."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from hardware.receipt_labels import LABELS
from ivr.flow.prompts import CATALOGUES
from kiosk.texts import LANGUAGES as KIOSK_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_DIRS = {"kiosk": ROOT / "kiosk" / "translations", "staff": ROOT / "shared" / "staff" / "translations"}


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(message.id) for message in read_po(handle) if message.id}


@pytest.mark.parametrize("surface", sorted(CATALOGUE_DIRS))
def test_every_catalogue_translates_every_message(surface: str) -> None:
    folder = CATALOGUE_DIRS[surface]
    wanted = _ids(folder / "messages.pot")
    languages = [path.name for path in folder.iterdir() if (path / "LC_MESSAGES" / "messages.po").is_file()]
    assert languages, f"{surface}: no catalogues"
    for language in languages:
        with (folder / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalogue = read_po(handle)
        translated = {str(m.id) for m in catalogue if m.id and m.string and not m.fuzzy}
        if language == "de":  # German is the source language: an empty msgstr means the msgid
            translated = {str(m.id) for m in catalogue if m.id and not m.fuzzy}
        assert sorted(wanted - translated) == [], f"{surface}/{language}: untranslated"


def test_kiosk_offers_only_languages_it_has_catalogues_for() -> None:
    for language in KIOSK_LANGUAGES:
        assert (CATALOGUE_DIRS["kiosk"] / language / "LC_MESSAGES" / "messages.po").is_file(), language


# Said in Turkish inside the German flow ("Türkçe için 9'a basın"): nothing to say in the Turkish flow.
GERMAN_FLOW_ONLY = {"turkish_offer"}


def test_every_hotline_language_has_every_prompt() -> None:
    german = set(CATALOGUES["de"])
    for language, prompts in CATALOGUES.items():
        assert sorted(german - set(prompts)) == [], f"hotline/{language}: prompts missing"
        empty = [key for key, text in prompts.items() if not text.strip() and key not in GERMAN_FLOW_ONLY]
        assert empty == [], f"hotline/{language}: empty"


def test_every_receipt_language_has_every_label() -> None:
    german = set(LABELS["de"])
    for language in KIOSK_LANGUAGES:
        assert language in LABELS, f"receipts: no labels for {language}"
        assert sorted(german - set(LABELS[language])) == [], f"receipts/{language}: labels missing"
