"""Whatever a client sends, the bot answers without a server error."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.support import activities
from tests.support.bot_server import development_env, running_bot
from tests.support.people import JORDAN

URL = "http://127.0.0.1:9/"  # replies, if any, go nowhere


def odd(**changes: Any) -> dict[str, Any]:
    activity = activities.message(JORDAN, "help", service_url=URL)
    activity.update(changes)
    return activity


ODD_ACTIVITIES = {
    "invoke without a value": odd(type="invoke", name="adaptiveCard/action", value=None),
    "invoke with a text value": odd(type="invoke", name="adaptiveCard/action", value="x"),
    "invoke with an odd action": odd(type="invoke", name="adaptiveCard/action", value={"action": "x"}),
    "invoke with data as a list": odd(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": "x", "data": [1]}},
    ),
    "an unknown invoke": odd(type="invoke", name="composeExtension/query", value={}),
    "a submit with a non-text verb": odd(text=None, value={"verb": 7}),
    "a submit with huge text": odd(text=None, value={"verb": "nomination.submit", "scopeReason": "x" * 50_000}),
    "a message without text": odd(text=None),
    "an event": odd(type="event", name="application/vnd.microsoft.meetingStart"),
    "typing": odd(type="typing"),
    "a reaction": odd(type="messageReaction", reactionsAdded=[{"type": "like"}]),
    "members added": odd(type="conversationUpdate", membersAdded=[{"id": "29:x"}]),
    "an unknown type": odd(type="somethingNew"),
    "no conversation": odd(conversation=None),
    "no sender": odd(**{"from": None}),
}


@pytest.mark.parametrize("name", sorted(ODD_ACTIVITIES))
async def test_an_odd_activity_gets_no_server_error(sqlite_url: str, name: str) -> None:
    async with (
        running_bot(development_env(sqlite_url), run_dispatcher=False) as bot,
        aiohttp.ClientSession() as session,
        session.post(bot.messages_url, json=ODD_ACTIVITIES[name]) as response,
    ):
        assert response.status < 500, await response.text()
