"""The dashboard's views as HTML fragments: pure functions of what the services return, every value escaped.

The page puts each fragment in place as it is (the content security policy runs no script from it). The board's
view is drawn from the figures only: it has no case numbers, no action text and no names to show.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from html import escape

from bot.tab.charts import (
    DONE,
    OPEN,
    OVERDUE,
    PALETTE,
    WIDE,
    WIDE_LABEL_WIDTH,
    Row,
    Series,
    bar_chart,
    figure,
    table,
)
from debrief.audit_search import AuditPage
from debrief.model import LONDON
from debrief.oversight import ActionLine, OversightFigures

ACTIONS_SHOWN = 50
"""The most open actions the page lists; the export has them all."""
THEMES_CHARTED = 7
"""Themes by quarter: the most frequent themes get a colour each, the rest are counted together."""
FINAL_STATUSES = ("Complete", "Not doing")


def day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def moment(value: datetime) -> str:
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M}"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


# --- Figures ----------------------------------------------------------------------------------------------------


def figures_view(figures: OversightFigures) -> str:
    """Headline numbers, then a chart per question, each with its numbers beneath."""
    return "".join(
        [
            _headline(figures),
            _timeliness(figures),
            _cases_by_stage(figures),
            _actions_by_status(figures),
            _actions_by_unit(figures),
            _actions_by_theme(figures),
            _themes_by_quarter(figures),
        ]
    )


def _headline(figures: OversightFigures) -> str:
    cases = sum(c.count for c in figures.cases_by_status)
    open_actions = sum(c.count for c in figures.actions_by_status if c.label not in FINAL_STATUSES)
    tiles = [
        ("Cases", str(cases), ""),
        ("Open actions", str(open_actions), ""),
        ("Overdue actions", str(figures.overdue_actions), "overdue" if figures.overdue_actions else ""),
        ("As at", day(figures.as_of), ""),
    ]
    items = "".join(
        f'<li class="{cls}"><span class="number">{escape(value)}</span>{escape(label)}</li>'
        for label, value, cls in tiles
    )
    return f'<ul class="summary" aria-label="Headline figures">{items}</ul>'


def _simple(
    chart_id: str, heading: str, counts: list[tuple[str, int]], *, what: str, empty: str, note: str = ""
) -> str:
    rows = [Row(label, (count,)) for label, count in counts if count]  # the table beneath lists the zeros too
    summary = f"{heading}: " + "; ".join(f"{label} {count}" for label, count in counts) + "." if counts else empty
    chart = bar_chart(
        chart_id=chart_id, title=heading, rows=rows, series=[Series(what, OPEN)], summary=summary, empty=empty
    )
    numbers = table(caption=heading, columns=("", what.capitalize()), rows=[(label, n) for label, n in counts])
    return figure(chart_id=chart_id, heading=heading, chart=chart, numbers=numbers, note=note or None)


def _cases_by_stage(figures: OversightFigures) -> str:
    counts = [(c.label, c.count) for c in figures.cases_by_status]
    if not any(n for _, n in counts):
        counts = []
    note = "Stages with no case are in the numbers beneath." if any(n == 0 for _, n in counts) else ""
    empty = "No cases have been nominated yet."
    return _simple("cases", "Cases by stage", counts, what="cases", empty=empty, note=note)


def _timeliness(figures: OversightFigures) -> str:
    heading = "Timeliness against the default clocks (working days)"
    rows = []
    spoken = []
    for step in figures.timeliness:
        median = step.median_working_days
        target = step.target_working_days
        if median is None:
            note = f"no case yet (target {target})"
            spoken.append(f"{step.step}: no case has completed it yet; target {target}")
            values = (0.0, 0.0)
        else:
            note = f"median {median:g} (target {target})"
            spoken.append(
                f"{step.step}: median {median:g} working days against a target of {target}; "
                f"{step.within_target} of {step.cases} within target"
            )
            values = (median, 0.0) if median <= target else (0.0, median)
        rows.append(Row(step.step, values, note=note, marker=float(target)))
    chart = bar_chart(
        chart_id="timeliness",
        title=heading,
        rows=rows,
        series=[Series("Median within the clock", OPEN), Series("Median over the clock", OVERDUE)],
        summary="; ".join(spoken) + ".",
        empty="No timeliness figures yet.",
        width=WIDE,
        label_width=WIDE_LABEL_WIDTH,
    )
    numbers = table(
        caption=heading,
        columns=("Step", "Target", "Cases that completed it", "Median", "Within target", "Still waiting"),
        rows=[
            (
                s.step,
                s.target_working_days,
                s.cases,
                "–" if s.median_working_days is None else s.median_working_days,
                s.within_target,
                s.waiting,
            )
            for s in figures.timeliness
        ],
    )
    note = "The bar is the median for cases that completed the step; the dashed line is the default clock."
    return figure(chart_id="timeliness", heading=heading, chart=chart, numbers=numbers, note=note, wide=True)


def _actions_by_status(figures: OversightFigures) -> str:
    counts = [(c.label, c.count) for c in figures.actions_by_status]
    if not any(n for _, n in counts):
        counts = []
    return _simple(
        "action-status",
        "Actions by status",
        counts,
        what="actions",
        empty="No actions have been agreed yet.",
        note=f"{_plural(figures.overdue_actions, 'action')} overdue." if figures.overdue_actions else "",
    )


def _actions_by_unit(figures: OversightFigures) -> str:
    heading = "Actions by owner's unit"
    series = [Series("Open", OPEN), Series("Overdue", OVERDUE), Series("Done", DONE)]
    rows = [Row(u.unit, (u.open - u.overdue, u.overdue, u.done)) for u in figures.actions_by_unit]
    summary = "; ".join(
        f"{u.unit}: {u.open} open of which {u.overdue} overdue, {u.done} done" for u in figures.actions_by_unit
    )
    chart = bar_chart(
        chart_id="action-units",
        title=heading,
        rows=rows,
        series=series,
        summary=summary + "." if summary else "No actions yet.",
        empty="No actions have been agreed yet.",
    )
    numbers = table(
        caption=heading,
        columns=("Unit", "Open (including overdue)", "Overdue", "Done"),
        rows=[(u.unit, u.open, u.overdue, u.done) for u in figures.actions_by_unit],
    )
    note = "Done counts complete actions and those the working group agreed not to do."
    return figure(chart_id="action-units", heading=heading, chart=chart, numbers=numbers, note=note)


def _actions_by_theme(figures: OversightFigures) -> str:
    counts = [(c.label, c.count) for c in figures.actions_by_theme]
    return _simple(
        "action-themes", "Actions by theme", counts, what="actions", empty="No actions have been agreed yet."
    )


def _themes_by_quarter(figures: OversightFigures) -> str:
    heading = "Learning themes by quarter"
    totals: dict[str, int] = defaultdict(int)
    periods: list[str] = []
    for item in figures.themes_over_time:
        totals[item.theme] += item.count
        if item.period not in periods:
            periods.append(item.period)
    ranked = sorted(totals, key=lambda t: (-totals[t], t))
    charted = ranked if len(ranked) <= THEMES_CHARTED + 1 else ranked[:THEMES_CHARTED]
    others = [t for t in ranked if t not in charted]
    series = [Series(t, PALETTE[i]) for i, t in enumerate(charted)]
    if others:
        series.append(Series("Other themes", PALETTE[-1]))
    by_period: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in figures.themes_over_time:
        by_period[item.period][item.theme if item.theme in charted else "Other themes"] += item.count
    rows = [Row(p, tuple(float(by_period[p][s.name]) for s in series)) for p in sorted(periods)]
    summary = "; ".join(
        f"{p}: " + ", ".join(f"{t} {n}" for t, n in sorted(by_period[p].items(), key=lambda i: -i[1]))
        for p in sorted(periods)
    )
    chart = bar_chart(
        chart_id="themes",
        title=heading,
        rows=rows,
        series=series,
        summary=summary + "." if summary else "No learning has been agreed yet.",
        empty="No learning has been agreed yet.",
        width=WIDE,
    )
    numbers = table(
        caption=heading,
        columns=("Quarter", "Theme", "Learning points"),
        rows=[(t.period, t.theme, t.count) for t in figures.themes_over_time],
    )
    note = "Learning points agreed at debriefs, by the quarter they were agreed in."
    return figure(chart_id="themes", heading=heading, chart=chart, numbers=numbers, note=note, wide=True)


# --- Actions by case ----------------------------------------------------------------------------------------------


def actions_view(lines: tuple[ActionLine, ...]) -> str:
    """Open actions, overdue first (the service orders them), at most ACTIONS_SHOWN, overdue rows marked in words."""
    if not lines:
        return '<p class="empty">There are no open actions.</p>'
    overdue = sum(1 for a in lines if a.working_days_overdue > 0)
    shown = lines[:ACTIONS_SHOWN]
    intro = f"{_plural(len(lines), 'open action')}, {overdue} overdue. Overdue actions come first."
    cap = ""
    if len(lines) > len(shown):
        cap = (
            f'<p class="cap">Showing the {len(shown)} most overdue of {len(lines)} open actions. Export the actions '
            "for the full list.</p>"
        )
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Case", "Action", "Owner's unit", "Theme", "Priority", "Status", "Due", "Overdue")
    )
    body = []
    for line in shown:
        late = line.working_days_overdue > 0
        overdue_cell = (
            f'<span class="badge">Overdue</span> <span class="days">{_plural(line.working_days_overdue, "working day")}'
            "</span>"
            if late
            else "No"
        )
        body.append(
            f'<tr class="{"overdue" if late else ""}">'
            f'<th scope="row">{escape(line.case_number)}</th>'
            f"<td>{escape(line.description)}</td>"
            f"<td>{escape(line.unit)}</td>"
            f"<td>{escape(line.theme)}</td>"
            f"<td>{escape(line.priority)}</td>"
            f"<td>{escape(line.status)}</td>"
            f'<td class="due">{escape(day(line.due))}</td>'
            f"<td>{overdue_cell}</td></tr>"
        )
    return (
        f'<p class="note">{escape(intro)}</p>{cap}'
        f'<table class="actions-table"><caption>Open actions by case</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


# --- Audit log ----------------------------------------------------------------------------------------------------


def audit_view(page: AuditPage) -> str:
    """One page of audit records, newest first as the service returns them, with buttons to the next and previous."""
    if not page.entries:
        return '<p class="empty">No audit records match these filters.</p>'
    pages = max(1, -(-page.total // page.page_size))
    first = (page.page - 1) * page.page_size + 1
    last = first + len(page.entries) - 1
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("When (UK time)", "Who", "Action", "Category", "Outcome", "Case", "Justification", "Recipients")
    )
    rows = []
    for entry in page.entries:
        record = entry.record
        refused = record.outcome.value == "refused"
        rows.append(
            "<tr>"
            f'<th scope="row">{escape(moment(record.at))}</th>'
            f"<td>{escape(record.actor_name)}<br><small>{escape(record.actor_id)}</small></td>"
            f"<td>{escape(record.action)}</td>"
            f"<td>{escape(record.category.value.capitalize())}</td>"
            f'<td class="{"refused" if refused else ""}">{escape(record.outcome.value.capitalize())}</td>'
            f"<td>{escape(entry.case_number or '')}</td>"
            f"<td>{escape(record.justification or '')}</td>"
            f"<td>{escape(', '.join(record.recipients))}</td>"
            "</tr>"
        )
    pager = [f"<span>Records {first} to {last} of {page.total} (page {page.page} of {pages})</span>"]
    if page.page > 1:
        pager.append(f'<button type="button" class="secondary" data-page="{page.page - 1}">Previous page</button>')
    if page.page < pages:
        pager.append(f'<button type="button" class="secondary" data-page="{page.page + 1}">Next page</button>')
    nav = f'<div class="pager">{"".join(pager)}</div>'
    return (
        f'{nav}<table class="results"><caption>Audit records</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{nav}"
    )
