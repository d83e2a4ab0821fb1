"""The Bot Framework authentication matrix through the real HTTP edge, with botbuilder's real JWT validation.

The bot runs as in production (an app id, so every request needs a channel token) but trusts a local
identity provider (tests/support/jwks.py) instead of Microsoft's, and replies to a local Bot Connector.
Each refused request must be a 4xx (never a 500) and must leave nothing behind.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Table, func, select

from storage import tables as t
from tests.support import activities
from tests.support.bot_server import RunningBot, running_bot
from tests.support.connector import LocalConnector
from tests.support.forms import nomination_form
from tests.support.jwks import (
    Forgery,
    IdentityProvider,
    LocalAppCredentialsFactory,
    authenticated_env,
    identity_provider,
)
from tests.support.people import JORDAN, OTHER_TENANT


@pytest.fixture(scope="session")
def provider() -> IdentityProvider:
    """One provider for the session: botbuilder caches its metadata per URL for the whole process."""
    return identity_provider()


@pytest.fixture
def connector() -> Iterator[LocalConnector]:
    with LocalConnector() as connector:
        yield connector


@pytest.fixture
async def bot(sqlite_url: str, provider: IdentityProvider, connector: LocalConnector) -> AsyncIterator[RunningBot]:
    """The real app with authentication ON, on a fresh database."""
    async with running_bot(
        authenticated_env(sqlite_url, provider), credentials_factory=LocalAppCredentialsFactory()
    ) as bot:
        yield bot


async def post(bot: RunningBot, body: dict[str, Any] | bytes, authorization: str | None) -> tuple[int, Any]:
    """POST to /api/messages as the channel would; `authorization` None sends no Authorization header."""
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(bot.messages_url, data=data, headers=headers) as response,
    ):
        answer = await response.json(content_type=None) if response.content_length else None
        return response.status, answer


async def count(bot: RunningBot, table: Table) -> int:
    async with bot.services.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def assert_nothing_stored(bot: RunningBot, connector: LocalConnector) -> None:
    """A refused request leaves no case, no processed activity, no queued message and sends nothing."""
    assert await count(bot, t.cases) == 0
    assert await count(bot, t.processed_activities) == 0
    assert await count(bot, t.outbox) == 0
    await asyncio.sleep(0.1)  # two dispatcher ticks: anything queued would have been sent by now
    assert connector.sent() == []


async def until(predicate: Callable[[], Any], within_s: float = 10.0, every_s: float = 0.05) -> None:
    """Wait for something the bot does after answering (its replies go out from the turn or the dispatcher)."""
    for _ in range(int(within_s / every_s)):
        if predicate():
            return
        await asyncio.sleep(every_s)
    raise AssertionError(f"not true within {within_s} s")


def a_nomination(connector: LocalConnector) -> dict[str, Any]:
    """A request that stores a case when accepted, so a refusal that stores nothing means something."""
    return activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)


async def test_a_message_with_a_valid_channel_token_is_answered(
    bot: RunningBot, connector: LocalConnector, provider: IdentityProvider
) -> None:
    status, _ = await post(
        bot, activities.message(JORDAN, "help", service_url=connector.url), provider.header(connector.url)
    )
    assert status == 201
    await until(lambda: connector.sent(path_contains="/activities"))
    reply = connector.sent(path_contains="/activities")[0]
    assert f"personal-{JORDAN.user_id}" in reply.path
    assert reply.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "/keys" in provider.fetches  # the token really was checked against the local provider's keys


async def test_a_card_action_with_a_valid_channel_token_is_answered_with_its_card(
    bot: RunningBot, connector: LocalConnector, provider: IdentityProvider
) -> None:
    status, body = await post(
        bot,
        activities.execute(JORDAN, "nomination.open", {}, service_url=connector.url),
        provider.header(connector.url),
    )
    assert status == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["type"] == "AdaptiveCard"


async def test_a_nomination_with_a_valid_channel_token_opens_a_case(
    bot: RunningBot, connector: LocalConnector, provider: IdentityProvider
) -> None:
    """The control for the refusals below: the same request, properly signed, is stored."""
    status, _ = await post(bot, a_nomination(connector), provider.header(connector.url))
    assert status == 200
    assert await count(bot, t.cases) == 1
    assert await count(bot, t.processed_activities) == 1


@pytest.mark.parametrize("forgery", list(Forgery), ids=lambda forgery: forgery.name.lower())
async def test_a_forged_token_is_refused_with_401(
    bot: RunningBot, connector: LocalConnector, provider: IdentityProvider, forgery: Forgery
) -> None:
    status, body = await post(bot, a_nomination(connector), provider.forged_header(forgery, connector.url))
    assert status == 401, f"{forgery.value}: expected 401, got {status}"
    assert body == {"error": "Unauthorized."}
    await assert_nothing_stored(bot, connector)


async def test_a_valid_token_from_a_tenant_not_on_the_allow_list_is_refused_with_403(
    bot: RunningBot, connector: LocalConnector, provider: IdentityProvider
) -> None:
    activity = activities.execute(
        JORDAN, "nomination.submit", nomination_form(), service_url=connector.url, tenant=OTHER_TENANT
    )
    status, body = await post(bot, activity, provider.header(connector.url))
    assert status == 403
    assert body == {"error": "This bot serves only its own organisation."}
    await assert_nothing_stored(bot, connector)


@pytest.mark.parametrize(
    "body",
    [b'{"type": "message", "serviceUrl": ', b"[]", b'{"text": "no type, no serviceUrl"}'],
    ids=["truncated_json", "not_an_object", "not_an_activity"],
)
async def test_a_malformed_body_is_refused_with_400(
    bot: RunningBot, connector: LocalConnector, provider: IdentityProvider, body: bytes
) -> None:
    status, answer = await post(bot, body, provider.header(connector.url))
    assert status == 400
    assert "error" in answer
    await assert_nothing_stored(bot, connector)
