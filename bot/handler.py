"""Turns Teams activities into calls of the process: text commands, card verbs, and conversation upkeep."""

from __future__ import annotations

import logging
import re
from typing import Any

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes

from bot.adapter import tenant_of
from bot.identity import actor_for
from bot.services import Services
from bot.verbs import VerbCall, message_card, run_verb
from cards.common import Card
from cards.help import OPEN_NOMINATION_VERB, help_card
from storage.conversations import remember_conversation

log = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def activity_key(activity: Activity) -> str:
    """Teams activity ids are unique within a conversation; a re-delivery carries the same id."""
    conversation = activity.conversation.id if activity.conversation else ""
    return f"{activity.channel_id}|{conversation}|{activity.id}"[:300]


def command_text(text: str | None) -> str:
    """The words typed, without the @mention Teams puts in front of them in channels and group chats."""
    return re.sub(r"<at>.*?</at>", " ", text or "", flags=re.IGNORECASE | re.DOTALL).strip().lower()


def execute_action(value: Any) -> tuple[str, dict[str, Any]]:
    """The verb and data of an Action.Execute invoke, whatever shape the client sent."""
    action = value.get("action") if isinstance(value, dict) else None
    if not isinstance(action, dict):
        return "", {}
    raw_data = action.get("data")
    data: dict[str, Any] = dict(raw_data) if isinstance(raw_data, dict) else {}
    name = action.get("verb") if isinstance(action.get("verb"), str) else data.get("verb")
    return (name if isinstance(name, str) else ""), data


def card_activity(card: Card) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


class DebriefBot(TeamsActivityHandler):
    def __init__(self, services: Services) -> None:
        self.services = services
        self._remembered: set[tuple[str, str, str | None]] = set()

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._remember_conversation(turn_context.activity)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if isinstance(activity.value, dict) and isinstance(activity.value.get("verb"), str):
            await self._on_card_submit(turn_context, activity.value)
            return
        text = command_text(activity.text)
        command = text.split()[0] if text else ""
        if command in ("nominate", "nomination"):
            await self._reply_with_verb(turn_context, OPEN_NOMINATION_VERB, {})
        elif command in ("help", "hi", "hello", "?", ""):
            await turn_context.send_activity(card_activity(help_card()))
        else:
            await turn_context.send_activity(
                "I did not recognise that. Type **nominate** to put a case forward, or **help** to see what I do."
            )

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Card actions are ours end to end: botbuilder's own parsing answers odd payloads with HTTP 500."""
        activity = turn_context.activity
        if activity.name == "adaptiveCard/action":
            name, data = execute_action(activity.value)
            card = await self._run(turn_context, name, data)
            return InvokeResponse(status=200, body={"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card})
        return InvokeResponse(
            status=400, body={"code": "NotSupported", "message": "Rapid Debrief does not handle this request."}
        )

    async def _on_card_submit(self, turn_context: TurnContext, value: dict[str, Any]) -> None:
        """Action.Submit (the fallback of older clients): answer by replacing the card that was pressed."""
        card = await self._run(turn_context, str(value["verb"]), value)
        reply = card_activity(card)
        reply_to = turn_context.activity.reply_to_id
        if reply_to:
            reply.id = reply_to
            await turn_context.update_activity(reply)
        else:
            await turn_context.send_activity(reply)

    async def _reply_with_verb(self, turn_context: TurnContext, name: str, data: dict[str, Any]) -> None:
        card = await self._run(turn_context, name, data)
        await turn_context.send_activity(card_activity(card))

    async def _run(self, turn_context: TurnContext, name: str, data: dict[str, Any]) -> Card:
        activity = turn_context.activity
        actor = actor_for(activity, self.services.directory)
        if actor is None:
            return message_card(
                "Sign-in details missing",
                "Teams did not say who you are, so nothing can be done. Open the bot from Teams and try again.",
            )
        try:
            return await run_verb(
                VerbCall(name=name, actor=actor, data=data, activity_key=activity_key(activity), services=self.services)
            )
        except Exception:
            log.exception("verb %s failed", name)
            return message_card(
                "Something went wrong",
                "Nothing was saved. Please try again in a minute; if it keeps happening, contact the service desk.",
            )

    async def _remember_conversation(self, activity: Activity) -> None:
        """Keep the newest reference for every conversation, so proactive messages follow serviceUrl changes."""
        if activity.type not in (
            ActivityTypes.message,
            ActivityTypes.invoke,
            ActivityTypes.conversation_update,
            ActivityTypes.installation_update,
        ):
            return
        if not activity.service_url or activity.conversation is None or not activity.conversation.id:
            return
        conversation_type = activity.conversation.conversation_type or "personal"
        user_id = activity.from_property.aad_object_id if activity.from_property else None
        key = (activity.service_url, activity.conversation.id, user_id)
        if key in self._remembered:
            return
        reference = TurnContext.get_conversation_reference(activity)
        try:
            await remember_conversation(
                self.services.engine,
                service_url=activity.service_url,
                conversation_id=activity.conversation.id,
                tenant_id=tenant_of(activity) or "",
                conversation_type=conversation_type,
                user_id=user_id if conversation_type == "personal" else None,
                reference=reference.serialize(),
                now=self.services.now(),
            )
            if len(self._remembered) > 10_000:
                self._remembered.clear()
            self._remembered.add(key)
        except Exception:
            log.exception("could not store a conversation reference")
