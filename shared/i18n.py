"""One way to translate: gettext catalogues through Babel, and dates, weekdays and months from CLDR.

Every surface keeps its catalogue beside its code (``kiosk/translations``, ``shared/staff/translations``,
``ivr/translations``; receipts in ``hardware/translations``, loaded by :mod:`hardware.receipt_labels`
because ``hardware`` imports nothing of the app). German is the source language everywhere: the
msgids are the German text. A message a catalogue lacks is logged once (its context or the start of
its msgid, never filled-in values) and shown in German; ``tests/test_translations.py`` fails on it first.
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, get_day_names
from babel.support import LazyProxy, NullTranslations, Translations

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "de"
DOMAIN = "messages"


class _Missing(NullTranslations):
    """The last fallback of a catalogue: says once in the log which message it lacked, answers in German."""

    def __init__(self, catalogue: str, language: str) -> None:
        super().__init__()
        self._where = f"{catalogue}/{language}"
        self._reported: set[str] = set()

    def _report(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            log.warning("translation missing in %s: %r, German used", self._where, message[:40])

    def gettext(self, message: str) -> str:
        self._report(message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self._report(msgid1)
        return msgid1 if n == 1 else msgid2

    def pgettext(self, context: str, message: str) -> str:
        self._report(context)
        return message


@lru_cache(maxsize=64)
def _load(name: str, folder: Path, language: str) -> NullTranslations:
    path = folder / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.is_file():
        if language == SOURCE_LANGUAGE:  # the msgids are the German text: no German catalogue needed
            return NullTranslations()
        log.warning("no compiled catalogue %s/%s (run make translations)", name, language)
        return _Missing(name, language)
    with path.open("rb") as handle:
        translations = Translations(handle, domain=DOMAIN)
    if language != SOURCE_LANGUAGE:  # a German catalogue only rewords: nothing can be missing there
        translations.add_fallback(_Missing(name, language))
    return translations


@dataclass(frozen=True)
class Catalogue:
    """One surface's messages: a name for the log, its folder and the languages it offers (German first)."""

    name: str
    folder: Path
    languages: tuple[str, ...]

    def translations(self, language: str) -> NullTranslations:
        """The compiled catalogue of *language* (loaded once); German for a language not offered."""
        return _load(self.name, self.folder, language if language in self.languages else SOURCE_LANGUAGE)

    def gettext(self, language: str, message: str, **values: Any) -> str:
        """*message* in *language* with ``%(name)s`` placeholders filled."""
        text = self.translations(language).gettext(message)
        return text % values if values else text

    def ngettext(self, language: str, singular: str, plural: str, count: int, **values: Any) -> str:
        """The plural form for *count* in *language*; ``%(num)d`` is *count*."""
        return self.translations(language).ngettext(singular, plural, count) % {"num": count, **values}

    def pgettext(self, language: str, context: str, message: str) -> str:
        """*message* under *context* (a stable key) in *language*."""
        return str(self.translations(language).pgettext(context, message))


@dataclass(frozen=True)
class PageTranslator:
    """gettext for the pages of one surface, in the language *current_language* picks for the request."""

    catalogue: Catalogue
    current_language: Callable[[], str]

    def gettext(self, message: str, **values: Any) -> str:
        """*message* in the page's language."""
        return self.catalogue.gettext(self.current_language(), message, **values)

    def ngettext(self, singular: str, plural: str, count: int, **values: Any) -> str:
        """The plural form for *count* in the page's language."""
        return self.catalogue.ngettext(self.current_language(), singular, plural, count, **values)

    def lazy_gettext(self, message: str) -> LazyProxy:
        """*message*, translated each time it is turned into text (for labels defined at import)."""
        return LazyProxy(self.gettext, message, enable_cache=False)

    def template_helpers(self) -> dict[str, Any]:
        """``_``, ``gettext`` and ``ngettext`` for the surface's templates."""
        return {"_": self.gettext, "gettext": self.gettext, "ngettext": self.ngettext}


def locale_of(language: str) -> Locale:
    """The CLDR locale of *language*, German for a code Babel does not know."""
    try:
        return Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(SOURCE_LANGUAGE)


@lru_cache(maxsize=16)
def weekday_names(language: str) -> tuple[str, ...]:
    """Monday to Sunday, written out ("Montag", "Pazartesi")."""
    names = get_day_names("wide", locale=locale_of(language))
    return tuple(str(names[day]) for day in range(7))


def month_name(day: date, language: str) -> str:
    """The month of *day* written out ("Dezember", "Aralık")."""
    return format_date(day, "MMMM", locale=locale_of(language))


@lru_cache(maxsize=4096)  # pages show the same few days again and again; Babel costs ~1 ms each
def long_date(day: date, language: str) -> str:
    """Full weekday, day and month in the language's own order: "Dienstag, 1. Dezember", "1 Aralık Salı"."""
    locale = locale_of(language)
    pattern = re.sub("E+", "EEEE", locale.datetime_skeletons["MMMMEd"].pattern)
    return plain_spaces(format_date(day, pattern, locale=locale))


@lru_cache(maxsize=4096)
def full_date(day: date, language: str) -> str:
    """CLDR's full date: "Dienstag, 1. Dezember 2026", "1 Aralık 2026 Salı"."""
    return plain_spaces(format_date(day, "full", locale=locale_of(language)))


@lru_cache(maxsize=4096)
def short_date(day: date, language: str) -> str:
    """Short weekday, day and month in the language's own order: "Di., 1. Dez.", "1 Ara Sal"."""
    return plain_spaces(format_skeleton("MMMEd", day, locale=locale_of(language)))


@lru_cache(maxsize=4096)
def date_range(first: date, last: date, language: str) -> str:
    """Two days as one span in the language's own form: "1.–6. Dezember", "1 – 6 Aralık"."""
    if first == last:
        return long_date(first, language)
    return plain_spaces(format_interval(first, last, "MMMMd", locale=locale_of(language)))


def plain_spaces(text: str) -> str:
    """CLDR's thin and narrow spaces as plain ones (receipt code pages and synthesisers know only those)."""
    return text.replace("\u2009", " ").replace("\u202f", " ")


def extract_mapping(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                    options: dict[str, Any]) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Babel extractor for ``GERMAN = {key: text}`` mappings: each entry as msgctxt *key*, msgid *text*.

    Used by ``ivr/babel.cfg`` and ``hardware/babel.cfg`` (the hotline's prompts and the receipt words are
    looked up by key); ``options["names"]`` lists the mapping names, default ``GERMAN``.
    """
    names = set(str(options.get("names", "GERMAN")).split(","))
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        value = node.value if isinstance(node, ast.AnnAssign | ast.Assign) else None
        if not (isinstance(target, ast.Name) and target.id in names and isinstance(value, ast.Dict)):
            continue
        for key, text in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(text, ast.Constant) and isinstance(text.value, str):
                yield text.lineno, "pgettext", (str(key.value), text.value), []
