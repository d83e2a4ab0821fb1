"""What the working group and the homicide prevention board oversee: is the process rapid, and is learning acted on.

The board sees figures only (no case numbers, no action text, no names); the working group and the review team
also see actions case by case.

The figures are counted from a few light columns (dates, statuses, themes, owners' ids), read through
`uow.oversight` with aggregate queries, never from case text. Timeliness is in working days (England and Wales),
against the default clocks of domain.md. Stages are plain words derived from what is stored (`CaseStage`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from debrief import clocks
from debrief.consent import CONSENT_WORKING_DAYS
from debrief.exports import Cell, ExportTable
from debrief.learning import ActionStatus, Priority, Route, local_today
from debrief.meetings import MEETING_WORKING_DAYS
from debrief.model import LONDON, CaseStatus, Harm, IncidentContext, OffenceType
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork
from debrief.triage import TRIAGE_WORKING_DAYS

NOMINATION_WORKING_DAYS = 1
"""Our default (domain.md has no clock for it): eligible incidents are put forward at the next working day's daily
management meeting."""
LEARNING_DRAFT_WORKING_DAYS = 5
"""Default clock (domain.md): the learning and actions are drafted within five working days of the meeting."""
SIO_SIGN_OFF_WORKING_DAYS = 3
"""Default clock (domain.md): the SIO signs them off within three working days."""
UNIT_NOT_RECORDED = "Unit not recorded"


# --- What storage reads: light columns only ---------------------------------------------------------------------


@dataclass(slots=True)
class CaseMilestones:
    """One case's dates and where it stands, as stored: no names and no free text. (Not frozen, with slots: storage
    makes thousands per read, and a frozen dataclass takes several times as long to build.)

    The nomination's categories are None for an erased case (its content is gone; the tombstone keeps its number,
    status and dates)."""

    case_id: int
    case_number: str
    status: CaseStatus
    nominated_at: datetime
    incident_at: datetime | None = None
    offence_type: OffenceType | None = None
    context: IncidentContext | None = None
    harm: Harm | None = None
    policing_area: str | None = None
    triaged_at: datetime | None = None
    """The final triage decision (accepted, declined or merged)."""
    consent_at: datetime | None = None
    """The SIO's first consent to collect the chronology (with or without conditions)."""
    meeting_at: datetime | None = None
    """When the debrief meeting starts (or started)."""
    signed_off_at: datetime | None = None
    """The SIO's first approval of the learning and actions."""
    circulated_at: datetime | None = None
    closed_at: datetime | None = None
    erased_at: datetime | None = None


class TallyBy(StrEnum):
    OWNER = "owner"
    THEME = "theme"


@dataclass(frozen=True)
class ActionTally:
    """How many circulated actions share a status and an owner (or a theme), and how many of them are overdue."""

    status: ActionStatus
    group: str
    """The owner's id, or the theme, as asked."""
    count: int
    overdue: int
    """Not final and due before the day asked about."""


@dataclass(slots=True)
class ActionRecord:
    """One circulated action, as the working group's view and export need it (the owner by id only). Not frozen, with
    slots: storage makes tens of thousands per read."""

    case_number: str
    action_id: int
    description: str
    owner_id: str
    theme: str
    priority: Priority
    route: Route
    status: ActionStatus
    due: date

    @property
    def final(self) -> bool:
        return self.status in (ActionStatus.COMPLETE, ActionStatus.NOT_DOING)


@dataclass(frozen=True)
class ThemeTally:
    """Learning points agreed on one theme in one period (`period` indexes the period starts asked about)."""

    period: int
    theme: str
    count: int


# --- What the dashboard shows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class StepTimeliness:
    """One step of the process (e.g. "Nomination to triage decision"): how long it took, in working days."""

    step: str
    target_working_days: int
    cases: int
    """Cases that have completed the step."""
    median_working_days: float | None
    within_target: int
    waiting: int
    """Cases that reached the step's start but have not completed it yet."""


@dataclass(frozen=True)
class UnitActions:
    unit: str
    open: int
    overdue: int
    done: int


