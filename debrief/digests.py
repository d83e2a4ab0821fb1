"""Scheduled summaries for those who oversee the debriefs: a weekly digest to the working group's channel and a
quarterly summary to the homicide prevention board's.

- The weekly digest goes on the first working day of each week, from 09:00 UK time: the actions that are overdue
  (case number, action, owner's unit, working days overdue) and the cases waiting on a step longer than its clock.
  A week with neither gets no message.
- The board's summary goes on the first working day of each quarter, from 09:00, about the quarter just ended:
  figures only (cases by stage, timeliness against the clocks, actions open, overdue and done, the themes most
  learnt from). No case numbers, no action text, no names. None before the first case.

Both from 09:00 until 17:00 on that day (a bank holiday moves it to the next working day); if no instance runs then,
that period's digest is not sent late. Each is sent once per period: the digest is recorded under its kind and period
(a unique key) in the same transaction as its outbox message, so a second instance doing the same round fails on the
key and sends nothing (a period with nothing to report is recorded too, without a message). The card itself is built
when the dispatcher sends it, from the figures as they are then: that read is the disclosure, audited with the
channel as its recipient.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from debrief import clocks
from debrief.errors import ConcurrentChange, NotFound
from debrief.learning import ActionStatus, local_today
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import LONDON
from debrief.oversight import (
    CaseMilestones,
    CaseStage,
    Count,
    StepTimeliness,
    TallyBy,
    WaitingStep,
    next_quarter,
    quarter_label,
    quarter_of,
    quarter_start,
    stage_of,
    timeliness,
    unit_namer,
    waiting_past_clock,
    working_days_overdue,
)
from debrief.permissions import SYSTEM, Permission, authorise
from debrief.ports import UnitOfWork

SEND_FROM = time(9, 0)
SEND_UNTIL = time(17, 0)
"""Digests go out from 09:00 up to 17:00, UK time, on working days."""
TOP_THEMES = 5


class DigestKind(StrEnum):
    WEEKLY = "weekly"
    QUARTERLY = "quarterly"

    @property
    def label(self) -> str:
        return "weekly digest" if self is DigestKind.WEEKLY else "quarterly board summary"

    @property
    def message_kind(self) -> MessageKind:
        return MessageKind.WEEKLY_DIGEST if self is DigestKind.WEEKLY else MessageKind.BOARD_SUMMARY

    @property
    def audience(self) -> Audience:
        return Audience.WORKING_GROUP_CHANNEL if self is DigestKind.WEEKLY else Audience.BOARD_CHANNEL


@dataclass(frozen=True)
class Digest:
    """A digest sent (or on its way): its kind and period ("2026-W48", "2026 Q3") are unique together."""

    kind: DigestKind
    period: str
    created_at: datetime
    id: int | None = None
    reported: bool = True
    """False when there was nothing to report: recorded, so that the period is not looked at again, but not sent."""


@dataclass(frozen=True)
class OverdueAction:
    case_number: str
    action_id: int
    description: str
    unit: str
    due: date
    working_days_overdue: int


@dataclass(frozen=True)
class WeeklyDigest:
    """For the working group: what to follow up this week."""

    period: str
    week_beginning: date
    as_of: datetime
    overdue: tuple[OverdueAction, ...]
    """Every overdue action, most overdue first (the card lists the first few)."""
    waiting: tuple[WaitingStep, ...]
    """Open cases waiting on a step longer than its clock, longest first."""
    open_actions: int


@dataclass(frozen=True)
class BoardSummary:
    """For the board: figures only, about one quarter and the process as it stands."""

    period: str
    as_of: datetime
    cases_by_stage: tuple[Count, ...]
    timeliness: tuple[StepTimeliness, ...]
    actions_open: int
    actions_overdue: int
    actions_done: int
    learning_points: int
    """Learning points agreed in the quarter."""
    top_themes: tuple[Count, ...]
    """The themes most learnt from in the quarter, most first."""


# --- When -------------------------------------------------------------------------------------------------------


def in_hours(now: datetime) -> bool:
    local = now.astimezone(LONDON)
    return clocks.is_working_day(local.date()) and SEND_FROM <= local.time() < SEND_UNTIL


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_beginning(period: str) -> date:
    """The Monday of an ISO week ("2026-W48" -> 23 November 2026)."""
    year, _, week = period.partition("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def due_digests(now: datetime) -> list[tuple[DigestKind, str]]:
    """The digests whose time has come, by kind and period (whether they were sent already is for storage to say):
    in working hours, from 09:00, on the first working day of a week (this week's digest) and of a quarter (the
    summary of the quarter before)."""
    if not in_hours(now):
        return []
    today = local_today(now)
    due = []
    if today == clocks.next_working_day(today - timedelta(days=today.weekday())):
        due.append((DigestKind.WEEKLY, week_of(today)))
    quarter = quarter_of(today)
    if today == clocks.next_working_day(quarter_start(quarter).date()):
        year, number = quarter
        due.append((DigestKind.QUARTERLY, quarter_label((year - 1, 4) if number == 1 else (year, number - 1))))
    return due


async def send_due_digests(*, uow: Callable[[], UnitOfWork], now: datetime) -> int:
    """One round of the scheduler: queue each digest now due and not yet sent; returns how many were queued."""
    queued = 0
    for kind, period in due_digests(now):
        try:
            queued += await _queue(uow(), kind, period, now=now)
        except ConcurrentChange:
            continue  # another instance queued it in the same round
    return queued


async def _queue(uow: UnitOfWork, kind: DigestKind, period: str, *, now: datetime) -> int:
    """Record the period's digest and queue it, or record that there is nothing to report (no message then): either
    way once. The channel is told (and that disclosure audited) when the dispatcher sends it."""
    async with uow:
        if await uow.digests.find(kind, period) is not None:
            return 0
        await authorise(uow, SYSTEM, Permission.SEND_DIGEST, now=now, justification=f"{kind.label} {period} prepared")
        reported = await _anything_to_report(uow, kind, period, now=now)
        digest = await uow.digests.add(Digest(kind, period, now, reported=reported))
        if reported:
            uow.outbox.add(OutboundMessage(kind.message_kind, None, kind.audience, subject_id=digest.id))
        await uow.commit()
        return 1 if reported else 0


async def _anything_to_report(uow: UnitOfWork, kind: DigestKind, period: str, *, now: datetime) -> bool:
    """A weekly digest with nothing overdue and nobody waiting past a clock, or a board summary of a quarter before
    any case, is not worth a message."""
    cases = await uow.oversight.milestones()
    if kind is DigestKind.QUARTERLY:
        ended = quarter_start(next_quarter(_quarter(period)))
        return any(c.nominated_at < ended for c in cases if c.erased_at is None)
    tallies = await uow.oversight.action_tallies(today=local_today(now), by=TallyBy.THEME)
    return any(t.overdue for t in tallies) or bool(waiting_past_clock(cases, now=now))


def _quarter(period: str) -> tuple[int, int]:
    """ "2026 Q3" -> (2026, 3)."""
    year, _, number = period.partition(" Q")
    return int(year), int(number)


# --- What goes in them -------------------------------------------------------------------------------------------


async def digest_for_message(
    *,
    uow: UnitOfWork,
    digest_id: int,
    now: datetime,
    recipients: tuple[str, ...],
    unit_of: Callable[[str], str | None],
) -> WeeklyDigest | BoardSummary:
    """The digest's content as the figures stand now, for the channel it is about to go to; logged as a disclosure."""
    async with uow:
        digest = await uow.digests.get(digest_id)
        if digest is None:
            raise NotFound(f"digest {digest_id} no longer exists")
        await authorise(
            uow,
            SYSTEM,
            Permission.SEND_DIGEST,
            now=now,
            recipients=recipients,
            justification=f"{digest.kind.label} {digest.period}",
        )
        today = local_today(now)
        cases = await uow.oversight.milestones()
        found: WeeklyDigest | BoardSummary
        if digest.kind is DigestKind.WEEKLY:
            unit = unit_namer(unit_of)
            records = await uow.oversight.action_records(open_only=True)
            overdue = [
                OverdueAction(
                    a.case_number, a.action_id, a.description, unit(a.owner_id), a.due, working_days_overdue(a, today)
                )
                for a in records
                if a.due < today
            ]
            overdue.sort(key=lambda a: (-a.working_days_overdue, a.due, a.case_number, a.action_id))
            found = WeeklyDigest(
                period=digest.period,
                week_beginning=week_beginning(digest.period),
                as_of=now,
                overdue=tuple(overdue),
                waiting=waiting_past_clock(cases, now=now),
                open_actions=len(records),
            )
        else:
            found = await _board_summary(uow, digest, cases=cases, now=now)
        await uow.commit()
        return found


