"""Bot Framework authentication, made fast without changing what it checks.

The stock stack builds a new ConnectorClient and a new user-token client on every activity, and most of
its CPU goes there (architecture.md, "Performance facts"). Here connector clients are cached per
(service URL, app id, audience), the user-token client is built only when something uses it, and every
cached client sends over one shared aiohttp session (bot/http_sender.py) instead of `requests` in a thread.
Token validation is untouched: every inbound request is still authenticated by botbuilder itself, and the
outbound token is still fetched (and refreshed) by the credentials before every call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from msrest.authentication import Authentication

from bot.http_sender import SharedHttp, use_shared_session
from bot.settings import Settings


class AnonymousCredentialFactory(ServiceClientCredentialsFactory):
    """Development only (no app id): no inbound token is required and no outbound token is sent."""

    async def is_valid_app_id(self, app_id: str) -> bool:
        return True

    async def is_authentication_disabled(self) -> bool:
        return True

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        empty: Authentication = MicrosoftAppCredentials.empty()
        return empty


def credentials_factory_for(settings: Settings) -> ServiceClientCredentialsFactory:
    if settings.anonymous:
        if not settings.development:
            raise RuntimeError("anonymous mode outside development")  # load_settings already refuses this
        return AnonymousCredentialFactory()
    return ConfigurationServiceClientCredentialFactory(settings)


class CachingConnectorFactory(ConnectorFactory):
    """Hands out one ConnectorClient per (service URL, app id, audience), sending over the shared session.

    The credentials inside a client sign every request, so a cached client still refreshes its token.
    """

    def __init__(
        self,
        inner: ConnectorFactory,
        cache: dict[tuple[str, str, str], ConnectorClient],
        app_id: str,
        http: SharedHttp | None = None,
    ) -> None:
        self._inner = inner
        self._cache = cache
        self._app_id = app_id
        self._http = http

    async def create(self, service_url: str, audience: str | None) -> ConnectorClient:
        key = (service_url, self._app_id, audience or "")
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            if self._http is not None:
                use_shared_session(client, self._http)
            self._cache[key] = client
        return client


class LazyUserTokenClient(UserTokenClient):
    """Builds the real user-token client on first use; a message turn never needs one."""

    def __init__(self, create: Callable[[], Awaitable[UserTokenClient]]) -> None:
        self._create = create
        self._inner: UserTokenClient | None = None
        self._lock = asyncio.Lock()

    async def _client(self) -> UserTokenClient:
        async with self._lock:
            if self._inner is None:
                self._inner = await self._create()
            return self._inner

    async def get_user_token(self, user_id: str, connection_name: str, channel_id: str, magic_code: str) -> Any:
        return await (await self._client()).get_user_token(user_id, connection_name, channel_id, magic_code)

    async def get_sign_in_resource(self, connection_name: str, activity: Activity, final_redirect: str) -> Any:
        return await (await self._client()).get_sign_in_resource(connection_name, activity, final_redirect)

    async def sign_out_user(self, user_id: str, connection_name: str, channel_id: str) -> Any:
        return await (await self._client()).sign_out_user(user_id, connection_name, channel_id)

    async def get_token_status(self, user_id: str, channel_id: str, include_filter: str) -> Any:
        return await (await self._client()).get_token_status(user_id, channel_id, include_filter)

    async def get_aad_tokens(
        self, user_id: str, connection_name: str, resource_urls: list[str], channel_id: str
    ) -> Any:
        return await (await self._client()).get_aad_tokens(user_id, connection_name, resource_urls, channel_id)

    async def exchange_token(self, user_id: str, connection_name: str, channel_id: str, exchange_request: Any) -> Any:
        return await (await self._client()).exchange_token(user_id, connection_name, channel_id, exchange_request)


class DebriefAuthentication(ConfigurationBotFrameworkAuthentication):
    def __init__(self, settings: Settings, credentials_factory: ServiceClientCredentialsFactory | None = None):
        super().__init__(settings, credentials_factory=credentials_factory or credentials_factory_for(settings))
        self._connectors: dict[tuple[str, str, str], ConnectorClient] = {}
        self.http = SharedHttp()

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = CachingConnectorFactory(
                result.connector_factory, self._connectors, _app_id(result.claims_identity), self.http
            )
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return CachingConnectorFactory(
            super().create_connector_factory(claims_identity), self._connectors, _app_id(claims_identity), self.http
        )

    async def close(self) -> None:
        """Close the shared HTTP session (at shutdown); cached clients open a new one if used again."""
        self._connectors.clear()
        await self.http.close()

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        create = super().create_user_token_client  # bound now: a lambda cannot use zero-argument super()
        return LazyUserTokenClient(lambda: create(claims_identity))

    def bot_claims(self, bot_app_id: str) -> ClaimsIdentity:
        """The identity proactive sends run under (the bot itself)."""
        return ClaimsIdentity(
            {
                AuthenticationConstants.AUDIENCE_CLAIM: bot_app_id,
                AuthenticationConstants.APP_ID_CLAIM: bot_app_id,
            },
            True,
        )


def _app_id(identity: ClaimsIdentity | None) -> str:
    if identity is None:
        return ""
    claims = identity.claims or {}
    return str(
        claims.get(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get(AuthenticationConstants.APP_ID_CLAIM) or ""
    )