@dataclass(frozen=True)
class ThemeCount:
    period: str
    """A quarter, e.g. "2026 Q3"."""
    theme: str
    count: int


@dataclass(frozen=True)
class ActionLine:
    """One action as the working group sees it: which case, what, whose unit, where it stands. No personal data."""

    case_number: str
    action_id: int
    description: str
    unit: str
    theme: str
    priority: str
    status: str
    due: date
    working_days_overdue: int
    """0 unless the action is past its due date and not done."""
    route: str = ""


@dataclass(frozen=True)
class OversightFigures:
    as_of: date
    cases_by_status: tuple[Count, ...]
    timeliness: tuple[StepTimeliness, ...]
    actions_by_status: tuple[Count, ...]
    actions_by_unit: tuple[UnitActions, ...]
    actions_by_theme: tuple[Count, ...]
    overdue_actions: int
    themes_over_time: tuple[ThemeCount, ...]


# --- Stages ---------------------------------------------------------------------------------------------------


class CaseStage(StrEnum):
    """Where a case stands, in plain words, derived from what is stored."""

    NOMINATED = "nominated"
    INFORMATION_REQUESTED = "information_requested"
    DECLINED = "declined"
    MERGED = "merged"
    COLLECTING = "collecting"
    MEETING_ARRANGED = "meeting_arranged"
    AGREEING_LEARNING = "agreeing_learning"
    ACTIONS_IN_PROGRESS = "actions_in_progress"
    CLOSED = "closed"
    ERASED = "erased"

    @property
    def label(self) -> str:
        return {
            CaseStage.NOMINATED: "Nominated",
            CaseStage.INFORMATION_REQUESTED: "More information requested",
            CaseStage.DECLINED: "Declined",
            CaseStage.MERGED: "Merged",
            CaseStage.COLLECTING: "Collecting the chronology",
            CaseStage.MEETING_ARRANGED: "Meeting arranged",
            CaseStage.AGREEING_LEARNING: "Learning being agreed",
            CaseStage.ACTIONS_IN_PROGRESS: "Actions in progress",
            CaseStage.CLOSED: "Closed",
            CaseStage.ERASED: "Erased",
        }[self]


def stage_of(case: CaseMilestones, now: datetime) -> CaseStage:
    """Erased first (nothing else is left); a nomination's triage state; then, for an accepted case, closed, or the
    furthest step it has reached."""
    if case.erased_at is not None:
        return CaseStage.ERASED
    match case.status:
        case CaseStatus.NOMINATED:
            return CaseStage.NOMINATED
        case CaseStatus.INFORMATION_REQUESTED:
            return CaseStage.INFORMATION_REQUESTED
        case CaseStatus.DECLINED:
            return CaseStage.DECLINED
        case CaseStatus.MERGED:
            return CaseStage.MERGED
    if case.closed_at is not None:
        return CaseStage.CLOSED
    if case.circulated_at is not None:
        return CaseStage.ACTIONS_IN_PROGRESS
    if case.meeting_at is not None:
        return CaseStage.AGREEING_LEARNING if case.meeting_at <= now else CaseStage.MEETING_ARRANGED
    return CaseStage.COLLECTING


def _still_open(case: CaseMilestones) -> bool:
    """Whether the case can still move on: not erased, closed, declined or merged."""
    return (
        case.erased_at is None
        and case.closed_at is None
        and case.status not in (CaseStatus.DECLINED, CaseStatus.MERGED)
    )


# --- Working days ----------------------------------------------------------------------------------------------

_YEAR_STARTS: dict[int, int] = {}
"""Per year counted so far: working days from 1 January 2000 up to (not including) its 1 January; negative before."""
_RUNNING: dict[int, int] = {}
"""Per day (by ordinal), in the years counted so far: working days from 1 January 2000 up to and including it."""


