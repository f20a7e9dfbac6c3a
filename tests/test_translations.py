"""Every language the product offers has every text: kiosk, staff, hotline and receipt catalogues.

The messages are extracted from the code the way ``make translations`` does (each surface's
``babel.cfg``), so a new German text without its translations fails here, as does a placeholder a
translation lost or a committed ``.mo`` file older than its ``.po``.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from hardware import receipt_labels
from ivr.flow import prompts
from kiosk.language import LANGUAGES as KIOSK_LANGUAGES
from shared import i18n
from shared.speech import ear_text
from shared.staff.i18n import LANGUAGES as STAFF_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Surface:
    """Where a surface's code and catalogue live, how it is extracted, which languages it offers."""

    code: Path
    config: Path
    folder: Path
    languages: tuple[str, ...]
    keywords: tuple[str, ...] = ()


SURFACES = {
    "kiosk": Surface(ROOT / "kiosk", ROOT / "kiosk" / "babel.cfg", ROOT / "kiosk" / "translations",
                     tuple(KIOSK_LANGUAGES), ("_l",)),
    "staff": Surface(ROOT / "shared" / "staff", ROOT / "shared" / "staff" / "translations" / "babel.cfg",
                     ROOT / "shared" / "staff" / "translations", STAFF_LANGUAGES, ("N_",)),
    "hotline": Surface(ROOT / "ivr", ROOT / "ivr" / "babel.cfg", ROOT / "ivr" / "translations", prompts.LANGUAGES),
    "receipts": Surface(ROOT / "hardware", ROOT / "hardware" / "babel.cfg", ROOT / "hardware" / "translations",
                        receipt_labels.LANGUAGES),
}
Key = tuple[str | None, str]  # (msgctxt, msgid)


def _extracted(surface: Surface) -> set[Key]:
    with surface.config.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(surface.config))  # type: ignore[no-untyped-call]
    keywords = {**DEFAULT_KEYWORDS, **dict.fromkeys(surface.keywords)}
    found = extract_from_dir(str(surface.code), method_map, options_map, keywords=keywords)
    return {(context, message if isinstance(message, str) else message[0])
            for _file, _line, message, _comments, context in found}


def _catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _po_files() -> list[Path]:
    return sorted(path for surface in SURFACES.values() for path in surface.folder.glob("*/LC_MESSAGES/messages.po"))


def _forms(string: str | tuple[str, ...] | list[str] | None) -> list[str]:
    return [string] if isinstance(string, str) else list(string or ())


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_every_offered_language_translates_every_message(name: str) -> None:
    surface = SURFACES[name]
    wanted = _extracted(surface)
    assert len(wanted) > 10, f"{name}: extraction found almost nothing"
    for language in surface.languages:
        path = surface.folder / language / "LC_MESSAGES" / "messages.po"
        if language == i18n.SOURCE_LANGUAGE and not path.is_file():
            continue  # the msgids are the German text
        catalogue = _catalogue(path)
        translated = {(message.context, message.id if isinstance(message.id, str) else message.id[0])
                      for message in catalogue if message.id and not message.fuzzy
                      and all(form.strip() for form in _forms(message.string))}
        assert sorted(wanted - translated, key=str) == [], f"{name}/{language}: untranslated (make translations)"


def test_receipts_and_screens_speak_the_same_languages() -> None:
    assert set(KIOSK_LANGUAGES) <= set(receipt_labels.LANGUAGES)
    assert set(prompts.LANGUAGES) <= set(receipt_labels.LANGUAGES)


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def _placeholders(text: str) -> list[str]:
    return sorted(named or braced or "%" for named, braced in PLACEHOLDER.findall(text))


@pytest.mark.parametrize("path", _po_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_translations_keep_the_placeholders_of_the_german_text(path: Path) -> None:
    wrong = []
    for message in _catalogue(path):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        for form in _forms(message.string):
            if form and _placeholders(form) != _placeholders(source):
                wrong.append((message.context, source, form))
    assert wrong == []


def _messages(catalogue: Catalog) -> dict[tuple[str | None, str], object]:
    return {(message.context, str(message.id)): message.string for message in catalogue if message.id}


@pytest.mark.parametrize("path", _po_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_committed_mo_files_are_compiled_from_their_po(path: Path) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue(path))
    compiled.seek(0)
    with path.with_suffix(".mo").open("rb") as handle:
        committed = read_mo(handle)
    fresh = read_mo(compiled)
    assert _messages(committed) == _messages(fresh), f"stale: run make translations ({path.parent})"


def test_hotline_speaks_turkish_from_the_catalogue() -> None:
    assert prompts.text("tr", "goodbye") == "Hoşça kalın."
    assert prompts.text("de", "goodbye") == "Auf Wiederhören."
    assert prompts.text("tr", "events_when_tomorrow") == "Yarın"


def test_a_missing_turkish_prompt_is_said_in_german_and_logged(monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(prompts.GERMAN, "brand_new", "Ein ganz neuer Satz.")
    with caplog.at_level(logging.WARNING, logger="shared.i18n"):
        assert prompts.text("tr", "brand_new") == "Ein ganz neuer Satz."
        assert prompts.text("tr", "brand_new") == "Ein ganz neuer Satz."
    missing = [record for record in caplog.records if "brand_new" in record.getMessage()]
    assert len(missing) == 1, "logged once, not on every call"
    assert "hotline/tr" in missing[0].getMessage()


def test_a_missing_receipt_word_is_printed_in_german_and_logged(monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(receipt_labels.GERMAN, "brand_new", "Neu: {count}")
    with caplog.at_level(logging.WARNING, logger="hardware.receipt_labels"):
        assert receipt_labels.label("pl", "brand_new", count="3") == "Neu: 3"
    assert any("brand_new" in record.getMessage() for record in caplog.records)
    assert receipt_labels.label("pl", "keep") == "Prosimy zachować ten paragon."
    assert receipt_labels.label("xx", "keep") == "Bitte heben Sie diesen Zettel auf."


def test_a_language_without_compiled_catalogue_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    catalogue = i18n.Catalogue("nowhere", tmp_path, ("de", "en"))
    with caplog.at_level(logging.WARNING, logger="shared.i18n"):
        assert catalogue.gettext("en", "Hallo %(name)s", name="Ada") == "Hallo Ada"
    assert [record.getMessage() for record in caplog.records][:1] == ["no compiled catalogue nowhere/en (run make "
                                                                      "translations)"]
    assert catalogue.gettext("fr", "Hallo") == "Hallo", "a language not offered is German"


def test_weekday_and_month_names_come_from_babel() -> None:
    assert i18n.weekday_names("de")[0] == "Montag" and i18n.weekday_names("tr")[6] == "Pazar"
    assert prompts.WEEKDAYS["tr"] == i18n.weekday_names("tr")
    wednesday = date(2026, 12, 9)
    assert ear_text.spoken_date(wednesday, "de") == "Mittwoch, der neunte Dezember"
    assert ear_text.spoken_date(wednesday, "tr") == "dokuz Aralık Çarşamba"


@pytest.mark.parametrize("language", receipt_labels.LANGUAGES)
def test_slip_day_headings_match_the_kiosk_headings(language: str) -> None:
    for offset in range(7):
        day = date(2026, 12, 1) + timedelta(days=offset)
        assert receipt_labels.day_heading(language, day) == i18n.long_date(day, language)
