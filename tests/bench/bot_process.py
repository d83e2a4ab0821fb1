"""The bots under test, each run in its own process: `stock`, `echo` or `app`.

- `stock`: a stock botbuilder 4.17.1 echo bot (CloudAdapter + ConfigurationBotFrameworkAuthentication on
  aiohttp), no project code: the baseline the issue compares against.
- `echo`: the same echo handler on the project's adapter and authentication (bot.adapter, bot.auth).
- `app`: the real application from `bot.app.create_app`, dispatcher included.

All three validate inbound tokens against the local OpenID metadata named in the environment
(TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL / _TOKEN_ISSUER) and send with empty credentials for the app id,
so nothing reaches Microsoft's login service. Settings come from the environment as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext

from tests.bench.connector_process import serve
from tests.support.jwks import LocalAppCredentialsFactory


class EchoBot(ActivityHandler):
    """The echo bot of botbuilder's samples."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


@dataclass(frozen=True)
class StockConfig:
    """The attributes botbuilder's ConfigurationBotFrameworkAuthentication reads, as a sample's config.py has."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str


def stock_app() -> web.Application:
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    env = os.environ
    config = StockConfig(
        APP_ID=env["MicrosoftAppId"],
        APP_PASSWORD=env["MicrosoftAppPassword"],
        APP_TYPE=env.get("MicrosoftAppType", "SingleTenant"),
        APP_TENANTID=env.get("MicrosoftAppTenantId", ""),
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=env["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"],
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=env["TO_BOT_FROM_CHANNEL_TOKEN_ISSUER"],
    )
    adapter = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(config, credentials_factory=LocalAppCredentialsFactory(config.APP_ID))
    )
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def echo_app() -> web.Application:
    from bot.adapter import DebriefAdapter
    from bot.auth import DebriefAuthentication
    from bot.settings import load_settings

    settings = load_settings()
    authentication = DebriefAuthentication(settings, LocalAppCredentialsFactory(settings.app_id))
    adapter = DebriefAdapter(authentication, allowed_tenants=settings.allowed_tenants)
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, bot)

    async def close(app: web.Application) -> None:
        await authentication.close()

    app = web.Application(client_max_size=256 * 1024)
    app.router.add_post("/api/messages", messages)
    app.on_cleanup.append(close)
    return app


def real_app() -> web.Application:
    from bot.app import create_app
    from bot.settings import load_settings

    settings = load_settings()
    return create_app(settings, credentials_factory=LocalAppCredentialsFactory(settings.app_id))


BUILDERS = {"stock": stock_app, "echo": echo_app, "app": real_app}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=sorted(BUILDERS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(BUILDERS[args.kind]()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
