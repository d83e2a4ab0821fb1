"""Reminders end to end below the browser: the scheduler queues them, the dispatcher delivers them one to one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import unquote

from storage import tables as t
from tests.integration.http.test_nomination_over_http import _until, count, post
from tests.support import activities
from tests.support.bot_server import development_env, running_bot
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.connector import LocalConnector
from tests.support.forms import chronology_entry_form
from tests.support.people import JORDAN, TOM


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_an_officer_who_has_added_nothing_is_reminded_once_the_day_before(sqlite_url: str) -> None:
    clock = Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday: contributions due Thursday 3 December
    env = development_env(sqlite_url, DEBRIEF_SCHEDULER_INTERVAL_S="1")
    with LocalConnector() as connector:
        async with running_bot(env, clock=clock) as bot:
            for person in (JORDAN, TOM):
                await post(bot, activities.message(person, "hello", service_url=connector.url))
            await a_case_collecting_its_chronology(uow=bot.services.uow, now=clock(), invite=(JORDAN, TOM))
            add = activities.execute(
                JORDAN, "chronology.entry.add", {"caseId": 1, **chronology_entry_form()}, service_url=connector.url
            )
            await post(bot, add)

            def reminders_to(person_id: str) -> list[object]:
                return [
                    r
                    for r in connector.sent()
                    if "A reminder about the rapid debrief" in card_text(r.body)
                    and f"personal-{person_id}" in unquote(r.path)
                ]

            clock.now = datetime(2026, 12, 2, 10, 5, tzinfo=UTC)  # the working day before, after 10:00
            await _until(lambda: bool(reminders_to(TOM.user_id)))
            assert "Thu 03 Dec 2026" in card_text(reminders_to(TOM.user_id)[0].body)  # type: ignore[attr-defined]
            clock.now = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
            await asyncio.sleep(2.5)  # two more scheduler rounds: nothing more is due
            assert len(reminders_to(TOM.user_id)) == 1
            assert reminders_to(JORDAN.user_id) == []  # Jordan has added an entry
            assert await count(bot, t.contribution_reminders) == 1
