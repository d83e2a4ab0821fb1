"""What the HTTP edge does with everything a client can send: commands, fallbacks, tenants, health."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.support import activities
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.cards import card_text
from tests.support.connector import LocalConnector
from tests.support.forms import nomination_form
from tests.support.people import JORDAN, OTHER_TENANT, REVIEW_CHANNEL


async def post(bot: RunningBot, activity: dict[str, Any]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(bot.messages_url, json=activity) as response:
        return response.status, await response.json(content_type=None) if response.content_length else None


async def replies(connector: LocalConnector, count: int = 1) -> list[Any]:
    async with asyncio.timeout(5):
        while len(connector.sent()) < count:
            await asyncio.sleep(0.02)
    return connector.sent()


@pytest.fixture
async def bot(sqlite_url: str) -> Any:
    async with running_bot(development_env(sqlite_url)) as running:
        yield running


@pytest.mark.parametrize(
    ("text", "conversation"),
    [
        ("nominate", None),
        ("<at>Rapid Debrief</at> nominate", {"id": REVIEW_CHANNEL, "conversationType": "channel", "isGroup": True}),
        (
            "<at>Rapid Debrief</at>  Nominate please",
            {"id": "19:incident-desk@thread.v2", "conversationType": "groupChat", "isGroup": True},
        ),
    ],
    ids=["personal chat", "channel with a mention", "group chat with a mention"],
)
async def test_nominate_answers_with_the_nomination_card(bot: RunningBot, text: str, conversation: Any) -> None:
    with LocalConnector() as connector:
        status, _ = await post(
            bot, activities.message(JORDAN, text, service_url=connector.url, conversation=conversation)
        )
        assert status == 201
        [reply] = await replies(connector)
    text_shown = card_text(reply.body)
    assert "Nominate a case for a rapid debrief" in text_shown
    assert "OFFICIAL-SENSITIVE" in text_shown


async def test_help_explains_the_bot_in_plain_words(bot: RunningBot) -> None:
    with LocalConnector() as connector:
        await post(bot, activities.message(JORDAN, "help", service_url=connector.url))
        [reply] = await replies(connector)
    assert "learning that could prevent the next one" in card_text(reply.body)


async def test_an_unknown_command_says_what_to_type(bot: RunningBot) -> None:
    with LocalConnector() as connector:
        await post(bot, activities.message(JORDAN, "what is this", service_url=connector.url))
        [reply] = await replies(connector)
    assert "Type **nominate**" in reply.body["text"]


async def test_an_action_submit_fallback_replaces_the_card_that_was_pressed(bot: RunningBot) -> None:
    with LocalConnector() as connector:
        data = {"verb": "nomination.submit", **nomination_form()}
        status, _ = await post(bot, activities.submit(JORDAN, data, service_url=connector.url))
        assert status == 201
        [update] = await replies(connector)
    assert update.method == "PUT"
    assert update.path.endswith("/activities/1")
    assert "RD-2026-0001" in card_text(update.body)


async def test_an_unknown_verb_gets_a_card_not_an_error(bot: RunningBot) -> None:
    with LocalConnector() as connector:
        status, body = await post(bot, activities.execute(JORDAN, "nomination.shred", {}, service_url=connector.url))
    assert status == 200
    assert "no longer supported" in card_text(body)


@pytest.mark.parametrize("case_id", ["not-a-number", None, 999, True])
async def test_a_triage_press_for_a_case_that_does_not_exist_is_answered_plainly(bot: RunningBot, case_id: Any) -> None:
    with LocalConnector() as connector:
        status, body = await post(
            bot, activities.execute(JORDAN, "triage.accept", {"caseId": case_id}, service_url=connector.url)
        )
    assert status == 200
    assert "Not found" in card_text(body)


async def test_an_activity_from_another_tenant_is_refused(bot: RunningBot) -> None:
    with LocalConnector() as connector:
        status, _ = await post(
            bot, activities.message(JORDAN, "nominate", service_url=connector.url, tenant=OTHER_TENANT)
        )
        await asyncio.sleep(0.2)
        assert status == 403
        assert connector.sent() == []


async def test_an_activity_without_a_user_id_can_do_nothing(bot: RunningBot) -> None:
    with LocalConnector() as connector:
        activity = activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
        del activity["from"]["aadObjectId"]
        status, body = await post(bot, activity)
    assert status == 200
    assert "did not say who you are" in card_text(body)


async def test_health_reports_the_database(bot: RunningBot) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{bot.url}/healthz") as response:
        assert response.status == 200
        assert (await response.json())["database"] == "ok"


async def test_health_is_503_and_users_are_told_when_the_database_is_unreachable() -> None:
    unreachable = "postgresql+asyncpg://debrief:secret@127.0.0.1:9/debrief"  # port 9 (discard): nothing listens
    with LocalConnector() as connector:
        async with running_bot(development_env(unreachable), run_migrations=False) as bot:
            async with aiohttp.ClientSession() as session, session.get(f"{bot.url}/healthz") as response:
                assert response.status == 503
                assert (await response.json())["database"] == "unreachable"
            status, body = await post(
                bot, activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
            )
    assert status == 200
    assert "Nothing was saved" in card_text(body)


async def test_invite_outside_a_case_thread_says_where_to_use_it(bot: RunningBot) -> None:
    with LocalConnector() as connector:
        await post(bot, activities.message(JORDAN, "invite", service_url=connector.url))
        [reply] = await replies(connector)
    assert "in a case's thread" in reply.body["text"]
