"""Scheduled work: gentle reminders to invited officers who have not added anything yet, and to partner
contacts who have not answered their invitation.

One reminder on the working day before contributions are due, one on the day; one to a partner on the
working day before their invitation's answer date. Each in working hours and each sent once (the record of
it is written with its outbox message; a second instance doing the same round fails on the record's key and
sends nothing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from debrief import clocks
from debrief.contributors import Contributor
from debrief.errors import ConcurrentChange
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import LONDON, CaseStatus
from debrief.partners import InvitationStatus, PartnerInvitation
from debrief.permissions import SYSTEM, Permission, authorise
from debrief.ports import UnitOfWork

WORKING_HOURS = (time(9, 0), time(17, 0))
"""Default: reminders go out between 09:00 and 17:00, UK time, on working days."""
REMINDER_TIME = time(10, 0)
"""Default: a day's reminders are sent from 10:00, not at the first minute of the working day."""


class Reminder(StrEnum):
    BEFORE_DEADLINE = "before_deadline"
    DEADLINE_DAY = "deadline_day"

    @property
    def message_kind(self) -> MessageKind:
        if self is Reminder.BEFORE_DEADLINE:
            return MessageKind.CONTRIBUTION_REMINDER
        return MessageKind.CONTRIBUTION_REMINDER_DUE_TODAY


def previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not clocks.is_working_day(day):
        day -= timedelta(days=1)
    return day


def in_working_hours(now: datetime) -> bool:
    local = now.astimezone(LONDON)
    start, end = WORKING_HOURS
    return clocks.is_working_day(local.date()) and start <= local.time() < end


def is_due(reminder: Reminder, *, deadline: date, now: datetime) -> bool:
    """Due from 10:00 on its day until the deadline passes; a late round sends only the on-the-day one."""
    if not in_working_hours(now):
        return False
    local = now.astimezone(LONDON)
    today = local.date()
    match reminder:
        case Reminder.BEFORE_DEADLINE:
            day = previous_working_day(deadline)
            return today < deadline and (today > day or (today == day and local.time() >= REMINDER_TIME))
        case Reminder.DEADLINE_DAY:
            return today == deadline and local.time() >= REMINDER_TIME


async def send_due_reminders(*, uow: Callable[[], UnitOfWork], now: datetime) -> int:
    """One round of the scheduler: queue every reminder now due; returns how many were queued."""
    if not in_working_hours(now):
        return 0
    async with uow() as reading:
        awaiting = await reading.contributors.awaiting(deadline_from=now.astimezone(LONDON).date())
    by_case: dict[int, list[Contributor]] = defaultdict(list)
    for case_id, contributor in awaiting:
        by_case[case_id].append(contributor)
    queued = 0
    for case_id, contributors in sorted(by_case.items()):
        try:
            queued += await _remind_for_case(uow(), case_id, contributors, now=now)
        except ConcurrentChange:
            continue  # another instance sent this case's reminders in the same round
    return queued


async def send_due_partner_reminders(*, uow: Callable[[], UnitOfWork], now: datetime) -> int:
    """Unanswered partner invitations whose answer date is the next working day (or today): one reminder each."""
    if not in_working_hours(now):
        return 0
    async with uow() as reading:
        awaiting = await reading.partners.awaiting_answer(answer_by_from=now.astimezone(LONDON).date())
    queued = 0
    for invitation in awaiting:
        if not is_due(Reminder.BEFORE_DEADLINE, deadline=invitation.answer_by, now=now) and not is_due(
            Reminder.DEADLINE_DAY, deadline=invitation.answer_by, now=now
        ):
            continue
        try:
            queued += await _remind_partner(uow(), invitation, now=now)
        except ConcurrentChange:
            continue
    return queued


async def _remind_partner(uow: UnitOfWork, invitation: PartnerInvitation, *, now: datetime) -> int:
    async with uow:
        case = await uow.cases.get(invitation.case_id)
        current = await uow.partners.get_invitation(invitation.id) if invitation.id is not None else None
        if case is None or current is None or current.status is not InvitationStatus.INVITED or current.expired(now):
            return 0
        key = f"partner_answer_{current.id}"
        if (current.contact.user_id, key) in await uow.reminders.sent(invitation.case_id):
            return 0
        await authorise(
            uow, SYSTEM, Permission.SCHEDULE_REMINDER, case, now=now, recipients=(f"person:{current.contact.user_id}",)
        )
        await uow.reminders.add(invitation.case_id, current.contact.user_id, key, now)
        uow.outbox.add(
            OutboundMessage(
                MessageKind.PARTNER_INVITATION_REMINDER,
                invitation.case_id,
                Audience.PERSON,
                person_id=current.contact.user_id,
            )
        )
        await uow.commit()
        return 1


async def _remind_for_case(uow: UnitOfWork, case_id: int, contributors: list[Contributor], *, now: datetime) -> int:
    async with uow:
        case = await uow.cases.get(case_id)
        if case is None or case.status is not CaseStatus.ACCEPTED or await uow.chronology.lock_of(case_id):
            return 0
        with_entries = await uow.chronology.contributors_with_entries(case_id)
        sent = await uow.reminders.sent(case_id)
        due = [
            (contributor, reminder)
            for contributor in contributors
            if contributor.person.user_id not in with_entries
            for reminder in Reminder
            if (contributor.person.user_id, reminder.value) not in sent
            and is_due(reminder, deadline=contributor.deadline, now=now)
        ]
        if not due:
            return 0
        await authorise(
            uow,
            SYSTEM,
            Permission.SCHEDULE_REMINDER,
            case,
            now=now,
            recipients=tuple(f"person:{c.person.user_id}" for c, _ in due),
        )
        for contributor, reminder in due:
            await uow.reminders.add(case_id, contributor.person.user_id, reminder.value, now)
            uow.outbox.add(
                OutboundMessage(reminder.message_kind, case_id, Audience.PERSON, person_id=contributor.person.user_id)
            )
        await uow.commit()
        return len(due)
