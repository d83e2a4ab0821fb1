"""Scheduled work for actions: gentle reminders to each action's owner, and escalation to the working group.

The owner is reminded a number of working days before the due date (default 5 and 1), on the due date, and every
five working days while the action is overdue. Once it is overdue by a number of working days (default 10), the
working group's channel is told, once, so that it can follow it up. Complete and "not doing" actions get nothing.

The rules, all in UK time (Europe/London, so the clock changes in March and October move nothing):

- Nothing goes out except in working hours (default 08:00 to 18:00) on working days (England and Wales: no weekends,
  no bank holidays).
- Each reminder is due from the start of working hours on its day. One that was not sent then (its day had no
  working hours left, or no instance was running) goes at the next working-hours moment, unless a later one is due
  by then: then only the later one goes. "Due today" goes on the due date only. So a stale "due in 5 working days"
  is never sent on the due date, and an owner never gets two reminders at once.
- Nothing goes to the owner on or before the day they were given the action (when the SIO's approval circulated
  it): the card they were sent says when it is due. Escalation counts its working days from the due date, or from
  that day if the action was given out after it was already due.
- Each is sent once: it is recorded (under the action, its due date and the reminder) in the same transaction as its
  outbox message, so a restart loses nothing and a second instance doing the same round fails on the record's key
  and sends nothing. A new due date, agreed by the working group, starts the reminders again for that date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from debrief import clocks
from debrief.errors import ConcurrentChange
from debrief.learning import Action
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import LONDON
from debrief.permissions import SYSTEM, Permission, authorise
from debrief.ports import UnitOfWork

OVERDUE_EVERY = 5
"""Working days between two reminders about an overdue action: once a week."""
DUE_TODAY = "due_today"
ESCALATED = "escalated"
WORKING_GROUP = "working-group"
"""Whom an escalation is recorded as sent to (the working group's channel, not a person)."""
RECORD_CHARS = 30
"""The reminder record's column is this wide: `record_of` keeps within it."""


def due_in(working_days: int) -> str:
    """The reminder `working_days` working days before the due date: "due_in_5"."""
    return f"due_in_{working_days}"


def overdue(week: int) -> str:
    """The `week`-th weekly reminder while overdue (5, 10, 15… working days after the due date): "overdue_1"."""
    return f"overdue_{week}"


@dataclass(frozen=True)
class ReminderRules:
    """When actions' reminders go out (DEBRIEF_ACTION_REMINDER_DAYS, DEBRIEF_ESCALATE_AFTER_WORKING_DAYS and
    DEBRIEF_ACTION_HOURS)."""

    before: tuple[int, ...] = (5, 1)
    """Working days before the due date on which the owner is reminded."""
    escalate_after: int = 10
    """Working days overdue after which the working group is told."""
    start: time = time(8, 0)
    end: time = time(18, 0)
    """Working hours, UK time: from `start`, up to but not including `end`."""

    def __post_init__(self) -> None:
        if any(n < 1 for n in self.before) or self.escalate_after < 1 or not self.start < self.end:
            raise ValueError("reminder days and escalation must be whole working days, and hours must start first")


DEFAULT_RULES = ReminderRules()


def in_hours(now: datetime, rules: ReminderRules = DEFAULT_RULES) -> bool:
    """Whether `now` falls in working hours on a working day, UK time."""
    local = now.astimezone(LONDON)
    return clocks.is_working_day(local.date()) and rules.start <= local.time() < rules.end


def working_days_after(start: date, end: date) -> int:
    """How many working days fall after `start`, up to and including `end` (0 if `end` is not after it)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if clocks.is_working_day(day):
            count += 1
    return count


def working_days_before(day: date, working_days: int) -> date:
    """The working day `working_days` working days before `day` (`day` itself does not count)."""
    remaining = working_days
    while remaining > 0:
        day -= timedelta(days=1)
        if clocks.is_working_day(day):
            remaining -= 1
    return day


def _owner_reminder(due: date, today: date, rules: ReminderRules) -> tuple[str, date] | None:
    """The owner's reminder current today, and the day it was due from: the latest whose day has come."""
    if today < due:
        for working_days in sorted(set(rules.before)):  # the nearest to the due date first: the latest day
            day = working_days_before(due, working_days)
            if day <= today:
                return due_in(working_days), day
        return None
    if today == due:
        return DUE_TODAY, due
    week = working_days_after(due, today) // OVERDUE_EVERY
    if week == 0:
        return None  # overdue by less than a week: the first weekly reminder comes at five working days
    return overdue(week), clocks.add_working_days(due, week * OVERDUE_EVERY)


def due_reminders(
    action: Action,
    *,
    now: datetime,
    sent: set[str],
    rules: ReminderRules = DEFAULT_RULES,
    assigned_on: date | None = None,
) -> list[str]:
    """The reminders about `action` to send now (owner's first, then the escalation), none of them in `sent`.

    `sent` holds the keys already sent for the action's current due date. `assigned_on` is the day the owner was
    given the action (the day the SIO's approval circulated it); by default, the day it was recorded.
    """
    if action.final or not in_hours(now, rules):
        return []
    today = now.astimezone(LONDON).date()
    given = assigned_on if assigned_on is not None else action.created_at.astimezone(LONDON).date()
    keys: list[str] = []
    current = _owner_reminder(action.due, today, rules)
    if current is not None:
        key, day = current
        if day > given and key not in sent:
            keys.append(key)
    if ESCALATED not in sent and working_days_after(max(action.due, given), today) >= rules.escalate_after:
        keys.append(ESCALATED)
    return keys


def reminder_key(action: Action, *, today: date) -> str:
    """The owner's reminder as the action stands today, whatever was queued: what the reminder card says."""
    if today < action.due:
        return due_in(working_days_after(today, action.due))
    if today == action.due:
        return DUE_TODAY
    return overdue(max(1, working_days_after(action.due, today) // OVERDUE_EVERY))


def record_of(action: Action, key: str) -> str:
    """How a reminder is recorded: the action, its due date and the key ("a12:270106:due_in_5")."""
    record = f"a{action.id}:{action.due:%y%m%d}:{key}"
    if len(record) > RECORD_CHARS:
        raise ValueError(f"reminder record {record!r} is longer than {RECORD_CHARS} characters")
    return record


def sent_keys(records: set[tuple[str, str]], action: Action) -> set[str]:
    """The keys already sent about `action` for its current due date, from the case's reminder records."""
    prefix = record_of(action, "")
    return {reminder.removeprefix(prefix) for _, reminder in records if reminder.startswith(prefix)}


async def send_due_action_reminders(
    *,
    uow: Callable[[], UnitOfWork],
    now: datetime,
    rules: ReminderRules = DEFAULT_RULES,
    working_group: str = WORKING_GROUP,
) -> int:
    """One round of the scheduler: queue every action reminder and escalation now due; returns how many.

    `working_group` names the escalations' recipient in the audit record (the scheduler gives the channel)."""
    if not in_hours(now, rules):
        return 0
    async with uow() as reading:
        open_actions = await reading.actions.open()
    queued = 0
    for action in open_actions:
        if action.id is None:
            continue
        try:
            queued += await _remind_about(uow(), action.id, now=now, rules=rules, working_group=working_group)
        except ConcurrentChange:
            continue  # another instance sent this action's reminders in the same round
    return queued


async def _remind_about(
    uow: UnitOfWork, action_id: int, *, now: datetime, rules: ReminderRules, working_group: str
) -> int:
    async with uow:
        action = await uow.actions.get(action_id)
        if action is None or action.final:
            return 0
        sent = sent_keys(await uow.reminders.sent(action.case_id), action)
        if not due_reminders(action, now=now, sent=sent, rules=rules):
            return 0  # the usual answer, without reading the outcome
        circulated = (await uow.outcomes.get(action.case_id)).circulated_at
        case = await uow.cases.get(action.case_id)
        if circulated is None or circulated < action.created_at or case is None:
            return 0  # not given to its owner yet: nothing about it goes anywhere
        keys = due_reminders(action, now=now, sent=sent, rules=rules, assigned_on=circulated.astimezone(LONDON).date())
        if not keys:
            return 0
        owner = action.owner.user_id
        await authorise(
            uow,
            SYSTEM,
            Permission.SCHEDULE_REMINDER,
            case,
            now=now,
            recipients=tuple(working_group if key == ESCALATED else f"person:{owner}" for key in keys),
            justification=f"action {action_id}: {', '.join(keys)}",
        )
        for key in keys:
            if key == ESCALATED:
                await uow.reminders.add(action.case_id, WORKING_GROUP, record_of(action, key), now)
                message = OutboundMessage(
                    MessageKind.ACTION_ESCALATED, action.case_id, Audience.WORKING_GROUP_CHANNEL, subject_id=action_id
                )
            else:
                await uow.reminders.add(action.case_id, owner, record_of(action, key), now)
                message = OutboundMessage(
                    MessageKind.ACTION_REMINDER, action.case_id, Audience.PERSON, person_id=owner, subject_id=action_id
                )
            uow.outbox.add(message)
        await uow.commit()
        return len(keys)
