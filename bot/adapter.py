"""The HTTP edge of the Bot Framework protocol, with botbuilder 4.17.1's two defects mended here.

1. Invoke answers with a body (Action.Execute) were serialised twice and became HTTP 500: the activity
   handler already turns the body into JSON-ready dicts, so this adapter writes dicts as they are and
   serialises only msrest models.
2. A malformed, forged or expired token raised errors other than PermissionError, which became HTTP 500:
   every authentication failure is HTTP 401 here.

It also refuses activities from tenants that are not on the allow-list (HTTP 403) and answers bad JSON
with HTTP 400, so nothing a client can send produces a 500.

A message turn that is still running after `ACK_WITHIN_S` (a reply waiting for a slow Bot Connector) is
acknowledged with HTTP 202 and finishes in the background, so Teams has its answer in time; but never before what
the activity asked for is committed (storage.turn_writes): an acknowledged submission is never lost. Invokes (whose
answer is the HTTP body) are answered inline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, DeliveryModes
from msrest.serialization import Model

from bot.auth import DebriefAuthentication
from storage.turn_writes import CURRENT_TURN, TurnWrites

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
ACK_WITHIN_S = 3.0
"""Teams waits about 15 s for an answer to an activity; a message turn answers within this, finished or not."""


def tenant_of(activity: Activity) -> str | None:
    if activity.conversation is not None and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id)
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant") if isinstance(channel_data.get("tenant"), dict) else None
    return str(tenant["id"]) if tenant and tenant.get("id") else None


class DebriefAdapter(CloudAdapter):
    def __init__(self, authentication: DebriefAuthentication, *, allowed_tenants: frozenset[str]) -> None:
        super().__init__(authentication)
        self.authentication = authentication
        self._allowed_tenants = allowed_tenants
        self._turns: set[asyncio.Future[Any]] = set()

    async def process(self, request: web.Request, bot: Bot, ws_response: Any = None) -> web.Response:
        if request.method != "POST":
            return _error(405, "Use POST.")
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _error(415, "Send the activity as application/json.")
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _error(413, "The activity is too large.")
        try:
            body = json.loads(await request.read())
            if not isinstance(body, dict):
                raise ValueError("not an object")
            activity: Activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - anything unparseable is the client's fault, never a 500
            return _error(400, "The request body is not a Bot Framework activity.")
        if not activity.type or not activity.service_url:
            return _error(400, "The activity has no type or no serviceUrl.")

        try:
            auth_result = await self.authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as error:  # noqa: BLE001 - every authentication failure is a 401
            log.warning("refused an unauthenticated request: %s", type(error).__name__)
            return _error(401, "Unauthorized.")

        tenant = tenant_of(activity)
        if tenant not in self._allowed_tenants:
            log.warning("refused an activity from a tenant that is not allowed")
            return _error(403, "This bot serves only its own organisation.")

        if activity.type == ActivityTypes.invoke or activity.delivery_mode == DeliveryModes.expect_replies:
            invoke_response = await self.process_activity(auth_result, activity, bot.on_turn)
        else:
            writes = TurnWrites()
            token = CURRENT_TURN.set(writes)
            try:
                turn = asyncio.ensure_future(self.process_activity(auth_result, activity, bot.on_turn))
            finally:
                CURRENT_TURN.reset(token)
            self._turns.add(turn)
            turn.add_done_callback(self._turn_done)
            try:
                invoke_response = await asyncio.wait_for(asyncio.shield(turn), ACK_WITHIN_S)
            except TimeoutError:
                if not await _committed_or_finished(writes, turn):
                    invoke_response = turn.result()
                else:
                    return web.Response(status=202)  # acknowledged: the reply goes when the connector answers
        if invoke_response is None:
            return web.Response(status=201)
        return web.json_response(data=_json_ready(invoke_response.body), status=invoke_response.status)

    def _turn_done(self, turn: asyncio.Future[Any]) -> None:
        self._turns.discard(turn)
        if not turn.cancelled() and turn.exception() is not None:
            log.error("a turn failed after it was acknowledged", exc_info=turn.exception())

    async def drain(self, timeout_s: float) -> None:
        """At shutdown: let acknowledged turns finish sending their replies, then cancel what is left."""
        if not self._turns:
            return
        pending = set(self._turns)
        _, late = await asyncio.wait(pending, timeout=timeout_s)
        for turn in late:
            turn.cancel()
        for turn in late:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await turn


async def _committed_or_finished(writes: TurnWrites, turn: asyncio.Future[Any]) -> bool:
    """Wait until the turn has nothing uncommitted (True) or has finished (False), whichever comes first."""
    settled = asyncio.ensure_future(writes.settled.wait())
    try:
        await asyncio.wait({settled, turn}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        settled.cancel()
    return not turn.done()


def _json_ready(body: Any) -> Any:
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return body
    if isinstance(body, Model):
        return serializer_helper(body)
    return body


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
