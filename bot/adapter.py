"""The HTTP edge of the Bot Framework protocol, with botbuilder 4.17.1's two defects mended here.

1. Invoke answers with a body (Action.Execute) were serialised twice and became HTTP 500: the activity
   handler already turns the body into JSON-ready dicts, so this adapter writes dicts as they are and
   serialises only msrest models.
2. A malformed, forged or expired token raised errors other than PermissionError, which became HTTP 500:
   every authentication failure is HTTP 401 here.

It also refuses activities from tenants that are not on the allow-list (HTTP 403) and answers bad JSON
with HTTP 400, so nothing a client can send produces a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from msrest.serialization import Model

from bot.auth import DebriefAuthentication

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


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

        invoke_response = await self.process_activity(auth_result, activity, bot.on_turn)
        if invoke_response is None:
            return web.Response(status=201)
        return web.json_response(data=_json_ready(invoke_response.body), status=invoke_response.status)


def _json_ready(body: Any) -> Any:
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return body
    if isinstance(body, Model):
        return serializer_helper(body)
    return body


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
