"""The digests those who oversee the debriefs receive: the working group's weekly digest and the board's quarterly
summary. Posts of their own in a channel, with nothing to press: the dashboard tab is where to look further."""

from __future__ import annotations

from microsoft_teams.cards.core import CardElement, Container, TextBlock

from cards.common import Card, build, facts, heading, notice, paragraph, when
from cards.outcomes import day, excerpt
from debrief.digests import BoardSummary, WeeklyDigest
from debrief.oversight import StepTimeliness

LISTED = 15
"""At most this many actions (and cases) are listed on the digest; the rest are counted."""
ACTION_CHARS = 200


def weekly_digest(digest: WeeklyDigest) -> Card:
    """For the working group's channel: overdue actions (case number, action, owner's unit, working days overdue)
    and cases waiting on a step longer than its clock. No names: units only."""
    title = "Weekly digest for the rapid debrief working group"
    body: list[CardElement] = [
        heading(title),
        paragraph(
            f"Week beginning {digest.week_beginning:%A %d %B %Y}. As it stood on {when(digest.as_of)}.", subtle=True
        ),
        paragraph(
            "What to follow up this week: actions past their due date, and cases waiting on a step for longer than "
            "its clock allows. The aim is the learning, not blame: ask what is in the way and whether a new date or "
            "a different route would help."
        ),
        _subheading(f"Overdue actions ({len(digest.overdue)} of {digest.open_actions} open)"),
    ]
    if not digest.overdue:
        body.append(notice("No action is overdue.", good=True))
    for action in digest.overdue[:LISTED]:
        days = _working_days(action.working_days_overdue)
        body.append(
            Container(
                separator=True,
                items=[
                    TextBlock(
                        text=f"**{action.case_number}** · action {action.action_id} · {action.unit}",
                        wrap=True,
                    ),
                    TextBlock(text=excerpt(action.description, ACTION_CHARS), wrap=True, spacing="None"),
                    TextBlock(
                        text=f"Due {day(action.due)} · {days} overdue",
                        wrap=True,
                        is_subtle=True,
                        size="Small",
                        spacing="None",
                    ),
                ],
            )
        )
    if len(digest.overdue) > LISTED:
        body.append(paragraph(f"And {len(digest.overdue) - LISTED} more: the oversight dashboard lists them all."))
    body.append(_subheading(f"Cases waiting past their clock ({len(digest.waiting)})"))
    if not digest.waiting:
        body.append(notice("No case is waiting on a step past its clock.", good=True))
    for waiting in digest.waiting[:LISTED]:
        body.append(
            paragraph(
                f"**{waiting.case_number}**: {waiting.step.lower()}, waiting {_working_days(waiting.working_days)} "
                f"(the clock is {_working_days(waiting.target_working_days)})"
            )
        )
    if len(digest.waiting) > LISTED:
        body.append(paragraph(f"And {len(digest.waiting) - LISTED} more: see the oversight dashboard."))
    fallback = f"{title}: {len(digest.overdue)} overdue actions, {len(digest.waiting)} cases waiting past their clock"
    return build(*body, fallback_text=fallback)


def board_summary(summary: BoardSummary) -> Card:
    """For the board's channel: aggregated, anonymised figures only (no case numbers, no action text, no names)."""
    title = f"Quarterly summary for the homicide prevention board: {summary.period}"
    body: list[CardElement] = [
        heading(title),
        paragraph(
            f"Figures only, as they stood on {when(summary.as_of)}: no case numbers and no names. The working group "
            "follows up each action; the oversight dashboard shows more.",
            subtle=True,
        ),
        _subheading("Cases by stage"),
    ]
    if summary.cases_by_stage:
        body.append(facts([(c.label, str(c.count)) for c in summary.cases_by_stage]))
    else:
        body.append(paragraph("No case has been nominated yet."))
    body += [
        _subheading("Timeliness, in working days, against the default clocks"),
        facts([(step.step, _timeliness(step)) for step in summary.timeliness]),
        _subheading("Actions"),
        facts(
            [
                ("Open", str(summary.actions_open)),
                ("Overdue", str(summary.actions_overdue)),
                ("Done (complete or not doing)", str(summary.actions_done)),
            ]
        ),
        _subheading(f"Learning agreed in {summary.period}"),
    ]
    if summary.top_themes:
        body += [
            paragraph(f"{summary.learning_points} learning points; the themes most learnt from:"),
            facts([(c.label, str(c.count)) for c in summary.top_themes]),
        ]
    else:
        body.append(paragraph("No learning was agreed in the quarter."))
    return build(
        *body, fallback_text=f"{title}: {summary.actions_open} actions open, {summary.actions_overdue} overdue"
    )


def _subheading(text: str) -> TextBlock:
    return TextBlock(text=text, weight="Bolder", size="Medium", wrap=True, spacing="Large")


def _working_days(n: int) -> str:
    return "1 working day" if n == 1 else f"{n} working days"


def _timeliness(step: StepTimeliness) -> str:
    clock = f"clock {step.target_working_days}"
    waiting = f"; {step.waiting} waiting" if step.waiting else ""
    if step.median_working_days is None:
        return f"no case has completed it yet ({clock}){waiting}"
    return (
        f"median {step.median_working_days:g} ({clock}); {step.within_target} of {step.cases} within the clock{waiting}"
    )
