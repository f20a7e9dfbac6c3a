"""Text no portable code page can print (Turkish ğ ı İ, Greek, Arabic, …) drawn as a bitmap.

DejaVu Sans (Debian package ``fonts-dejavu-core``) covers Latin, Cyrillic, Greek, Arabic, Hebrew,
Armenian and Georgian; Pillow's Raqm layout shapes Arabic and lays out right-to-left text.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIRECTORIES = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
# Font A on Epson-class printers is 12 × 24 dots; a 24 px font matches its line height.
BASE_SIZE = 24
LINE_GAP = 6

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=8)
def load_font(bold: bool, scale: int) -> Font:
    """DejaVu Sans (bold) at *scale* × the printer's font height; Pillow's own font if DejaVu is missing."""
    size = BASE_SIZE * scale
    for directory in FONT_DIRECTORIES:
        path = directory / (BOLD if bold else REGULAR)
        if path.exists():
            layout = ImageFont.Layout.RAQM if _has_raqm() else ImageFont.Layout.BASIC
            return ImageFont.truetype(str(path), size, layout_engine=layout)
    return ImageFont.load_default(size)


def _has_raqm() -> bool:
    from PIL import features

    return bool(features.check("raqm"))


def text_width(text: str, font: Font) -> float:
    """Width of *text* in dots."""
    return float(font.getlength(text))


def wrap_to_width(text: str, font: Font, width: int) -> list[str]:
    """Break *text* into lines no wider than *width* dots, at spaces only.

    A single word wider than the paper is cut at the last character that fits: there is no
    better place to break it.
    """
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while text_width(current, font) > width and len(current) > 1:
            cut = _longest_fitting_prefix(current, font, width)
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    return lines


def _longest_fitting_prefix(word: str, font: Font, width: int) -> int:
    """Length of the longest prefix of *word* no wider than *width* (at least 1), by bisection."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(word[:middle], font) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def is_right_to_left(text: str) -> bool:
    """Whether the first strongly directional character of *text* is Arabic or Hebrew (right to left)."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def render_line(text: str, font: Font, width: int, center: bool) -> Image.Image:
    """One line as a 1-bit image: full *width* when centred or right-to-left (then right-aligned),
    else as wide as the text (rounded up to whole bytes)."""
    ascent, descent = font.getmetrics() if isinstance(font, ImageFont.FreeTypeFont) else (BASE_SIZE, 4)
    height = ascent + descent + LINE_GAP
    text_dots = min(width, int(text_width(text, font)) + 1)
    right_to_left = is_right_to_left(text)
    image_width = width if center or right_to_left else max(8, (text_dots + 7) // 8 * 8)
    image = Image.new("1", (image_width, height), 1)
    draw = ImageDraw.Draw(image)
    left = (image_width - text_dots) // 2 if center else image_width - text_dots if right_to_left else 0
    draw.text((left, LINE_GAP // 2), text, font=font, fill=0)
    return image
