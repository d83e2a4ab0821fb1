"""Replies and outbox sends go over one shared aiohttp session, and keep what the stock driver gave callers:
retries of transient failures, msrest errors with the status and headers, a token from the credentials on
every call, and proxies."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
import pytest
from botbuilder.schema import Activity
from botframework.connector.auth import MicrosoftAppCredentials, ServiceClientCredentialsFactory
from msrest.authentication import Authentication
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.auth import DebriefAuthentication
from bot.http_sender import AiohttpConnectorSender, ReplySerializer
from bot.outbox import SendError, TeamsConnector
from bot.settings import Settings
from tests.support import activities
from tests.support.bot_server import development_env, running_bot
from tests.support.people import BOT_ID, JORDAN, TENANT

APP_ID = "00000000-0000-4000-8000-00000000a999"
DROP = "drop"  # close the connection without answering


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    client_port: int
    authorization: str | None


class ScriptedConnector:
    """A connector in its own thread that answers from a script (then 200s) and notes each caller's port."""

    def __init__(self, script: list[Answer | str] | None = None) -> None:
        self.seen: list[Seen] = []
        self._script = list(script or [])
        lock = threading.Lock()
        ids = itertools.count(1)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with lock:
                    outer.seen.append(
                        Seen(self.command, self.path, self.client_address[1], self.headers.get("Authorization"))
                    )
                    step = outer._script.pop(0) if outer._script else Answer()
                if step == DROP:
                    self.close_connection = True
                    return
                assert isinstance(step, Answer)
                payload = json.dumps(
                    {"id": str(next(ids))} if step.status < 400 else {"error": {"code": "X", "message": "no"}}
                ).encode()
                self.send_response(step.status)
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = _answer  # noqa: N815
            do_PUT = _answer  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def __enter__(self) -> ScriptedConnector:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def connector() -> Iterator[ScriptedConnector]:
    with ScriptedConnector() as running:
        yield running


def scripted(*steps: Answer | str) -> ScriptedConnector:
    return ScriptedConnector(list(steps))


class CountingCredentials(MicrosoftAppCredentials):
    """Stands in for a token that the credentials refresh: each call gets the next token."""

    def __init__(self) -> None:
        super().__init__(APP_ID, "secret", TENANT)
        self.issued = 0

    def get_access_token(self, force_refresh: bool = False) -> str:
        self.issued += 1
        return f"token-{self.issued}"


class Factory(ServiceClientCredentialsFactory):
    def __init__(self, credentials: Authentication) -> None:
        self.credentials = credentials

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        return self.credentials


def anonymous() -> DebriefAuthentication:
    return DebriefAuthentication(Settings(development=True, allowed_tenants=frozenset({TENANT})))


def with_app_id(credentials: Authentication) -> DebriefAuthentication:
    settings = Settings(app_id=APP_ID, app_password="secret", app_tenant_id=TENANT, allowed_tenants=frozenset({TENANT}))
    return DebriefAuthentication(settings, Factory(credentials))


async def send(authentication: DebriefAuthentication, url: str, bot_id: str = "") -> str:
    client = await authentication.create_connector_factory(authentication.bot_claims(bot_id)).create(url, None)
    response = await client.conversations.send_to_conversation("a:conversation", Activity(type="message", text="hi"))
    return str(response.id)


async def test_turn_replies_share_one_session_and_one_connection(sqlite_url: str, connector: ScriptedConnector) -> None:
    async with running_bot(development_env(sqlite_url), run_dispatcher=False) as bot, aiohttp.ClientSession() as http:
        for _ in range(5):
            activity = activities.message(JORDAN, "help", service_url=connector.url)
            async with http.post(bot.messages_url, json=activity) as response:
                assert response.status in (200, 201)
    replies = [seen for seen in connector.seen if "/activities" in seen.path]
    assert len(replies) == 5
    assert len({seen.client_port for seen in replies}) == 1  # one kept-alive connection, not one per reply


