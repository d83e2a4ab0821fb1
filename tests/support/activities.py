"""Activities shaped as Teams sends them, from the fictional people of the demo tenant."""

from __future__ import annotations

import itertools
from typing import Any

from debrief.model import Person
from tests.support.people import BOT_ID, REVIEW_CHANNEL, TENANT

_ids = itertools.count(1)


def _base(person: Person, service_url: str, conversation: dict[str, Any], tenant: str) -> dict[str, Any]:
    return {
        "id": f"f:{next(_ids):012d}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-11-26T10:00:00.000Z",
        "from": {"id": f"29:{person.user_id}", "name": person.name, "aadObjectId": person.user_id},
        "recipient": {"id": f"28:{BOT_ID}", "name": "Rapid Debrief"},
        "conversation": {**conversation, "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
    }


def personal(person: Person) -> dict[str, Any]:
    return {"id": f"a:personal-{person.user_id}", "conversationType": "personal"}


def review_thread(message_id: str = "1") -> dict[str, Any]:
    return {"id": f"{REVIEW_CHANNEL};messageid={message_id}", "conversationType": "channel", "isGroup": True}


def message(
    person: Person, text: str, *, service_url: str, conversation: dict[str, Any] | None = None, tenant: str = TENANT
) -> dict[str, Any]:
    return {**_base(person, service_url, conversation or personal(person), tenant), "type": "message", "text": text}


def execute(
    person: Person,
    verb: str,
    data: dict[str, Any],
    *,
    service_url: str,
    conversation: dict[str, Any] | None = None,
    tenant: str = TENANT,
) -> dict[str, Any]:
    return {
        **_base(person, service_url, conversation or personal(person), tenant),
        "type": "invoke",
        "name": "adaptiveCard/action",
        "replyToId": "1",
        "value": {
            "action": {"type": "Action.Execute", "verb": verb, "data": {"verb": verb, **data}},
            "trigger": "manual",
        },
    }


def submit(
    person: Person, data: dict[str, Any], *, service_url: str, conversation: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        **_base(person, service_url, conversation or personal(person), TENANT),
        "type": "message",
        "replyToId": "1",
        "value": data,
    }
