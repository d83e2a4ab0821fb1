"""Turns Teams activities into calls of the process: text commands, card verbs, and conversation upkeep."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import Activity, ActivityTypes

from bot import file_consent, message_action
from bot.adapter import tenant_of
from bot.documents import DocumentKind, new_link
from bot.identity import actor_for
from bot.outbox import TRIAGE_THREAD
from bot.services import Services
from bot.verbs import VerbCall, message_card, run_verb
from cards.chronology import DOCUMENT_VERB, VIEW_CHRONOLOGY_VERB
from cards.common import Card
from cards.contributors import INVITE_VERB
from cards.help import OPEN_NOMINATION_VERB, help_card
from cards.meetings import OPEN_MEETING_VERB, meeting_file_link
from cards.outcomes import OPEN_OUTCOME_VERB
from cards.partners import OPEN_PARTNERS_VERB
from cards.retention import OPEN_RETENTION_VERB
from debrief import disclosure
from debrief.errors import AlreadyProcessed, Forbidden, NotFound
from storage.conversations import case_of_thread, remember_conversation

log = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CASE_THREAD_COMMANDS = {
    "chronology": VIEW_CHRONOLOGY_VERB,
    "document": DOCUMENT_VERB,
    "partners": OPEN_PARTNERS_VERB,
    "meeting": OPEN_MEETING_VERB,
    "learning": OPEN_OUTCOME_VERB,
    "actions": OPEN_OUTCOME_VERB,
}

DISCLOSURE_HOW = "Type **disclosure** and the case number, for example *disclosure RD-2026-0001*."
DISCLOSURE_ONE_TO_ONE = (
    "Ask for a disclosure bundle in your one-to-one chat with Rapid Debrief: it is sent to you only, never to a "
    "channel or a group chat."
)


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


def mentioned_users(activity: Activity) -> list[tuple[str, str | None]]:
    """(Teams user id, Entra ID object id if given) for each @mention in the message."""
    found: list[tuple[str, str | None]] = []
    for entity in activity.entities or []:
        # msrest keeps the fields it has no attribute for (mentioned, text) in additional_properties.
        data = {**(getattr(entity, "additional_properties", None) or {}), "type": getattr(entity, "type", None)}
        if data.get("type") != "mention":
            continue
        mentioned = data.get("mentioned")
        if isinstance(mentioned, dict) and isinstance(mentioned.get("id"), str) and mentioned["id"]:
            aad = mentioned.get("aadObjectId")
            found.append((mentioned["id"], aad if isinstance(aad, str) and aad else None))
    return found


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
        elif command == "invite":
            await self._invite_mentioned(turn_context)
        elif command in CASE_THREAD_COMMANDS:
            await self._case_thread_command(turn_context, command)
        elif command == "disclosure":
            await self._disclosure_bundle(turn_context, text)
        elif command == "retention":
            await self._retention(turn_context, text)
        elif command in ("help", "hi", "hello", "?", ""):
            actor = actor_for(activity, self.services.directory)
            await turn_context.send_activity(card_activity(help_card(actor.roles if actor else frozenset())))
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
        if activity.name in ("composeExtension/fetchTask", "composeExtension/submitAction"):
            return InvokeResponse(status=200, body=await self._message_action(turn_context))
        if activity.name == file_consent.INVOKE_NAME:
            return await file_consent.answer_file_consent(self.services, turn_context)
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

    async def _invite_mentioned(self, turn_context: TurnContext) -> None:
        """`@Rapid Debrief invite @Officer @Officer` in a case thread invites those officers to the chronology."""
        activity = turn_context.activity
        conversation_id = activity.conversation.id if activity.conversation else ""
        case_id = await case_of_thread(self.services.engine, conversation_id=conversation_id, purpose=TRIAGE_THREAD)
        if case_id is None:
            await turn_context.send_activity(
                "Use **invite** with @mentions in a case's thread in the review team's channel, for example "
                "*@Rapid Debrief invite @PC Example*."
            )
            return
        bot_id = activity.recipient.id if activity.recipient else None
        chosen: list[str] = []
        for teams_id, aad_id in mentioned_users(activity):
            if teams_id == bot_id:
                continue
            found = aad_id or await self._directory_id(turn_context, teams_id)
            chosen.append(found or teams_id)
        await self._reply_with_verb(
            turn_context, INVITE_VERB, {"caseId": case_id, "contributorIds": ",".join(dict.fromkeys(chosen))}
        )

    async def _case_thread_command(self, turn_context: TurnContext, command: str) -> None:
        """Commands that work in a case's thread: the chronology, its Word document, the partners and the meeting."""
        activity = turn_context.activity
        conversation_id = activity.conversation.id if activity.conversation else ""
        case_id = await case_of_thread(self.services.engine, conversation_id=conversation_id, purpose=TRIAGE_THREAD)
        if case_id is None:
            await turn_context.send_activity(
                f"Use **{command}** in a case's thread in the review team's channel, for example "
                f"*@Rapid Debrief {command}*."
            )
            return
        await self._reply_with_verb(turn_context, CASE_THREAD_COMMANDS[command], {"caseId": case_id})

    async def _retention(self, turn_context: TurnContext, text: str) -> None:
        """`retention RD-2026-0001` in a one-to-one chat: the case's retention card, for the information manager."""
        activity = turn_context.activity
        words = text.split()
        if (activity.conversation.conversation_type if activity.conversation else None) not in (None, "personal"):
            await turn_context.send_activity(
                "Open a case's retention review in your one-to-one chat with Rapid Debrief."
            )
        elif len(words) != 2:
            await turn_context.send_activity(
                "Type **retention** and the case number, for example *retention RD-2026-0001*."
            )
        else:
            await self._reply_with_verb(turn_context, OPEN_RETENTION_VERB, {"caseNumber": words[1]})

    async def _disclosure_bundle(self, turn_context: TurnContext, text: str) -> None:
        """`disclosure RD-2026-0001` in a one-to-one chat: the case's disclosure bundle, offered to whoever asked (the
        information manager or a disclosure officer) and to nobody else. Fetching it authorises them again."""
        activity = turn_context.activity
        words = text.split()
        actor = actor_for(activity, self.services.directory)
        personal = (activity.conversation.conversation_type if activity.conversation else None) in (None, "personal")
        if not personal:
            await turn_context.send_activity(DISCLOSURE_ONE_TO_ONE)
            return
        if len(words) != 2 or actor is None:
            await turn_context.send_activity(DISCLOSURE_HOW)
            return
        services = self.services
        try:
            case = await disclosure.request_bundle(
                uow=services.uow(activity_key(activity)), actor=actor, case_number=words[1], now=services.now()
            )
        except AlreadyProcessed:
            return  # a re-delivery of a request already answered
        except (Forbidden, NotFound) as refused:
            await turn_context.send_activity(str(refused))
            return
        assert case.id is not None
        kind = DocumentKind.DISCLOSURE_BUNDLE
        if services.settings.document_delivery == "file_consent":
            offer = await file_consent.consent_card(
                services, case_id=case.id, case_number=case.case_number, person_id=actor.user_id, kind=kind
            )
        else:
            url = await new_link(services, case_id=case.id, person_id=actor.user_id, kind=kind)
            expires_at = services.now() + timedelta(minutes=services.settings.document_link_minutes)
            offer = card_activity(meeting_file_link(case, what=kind.label, url=url, expires_at=expires_at))
        await turn_context.send_activity(offer)

    async def _message_action(self, turn_context: TurnContext) -> dict[str, Any]:
        """The "Add to chronology" message action; anything else a dialog can send gets a plain answer."""
        activity = turn_context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        if value.get("commandId") != message_action.COMMAND_ID:
            return message_action.dialog_message("Rapid Debrief does not have that command.")
        actor = actor_for(activity, self.services.directory)
        if actor is None:
            return message_action.dialog_message("Teams did not say who you are, so nothing can be done.")
        try:
            if activity.name == "composeExtension/fetchTask":
                return await message_action.fetch_task(self.services, actor, value)
            return await message_action.submit_action(self.services, actor, value, activity_key=activity_key(activity))
        except Exception:
            log.exception("message action failed")
            return message_action.dialog_message("Something went wrong. Nothing was saved; please try again.")

    async def _directory_id(self, turn_context: TurnContext, teams_user_id: str) -> str | None:
        """Mentions carry the Teams user id; the directory knows people by their Entra ID object id."""
        try:
            member = await TeamsInfo.get_member(turn_context, teams_user_id)
        except Exception:  # noqa: BLE001 - an unknown member is reported by the verb as not an officer
            log.warning("could not look up a mentioned member")
            return None
        return str(member.aad_object_id) if member and member.aad_object_id else None

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
