"""How long a receipt comes out of the printer, measured from its ESC/POS bytes.

The paper advances by the line spacing (30 dots, 3.75 mm, after ``ESC @``) or by the height of
the tallest thing on the line, whichever is more; raster images and QR codes by their height;
``ESC d n`` by n lines. A TM-T20/T88 prints 8 dots per millimetre (203 dpi).
"""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M

DOTS_PER_MM = 8
LINE_SPACING = 30
FONT_HEIGHT = 24  # font A, 12 x 24 dots
ONE_PARAMETER = {b"t", b"!", b"E", b"-", b"a", b"M", b"G", b"3", b"d", b"J", b"{", b"V", b"R", b" ", b"r", b"c"}


def printed_length_mm(data: bytes) -> float:
    """Millimetres of paper that *data* feeds out, the feed up to the cutter included."""
    return _Measure(data).run() / DOTS_PER_MM


class _Measure:
    """A small ESC/POS reader that tracks only what moves the paper."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0
        self.dots = 0
        self.spacing = LINE_SPACING
        self.height_factor = 1
        self.line = 0  # height of what waits on the current line
        self.qr_size = 3
        self.qr_data = b""

    def run(self) -> int:
        while self.at < len(self.data):
            byte = self.data[self.at:self.at + 1]
            self.at += 1
            if byte == b"\x1b":
                self._esc()
            elif byte == b"\x1d":
                self._gs()
            elif byte == b"\n":
                self._feed(self.spacing)
            elif byte >= b" ":
                self.line = max(self.line, FONT_HEIGHT * self.height_factor)
        return self.dots

    def _feed(self, dots: int) -> None:
        self.dots += max(dots, self.line)
        self.line = 0

    def _take(self, count: int) -> bytes:
        chunk = self.data[self.at:self.at + count]
        self.at += count
        return chunk

    def _esc(self) -> None:
        command = self._take(1)
        if command == b"@":
            self.spacing, self.height_factor = LINE_SPACING, 1
        elif command == b"2":
            self.spacing = LINE_SPACING
        elif command in ONE_PARAMETER:
            value = self._take(1)[0] if self.at < len(self.data) else 0
            if command == b"!":
                self.height_factor = 2 if value & 0x10 else 1
            elif command == b"3":
                self.spacing = value
            elif command == b"d":
                self._feed(value * self.spacing)
            elif command == b"J":
                self._feed(value)

    def _gs(self) -> None:
        command = self._take(1)
        if command == b"!":
            self.height_factor = (self._take(1)[0] & 0x0F) + 1
        elif command == b"V":
            mode = self._take(1)[0]
            if mode in (65, 66, 97, 98):
                self._feed(self._take(1)[0])
        elif command == b"v":
            header = self._take(6)  # "0", m, xL, xH, yL, yH
            width, height = header[2] + 256 * header[3], header[4] + 256 * header[5]
            self.at += width * height
            self.dots += height
        elif command == b"(":
            self._function()
        elif command in (b"B", b"b", b"L", b"W", b"H", b"f", b"h", b"w"):
            self.at += 2 if command in (b"L", b"W") else 1

    def _function(self) -> None:
        """``GS ( k``: QR code size, data and print (printed as modules x module size dots)."""
        letter = self._take(1)
        length = int.from_bytes(self._take(2), "little")
        body = self._take(length)
        if letter != b"k" or len(body) < 2:
            return
        function = body[1:2]
        if function == b"C":
            self.qr_size = body[2]
        elif function == b"P":
            self.qr_data = body[3:]
        elif function == b"Q":
            code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
            code.add_data(self.qr_data)
            code.make(fit=True)
            self.dots += code.modules_count * self.qr_size
