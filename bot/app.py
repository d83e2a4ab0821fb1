"""The aiohttp application: POST /api/messages, GET /healthz, the oversight dashboard tab (bot/tab), start-up and
shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web
from botbuilder.core import TurnContext
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot import scheduler
from bot.adapter import DebriefAdapter
from bot.auth import DebriefAuthentication
from bot.directory import GraphDirectory, directory_from_settings
from bot.documents import document_route
from bot.handler import DebriefBot
from bot.logs import ActivityCorrelation, request_context
from bot.metrics import Metrics, metrics_route
from bot.online_meetings import online_meetings_from_settings
from bot.outbox import Dispatcher, TeamsConnector
from bot.services import Services, utc_now
from bot.settings import Settings
from bot.tab import sign_in_for, tab_routes
from storage.database import create_engine, migrate, ping

log = logging.getLogger(__name__)

SERVICES = web.AppKey("services", Services)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)


def create_app(
    settings: Settings,
    *,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    clock: Callable[[], datetime] = utc_now,
    run_dispatcher: bool = True,
    run_migrations: bool = True,
    run_scheduler: bool = True,
) -> web.Application:
    engine = create_engine(settings.database_url)
    directory = directory_from_settings(settings)
    services = Services(settings=settings, engine=engine, directory=directory, clock=clock)
    authentication = DebriefAuthentication(settings, credentials_factory)
    adapter = DebriefAdapter(authentication, allowed_tenants=settings.allowed_tenants)
    adapter.use(ActivityCorrelation())  # the activity's id in every log line of its turn
    metrics = Metrics()
    bot = DebriefBot(services)
    tab_sign_in = sign_in_for(settings, directory)  # the dashboard tab: Teams SSO (development sign-in anonymously)
    online_meetings = online_meetings_from_settings(services)  # None unless DEBRIEF_GRAPH_ONLINE_MEETINGS=true
    dispatcher = Dispatcher(
        services=services,
        connector=TeamsConnector(authentication, settings.bot_id),
        online_meetings=online_meetings,
        metrics=metrics,
    )

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        log.error("turn failed: %s", type(error).__name__, exc_info=error)
        with contextlib.suppress(Exception):
            await context.send_activity("Something went wrong and nothing was saved. Please try again.")

    adapter.on_turn_error = on_turn_error

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        dispatcher.wake()  # a turn may have queued messages; send them now rather than at the next tick
        return response

    async def healthz(request: web.Request) -> web.Response:
        database = await ping(engine)
        body = {"status": "ok" if database else "unavailable", "database": "ok" if database else "unreachable"}
        return web.json_response(body, status=200 if database else 503)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        if run_migrations:
            await migrate(engine)
        if isinstance(directory, GraphDirectory):
            await directory.refresh_at_start()  # deny by default until it has been read
        stop = asyncio.Event()
        tasks = []
        if isinstance(directory, GraphDirectory):
            tasks.append(asyncio.create_task(directory.run(stop)))
        if run_dispatcher:
            tasks.append(asyncio.create_task(dispatcher.run(stop)))
        if run_scheduler:
            tasks.append(
                asyncio.create_task(scheduler.run_scheduler(services, stop, on_queued=dispatcher.wake, metrics=metrics))
            )
        yield
        stop.set()
        dispatcher.wake()
        await adapter.drain(timeout_s=10)  # message turns acknowledged before their replies were sent
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=10)
        await authentication.close()  # the shared session the connector clients send over
        await tab_sign_in.close()  # its own session for the identity provider's keys
        if isinstance(directory, GraphDirectory):
            await directory.close()
        if online_meetings is not None:
            await online_meetings.close()  # its own Graph client only; a shared one closed with the directory
        await engine.dispose()

    app = web.Application(client_max_size=256 * 1024, middlewares=[request_context, metrics.middleware()])
    app[SERVICES] = services
    app[DISPATCHER] = dispatcher
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_routes([metrics_route(metrics, settings, engine, services.now)])
    app.router.add_routes([document_route(services)])
    app.router.add_routes(tab_routes(services, tab_sign_in))
    app.cleanup_ctx.append(lifecycle)
    return app
