"""The analysts' trend chart: reports per week or month, drawn on the server as SVG.

In the diary chart's style (safetrail/diary/chart.py: its sizes, colours and
scale), so the two read the same. No script: it works without JavaScript and
prints, and the page carries the same numbers in a table. Colours are
presentation attributes, as the strict CSP forbids style attributes. Labels
use Django's date formats, so month names follow the page's language.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from django.utils.dateformat import format as date_format

from safetrail.diary import chart as diary_chart

WIDTH = diary_chart.WIDTH
HEIGHT = diary_chart.HEIGHT
LEFT = diary_chart.LEFT
BOTTOM = diary_chart.BOTTOM
TOP = diary_chart.TOP
RIGHT = diary_chart.RIGHT
FONT_SIZE = diary_chart.FONT_SIZE
# Five labels of "Sep 2026" fit across the chart at this font size.
LABELS = 5


def _next(period: date, by: str) -> date:
    if by == "month":
        return date(period.year + period.month // 12, period.month % 12 + 1, 1)
    return period + timedelta(days=7)


def fill_gaps(series: list[tuple[date, int]], *, by: str) -> list[tuple[date, int]]:
    """Every week (or month) from the first to the last, with 0 where nothing was reported:
    a gap left out would make the chart lie about time."""
    if not series:
        return []
    counts = dict(series)
    filled = []
    period, last = series[0][0], series[-1][0]
    while period <= last:
        filled.append((period, counts.get(period, 0)))
        period = _next(period, by)
    return filled


def period_label(period: date, by: str, *, with_year: bool = True) -> str:
    if by == "month":
        return date_format(period, "M Y")
    # Across years a week is labelled by its month: "27 Jan 2025" would not fit.
    return date_format(period, "M Y" if with_year else "j M")


def trend_chart(series: list[tuple[date, int]], *, by: str, title: str, description: str) -> str:
    if not series:
        return ""
    ticks = diary_chart._ticks(max(count for _, count in series))
    top_value = ticks[-1] or 1
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / len(series)
    bar = max(1.0, slot * 0.8)
    one_year = series[0][0].year == series[-1][0].year
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'class="safetrail-chart" role="img" aria-labelledby="trend-title" '
        'aria-describedby="trend-desc" focusable="false">',
        f'<title id="trend-title">{escape(title)}</title>',
        f'<desc id="trend-desc">{escape(description)}</desc>',
    ]
    for tick in ticks:
        y = TOP + plot_height - plot_height * tick / top_value
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#b1b4b6" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 6:.1f}" text-anchor="end" font-size="{FONT_SIZE}" '
            f'fill="{diary_chart.TEXT_COLOUR}">{tick}</text>'
        )
    label_every = max(1, -(-len(series) // LABELS))
    for index, (period, count) in enumerate(series):
        x = LEFT + index * slot + (slot - bar) / 2
        height = plot_height * count / top_value
        y = TOP + plot_height - height
        if count:
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{diary_chart.BAR_COLOUR}"/>'
            )
        if index % label_every == 0:
            # A week's label is its Monday's date, or its month when the chart spans years.
            label = period_label(period, by, with_year=not one_year)
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                f'font-size="{FONT_SIZE}" fill="{diary_chart.TEXT_COLOUR}">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_height}" '
        f'y2="{TOP + plot_height}" stroke="{diary_chart.AXIS_COLOUR}" stroke-width="2"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
