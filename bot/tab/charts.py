"""Bar charts as inline SVG, drawn on the server: no chart library, no script, nothing fetched by the page.

Every chart is a <figure> with a text alternative (the SVG's <title> and <desc>, which a screen reader reads) and
the same numbers as a table beneath it, so nothing is shown by colour or length alone. Colours are the Okabe–Ito
set, which people with the common colour-vision deficiencies can tell apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
LABEL_WIDTH = 230
WIDE = 920
"""Charts across the page (timeliness, themes by quarter) are drawn wider, with room for longer labels."""
WIDE_LABEL_WIDTH = 300
VALUE_WIDTH = 160
ROW_HEIGHT = 26
BAR_HEIGHT = 16
LEGEND_HEIGHT = 26

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7F7F7F")
OPEN, OVERDUE, DONE = "#0072B2", "#D55E00", "#009E73"
TARGET = "#1B1B1B"


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[float, ...]
    """One value per series (stacked left to right in the series' order)."""
    note: str | None = None
    """Shown after the bar instead of the total, e.g. "median 2 (target 1)"."""
    marker: float | None = None
    """A target drawn as a vertical line across the row."""


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _short(label: str, characters: int) -> str:
    return label if len(label) <= characters else label[: characters - 1].rstrip() + "…"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[Row],
    series: Sequence[Series],
    summary: str,
    empty: str,
    width: int = WIDTH,
    label_width: int = LABEL_WIDTH,
) -> str:
    """A horizontal bar chart (stacked when there is more than one series) with its text alternative.

    Drawn at its own size in pixels (text at 12 px), and only ever shrunk to fit: never blown up."""
    if not rows:
        return f'<p class="empty" id="{escape(chart_id)}">{escape(empty)}</p>'
    stacked = len(series) > 1
    legend = _legend(series, width) if stacked else []
    top = (max(y for _, y, _ in legend) + LEGEND_HEIGHT - 6) if legend else 6
    height = top + ROW_HEIGHT * len(rows) + 6
    area = width - label_width - VALUE_WIDTH
    characters = label_width // 7
    largest = max([sum(r.values) for r in rows] + [r.marker or 0 for r in rows] + [1])
    scale = area / largest
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]
    for key_x, key_y, key in legend:
        parts.append(f'<rect x="{key_x}" y="{key_y}" width="12" height="12" fill="{key.colour}"/>')
        parts.append(f'<text x="{key_x + 16}" y="{key_y + 10}" class="legend">{escape(key.name)}</text>')
    baseline = label_width
    for index, row in enumerate(rows):
        y = top + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        parts.append(
            f'<text x="{label_width - 8}" y="{middle + 4}" text-anchor="end" class="label">'
            f"<title>{escape(row.label)}</title>{escape(_short(row.label, characters))}</text>"
        )
        x = float(baseline)
        for value, s in zip(row.values, series, strict=True):
            if value <= 0:
                continue
            length = max(value * scale, 2)
            parts.append(
                f'<rect x="{x:.1f}" y="{middle - BAR_HEIGHT / 2:.1f}" width="{length:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{s.colour}"><title>{escape(row.label)}: {escape(s.name.lower())} {_number(value)}</title>'
                "</rect>"
            )
            x += length
        end = x
        if row.marker is not None:
            mx = baseline + row.marker * scale
            parts.append(
                f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{y + 2}" y2="{y + ROW_HEIGHT - 2}" stroke="{TARGET}" '
                f'stroke-width="2" stroke-dasharray="3 2"/>'
            )
            end = max(end, mx)
        note = row.note if row.note is not None else _number(sum(row.values))
        parts.append(f'<text x="{end + 6:.1f}" y="{middle + 4}" class="value">{escape(note)}</text>')
    parts.append(
        f'<line x1="{baseline}" x2="{baseline}" y1="{top - 2}" y2="{height - 4}" stroke="#6B6B6B" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _legend(series: Sequence[Series], chart_width: int) -> list[tuple[int, int, Series]]:
    """Where each series' key goes: left to right, on as many lines as it takes."""
    placed: list[tuple[int, int, Series]] = []
    x, y = 8, 6
    for s in series:
        width = 28 + 7 * len(s.name)
        if x + width > chart_width and x > 8:
            x, y = 8, y + 18
        placed.append((x, y, s))
        x += width
    return placed


def table(*, caption: str, columns: Sequence[str], rows: Sequence[Sequence[str | int | float]]) -> str:
    """The chart's numbers, for anyone who would rather read them (and for screen readers)."""
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(str(row[0]))}</th>'
        + "".join(f"<td>{escape(_cell(v))}</td>" for v in row[1:])
        + "</tr>"
        for row in rows
    )
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: str | int | float) -> str:
    return _number(value) if isinstance(value, int | float) else value


def figure(
    *, chart_id: str, heading: str, chart: str, numbers: str, note: str | None = None, wide: bool = False
) -> str:
    """A chart with its heading, an optional note, and its numbers beneath (folded away until asked for)."""
    extra = f'<p class="note">{escape(note)}</p>' if note else ""
    return (
        f'<figure class="card{" wide" if wide else ""}" aria-labelledby="{chart_id}-heading">'
        f'<h3 id="{chart_id}-heading">{escape(heading)}</h3>{extra}{chart}'
        f"<details><summary>The numbers</summary>{numbers}</details></figure>"
    )
