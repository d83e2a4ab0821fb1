"""Reminders about actions and their escalation: the clock rules (UK time, working days, working hours, both clock
changes), the weekly cadence while overdue, escalation once, and the scheduler's round on the fake unit of work."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from debrief import action_reminders, actions, outcomes
from debrief.action_reminders import (
    DUE_TODAY,
    ESCALATED,
    ReminderRules,
    due_reminders,
    in_hours,
    record_of,
    reminder_key,
    working_days_after,
    working_days_before,
)
from debrief.actions import RequestKind, StatusChange
from debrief.audit import AuditCategory
from debrief.errors import ConcurrentChange
from debrief.learning import Action, ActionStatus, Priority, Route
from debrief.messages import Audience, MessageKind
from debrief.model import LONDON, CaseStatus
from debrief.permissions import SYSTEM
from tests.support.cards import buttons, card_text, folded
from tests.support.people import OWEN, RUTH, TOM, actor
from tests.unit.cards.card_gallery import a_case, action_reminder_cards
from tests.unit.debrief.test_actions import circulated, update, working_group
from tests.unit.debrief.test_outcomes import AFTER, add_action, met
from tests.unit.fakes import FakeUnitOfWork


def uk(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment as a clock in England shows it (GMT or BST, whichever is in force)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def an_action(due: date, *, created: date | None = None, status: ActionStatus = ActionStatus.NOT_STARTED) -> Action:
    """A fictional action owned by Insp Tom Baird, recorded (and given to him) well before it is due."""
    made = created if created is not None else due - timedelta(days=60)
    return Action(
        case_id=1,
        description="Brief call handlers on linking repeat domestic calls to earlier reports.",
        owner=TOM,
        due=due,
        priority=Priority.HIGH,
        theme="Risk assessment and grading",
        route=Route.IN_FORCE,
        created_by=OWEN,
        created_at=datetime.combine(made, time(14, 0), tzinfo=LONDON),
        id=7,
        status=status,
    )


def timeline(
    action: Action, start: datetime, end: datetime, *, rules: ReminderRules | None = None, every_min: int = 30
):
    """Run the rules as the scheduler would, every `every_min` minutes, recording what is sent: (key, UK date)."""
    sent: set[str] = set()
    log: list[tuple[str, date]] = []
    moment = start
    while moment < end:
        keys = due_reminders(action, now=moment, sent=sent, rules=rules or ReminderRules())
        for key in keys:
            sent.add(key)
            log.append((key, moment.astimezone(LONDON).date()))
        moment += timedelta(minutes=every_min)
    return log


# --- The clock: working days and working hours, UK time ---------------------------------------------------------

CHRISTMAS_DUE = date(2026, 12, 18)
"""Friday 18 December 2026: the weekly reminders run into Christmas, Boxing Day (Monday 28th) and New Year."""


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (uk(2026, 12, 10, 12), []),  # six working days before: nothing yet
        (uk(2026, 12, 11, 7, 59), []),  # five working days before, but before working hours
        (uk(2026, 12, 11, 8, 0), ["due_in_5"]),
        (uk(2026, 12, 11, 17, 59), ["due_in_5"]),
        (uk(2026, 12, 11, 18, 0), []),  # the end of working hours is not in them
        (uk(2026, 12, 12, 10), []),  # Saturday
        (uk(2026, 12, 14, 10), ["due_in_5"]),  # missed on Friday: the next working-hours moment
        (uk(2026, 12, 17, 9), ["due_in_1"]),  # the day before: only the latest, never both
        (uk(2026, 12, 18, 9), [DUE_TODAY]),
        (uk(2026, 12, 21, 9), []),  # overdue by less than a week
        (uk(2026, 12, 25, 10), []),  # Christmas Day
        (uk(2026, 12, 28, 10), []),  # Boxing Day's substitute bank holiday
        (uk(2026, 12, 29, 10), ["overdue_1"]),  # five working days after the due date
        (uk(2027, 1, 1, 10), []),  # New Year's Day
        (uk(2027, 1, 6, 10), ["overdue_2", ESCALATED]),  # ten working days: the working group is told too
    ],
)
def test_each_reminder_comes_in_working_hours_on_its_working_day(moment: datetime, expected: list[str]) -> None:
    assert due_reminders(an_action(CHRISTMAS_DUE), now=moment, sent=set()) == expected


def test_over_christmas_each_reminder_goes_once_on_its_day_and_in_order() -> None:
    log = timeline(an_action(CHRISTMAS_DUE), uk(2026, 12, 1, 0), uk(2027, 1, 30, 0))
    assert log == [
        ("due_in_5", date(2026, 12, 11)),
        ("due_in_1", date(2026, 12, 17)),
        (DUE_TODAY, date(2026, 12, 18)),
        ("overdue_1", date(2026, 12, 29)),
        ("overdue_2", date(2027, 1, 6)),
        (ESCALATED, date(2027, 1, 6)),
        ("overdue_3", date(2027, 1, 13)),
        ("overdue_4", date(2027, 1, 20)),
        ("overdue_5", date(2027, 1, 27)),
    ]
    assert all(date(2026, 12, 1) <= day and day.weekday() < 5 for _, day in log)


def test_working_days_are_counted_over_weekends_and_bank_holidays() -> None:
    assert working_days_before(date(2026, 12, 18), 5) == date(2026, 12, 11)
    assert working_days_before(date(2027, 1, 6), 5) == date(2026, 12, 29)  # over New Year's Day and Christmas
    assert working_days_after(date(2026, 12, 18), date(2026, 12, 29)) == 5
    assert working_days_after(date(2026, 12, 18), date(2026, 12, 18)) == 0
    assert working_days_after(date(2026, 12, 18), date(2026, 12, 1)) == 0


def test_easter_is_not_a_working_time() -> None:
    due = date(2027, 3, 30)  # Tuesday after Easter Monday (29 March 2027), Good Friday 26 March
    assert working_days_before(due, 1) == date(2027, 3, 25)
    assert working_days_before(due, 5) == date(2027, 3, 19)
    action = an_action(due)
    assert due_reminders(action, now=uk(2027, 3, 25, 9), sent=set()) == ["due_in_1"]
    assert due_reminders(action, now=uk(2027, 3, 26, 9), sent=set()) == []  # Good Friday
    assert due_reminders(action, now=uk(2027, 3, 29, 9), sent=set()) == []  # Easter Monday
    assert due_reminders(action, now=uk(2027, 3, 30, 9), sent=set()) == [DUE_TODAY]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Friday 27 March 2026 is still GMT: UK time is UTC.
        (utc(2026, 3, 27, 7, 59), []),
        (utc(2026, 3, 27, 8, 0), ["due_in_1"]),
        (utc(2026, 3, 27, 17, 59), ["due_in_1"]),
        (utc(2026, 3, 27, 18, 0), []),
        # Sunday 29 March 2026, the clocks go forward at 01:00 UTC: a Sunday, so nothing at any hour.
        (utc(2026, 3, 29, 0, 30), []),
        (utc(2026, 3, 29, 10, 0), []),
        # Monday 30 March 2026 is BST: 08:00 in England is 07:00 UTC, 18:00 is 17:00 UTC.
        (utc(2026, 3, 30, 6, 59), []),
        (utc(2026, 3, 30, 7, 0), [DUE_TODAY]),
        (utc(2026, 3, 30, 16, 59), [DUE_TODAY]),
        (utc(2026, 3, 30, 17, 0), []),
        (utc(2026, 3, 30, 17, 30), []),  # 18:30 BST, though before 18:00 UTC
    ],
)
def test_the_clocks_going_forward_in_march_move_working_hours_with_them(moment: datetime, expected: list[str]) -> None:
    assert due_reminders(an_action(date(2026, 3, 30)), now=moment, sent=set()) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Friday 23 October 2026 is BST.
        (utc(2026, 10, 23, 6, 59), []),
        (utc(2026, 10, 23, 7, 0), ["due_in_1"]),
        (utc(2026, 10, 23, 17, 0), []),
        # Sunday 25 October 2026, the clocks go back at 01:00 UTC (01:00 to 02:00 BST happens twice): a Sunday.
        (utc(2026, 10, 25, 0, 30), []),
        (utc(2026, 10, 25, 1, 30), []),
        # Monday 26 October 2026 is GMT again: UK time is UTC.
        (utc(2026, 10, 26, 7, 0), []),
        (utc(2026, 10, 26, 7, 59), []),
        (utc(2026, 10, 26, 8, 0), [DUE_TODAY]),
        (utc(2026, 10, 26, 17, 30), [DUE_TODAY]),
        (utc(2026, 10, 26, 18, 0), []),
    ],
)
def test_the_clocks_going_back_in_october_move_working_hours_with_them(moment: datetime, expected: list[str]) -> None:
    assert due_reminders(an_action(date(2026, 10, 26)), now=moment, sent=set()) == expected


def test_the_uk_date_decides_the_day_not_the_utc_date() -> None:
    """Half an hour after midnight BST on Monday is still Sunday in UTC: with hours that start at midnight, Monday's
    reminder is due then, and Sunday (UK) never has one."""
    all_day = ReminderRules(start=time(0, 0), end=time(23, 59))
    action = an_action(date(2026, 3, 30))
    assert due_reminders(action, now=utc(2026, 3, 29, 23, 30), sent=set(), rules=all_day) == [DUE_TODAY]
    assert due_reminders(action, now=utc(2026, 3, 29, 22, 30), sent=set(), rules=all_day) == []  # 23:30 BST Sunday
    # In October the other way: 23:30 UTC on Sunday 25 October is 23:30 GMT, still Sunday.
    assert not in_hours(utc(2026, 10, 25, 23, 30), all_day)
    assert in_hours(utc(2026, 10, 25, 23, 30) + timedelta(hours=1), all_day)  # 00:30 on Monday


def test_a_full_timeline_across_the_spring_clock_change_sends_each_once() -> None:
    log = timeline(an_action(date(2026, 3, 30)), utc(2026, 3, 16, 0), utc(2026, 4, 30, 0), every_min=15)
    assert log == [
        ("due_in_5", date(2026, 3, 23)),
        ("due_in_1", date(2026, 3, 27)),
        (DUE_TODAY, date(2026, 3, 30)),
        # Good Friday (3 April) and Easter Monday (6 April 2026) are not working days.
        ("overdue_1", date(2026, 4, 8)),
        ("overdue_2", date(2026, 4, 15)),
        (ESCALATED, date(2026, 4, 15)),
        ("overdue_3", date(2026, 4, 22)),
        ("overdue_4", date(2026, 4, 29)),
    ]


def test_working_hours_can_be_set() -> None:
    late_start = ReminderRules(start=time(10, 0), end=time(16, 0))
    action = an_action(CHRISTMAS_DUE)
    assert due_reminders(action, now=uk(2026, 12, 18, 9, 30), sent=set(), rules=late_start) == []
    assert due_reminders(action, now=uk(2026, 12, 18, 10, 0), sent=set(), rules=late_start) == [DUE_TODAY]
    assert due_reminders(action, now=uk(2026, 12, 18, 16, 0), sent=set(), rules=late_start) == []


# --- Which reminder: never stale, never two at once --------------------------------------------------------------


def test_a_before_reminder_is_never_sent_stale() -> None:
    action = an_action(CHRISTMAS_DUE)
    # Nothing was sent before (no instance was running): on the due date only "due today".
    assert due_reminders(action, now=uk(2026, 12, 18, 10), sent=set()) == [DUE_TODAY]
    # On the day before, only "due in 1", never "due in 5" as well.
    assert due_reminders(action, now=uk(2026, 12, 17, 10), sent=set()) == ["due_in_1"]
    # "Due today" is not sent late: the day after the due date nothing goes until the first weekly reminder.
    assert due_reminders(action, now=uk(2026, 12, 21, 10), sent=set()) == []
    # A weekly reminder missed on its day still goes until the next one is due.
    assert due_reminders(action, now=uk(2027, 1, 4, 10), sent=set()) == ["overdue_1"]


def test_the_days_before_can_be_set() -> None:
    three_and_two = ReminderRules(before=(3, 2), escalate_after=15)
    log = timeline(an_action(CHRISTMAS_DUE), uk(2026, 12, 1, 0), uk(2027, 1, 14, 0), rules=three_and_two)
    assert log[:3] == [("due_in_3", date(2026, 12, 15)), ("due_in_2", date(2026, 12, 16)), (DUE_TODAY, CHRISTMAS_DUE)]
    assert (ESCALATED, date(2027, 1, 13)) in log  # fifteen working days overdue
    none_before = ReminderRules(before=())
    assert timeline(an_action(CHRISTMAS_DUE), uk(2026, 12, 1, 0), uk(2026, 12, 19, 0), rules=none_before) == [
        (DUE_TODAY, CHRISTMAS_DUE)
    ]


def test_nothing_goes_on_or_before_the_day_the_owner_was_given_the_action() -> None:
    due = date(2026, 12, 9)  # Wednesday; given on Thursday 3 December, four working days before
    action = an_action(due, created=date(2026, 12, 1))
    given = date(2026, 12, 3)
    # Five working days before was Wednesday 2 December, before the owner had it: not sent late either.
    assert due_reminders(action, now=uk(2026, 12, 3, 15), sent=set(), assigned_on=given) == []
    assert due_reminders(action, now=uk(2026, 12, 7, 9), sent=set(), assigned_on=given) == []
    assert due_reminders(action, now=uk(2026, 12, 8, 9), sent=set(), assigned_on=given) == ["due_in_1"]
    # By default, the day it was recorded.
    assert due_reminders(action, now=uk(2026, 12, 3, 15), sent=set()) == ["due_in_5"]


def test_an_action_given_out_already_overdue_is_escalated_counting_from_that_day() -> None:
    action = an_action(date(2026, 11, 2), created=date(2026, 10, 1))
    given = date(2026, 12, 1)  # a month overdue when the SIO's approval circulated it
    assert due_reminders(action, now=uk(2026, 12, 1, 15), sent=set(), assigned_on=given) == []
    assert due_reminders(action, now=uk(2026, 12, 14, 9), sent={"overdue_6"}, assigned_on=given) == []
    assert due_reminders(action, now=uk(2026, 12, 15, 9), sent={"overdue_6"}, assigned_on=given) == [ESCALATED]


# --- Weekly while overdue, escalation once, nothing for closed actions -------------------------------------------


def test_weekly_while_overdue_every_five_working_days() -> None:
    due = date(2026, 11, 6)  # Friday; no bank holiday until Christmas
    log = timeline(an_action(due), uk(2026, 11, 9, 0), uk(2026, 12, 12, 0))
    assert log == [
        ("overdue_1", date(2026, 11, 13)),
        ("overdue_2", date(2026, 11, 20)),
        (ESCALATED, date(2026, 11, 20)),
        ("overdue_3", date(2026, 11, 27)),
        ("overdue_4", date(2026, 12, 4)),
        ("overdue_5", date(2026, 12, 11)),
    ]


def test_escalation_is_once_and_after_the_configured_working_days() -> None:
    rules = ReminderRules(escalate_after=3)
    action = an_action(CHRISTMAS_DUE)
    assert due_reminders(action, now=uk(2026, 12, 22, 10), sent=set(), rules=rules) == []  # two working days
    assert due_reminders(action, now=uk(2026, 12, 23, 10), sent=set(), rules=rules) == [ESCALATED]
    assert due_reminders(action, now=uk(2026, 12, 23, 11), sent={ESCALATED}, rules=rules) == []
    assert due_reminders(action, now=uk(2027, 2, 1, 11), sent={ESCALATED}, rules=rules) == ["overdue_5"]


@pytest.mark.parametrize("status", [ActionStatus.COMPLETE, ActionStatus.NOT_DOING])
def test_a_complete_or_not_doing_action_is_never_reminded_or_escalated(status: ActionStatus) -> None:
    assert timeline(an_action(CHRISTMAS_DUE, status=status), uk(2026, 12, 1, 0), uk(2027, 2, 1, 0), every_min=60) == []


@pytest.mark.parametrize("status", [ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED])
def test_an_action_under_way_is_still_reminded(status: ActionStatus) -> None:
    assert due_reminders(an_action(CHRISTMAS_DUE, status=status), now=uk(2026, 12, 18, 9), sent=set()) == [DUE_TODAY]


def test_the_key_as_the_action_stands_names_what_the_reminder_card_says() -> None:
    action = an_action(CHRISTMAS_DUE)
    assert reminder_key(action, today=date(2026, 12, 11)) == "due_in_5"
    assert reminder_key(action, today=date(2026, 12, 14)) == "due_in_4"
    assert reminder_key(action, today=CHRISTMAS_DUE) == DUE_TODAY
    assert reminder_key(action, today=date(2026, 12, 21)) == "overdue_1"
    assert reminder_key(action, today=date(2027, 1, 6)) == "overdue_2"


def test_a_record_names_the_action_its_due_date_and_the_reminder_within_the_column() -> None:
    action = an_action(CHRISTMAS_DUE)
    assert record_of(action, "due_in_5") == "a7:261218:due_in_5"
    biggest = replace(action, id=9_999_999_999)
    assert len(record_of(biggest, "overdue_999")) <= action_reminders.RECORD_CHARS
    assert len(record_of(biggest, "due_in_260")) <= action_reminders.RECORD_CHARS
    assert action_reminders.sent_keys(
        {(TOM.user_id, "a7:261218:due_in_5"), (TOM.user_id, "a7:261204:due_in_1"), (TOM.user_id, "a17:261218:x")},
        action,
    ) == {"due_in_5"}


# --- The scheduler's round, on the fake unit of work ---------------------------------------------------------------
# The circulated action (tests/unit/debrief/test_actions.py) is Tom's, given to him on Friday 4 December 2026 and due
# on Wednesday 6 January 2027: five working days before is Tuesday 29 December (after Christmas and the Monday
# bank holiday, and before New Year's Day).


async def round_at(uow: FakeUnitOfWork, moment: datetime, rules: ReminderRules | None = None) -> int:
    return await action_reminders.send_due_action_reminders(
        uow=lambda: uow, now=moment, rules=rules or ReminderRules(), working_group="channel:working-group-test"
    )


async def test_the_owner_is_reminded_once_each_time_through_the_outbox() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    assert await round_at(uow, uk(2026, 12, 28, 10)) == 0  # bank holiday
    assert await round_at(uow, uk(2026, 12, 29, 7, 30)) == 0  # before working hours
    assert await round_at(uow, uk(2026, 12, 29, 8, 0)) == 1
    message = uow.committed_messages[-1]
    assert (message.kind, message.audience, message.person_id, message.subject_id) == (
        MessageKind.ACTION_REMINDER,
        Audience.PERSON,
        TOM.user_id,
        action_id,
    )
    record = uow.committed_audit[-1]
    assert record.actor_id == SYSTEM.user_id and record.category is AuditCategory.ALTERATION
    assert record.recipients == (f"person:{TOM.user_id}",)
    assert await round_at(uow, uk(2026, 12, 29, 8, 1)) == 0  # the same round again, or another instance's
    assert await round_at(uow, uk(2026, 12, 31, 10)) == 0
    assert await round_at(uow, uk(2027, 1, 5, 10)) == 1
    assert await round_at(uow, uk(2027, 1, 6, 10)) == 1
    sent = sorted(reminder for (_, _, reminder) in uow.reminders.records)
    assert sent == [f"a{action_id}:270106:due_in_1", f"a{action_id}:270106:due_in_5", f"a{action_id}:270106:due_today"]


async def test_escalation_reaches_the_working_group_channel_once() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    assert await round_at(uow, uk(2027, 1, 20, 10)) == 2  # ten working days overdue: the owner and the working group
    kinds = [(m.kind, m.audience, m.person_id, m.subject_id) for m in uow.committed_messages[-2:]]
    assert kinds == [
        (MessageKind.ACTION_REMINDER, Audience.PERSON, TOM.user_id, action_id),
        (MessageKind.ACTION_ESCALATED, Audience.WORKING_GROUP_CHANNEL, None, action_id),
    ]
    assert uow.committed_audit[-1].recipients == (f"person:{TOM.user_id}", "channel:working-group-test")
    assert ("working-group", f"a{action_id}:270106:escalated") in {(u, r) for (_, u, r) in uow.reminders.records}
    assert await round_at(uow, uk(2027, 1, 21, 10)) == 0
    assert await round_at(uow, uk(2027, 1, 27, 10)) == 1  # the next weekly reminder; no second escalation
    assert uow.committed_messages[-1].kind is MessageKind.ACTION_REMINDER


async def test_a_completed_action_gets_nothing() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    await update(uow, action_id, StatusChange.COMPLETE, note="Guidance v4 published on 2 March; briefed.")
    before = len(uow.committed_messages)
    for moment in (uk(2026, 12, 29, 10), uk(2027, 1, 6, 10), uk(2027, 1, 20, 10), uk(2027, 3, 1, 10)):
        assert await round_at(uow, moment) == 0
    assert len(uow.committed_messages) == before and not uow.reminders.records


async def test_nothing_is_sent_about_an_action_the_sio_has_not_approved() -> None:
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    await add_action(uow, case_id)
    await outcomes.request_sign_off(uow=uow, actor=actor(OWEN), case_id=case_id, now=AFTER)
    assert await uow.actions.open() == []
    assert await round_at(uow, uk(2027, 1, 6, 10)) == 0
    assert await round_at(uow, uk(2027, 1, 20, 10)) == 0
    assert not uow.reminders.records


async def test_an_action_added_after_circulation_waits_for_the_next_approval() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    case_id = uow.outcomes.actions[action_id].case_id
    later = AFTER + timedelta(hours=1)
    await add_action(uow, case_id, now=later, actionDueWorkingDays="3")
    [newer] = [a for a in uow.outcomes.actions.values() if a.id != action_id]
    assert [a.id for a in await uow.actions.open()] == [action_id]
    assert await round_at(uow, uk(2026, 12, 9, 10)) == 0  # the newer one's due date: not given to its owner yet
    assert newer.id not in {m.subject_id for m in uow.committed_messages if m.kind is MessageKind.ACTION_REMINDER}


async def test_a_new_due_date_starts_the_reminders_again() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    assert await round_at(uow, uk(2027, 1, 6, 10)) == 1  # due today
    asked_on = uk(2027, 1, 6, 11)
    await actions.request_change(
        uow=uow,
        actor=actor(TOM),
        action_id=action_id,
        kind=RequestKind.DUE_DATE,
        reason="The training team can only run the sessions later in January.",
        due_in_working_days="10",
        now=asked_on,
    )
    decided = await actions.decide_request(
        uow=uow, actor=working_group(), action_id=action_id, approve=True, now=asked_on
    )
    assert decided.action.due == date(2027, 1, 20)
    assert await round_at(uow, uk(2027, 1, 13, 10)) == 1  # five working days before the new date
    assert await round_at(uow, uk(2027, 1, 20, 10)) == 1  # due today, again: for the new date
    assert uow.committed_messages[-1].kind is MessageKind.ACTION_REMINDER


async def test_another_instance_sending_the_same_reminder_first_is_skipped() -> None:
    uow = FakeUnitOfWork()
    await circulated(uow)
    assert await round_at(uow, uk(2026, 12, 29, 10)) == 1
    sent_before = len(uow.committed_messages)

    async def stale(case_id: int) -> set[tuple[str, str]]:
        return set()  # as an instance that read before the other committed

    uow.reminders.sent = stale  # type: ignore[method-assign]
    assert await round_at(uow, uk(2026, 12, 29, 10, 1)) == 0
    assert len(uow.committed_messages) == sent_before


async def test_a_round_outside_working_hours_reads_nothing() -> None:
    uow = FakeUnitOfWork()
    await circulated(uow)

    async def refuse() -> list[Action]:
        raise ConcurrentChange("must not be read out of hours")

    uow.actions.open = refuse  # type: ignore[method-assign]
    assert await round_at(uow, uk(2027, 1, 6, 19)) == 0
    assert await round_at(uow, uk(2027, 1, 9, 10)) == 0  # Saturday


async def test_the_day_the_sio_approves_it_is_not_a_reminder() -> None:
    """The owner's own card says when it is due: no reminder on the day the SIO's approval circulated it."""
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    await add_action(uow, case_id, actionDueWorkingDays="1")  # due Monday 7 December
    await outcomes.request_sign_off(uow=uow, actor=actor(OWEN), case_id=case_id, now=AFTER)
    await outcomes.answer_sign_off(uow=uow, actor=actor(RUTH), case_id=case_id, approve=True, comment=None, now=AFTER)
    assert await round_at(uow, AFTER + timedelta(minutes=5)) == 0  # Friday, "due in 1 working day"'s own day
    assert await round_at(uow, uk(2026, 12, 7, 9)) == 1
    assert uow.committed_messages[-1].kind is MessageKind.ACTION_REMINDER


# --- The cards: what the owner and the working group read ---------------------------------------------------------


def test_the_reminder_says_when_it_is_due_and_keeps_the_actions_buttons() -> None:
    cards = action_reminder_cards()
    for name, says in (
        ("reminder of an action, due in 5 working days", "It is due in 5 working days, on Fri 18 Dec 2026."),
        ("reminder of an action, due tomorrow", "It is due tomorrow, Fri 18 Dec 2026."),
        ("reminder of an action, due on the next working day", "It is due on Mon 21 Dec 2026, the next working day."),
        ("reminder of an action, due today", "It is due today, Fri 18 Dec 2026."),
        ("reminder of an action, overdue", "It was due 10 working days ago."),
    ):
        text = card_text(cards[name])
        assert says in text, name
        assert "Action 1 for RD-2026-0001" in text
        assert {"Complete", "A new due date"} <= set(folded(cards[name])), name
    assert "Start" in buttons(cards["reminder of an action, due today"])


def test_the_escalation_names_the_action_its_owner_due_date_and_status_for_the_working_group() -> None:
    card = action_reminder_cards()["overdue action escalated, blocked with a request waiting"]
    text = card_text(card)
    for says in (
        "Overdue: Action 1 for RD-2026-0001",
        "Please follow it up with Insp Tom Baird",
        "Fri 18 Dec 2026 · 10 working days overdue",
        "Blocked, by Insp Tom Baird",
        "a new due date of Fri 15 Jan 2027",
    ):
        assert says in text, says
    opened = buttons(card)["Open the action"]
    assert opened["verb"] == "action.open" and opened["data"]["actionId"] == 1


def test_the_cards_are_gentle_and_show_no_case_detail() -> None:
    nomination = a_case(CaseStatus.ACCEPTED).nomination
    for name, card in action_reminder_cards().items():
        text = json.dumps(card)
        for detail in (
            nomination.incident_reference,
            nomination.operation_name,
            nomination.policing_area,
            nomination.scope_reason,
            "Victim A",
            "Suspect B",
            RUTH.name,
        ):
            assert detail is not None and detail not in text, (name, detail)
        assert "RD-2026-0001" in card_text(card), name
        words = card_text(card).lower().replace("learning, not blame", "")
        for word in ("blame", "fault", "failed", "failure", "culpab", "negligen"):
            assert word not in words, (name, word)
