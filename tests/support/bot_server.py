"""The real bot application on a loopback port, for tests that go through the HTTP edge."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.app import DISPATCHER, SERVICES, create_app
from bot.outbox import Dispatcher
from bot.services import Services
from bot.settings import Settings, load_settings
from tests.support.people import BOT_ID, DIRECTORY_FILE, REVIEW_CHANNEL, TENANT


def development_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        "DEBRIEF_ENVIRONMENT": "development",
        "DEBRIEF_ALLOWED_TENANTS": TENANT,
        "DEBRIEF_DEV_BOT_ID": BOT_ID,
        "DEBRIEF_REVIEW_TEAM_CHANNEL_ID": REVIEW_CHANNEL,
        "DEBRIEF_DIRECTORY_FILE": str(DIRECTORY_FILE),
        "DATABASE_URL": database_url,
        "DEBRIEF_DISPATCH_INTERVAL_S": "0.05",
    }
    env.update(extra)
    return env


@dataclass
class RunningBot:
    url: str
    app: web.Application

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    @property
    def dispatcher(self) -> Dispatcher:
        return self.app[DISPATCHER]

    @property
    def messages_url(self) -> str:
        return f"{self.url}/api/messages"


@asynccontextmanager
async def running_bot(
    env: Mapping[str, str],
    *,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    clock: Callable[[], datetime] | None = None,
    run_dispatcher: bool = True,
    run_migrations: bool = True,
) -> AsyncIterator[RunningBot]:
    settings: Settings = load_settings(dict(env))
    kwargs = {"clock": clock} if clock is not None else {}
    app = create_app(
        settings,
        credentials_factory=credentials_factory,
        run_dispatcher=run_dispatcher,
        run_migrations=run_migrations,
        **kwargs,
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield RunningBot(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        await runner.cleanup()