def _count_year(year: int) -> int:
    """Fill `_RUNNING` for `year` and return the count before it. Counting a dashboard's tens of thousands of
    intervals day by day was most of its time: each year is counted once, then every interval is a subtraction."""
    if year in _YEAR_STARTS:
        return _YEAR_STARTS[year]
    first = date(year, 1, 1)
    days = [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]
    working = [clocks.is_working_day(day) for day in days]
    if year == 2000:
        start = 0
    elif year > 2000:
        start = _count_year(year - 1) + _working_in(year - 1)
    else:
        start = _count_year(year + 1) - sum(working)
    running = start
    for day, counts in zip(days, working, strict=True):
        running += counts
        _RUNNING[day.toordinal()] = running
    _YEAR_STARTS[year] = start
    return start


def _working_in(year: int) -> int:
    """Working days in a year already counted."""
    return _RUNNING[date(year, 12, 31).toordinal()] - _YEAR_STARTS[year]


def _working_days_to(day: date) -> int:
    """Working days from 1 January 2000 up to and including `day` (a running count: only differences matter)."""
    ordinal = day.toordinal()
    found = _RUNNING.get(ordinal)
    if found is None:
        _count_year(day.year)
        found = _RUNNING[ordinal]
    return found


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after `start`, up to and including `end` (0 if `end` is not after it): the same
    count as debrief.action_reminders.working_days_after, in constant time."""
    if end <= start:
        return 0
    return _working_days_to(end) - _working_days_to(start)


def _local(moment: datetime) -> date:
    """The UK date of a moment. Storage gives UTC, and UK time is UTC or an hour ahead: before 23:00 UTC the date is
    the same (converting every moment of thousands of cases was a fifth of the dashboard's time)."""
    if moment.tzinfo is UTC and moment.hour < 23:
        return moment.date()
    return moment.astimezone(LONDON).date()


# --- Timeliness -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step's clock: where it starts and ends for a case (None: not reached), and its target."""

    name: str
    target_working_days: int
    start: Callable[[CaseMilestones], datetime | None]
    end: Callable[[CaseMilestones, datetime], datetime | None]


def _accepted(case: CaseMilestones) -> bool:
    return case.status is CaseStatus.ACCEPTED


def _held(case: CaseMilestones, now: datetime) -> datetime | None:
    return case.meeting_at if case.meeting_at is not None and case.meeting_at <= now else None


STEPS: tuple[Step, ...] = (
    Step("Incident to nomination", NOMINATION_WORKING_DAYS, lambda c: c.incident_at, lambda c, now: c.nominated_at),
    Step("Nomination to triage decision", TRIAGE_WORKING_DAYS, lambda c: c.nominated_at, lambda c, now: c.triaged_at),
    Step(
        "Acceptance to SIO consent",
        CONSENT_WORKING_DAYS,
        lambda c: c.triaged_at if _accepted(c) else None,
        lambda c, now: c.consent_at,
    ),
    Step(
        "Incident to debrief meeting",
        MEETING_WORKING_DAYS,
        lambda c: c.incident_at if _accepted(c) else None,
        _held,
    ),
    Step(
        "Meeting to signed-off learning and actions",
        LEARNING_DRAFT_WORKING_DAYS + SIO_SIGN_OFF_WORKING_DAYS,
        lambda c: c.meeting_at if _accepted(c) else None,
        lambda c, now: c.signed_off_at,
    ),
)
"""The debrief's steps, in order: incident → nomination → triage → SIO consent → meeting → signed-off document."""


@dataclass(frozen=True)
class WaitingStep:
    """A case waiting on a step longer than its clock allows (for the working group's digest)."""

    case_number: str
    step: str
    working_days: int
    target_working_days: int


def _started(step: Step, case: CaseMilestones, now: datetime) -> datetime | None:
    start = step.start(case)
    return start if start is not None and start <= now else None


def timeliness(cases: Iterable[CaseMilestones], *, now: datetime) -> tuple[StepTimeliness, ...]:
    """Each step's median working days, how many cases met the target, and how many are still waiting on it."""
    counted = [c for c in cases if c.erased_at is None]
    found = []
    for step in STEPS:
        taken: list[int] = []
        waiting = 0
        for case in counted:
            start = _started(step, case, now)
            if start is None:
                continue
            end = step.end(case, now)
            if end is not None:
                taken.append(working_days_between(_local(start), _local(end)))
            elif _still_open(case):
                waiting += 1
        found.append(
            StepTimeliness(
                step=step.name,
                target_working_days=step.target_working_days,
                cases=len(taken),
                median_working_days=float(statistics.median(taken)) if taken else None,
                within_target=sum(1 for days in taken if days <= step.target_working_days),
                waiting=waiting,
            )
        )
    return tuple(found)


def waiting_past_clock(cases: Iterable[CaseMilestones], *, now: datetime) -> tuple[WaitingStep, ...]:
    """Open cases waiting on a step for longer than its target, longest wait first."""
    today = local_today(now)
    found = []
    for case in cases:
        if not _still_open(case):
            continue
        for step in STEPS:
            start = _started(step, case, now)
            if start is None or step.end(case, now) is not None:
                continue
            days = working_days_between(_local(start), today)
            if days > step.target_working_days:
                found.append(WaitingStep(case.case_number, step.name, days, step.target_working_days))
    return tuple(sorted(found, key=lambda w: (-(w.working_days - w.target_working_days), w.case_number, w.step)))


# --- Actions and themes ------------------------------------------------------------------------------------------


def unit_namer(unit_of: Callable[[str], str | None]) -> Callable[[str], str]:
    """The owner's unit from the directory, asked once per owner."""
    known: dict[str, str] = {}

    def unit(owner_id: str) -> str:
        if owner_id not in known:
            known[owner_id] = (unit_of(owner_id) or "").strip() or UNIT_NOT_RECORDED
        return known[owner_id]

    return unit


def working_days_overdue(action: ActionRecord, today: date) -> int:
    return 0 if action.final else working_days_between(action.due, today)


# Labels by member, looked up: the enums' `label` builds a dict each time, and the dashboard wants thousands.
_STATUS_LABELS = {m: m.label for m in ActionStatus}
_PRIORITY_LABELS = {m: m.label for m in Priority}
_ROUTE_LABELS = {m: m.label for m in Route}


def action_line(action: ActionRecord, *, today: date, unit: Callable[[str], str]) -> ActionLine:
    return ActionLine(
        case_number=action.case_number,
        action_id=action.action_id,
        description=action.description,
        unit=unit(action.owner_id),
        theme=action.theme,
        priority=_PRIORITY_LABELS[action.priority],
        status=_STATUS_LABELS[action.status],
        due=action.due,
        working_days_overdue=working_days_overdue(action, today),
        route=_ROUTE_LABELS[action.route],
    )


def _by_unit(tallies: Sequence[ActionTally], unit: Callable[[str], str]) -> tuple[UnitActions, ...]:
    open_: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for tally in tallies:
        name = unit(tally.group)
        if tally.status in (ActionStatus.COMPLETE, ActionStatus.NOT_DOING):
            done[name] += tally.count
        else:
            open_[name] += tally.count
            overdue[name] += tally.overdue
    units = sorted(set(open_) | set(done), key=lambda u: (u == UNIT_NOT_RECORDED, u.casefold()))
    return tuple(UnitActions(u, open_[u], overdue[u], done[u]) for u in units)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(quarter: tuple[int, int]) -> str:
    return f"{quarter[0]} Q{quarter[1]}"


def quarter_start(quarter: tuple[int, int]) -> datetime:
    """The first moment of the quarter, UK time (as an aware datetime)."""
    year, number = quarter
    return datetime(year, 3 * number - 2, 1, tzinfo=LONDON)


def next_quarter(quarter: tuple[int, int]) -> tuple[int, int]:
    year, number = quarter
    return (year + 1, 1) if number == 4 else (year, number + 1)


def quarters(first: date, last: date) -> list[tuple[int, int]]:
    """Every quarter from the one holding `first` to the one holding `last`."""
    found = []
    quarter = quarter_of(first)
    while quarter <= quarter_of(last):
        found.append(quarter)
        quarter = next_quarter(quarter)
    return found


async def themes_by_quarter(
    uow: UnitOfWork, cases: Sequence[CaseMilestones], *, now: datetime
) -> tuple[ThemeCount, ...]:
    """Agreed learning points by theme, per quarter, from the first case's quarter to this one (learning is
    recorded after a case is nominated, so nothing falls before)."""
    nominated = [c.nominated_at for c in cases if c.erased_at is None]
    if not nominated:
        return ()
    periods = quarters(_local(min(nominated)), local_today(now))
    tallies = await uow.oversight.learning_tallies(starts=[quarter_start(q) for q in periods])
    return tuple(
        ThemeCount(quarter_label(periods[t.period]), t.theme, t.count)
        for t in sorted(tallies, key=lambda t: (t.period, -t.count, t.theme))
        if t.count
    )


# --- The dashboard ------------------------------------------------------------------------------------------------


async def figures(
    *, uow: UnitOfWork, actor: Actor, now: datetime, unit_of: Callable[[str], str | None]
) -> OversightFigures:
    """The dashboard's figures: aggregated and anonymised, the same for everyone who oversees (the open actions case
    by case are a view of their own, `actions_by_case`)."""
    async with uow:
        await authorise(uow, actor, Permission.READ_OVERSIGHT, now=now, justification="oversight dashboard")
        today = local_today(now)
        cases = await uow.oversight.milestones()
        by_owner = await uow.oversight.action_tallies(today=today, by=TallyBy.OWNER)
        by_theme = await uow.oversight.action_tallies(today=today, by=TallyBy.THEME)
        themes = await themes_by_quarter(uow, cases, now=now)
        await uow.commit()
    unit = unit_namer(unit_of)
    stages = Counter(stage_of(c, now) for c in cases)
    statuses: Counter[ActionStatus] = Counter()
    themes_of_actions: Counter[str] = Counter()
    for tally in by_theme:
        statuses[tally.status] += tally.count
        themes_of_actions[tally.group] += tally.count
    return OversightFigures(
        as_of=today,
        cases_by_status=tuple(Count(stage.label, stages[stage]) for stage in CaseStage),
        timeliness=timeliness(cases, now=now),
        actions_by_status=tuple(Count(status.label, statuses[status]) for status in ActionStatus),
        actions_by_unit=_by_unit(by_owner, unit),
        actions_by_theme=tuple(
            Count(theme, n) for theme, n in sorted(themes_of_actions.items(), key=lambda item: (-item[1], item[0]))
        ),
        overdue_actions=sum(t.overdue for t in by_theme),
        themes_over_time=themes,
    )


async def actions_by_case(
    *, uow: UnitOfWork, actor: Actor, now: datetime, unit_of: Callable[[str], str | None]
) -> tuple[ActionLine, ...]:
    """The open actions case by case, most overdue first: the working group's and the review team's view alone (a
    board member asking is refused, and the refusal audited)."""
    async with uow:
        await authorise(uow, actor, Permission.READ_ACTIONS_BY_CASE, now=now, justification="oversight: actions")
        records = await uow.oversight.action_records(open_only=True)
        await uow.commit()
    return _in_overdue_order(records, today=local_today(now), unit=unit_namer(unit_of))


def _in_overdue_order(
    records: Iterable[ActionRecord], *, today: date, unit: Callable[[str], str]
) -> tuple[ActionLine, ...]:
    made = [action_line(a, today=today, unit=unit) for a in records]
    made.sort(key=lambda a: (-a.working_days_overdue, a.due, a.case_number, a.action_id))
    return tuple(made)


# --- Exports -----------------------------------------------------------------------------------------------------


class OversightExport(StrEnum):
    CASES = "cases"
    ACTIONS = "actions"
    THEMES = "themes"
    TIMELINESS = "timeliness"

    @property
    def permission(self) -> Permission:
        """Cases and actions are listed case by case; themes and timeliness are anonymised figures."""
        if self in (OversightExport.CASES, OversightExport.ACTIONS):
            return Permission.EXPORT_ACTIONS_BY_CASE
        return Permission.EXPORT_OVERSIGHT

    @property
    def heading(self) -> str:
        return {
            OversightExport.CASES: "Rapid debrief cases",
            OversightExport.ACTIONS: "Actions by case",
            OversightExport.THEMES: "Learning themes by quarter",
            OversightExport.TIMELINESS: "Timeliness against the default clocks",
        }[self]


async def export(
    *,
    uow: UnitOfWork,
    actor: Actor,
    now: datetime,
    kind: OversightExport,
    unit_of: Callable[[str], str | None],
) -> ExportTable:
    """A table for the board pack, for those whose role allows; audited as a disclosure to the person exporting it."""
    async with uow:
        await authorise(
            uow,
            actor,
            kind.permission,
            now=now,
            recipients=(f"person:{actor.user_id}",),
            justification=f"oversight export: {kind.value}",
        )
        today = local_today(now)
        cases = await uow.oversight.milestones()
        rows: list[tuple[Cell, ...]]
        match kind:
            case OversightExport.CASES:
                columns, rows = _cases_table(cases, now=now)
            case OversightExport.ACTIONS:
                unit = unit_namer(unit_of)
                columns = ACTION_COLUMNS
                rows = [
                    _action_row(action_line(a, today=today, unit=unit))
                    for a in await uow.oversight.action_records(open_only=False)
                ]
            case OversightExport.THEMES:
                columns = ("Quarter", "Theme", "Learning points")
                rows = [(t.period, t.theme, t.count) for t in await themes_by_quarter(uow, cases, now=now)]
            case OversightExport.TIMELINESS:
                columns = TIMELINESS_COLUMNS
                rows = [
                    (
                        s.step,
                        s.target_working_days,
                        s.cases,
                        s.median_working_days,
                        s.within_target,
                        s.waiting,
                    )
                    for s in timeliness(cases, now=now)
                ]
        await uow.commit()
    return ExportTable(
        name=kind.value,
        title=f"{kind.heading}, as at {today.day} {today:%B %Y}",
        columns=columns,
        rows=tuple(rows),
    )


ACTION_COLUMNS = (
    "Case number",
    "Action number",
    "Action",
    "Owner's unit",
    "Theme",
    "Priority",
    "Route",
    "Status",
    "Due",
    "Working days overdue",
)
TIMELINESS_COLUMNS = (
    "Step",
    "Target (working days)",
    "Cases that completed it",
    "Median (working days)",
    "Within target",
    "Still waiting",
)


def _action_row(line: ActionLine) -> tuple[Cell, ...]:
    return (
        line.case_number,
        line.action_id,
        line.description,
        line.unit,
        line.theme,
        line.priority,
        line.route,
        line.status,
        line.due,
        line.working_days_overdue,
    )


def _day(moment: datetime | None) -> date | None:
    return _local(moment) if moment is not None else None


def _cases_table(cases: Sequence[CaseMilestones], *, now: datetime) -> tuple[tuple[str, ...], list[tuple[Cell, ...]]]:
    """One row per case: its categories, the date each step was reached and the working days each took. No names."""
    columns = (
        "Case number",
        "Stage",
        "Offence type",
        "Domestic or non-domestic",
        "Homicide or near miss",
        "Policing area",
        "Incident",
        "Nominated",
        "Triage decision",
        "SIO consent",
        "Debrief meeting",
        "Learning and actions signed off",
        "Closed",
        *(f"{step.name} (working days)" for step in STEPS),
    )
    rows: list[tuple[Cell, ...]] = []
    for case in sorted(cases, key=lambda c: c.case_id):
        taken: list[Cell] = []
        for step in STEPS:
            start, end = _started(step, case, now), step.end(case, now)
            erased = case.erased_at is not None
            taken.append(
                None if erased or start is None or end is None else working_days_between(_local(start), _local(end))
            )
        rows.append(
            (
                case.case_number,
                stage_of(case, now).label,
                case.offence_type.label if case.offence_type else None,
                case.context.label if case.context else None,
                case.harm.label if case.harm else None,
                case.policing_area,
                _day(case.incident_at),
                _day(case.nominated_at),
                _day(case.triaged_at),
                _day(case.consent_at),
                _day(case.meeting_at),
                _day(case.signed_off_at),
                _day(case.closed_at),
                *taken,
            )
        )
    return columns, rows
