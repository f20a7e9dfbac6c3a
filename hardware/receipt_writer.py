"""Builds one receipt as ESC/POS bytes (via python-escpos' Dummy printer) plus a plain-text preview.

The writer initialises the printer (``ESC @``) and *then* selects a code page explicitly: a page
selected before ``ESC @`` is reset by it. Styles are sent only when they change. Lines are wrapped
at spaces to the profile's column count (halved for double size); a paragraph no portable code
page can encode is drawn as an image instead of printing ``?``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyphen
from escpos.constants import QR_ECLEVEL_M
from escpos.exceptions import Error as EscposError
from escpos.image import EscposImage
from escpos.printer import Dummy
from PIL import Image

from hardware import text_image
from hardware.text_encoding import CodePage, available_code_pages, clean_text, encode

ESC_INIT = b"\x1b@"
DEFAULT_DOTS = 512
QR_MAX_BYTES = 1000


@dataclass(frozen=True)
class RenderedReceipt:
    """What is sent to the printer, and a readable text version of it."""

    data: bytes
    preview: str


@dataclass(frozen=True)
class Style:
    """How a paragraph is printed."""

    bold: bool = False
    double: bool = False
    center: bool = False


NORMAL = Style()


class ReceiptWriter:
    """Accumulates paragraphs, rules, a QR code and a cut for one printer profile."""

    def __init__(self, profile: str) -> None:
        self._printer = Dummy(profile=profile)
        capabilities = self._printer.profile
        self.columns: int = capabilities.get_columns("a")
        self.dots = _media_dots(capabilities.profile_data)
        self._pages = available_code_pages(capabilities.profile_data.get("codePages", {}))
        self._native_qr = bool(capabilities.supports("qrCode"))
        self._style: Style | None = None
        self._preview: list[str] = []
        self._printer._raw(ESC_INIT)
        self._page = self._pages[0]
        self._printer._raw(self._page.select_command)

    @property
    def code_page(self) -> CodePage:
        """The code page currently selected."""
        return self._page

    def paragraph(self, text: str, style: Style = NORMAL) -> None:
        """Print *text* wrapped at spaces; skipped when it is empty after cleaning."""
        text = clean_text(text)
        if not text:
            return
        self._apply(style)
        width = self.columns // 2 if style.double else self.columns
        encoded = encode(text, self._pages, self._page)
        if encoded is None:
            self._image_paragraph(text, style)
            return
        page = encoded[0]
        if page != self._page:
            self._printer._raw(page.select_command)
            self._page = page
        for line in wrap_words(text, width):
            self._printer._raw(line.encode(page.name.lower()) + b"\n")
            self._preview.append(line.center(self.columns).rstrip() if style.center else line)

    def blank(self) -> None:
        """An empty line."""
        self._printer._raw(b"\n")
        self._preview.append("")

    def rule(self) -> None:
        """A dashed line across the paper."""
        self._apply(NORMAL)
        self._printer._raw(b"-" * self.columns + b"\n")
        self._preview.append("-" * self.columns)

    def qr(self, url: str) -> None:
        """A QR code to *url*, centred: native ``GS ( k`` where the profile has it, else an image."""
        url = clean_text(url)
        if not url or len(url.encode("utf-8")) > QR_MAX_BYTES:
            return
        self._apply(Style(center=True))
        size = 5 if self.dots <= 384 else 6
        try:
            if self._native_qr:
                self._printer.qr(url, ec=QR_ECLEVEL_M, size=size, native=True)
                self._printer._raw(b"\n")
            else:
                self._printer.qr(url, ec=QR_ECLEVEL_M, size=size // 2, native=False, center=True)
        except (EscposError, ValueError):
            return  # content the QR encoder refuses: the slip is still useful without it
        self._preview.append(f"[QR: {url}]".center(self.columns).rstrip())

    def cut(self) -> None:
        """Feed past the tear bar and cut."""
        self._apply(NORMAL)
        self._printer.cut()
        self._preview.append("✂" + "-" * (self.columns - 1))

    def finish(self) -> RenderedReceipt:
        """The bytes and preview written so far."""
        return RenderedReceipt(data=bytes(self._printer.output), preview="\n".join(self._preview) + "\n")

    def _apply(self, style: Style) -> None:
        if style == self._style:
            return
        self._printer.set(
            align="center" if style.center else "left", bold=style.bold, normal_textsize=not style.double,
            double_width=style.double, double_height=style.double,
        )
        self._style = style

    def _image_paragraph(self, text: str, style: Style) -> None:
        font = text_image.load_font(style.bold, 2 if style.double else 1)
        for line in text_image.wrap_to_width(text, font, self.dots):
            self._raster(text_image.render_line(line, font, self.dots, style.center))
            self._preview.append(line.center(self.columns).rstrip() if style.center else line)

    def _raster(self, image: Image.Image) -> None:
        """``GS v 0``: print *image* as a raster bit image."""
        raster = EscposImage(image)
        header = (b"\x1dv0\x00" + raster.width_bytes.to_bytes(2, "little")
                  + raster.height.to_bytes(2, "little"))
        self._printer._raw(header + raster.to_raster_format())


_HYPHENATOR = pyphen.Pyphen(lang="de_DE")
MIN_PART = 3  # no hyphenation leaves fewer letters than this on a line ("Ge-")


def _breaks(word: str) -> list[tuple[int, str]]:
    """Where *word* may be broken and what the line then ends with: after its own hyphens, and at
    the syllable breaks of each part between them (at least :data:`MIN_PART` letters either side)."""
    breaks: list[tuple[int, str]] = []
    start = 0
    for part in word.split("-"):
        letters = part.rstrip(",.;:!?)")
        breaks += [(start + at, "-") for at in _HYPHENATOR.positions(letters)
                   if at >= MIN_PART and len(letters) - at >= MIN_PART]
        start += len(part) + 1
        if start < len(word):
            breaks.append((start, ""))
    return sorted(breaks)


def _hyphenated(word: str, room: int) -> tuple[str, str] | None:
    """The longest break of *word* whose first part (with its "-") fits *room* characters."""
    for position, mark in reversed(_breaks(word)):
        if position + len(mark) <= room:
            return word[:position] + mark, word[position:]
    return None


@lru_cache(maxsize=2048)
def wrap_words(text: str, width: int) -> tuple[str, ...]:
    """Lines of at most *width* characters broken at spaces; a word that does not fit the rest of
    the line is hyphenated the German way (pyphen); only a word without any fitting syllable break
    is split where the line ends."""
    width = max(1, width)
    lines: list[str] = []
    line = ""
    words = text.split()
    while words:
        word = words.pop(0)
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
            continue
        room = width - len(line) - 1 if line else width
        split = _hyphenated(word, room) if room > MIN_PART else None
        if split is not None:
            lines.append(f"{line} {split[0]}" if line else split[0])
            line = ""
            words.insert(0, split[1])
        elif line:
            lines.append(line)
            line = ""
            words.insert(0, word)
        else:  # a word longer than a line, without a break that fits
            lines.append(word[:width])
            words.insert(0, word[width:])
    if line:
        lines.append(line)
    return tuple(lines) or ("",)


def _media_dots(profile_data: dict[str, object]) -> int:
    media = profile_data.get("media")
    try:
        return int(media["width"]["pixels"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return DEFAULT_DOTS
