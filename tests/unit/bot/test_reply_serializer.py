"""The reply serializer writes exactly what msrest's serializer writes, for the project's real cards and for
content that is not plain JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity, CardAction
from botframework.connector import models
from msrest.serialization import Serializer

from bot.http_sender import ReplySerializer
from cards.nomination import nomination_received
from cards.triage import triage_card
from debrief.model import Case, NominationRules, parse_nomination
from debrief.permissions import Role
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
CLASSES = {name: kind for name, kind in models.__dict__.items() if isinstance(kind, type)}


def a_case() -> Case:
    nomination = parse_nomination(
        nomination_form(), now=NOW, rules=NominationRules(), sios=DIRECTORY.people_with(Role.SIO)
    )
    return Case(nomination=nomination, nominator=JORDAN, nominated_at=NOW, case_number="RD-2026-0001", id=1)


def card_reply(card: Any) -> Activity:
    reply = MessageFactory.attachment(CardFactory.adaptive_card(card))
    reply.id = "1:abc"
    return reply


def both(activity: Activity) -> tuple[Any, Any]:
    return Serializer(CLASSES).body(activity, "Activity"), ReplySerializer(CLASSES).body(activity, "Activity")


@pytest.mark.parametrize(
    "activity",
    [
        card_reply(nomination_received(a_case(), triage_due=date(2026, 11, 27))),
        card_reply(
            triage_card(a_case(), review_team=DIRECTORY.people_with(Role.REVIEW_TEAM), triage_due=date(2026, 11, 27))
        ),
        MessageFactory.text("Something went wrong and nothing was saved. Please try again."),
    ],
    ids=["nomination received", "triage", "text"],
)
def test_the_project_s_replies_serialise_as_msrest_does(activity: Activity) -> None:
    stock, fast = both(activity)
    assert json.dumps(fast, sort_keys=True) == json.dumps(stock, sort_keys=True)


def test_content_that_is_not_plain_json_still_goes_through_msrest() -> None:
    content = {
        "when": datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        "amount": Decimal("1.5"),
        "action": CardAction(type="openUrl", title="Open", value="https://example.invalid"),
        "items": [{"day": date(2026, 11, 27)}],
    }
    activity = card_reply(content)
    stock, fast = both(activity)
    assert fast == stock
    serialised = fast["attachments"][0]["content"]
    assert serialised["when"] == "2026-11-26T10:00:00.000Z"
    assert serialised["action"]["type"] == "openUrl"