async def _board_summary(
    uow: UnitOfWork, digest: Digest, *, cases: Sequence[CaseMilestones], now: datetime
) -> BoardSummary:
    today = local_today(now)
    tallies = await uow.oversight.action_tallies(today=today, by=TallyBy.THEME)
    quarter = _quarter(digest.period)
    learnt = await uow.oversight.learning_tallies(starts=[quarter_start(quarter), quarter_start(next_quarter(quarter))])
    themes: Counter[str] = Counter()
    for tally in learnt:
        if tally.period == 0:
            themes[tally.theme] += tally.count
    stages = Counter(stage_of(c, now) for c in cases)
    final = (ActionStatus.COMPLETE, ActionStatus.NOT_DOING)
    return BoardSummary(
        period=digest.period,
        as_of=now,
        cases_by_stage=tuple(Count(stage.label, stages[stage]) for stage in CaseStage if stages[stage]),
        timeliness=timeliness(cases, now=now),
        actions_open=sum(t.count for t in tallies if t.status not in final),
        actions_overdue=sum(t.overdue for t in tallies),
        actions_done=sum(t.count for t in tallies if t.status in final),
        learning_points=sum(themes.values()),
        top_themes=tuple(
            Count(theme, n) for theme, n in sorted(themes.items(), key=lambda item: (-item[1], item[0]))[:TOP_THEMES]
        ),
    )
