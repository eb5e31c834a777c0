"""A bar chart of incidents per week, drawn on the server as SVG.

No script and no canvas: it prints, it works without JavaScript, and the page
carries the same numbers in a table for anyone who cannot see the chart.
Colours are presentation attributes (the strict CSP forbids style attributes).
"""

from __future__ import annotations

from datetime import date
from html import escape

WIDTH = 640
HEIGHT = 240
LEFT = 44
BOTTOM = 36
# Large enough to read when the chart is scaled down to a phone's width.
FONT_SIZE = 18
TOP = 12
RIGHT = 8
BAR_COLOUR = "#1d70b8"
AXIS_COLOUR = "#505a5f"
TEXT_COLOUR = "#0b0c0c"


def _ticks(maximum: int) -> list[int]:
    if maximum <= 5:
        return list(range(0, maximum + 1))
    step = max(1, -(-maximum // 4))
    return list(range(0, maximum + step, step))


def weekly_chart(series: list[tuple[date, int]], title: str, description: str) -> str:
    if not series:
        return ""
    ticks = _ticks(max(count for _, count in series))
    top_value = ticks[-1] or 1
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / len(series)
    bar = max(1.0, slot * 0.8)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="safetrail-chart" role="img" aria-labelledby="chart-title" '
        f'aria-describedby="chart-desc" '
        f'focusable="false">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
    ]
    for tick in ticks:
        y = TOP + plot_height - plot_height * tick / top_value
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#b1b4b6" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 6:.1f}" text-anchor="end" font-size="{FONT_SIZE}" '
            f'fill="{TEXT_COLOUR}">{tick}</text>'
        )
    label_every = max(1, -(-len(series) // 5))
    for index, (week, count) in enumerate(series):
        x = LEFT + index * slot + (slot - bar) / 2
        height = plot_height * count / top_value
        y = TOP + plot_height - height
        if count:
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{BAR_COLOUR}"/>'
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                f'font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">{week:%d %b}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_height}" '
        f'y2="{TOP + plot_height}" stroke="{AXIS_COLOUR}" stroke-width="2"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