async def test_cached_clients_send_through_the_aiohttp_driver(connector: ScriptedConnector) -> None:
    authentication = anonymous()
    try:
        factory = authentication.create_connector_factory(authentication.bot_claims(BOT_ID))
        first = await factory.create(connector.url, None)
        second = await authentication.create_connector_factory(authentication.bot_claims(BOT_ID)).create(
            connector.url, None
        )
        assert first is second
        assert isinstance(first.config.driver, AiohttpConnectorSender)
        assert isinstance(first.conversations._serialize, ReplySerializer)
        await send(authentication, connector.url, BOT_ID)
        await send(authentication, connector.url, BOT_ID)
        assert len({seen.client_port for seen in connector.seen}) == 1
    finally:
        await authentication.close()


async def test_a_503_then_200_is_retried() -> None:
    authentication = anonymous()
    with scripted(Answer(503)) as connector:
        try:
            assert await send(authentication, connector.url)
        finally:
            await authentication.close()
    assert len(connector.seen) == 2


async def test_a_connection_dropped_before_the_answer_is_retried() -> None:
    authentication = anonymous()
    with scripted(DROP) as connector:
        try:
            assert await send(authentication, connector.url)
        finally:
            await authentication.close()
    assert len(connector.seen) == 2


async def test_a_persistent_503_surfaces_as_an_msrest_error_after_three_tries() -> None:
    authentication = anonymous()
    with scripted(Answer(503), Answer(503), Answer(503)) as connector:
        try:
            with pytest.raises(HttpOperationError) as raised:
                await send(authentication, connector.url)
        finally:
            await authentication.close()
    assert raised.value.response.status_code == 503
    assert len(connector.seen) == 3


async def test_a_429_is_not_retried_and_reaches_the_outbox_with_its_retry_after() -> None:
    authentication = anonymous()
    with scripted(Answer(429, {"Retry-After": "7"})) as connector:
        try:
            with pytest.raises(SendError) as raised:
                await TeamsConnector(authentication, BOT_ID).send(
                    connector.url, "a:conversation", Activity(type="message", text="hi")
                )
        finally:
            await authentication.close()
    assert raised.value.status == 429
    assert raised.value.retry_after == 7.0
    cause = raised.value.__cause__
    assert isinstance(cause, HttpOperationError)
    assert cause.response.status_code == 429
    assert cause.response.headers["retry-after"] == "7"  # case-insensitive, as requests' headers were
    assert len(connector.seen) == 1


async def test_an_unreachable_connector_is_a_client_request_error_and_a_retryable_send_error() -> None:
    with ScriptedConnector() as gone:
        url = gone.url
    authentication = anonymous()
    try:
        with pytest.raises(ClientRequestError):
            await send(authentication, url)
        with pytest.raises(SendError) as raised:
            await TeamsConnector(authentication, BOT_ID).send(url, "a:c", Activity(type="message", text="hi"))
    finally:
        await authentication.close()
    assert raised.value.status is None
    assert raised.value.retryable


async def test_every_call_carries_a_token_from_the_credentials(connector: ScriptedConnector) -> None:
    credentials = CountingCredentials()
    authentication = with_app_id(credentials)
    try:
        await send(authentication, connector.url, APP_ID)
        await send(authentication, connector.url, APP_ID)
    finally:
        await authentication.close()
    # The credentials are asked before each call, so a refreshed token is used as soon as they have it.
    assert [seen.authorization for seen in connector.seen] == ["Bearer token-1", "Bearer token-2"]


async def test_empty_credentials_send_no_authorization(connector: ScriptedConnector) -> None:
    authentication = with_app_id(MicrosoftAppCredentials.empty())
    try:
        await send(authentication, connector.url, APP_ID)
    finally:
        await authentication.close()
    assert connector.seen[0].authorization is None


async def test_a_configured_proxy_carries_the_call(connector: ScriptedConnector) -> None:
    authentication = anonymous()
    try:
        factory = authentication.create_connector_factory(authentication.bot_claims(BOT_ID))
        client = await factory.create("http://connector.invalid/", None)
        client.config.proxies.add("http", connector.url)
        await client.conversations.send_to_conversation("a:c", Activity(type="message", text="hi"))
    finally:
        await authentication.close()
    assert connector.seen[0].path.startswith("http://connector.invalid/v3/conversations/")
