"""The working group's weekly digest and the board's quarterly summary: when they are due (UK time, working days,
from 09:00), each queued once per period through the outbox with its record, what each says, and the cards."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime

import pytest

from cards.oversight import LISTED, board_summary, weekly_digest
from debrief.digests import (
    BoardSummary,
    Digest,
    DigestKind,
    OverdueAction,
    WeeklyDigest,
    digest_for_message,
    due_digests,
    send_due_digests,
)
from debrief.errors import NotFound
from debrief.messages import Audience, MessageKind
from debrief.model import LONDON
from debrief.permissions import SYSTEM
from tests.support.cards import card_text
from tests.support.oversight import BLOCKED_TEXT, NAMES, NOW, OVERDUE_TEXT, a_caseload
from tests.support.people import DIRECTORY
from tests.unit.fakes import FakeUnitOfWork

WORKING_GROUP = "channel:19:rapid-debrief-working-group@thread.tacv2"
BOARD = "channel:19:homicide-prevention-board@thread.tacv2"


def uk(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (uk(2026, 11, 23, 8, 59), []),  # Monday, before 09:00
        (uk(2026, 11, 23, 9, 0), [(DigestKind.WEEKLY, "2026-W48")]),
        (uk(2026, 11, 23, 16, 59), [(DigestKind.WEEKLY, "2026-W48")]),
        (uk(2026, 11, 23, 17, 0), []),  # after working hours
        (uk(2026, 11, 24, 10, 0), []),  # Tuesday: the week's digest day has passed
        (uk(2026, 11, 28, 10, 0), []),  # Saturday
        (uk(2026, 8, 31, 10, 0), []),  # the summer bank holiday: the week's first working day is Tuesday
        (uk(2026, 9, 1, 9, 30), [(DigestKind.WEEKLY, "2026-W36")]),
        # Friday 1 January 2027 is a bank holiday; Monday 4 January is the quarter's first working day.
        (uk(2027, 1, 1, 10, 0), []),
        (uk(2027, 1, 4, 9, 0), [(DigestKind.WEEKLY, "2027-W01"), (DigestKind.QUARTERLY, "2026 Q4")]),
        (uk(2027, 1, 5, 9, 0), []),
        # Wednesday 1 April 2026 (BST) starts a quarter, mid-week: 08:30 UTC is 09:30 UK time.
        (datetime(2026, 4, 1, 8, 30, tzinfo=UTC), [(DigestKind.QUARTERLY, "2026 Q1")]),
        (datetime(2026, 4, 1, 7, 30, tzinfo=UTC), []),
    ],
)
def test_digests_are_due_on_the_first_working_day_from_nine_uk_time(
    moment: datetime, due: list[tuple[DigestKind, str]]
) -> None:
    assert due_digests(moment) == due


async def test_each_digest_is_queued_once_per_period_with_its_record() -> None:
    uow = FakeUnitOfWork()
    await a_caseload(lambda: uow)
    uow.committed_audit.clear()
    monday = uk(2027, 1, 4, 9, 5)
    assert await send_due_digests(uow=lambda: uow, now=monday) == 2
    weekly, quarterly = uow.committed_messages
    assert (weekly.kind, weekly.audience, weekly.case_id) == (
        MessageKind.WEEKLY_DIGEST,
        Audience.WORKING_GROUP_CHANNEL,
        None,
    )
    assert (quarterly.kind, quarterly.audience, quarterly.case_id) == (
        MessageKind.BOARD_SUMMARY,
        Audience.BOARD_CHANNEL,
        None,
    )
    stored = {d.id: (d.kind, d.period, d.reported) for d in uow.digests.stored.values()}
    assert stored == {
        weekly.subject_id: (DigestKind.WEEKLY, "2027-W01", True),
        quarterly.subject_id: (DigestKind.QUARTERLY, "2026 Q4", True),
    }
    # Prepared by Rapid Debrief itself; the disclosure to each channel is audited when it is sent.
    assert [(r.actor_id, r.action, r.justification) for r in uow.committed_audit] == [
        (SYSTEM.user_id, "oversight.digest.send", "weekly digest 2027-W01 prepared"),
        (SYSTEM.user_id, "oversight.digest.send", "quarterly board summary 2026 Q4 prepared"),
    ]
    # Every later round that day finds them recorded, and looks no further.
    for later in (uk(2027, 1, 4, 9, 6), uk(2027, 1, 4, 16, 0)):
        assert await send_due_digests(uow=lambda: uow, now=later) == 0
    assert len(uow.committed_messages) == 2 and len(uow.committed_audit) == 2
    # Next Monday: the next weekly digest, and no second board summary.
    next_monday = uk(2027, 1, 11, 9, 0)
    assert await send_due_digests(uow=lambda: uow, now=next_monday) == 1
    assert uow.committed_messages[-1].kind is MessageKind.WEEKLY_DIGEST
    assert len(uow.digests.stored) == 3


async def test_a_period_with_nothing_to_report_is_recorded_once_without_a_message() -> None:
    uow = FakeUnitOfWork()  # no case at all: nothing overdue, nobody waiting, no quarter to summarise
    monday = uk(2027, 1, 4, 9, 0)
    for minute in range(3):
        moment = monday.replace(minute=minute)
        assert await send_due_digests(uow=lambda: uow, now=moment) == 0
    assert uow.committed_messages == []
    assert sorted((d.kind, d.period, d.reported) for d in uow.digests.stored.values()) == [
        (DigestKind.QUARTERLY, "2026 Q4", False),
        (DigestKind.WEEKLY, "2027-W01", False),
    ]
    assert len(uow.committed_audit) == 2  # looked at once each, not every round


async def test_nothing_is_queued_outside_the_digest_days_and_hours() -> None:
    uow = FakeUnitOfWork()
    await a_caseload(lambda: uow)
    uow.committed_audit.clear()
    for moment in (uk(2027, 1, 4, 8, 0), uk(2027, 1, 2, 10, 0), uk(2027, 1, 4, 17, 30), uk(2027, 1, 6, 10, 0)):
        assert await send_due_digests(uow=lambda: uow, now=moment) == 0
    assert uow.committed_messages == [] and uow.committed_audit == [] and uow.digests.stored == {}


async def test_another_instance_queuing_the_same_digest_sends_nothing_twice() -> None:
    uow = FakeUnitOfWork()
    await a_caseload(lambda: uow)
    uow.committed_audit.clear()
    monday = uk(2026, 11, 23, 9, 0)
    await uow.digests.add(Digest(DigestKind.WEEKLY, "2026-W48", monday))  # another instance, a moment ago

    async def not_seen_yet(kind: DigestKind, period: str) -> Digest | None:
        return None  # our look came before the other instance's commit

    uow.digests.find = not_seen_yet  # type: ignore[method-assign]
    assert await send_due_digests(uow=lambda: uow, now=monday) == 0
    assert uow.committed_messages == [] and uow.committed_audit == []
    assert len(uow.digests.stored) == 1


async def test_the_weekly_digest_lists_overdue_actions_and_cases_waiting_past_their_clock() -> None:
    uow = FakeUnitOfWork()
    made = await a_caseload(lambda: uow)
    monday = uk(2026, 11, 23, 9, 0)  # this week's digest, sent as of Thursday 26 November
    await send_due_digests(uow=lambda: uow, now=monday)
    [message] = uow.committed_messages
    assert message.subject_id is not None
    found = await digest_for_message(
        uow=uow, digest_id=message.subject_id, now=NOW, recipients=(WORKING_GROUP,), unit_of=DIRECTORY.unit_of
    )
    assert isinstance(found, WeeklyDigest)
    assert (found.period, found.week_beginning, found.open_actions) == ("2026-W48", date(2026, 11, 23), 3)
    late, later = made.actions["overdue"], made.actions["overdue_later"]
    assert found.overdue == (
        OverdueAction("RD-2026-0008", late, OVERDUE_TEXT, "Force Control Room", date(2026, 10, 30), 19),
        OverdueAction(
            "RD-2026-0008", later, "Brief call handlers on grading.", "Unit not recorded",
            date(2026, 11, 20), 4,
        ),
    )  # fmt: skip
    assert [(w.case_number, w.step) for w in found.waiting] == [
        ("RD-2026-0006", "Incident to debrief meeting"),
        ("RD-2026-0002", "Nomination to triage decision"),
    ]
    text = card_text(weekly_digest(found))
    assert "OFFICIAL-SENSITIVE" in text and "Week beginning Monday 23 November 2026" in text
    assert "**RD-2026-0008** · action 1 · Force Control Room" in text and "19 working days overdue" in text
    assert "**RD-2026-0006**: incident to debrief meeting, waiting 64 working days (the clock is 10" in text
    assert BLOCKED_TEXT not in text  # blocked but not yet due: not overdue
    for name in NAMES:
        assert name not in text
    assert uow.committed_audit[-1].recipients == (WORKING_GROUP,)
    assert uow.committed_audit[-1].justification == "weekly digest 2026-W48"


async def test_the_board_summary_has_figures_only() -> None:
    uow = FakeUnitOfWork()
    await a_caseload(lambda: uow)
    thursday = uk(2026, 10, 1, 9, 30)  # the first working day of 2026 Q4: the summary of Q3
    await send_due_digests(uow=lambda: uow, now=thursday)
    board = next(m for m in uow.committed_messages if m.kind is MessageKind.BOARD_SUMMARY)
    assert board.subject_id is not None
    found = await digest_for_message(
        uow=uow, digest_id=board.subject_id, now=NOW, recipients=(BOARD,), unit_of=DIRECTORY.unit_of
    )
    assert isinstance(found, BoardSummary)
    assert found.period == "2026 Q3"
    assert (found.actions_open, found.actions_overdue, found.actions_done) == (3, 2, 3)
    assert found.learning_points == 1 and [(c.label, c.count) for c in found.top_themes] == [
        ("Risk assessment and grading", 1)
    ]
    assert ("Erased", 1) in [(c.label, c.count) for c in found.cases_by_stage]
    everything = json.dumps(asdict(found), default=str) + card_text(board_summary(found))
    assert "RD-2026" not in everything and OVERDUE_TEXT not in everything
    for name in NAMES:
        assert name not in everything
    text = card_text(board_summary(found))
    assert "Quarterly summary for the homicide prevention board: 2026 Q3" in text and "OFFICIAL-SENSITIVE" in text
    assert "median 0 (clock 1); 7 of 7 within the clock; 2 waiting" in text


async def test_a_digest_that_no_longer_exists_is_not_sent() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(NotFound):
        await digest_for_message(uow=uow, digest_id=7, now=NOW, recipients=(BOARD,), unit_of=DIRECTORY.unit_of)


def test_a_long_digest_lists_the_first_few_and_counts_the_rest() -> None:
    overdue = tuple(
        OverdueAction(f"RD-2026-{n:04d}", n, f"Fictional action {n}.", "Force Control Room", date(2026, 10, 1), 40 - n)
        for n in range(1, 24)
    )
    card = weekly_digest(WeeklyDigest("2026-W48", date(2026, 11, 23), NOW, overdue, (), 40))
    text = card_text(card)
    assert f"RD-2026-{LISTED:04d}" in text and f"RD-2026-{LISTED + 1:04d}" not in text
    assert "And 8 more: the oversight dashboard lists them all." in text
    assert "No case is waiting on a step past its clock." in text
