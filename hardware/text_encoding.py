"""Unicode text to printer bytes with an explicitly chosen code page, never a silent ``?``.

python-escpos' automatic encoder picks whatever page the profile lists, and profiles list pages
that many printers lack. We only use :data:`PORTABLE_CODE_PAGES` — pages present on Epson
TM printers and the common 58/80 mm clones — and only if the configured profile lists them too.
A paragraph that no such page can encode (Turkish ğ/ı/İ, Greek, Arabic, …) is printed as an
image instead (see :mod:`hardware.text_image`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# In order of preference: German first (CP858 is CP850 with €), then Western European extras,
# Central European (Polish, Czech, …, also ş/Ş) and Cyrillic (Russian, Ukrainian mostly).
PORTABLE_CODE_PAGES: tuple[str, ...] = ("CP858", "CP1252", "CP852", "CP866")

# Typographic punctuation German text uses a lot but CP858 lacks: printed as its plain form.
_PLAIN_PUNCTUATION = str.maketrans({
    "\u201e": '"', "\u201c": '"', "\u201d": '"', "\u00bb": '"', "\u00ab": '"',
    "\u201a": "'", "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-", "\u2011": "-",
    "\u2010": "-", "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
})
# Control, surrogate, private-use and unassigned characters never reach the printer: a title
# from an ICS feed must not be able to send ESC/POS commands.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
# Emoji and pictographs print as boxes on every receipt printer: left out (with their joiners,
# skin tones and presentation selectors).
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0E\uFE0F\u200D\u20E3]")
_SPACE_CATEGORIES = frozenset({"Zl", "Zp", "Zs"})


@lru_cache(maxsize=2048)
def clean_text(text: str) -> str:
    """NFC-normalise *text*, plain its punctuation and turn every kind of space or control into one space."""
    text = _EMOJI.sub("", unicodedata.normalize("NFC", text).translate(_PLAIN_PUNCTUATION))
    if text.isprintable():  # no controls, odd spaces or unassigned characters: the common case
        return " ".join(text.split())
    characters: list[str] = []
    for character in text:
        category = unicodedata.category(character)
        if category in _SPACE_CATEGORIES or character in "\t\n\r\v\f":
            characters.append(" ")
        elif category not in _DROPPED_CATEGORIES:
            characters.append(character)
    return " ".join("".join(characters).split())


@dataclass(frozen=True)
class CodePage:
    """A code page the printer has: its ``ESC t`` number and the Python codec name."""

    number: int
    name: str

    @property
    def select_command(self) -> bytes:
        """``ESC t n``: select this character code table."""
        return b"\x1bt" + bytes((self.number,))


def available_code_pages(profile_code_pages: dict[str, str]) -> tuple[CodePage, ...]:
    """The portable code pages the profile (``{"19": "CP858", ...}``) lists, in preference order."""
    pages: list[CodePage] = []
    for name in PORTABLE_CODE_PAGES:
        numbers = sorted(int(number) for number, listed in profile_code_pages.items() if listed.upper() == name)
        if numbers:
            pages.append(CodePage(numbers[0], name))
    if not pages:
        # Every ESC/POS printer has page 0 (CP437); it still has ä ö ü Ä Ö Ü ß, only € is missing.
        pages.append(CodePage(0, "CP437"))
    return tuple(pages)


def encode(text: str, pages: tuple[CodePage, ...], preferred: CodePage | None = None) -> tuple[CodePage, bytes] | None:
    """*text* (already cleaned) in the first page that has every character, or ``None``.

    *preferred* (the page currently selected) is tried first, so a receipt switches pages only
    when it has to.
    """
    candidates = (preferred, *pages) if preferred is not None else pages
    for page in candidates:
        try:
            return page, text.encode(page.name.lower(), errors="strict")
        except UnicodeEncodeError:
            continue
    return None
