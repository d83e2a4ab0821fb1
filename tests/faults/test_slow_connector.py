"""A Bot Connector that answers every call after 20 s: the bot still answers Teams within 5 s.

An invoke (the nomination's Action.Execute) is answered inline with its card; a message that needs a reply is
acknowledged and its reply follows once the connector answers; the outbox's messages are sent late, once each.
Real app, real storage, the local connector in its own thread with its delay.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from storage import tables as t
from tests.conftest import NOW
from tests.support import activities
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.cards import card_text
from tests.support.connector import LocalConnector, Recorded
from tests.support.figures import Figures
from tests.support.forms import nomination_form
from tests.support.people import JORDAN, PRIYA

CONNECTOR_DELAY_S = 20.0
ANSWER_WITHIN_S = 5.0
DELIVERY_WITHIN_S = 90.0


def moving_clock() -> Callable[[], datetime]:
    """The fixed test day, moving on in real time (outbox leases and backoff need time to pass)."""
    started = time.monotonic()
    return lambda: NOW + timedelta(seconds=time.monotonic() - started)


async def timed_post(bot: RunningBot, activity: dict[str, Any]) -> tuple[int, Any, float]:
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=CONNECTOR_DELAY_S + 10)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.post(bot.messages_url, json=activity) as r:
        body = await r.json(content_type=None) if r.content_length else None
        return r.status, body, time.monotonic() - started


async def pending_outbox(bot: RunningBot) -> int:
    async with bot.services.engine.connect() as connection:
        query = select(func.count()).select_from(t.outbox).where(t.outbox.c.sent_at.is_(None))
        return int((await connection.execute(query)).scalar_one())


async def outbox_rows(bot: RunningBot) -> list[tuple[Any, ...]]:
    """The outbox as the failure message shows it: what is still waiting, and why."""
    columns = (t.outbox.c.kind, t.outbox.c.status, t.outbox.c.attempts, t.outbox.c.last_error)
    async with bot.services.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(select(*columns))]


def duplicates(sent: list[Recorded]) -> int:
    """Sends with the same method, path and visible content, beyond the first."""
    seen = Counter((r.method, r.path, card_text(r.body) or str(r.body.get("text"))) for r in sent)
    return sum(n - 1 for n in seen.values())


async def test_a_slow_connector_does_not_slow_the_answers_to_teams(
    sqlite_url: str, figures: Figures, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    with LocalConnector() as connector:
        connector.state.delay_s = CONNECTOR_DELAY_S
        async with running_bot(development_env(sqlite_url), clock=moving_clock()) as bot:
            url = connector.url
            started = time.monotonic()
            nominated, help_reply, second_user = await asyncio.gather(
                timed_post(bot, activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=url)),
                timed_post(bot, activities.message(JORDAN, "help", service_url=url)),
                timed_post(bot, activities.message(PRIYA, "what is this", service_url=url)),
            )
            late_submit = await timed_post(bot, activities.submit(PRIYA, {"verb": "nomination.open"}, service_url=url))
            answers = [nominated, help_reply, second_user, late_submit]
            worst = max(elapsed for _, _, elapsed in answers)
            assert all(status < 300 for status, _, _ in answers), [status for status, _, _ in answers]
            assert worst < ANSWER_WITHIN_S, [round(elapsed, 2) for _, _, elapsed in answers]
            assert "RD-2026-0001" in card_text(nominated[1])  # the invoke's answer is the card itself
            assert not connector.sent(), "nothing could have reached the connector yet"

            deadline = time.monotonic() + DELIVERY_WITHIN_S
            while time.monotonic() < deadline:
                texts = [card_text(r.body) or str(r.body.get("text")) for r in connector.sent()]
                replies = [x for x in texts if "I did not recognise that" in x or "Nominate" in x]
                thread_posted = any("Triage RD-2026-0001" in x for x in texts)
                if len(replies) >= 3 and thread_posted and await pending_outbox(bot) == 0:
                    break
                await asyncio.sleep(0.25)
            delivered_after = time.monotonic() - started
            sent = connector.sent()
            texts = [card_text(r.body) or str(r.body.get("text")) for r in sent]
            assert any("I did not recognise that" in x for x in texts), "the second user's reply never arrived"
            assert any("Triage RD-2026-0001" in x for x in texts), await outbox_rows(bot)
            assert sum("Nominate" in x for x in texts) >= 2, "the help card and the re-opened form never arrived"
            assert await pending_outbox(bot) == 0
            assert duplicates(sent) == 0, [f"{r.method} {r.path}" for r in sent]
            assert all(r.at - started >= CONNECTOR_DELAY_S - 1 for r in sent)  # really answered late
            health = await timed_post_health(bot)
            assert health == 200
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, errors
        figures.record("slow_connector_delay_s", CONNECTOR_DELAY_S)
        figures.record("slow_connector_worst_answer_s", worst)
        figures.record("slow_connector_messages_delivered_after", len(sent))
        figures.record("slow_connector_all_delivered_after_s", delivered_after)
        figures.record("slow_connector_duplicates", duplicates(sent))


async def timed_post_health(bot: RunningBot) -> int:
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(f"{bot.url}/healthz") as response:
        return response.status
