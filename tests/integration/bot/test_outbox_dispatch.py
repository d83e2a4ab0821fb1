"""The outbox under faults: every message arrives exactly once, whatever the connector answers."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.outbox import RetryPolicy
from storage import tables as t
from tests.support import activities
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.connector import Fault, LocalConnector
from tests.support.forms import accept_data, nomination_form
from tests.support.people import JORDAN, PRIYA

FAST_RETRIES = RetryPolicy(base_s=0.02, cap_s=0.2, max_attempts=50)


async def post(bot: RunningBot, activity: dict[str, Any]) -> int:
    async with aiohttp.ClientSession() as session, session.post(bot.messages_url, json=activity) as response:
        await response.read()
        return response.status


async def outbox_states(bot: RunningBot) -> Counter[str]:
    async with bot.services.engine.connect() as connection:
        return Counter((await connection.execute(select(t.outbox.c.status))).scalars())


async def wait_until_settled(bot: RunningBot, expected: int, timeout: float = 60.0) -> Counter[str]:
    async with asyncio.timeout(timeout):
        while True:
            states = await outbox_states(bot)
            if sum(states.values()) == expected and states["pending"] == 0:
                return states
            await asyncio.sleep(0.05)


def thread_starts(connector: LocalConnector) -> list[str]:
    return [
        r.body["activity"]["attachments"][0]["content"]["fallbackText"]
        for r in connector.sent()
        if r.path.rstrip("/").endswith("/v3/conversations") and r.body.get("activity")
    ]


async def test_every_message_arrives_once_when_the_connector_throttles_and_fails(database_url: str) -> None:
    cases = 8
    with LocalConnector() as connector:
        async with running_bot(development_env(database_url)) as bot:
            bot.dispatcher.policy = FAST_RETRIES
            assert await post(bot, activities.message(JORDAN, "hello", service_url=connector.url)) == 201
            connector.state.fault = Fault(rate=0.3, status=429, retry_after="0")
            for n in range(cases):
                form = nomination_form(incidentReference=f"CR/{n:06d}/26")
                assert (
                    await post(bot, activities.execute(JORDAN, "nomination.submit", form, service_url=connector.url))
                    == 200
                )
            connector.state.fault = Fault(rate=0.3, status=503, retry_after=None, seed=11)
            await wait_until_settled(bot, cases)
            for case_id in range(1, cases + 1):
                assert (
                    await post(
                        bot,
                        activities.execute(
                            PRIYA,
                            "triage.accept",
                            accept_data(case_id),
                            service_url=connector.url,
                            conversation=activities.review_thread(),
                        ),
                    )
                    == 200
                )
            states = await wait_until_settled(bot, cases * 5)

    assert states == Counter({"sent": cases * 5})  # triage requested; card changed, outcome, parameters, consent
    assert connector.state.faults_sent > 0
    starts = Counter(thread_starts(connector))
    assert starts == Counter({f"Triage RD-2026-{n:04d}": 1 for n in range(1, cases + 1)})
    updates = [r for r in connector.sent() if r.method == "PUT"]
    assert len(updates) == cases
    outcomes = [r for r in connector.sent() if "will have a rapid debrief" in str(r.body)]
    assert len(outcomes) == cases
    parameter_cards = [r for r in connector.sent() if "No parameters yet" in str(r.body)]
    assert len(parameter_cards) == cases
    consent_requests = [r for r in connector.sent() if "may the debrief collect its chronology" in str(r.body)]
    assert len(consent_requests) == cases


async def test_retry_after_is_honoured(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            bot.dispatcher.policy = FAST_RETRIES
            await post(bot, activities.message(JORDAN, "hello", service_url=connector.url))
            connector.state.fault = Fault(rate=1.0, status=429, retry_after="2")
            await post(
                bot, activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
            )
            await asyncio.sleep(0.5)
            throttled = connector.state.faults_sent
            await asyncio.sleep(0.8)
            assert connector.state.faults_sent == throttled  # no second try inside the Retry-After window
            connector.state.fault = None
            await wait_until_settled(bot, 1, timeout=10)
    assert throttled >= 1


@pytest.mark.parametrize(
    "fault",
    [Fault(rate=1.0, status=400, retry_after=None), Fault(rate=1.0, status=403, code="MessageWritesBlocked")],
    ids=["rejected", "blocked by the user"],
)
async def test_a_final_refusal_is_recorded_and_not_retried(sqlite_url: str, fault: Fault) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            bot.dispatcher.policy = FAST_RETRIES
            await post(bot, activities.message(JORDAN, "hello", service_url=connector.url))
            connector.state.fault = fault
            await post(
                bot, activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
            )
            states = await wait_until_settled(bot, 1, timeout=10)
    assert states == Counter({"failed": 1})
    assert connector.state.faults_sent == 1
