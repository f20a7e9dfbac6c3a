"""Bar charts as inline SVG, drawn on the server (no script, no inline style: the CSP allows neither).

Each chart carries a ``<title>``/``<desc>`` and a ``<title>`` per bar, and the page shows the
same figures as a table, so the charts are readable without sight too.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 720
BAR_AREA_HEIGHT = 180
LABEL_HEIGHT = 46
LEFT = 36


def _nice_maximum(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if value <= step * 4:
            return step * 4
    return value


def bar_chart(title: str, bars: Sequence[tuple[str, int]], label_every: int = 1) -> Markup:
    """A vertical bar chart of (label, value) pairs as an accessible SVG element."""
    maximum = _nice_maximum(max((value for _, value in bars), default=0))
    height = BAR_AREA_HEIGHT + LABEL_HEIGHT + 10
    slot = (WIDTH - LEFT - 8) / max(1, len(bars))
    bar_width = max(2.0, slot * 0.7)
    total = sum(value for _, value in bars)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" '
        f'aria-labelledby="chart-{id(bars)}-t">',
        f'<title id="chart-{id(bars)}-t">{escape(title)}</title>',
        f"<desc>{escape(title)}: {total}</desc>",
    ]
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = 10 + BAR_AREA_HEIGHT * (1 - fraction)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{round(maximum * fraction)}</text>")
    for index, (label, value) in enumerate(bars):
        bar_height = BAR_AREA_HEIGHT * value / maximum if maximum else 0
        x = LEFT + index * slot + (slot - bar_width) / 2
        y = 10 + BAR_AREA_HEIGHT - bar_height
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{bar_height:.1f}">'
                     f"<title>{escape(label)}: {value}</title></rect>")
        if index % label_every == 0:
            label_x = x + bar_width / 2
            label_y = 10 + BAR_AREA_HEIGHT + 14
            parts.append(f'<text class="label" x="{label_x:.1f}" y="{label_y}" text-anchor="middle">'
                         f"{escape(label)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every interpolated text is escaped above
