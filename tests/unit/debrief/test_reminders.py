"""Reminders: before the deadline and on it, in working hours, once each, only to those who have added nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from debrief import reminders
from debrief.messages import MessageKind
from debrief.reminders import Reminder, is_due
from tests.support.people import JORDAN, MORGAN, TOM, actor
from tests.unit.debrief.test_entries import add, contributing_case
from tests.unit.fakes import FakeUnitOfWork

DEADLINE = date(2026, 12, 3)  # Thursday: invited on Thursday 26 November (tests/unit/debrief/test_contributors)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)  # GMT in December: UTC is UK time


@pytest.mark.parametrize(
    ("moment", "reminder", "due"),
    [
        (at(2, 9, 30), Reminder.BEFORE_DEADLINE, False),  # the day before, but before 10:00
        (at(2, 10, 0), Reminder.BEFORE_DEADLINE, True),
        (at(2, 17, 30), Reminder.BEFORE_DEADLINE, False),  # out of working hours
        (at(3, 10, 0), Reminder.BEFORE_DEADLINE, False),  # the day itself: only the on-the-day reminder
        (at(3, 10, 0), Reminder.DEADLINE_DAY, True),
        (at(4, 10, 0), Reminder.DEADLINE_DAY, False),  # the deadline has passed
    ],
)
def test_reminders_fall_in_working_hours_around_the_deadline(moment: datetime, reminder: Reminder, due: bool) -> None:
    assert is_due(reminder, deadline=DEADLINE, now=moment) is due


def test_the_reminder_before_a_monday_deadline_comes_on_friday() -> None:
    monday = date(2026, 12, 7)
    assert reminders.previous_working_day(monday) == date(2026, 12, 4)
    assert not is_due(Reminder.BEFORE_DEADLINE, deadline=monday, now=at(5, 11))  # Saturday
    assert is_due(Reminder.BEFORE_DEADLINE, deadline=monday, now=at(4, 11))


def test_no_reminder_on_a_bank_holiday() -> None:
    christmas = datetime(2026, 12, 25, 11, 0, tzinfo=UTC)
    assert not reminders.in_working_hours(christmas)


async def test_only_officers_who_have_added_nothing_are_reminded_and_only_once() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    await add(uow, case_id, who=JORDAN)
    assert await reminders.send_due_reminders(uow=lambda: uow, now=at(2, 10, 5)) == 1
    message = uow.committed_messages[-1]
    assert (message.kind, message.person_id) == (MessageKind.CONTRIBUTION_REMINDER, TOM.user_id)
    assert await reminders.send_due_reminders(uow=lambda: uow, now=at(2, 11, 0)) == 0
    assert await reminders.send_due_reminders(uow=lambda: uow, now=at(3, 10, 1)) == 1
    assert uow.committed_messages[-1].kind is MessageKind.CONTRIBUTION_REMINDER_DUE_TODAY


async def test_nothing_is_sent_out_of_hours_or_after_the_deadline() -> None:
    uow = FakeUnitOfWork()
    await contributing_case(uow)
    assert await reminders.send_due_reminders(uow=lambda: uow, now=at(2, 20, 0)) == 0
    assert await reminders.send_due_reminders(uow=lambda: uow, now=at(4, 10, 0)) == 0


async def test_a_partner_who_has_not_answered_is_reminded_once_before_the_answer_date() -> None:
    from tests.unit.debrief.test_partnership import invited

    uow = FakeUnitOfWork()
    await invited(uow)  # invited on Friday 27 November: the answer is due Friday 4 December
    assert await reminders.send_due_partner_reminders(uow=lambda: uow, now=at(3, 9, 30)) == 0  # before 10:00
    assert await reminders.send_due_partner_reminders(uow=lambda: uow, now=at(3, 10, 30)) == 1
    message = uow.committed_messages[-1]
    assert (message.kind, message.person_id) == (MessageKind.PARTNER_INVITATION_REMINDER, MORGAN.user_id)
    assert await reminders.send_due_partner_reminders(uow=lambda: uow, now=at(4, 10, 30)) == 0  # once only


async def test_a_partner_who_has_answered_is_not_reminded() -> None:
    from debrief import partnership
    from tests.unit.debrief.test_partnership import invited

    uow = FakeUnitOfWork()
    _, invitation_id = await invited(uow)
    await partnership.decline_invitation(
        uow=uow, actor=actor(MORGAN), invitation_id=invitation_id, reason=None, now=at(1, 12)
    )
    assert await reminders.send_due_partner_reminders(uow=lambda: uow, now=at(3, 10, 30)) == 0
