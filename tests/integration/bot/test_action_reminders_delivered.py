"""Action reminders end to end below the browser: the scheduler queues them in working hours, the dispatcher
delivers the owner's one to one and the escalation to the working group's channel, each once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage import tables as t
from tests.integration.http.test_nomination_over_http import _until, post
from tests.integration.http.test_partners_over_http import press, sent_to
from tests.support import activities
from tests.support.bot_server import development_env, running_bot
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology, a_meeting_held_in_two_working_days
from tests.support.connector import LocalConnector
from tests.support.forms import action_form
from tests.support.people import JORDAN, OWEN, RUTH, TOM

WORKING_GROUP_CHANNEL = "19:rapid-debrief-working-group@thread.tacv2"
REMINDER = "A reminder: an action from the rapid debrief RD-2026-0001"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def escalations(connector: LocalConnector) -> list[Any]:
    """New threads started in the working group's channel."""
    return [
        r
        for r in connector.sent()
        if r.method == "POST"
        and r.path.rstrip("/").endswith("/v3/conversations")
        and r.body.get("channelData", {}).get("channel", {}).get("id") == WORKING_GROUP_CHANNEL
    ]


async def test_the_owner_is_reminded_once_the_working_group_told_once_and_a_completed_action_gets_nothing(
    database_url: str,
) -> None:
    clock = Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday 26 November 2026
    env = development_env(
        database_url,
        DEBRIEF_SCHEDULER_INTERVAL_S="1",
        DEBRIEF_WORKING_GROUP_CHANNEL_ID=WORKING_GROUP_CHANNEL,
        DEBRIEF_ESCALATE_AFTER_WORKING_DAYS="2",
    )
    with LocalConnector() as connector:
        async with running_bot(env, clock=clock) as bot:
            s = bot.services
            for person in (OWEN, RUTH, TOM):
                await post(bot, activities.message(person, "hello", service_url=connector.url))
            await a_case_collecting_its_chronology(uow=s.uow, now=clock(), invite=(JORDAN,))
            clock.now = await a_meeting_held_in_two_working_days(
                uow=s.uow,
                now=s.now(),
                case_id=1,
                attendees=(
                    OWEN,
                    RUTH,
                ),
            )
            action = action_form(1, actionDueWorkingDays="1")
            await press(bot, connector, OWEN, "outcome.action.add", action)
            await press(
                bot,
                connector,
                OWEN,
                "outcome.action.add",
                {**action, "actionDescription": "Brief every call-handling team on the updated grading guidance."},
            )
            await press(bot, connector, OWEN, "outcome.sign_off.request", {"caseId": 1})
            await press(bot, connector, RUTH, "outcome.sign_off.approve", {"caseId": 1})
            await _until(lambda: len(sent_to(connector, TOM, "is yours")) == 2)
            evidence = "Every call-handling team was briefed on the updated grading guidance this week."
            done = await press(
                bot, connector, TOM, "action.complete", {"caseId": 1, "actionId": 2, "evidence": evidence}
            )
            assert "Marked as complete" in card_text(done)

            await asyncio.sleep(1.5)  # a scheduler round on the day the action was given out: nothing yet
            assert sent_to(connector, TOM, REMINDER) == []

            clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday: action 1 is due today
            await _until(lambda: bool(sent_to(connector, TOM, REMINDER)))
            reminder = card_text(sent_to(connector, TOM, REMINDER)[0].body)
            assert "is due today" in reminder and "Action 1 for RD-2026-0001" in reminder
            assert "Mark it as complete" in reminder  # the owner can update it from the reminder
            clock.now = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
            await asyncio.sleep(2.5)  # two more scheduler rounds: nothing more is due
            assert len(sent_to(connector, TOM, REMINDER)) == 1
            assert all("Action 2 for" not in card_text(r.body) for r in sent_to(connector, TOM, REMINDER))
            assert escalations(connector) == []

            clock.now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # Thursday: two working days overdue
            await _until(lambda: bool(escalations(connector)))
            await asyncio.sleep(2.5)
            [escalation] = escalations(connector)
            text = card_text(escalation.body)
            assert "Overdue: Action 1 for RD-2026-0001" in text and "Insp Tom Baird" in text
            assert "2 working days overdue" in text and "CR/100200/26" not in text
            assert len(sent_to(connector, TOM, REMINDER)) == 1  # no weekly reminder yet
            assert all("Action 2 for" not in card_text(r.body) for r in escalations(connector))

            async with s.engine.connect() as connection:
                records = (
                    await connection.execute(
                        select(t.contribution_reminders.c.user_id, t.contribution_reminders.c.reminder).where(
                            t.contribution_reminders.c.reminder.like("a%")
                        )
                    )
                ).all()
                disclosed = (
                    await connection.execute(
                        select(t.audit_log.c.recipients).where(t.audit_log.c.action == "case.message.send")
                    )
                ).all()
            assert sorted((row.user_id, row.reminder) for row in records) == [
                (TOM.user_id, "a1:261201:due_today"),
                ("working-group", "a1:261201:escalated"),
            ]
            assert any(f"channel:{WORKING_GROUP_CHANNEL}" in row.recipients for row in disclosed)
