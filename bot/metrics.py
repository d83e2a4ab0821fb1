"""`GET /metrics` in Prometheus' text exposition format: request latency, the outbox's depth and age, sends by
result, scheduler rounds and the process's start time.

prometheus-client writes the format (escaping, histogram buckets, HELP and TYPE lines) as Prometheus itself reads
it; each app has its own registry, so several apps in one process (the tests) never share a count. Nothing here is
labelled with anything a request chose: routes are their templates, never raw paths (which may carry a token).

Who may read it: with DEBRIEF_METRICS_TOKEN set, a scraper sending `Authorization: Bearer <it>`; without it, anyone
in development and nobody in production (404, as if there were no such route).
"""

from __future__ import annotations

import hmac
import logging
import math
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Literal

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import route_template
from bot.settings import Settings
from storage import outbox_store

log = logging.getLogger(__name__)

SendResult = Literal["sent", "retried", "failed", "blocked"]
SEND_RESULTS: tuple[SendResult, ...] = ("sent", "retried", "failed", "blocked")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds: Teams expects an answer to an activity within about 15 seconds."""

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_IMPORTED_AT = time.time()
"""The process's start, near enough, where /proc cannot say (not Linux)."""


class Metrics:
    """The app's counters and gauges, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "debrief_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and status class.",
            ["method", "route", "status_class"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sends = Counter(
            "debrief_outbox_sends",
            "Outbox send attempts by result: sent, retried (put back for later), failed (final) or blocked "
            "(the recipient blocked the bot).",
            ["result"],
            registry=self.registry,
        )
        for result in SEND_RESULTS:
            self.sends.labels(result=result)  # present at 0 from the start, so rates work from the first scrape
        self.scheduler_rounds = Counter(
            "debrief_scheduler_rounds",
            "Scheduler rounds run (each kind of scheduled work, every interval).",
            ["round"],
            registry=self.registry,
        )
        self.scheduler_failures = Counter(
            "debrief_scheduler_round_failures",
            "Scheduler rounds that failed (retried at the next interval).",
            ["round"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "debrief_outbox_pending_messages",
            "Messages waiting in the outbox (read at scrape time).",
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "debrief_outbox_oldest_pending_age_seconds",
            "Age of the oldest message waiting in the outbox, in seconds; 0 when none is waiting.",
            registry=self.registry,
        )
        if Path("/proc/self/stat").exists():
            ProcessCollector(registry=self.registry)  # process_start_time_seconds, CPU, memory, open files
        else:
            Gauge(
                "process_start_time_seconds",
                "Start time of the process since the epoch in seconds.",
                registry=self.registry,
            ).set(_IMPORTED_AT)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in _METHODS else "other"  # a client's made-up method adds no series
        self.request_seconds.labels(method=method, route=route, status_class=f"{status // 100}xx").observe(seconds)

    def count_send(self, result: SendResult) -> None:
        self.sends.labels(result=result).inc()

    def count_round(self, name: str, *, failed: bool) -> None:
        label = name.replace(" ", "_")
        self.scheduler_rounds.labels(round=label).inc()
        if failed:
            self.scheduler_failures.labels(round=label).inc()

    async def read_outbox(self, engine: AsyncEngine, now: datetime) -> None:
        """Set the outbox gauges from the table (one indexed query); NaN when the database cannot say, so the rest
        of the figures still reach the scraper when they matter most."""
        try:
            pending, oldest = await outbox_store.pending_summary(engine)
        except Exception:
            log.warning("could not read the outbox for /metrics", exc_info=True)
            self.outbox_pending.set(math.nan)
            self.outbox_oldest_age.set(math.nan)
            return
        self.outbox_pending.set(pending)
        self.outbox_oldest_age.set(max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)

    def middleware(self) -> Callable[..., Awaitable[web.StreamResponse]]:
        """aiohttp middleware timing each request into the latency histogram, by route template."""

        @web.middleware
        async def timed(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            started = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as http_error:
                status = http_error.status
                raise
            finally:
                self.observe_request(request.method, route_template(request), status, time.perf_counter() - started)

        return timed


def metrics_route(
    metrics: Metrics, settings: Settings, engine: AsyncEngine, now: Callable[[], datetime]
) -> web.RouteDef:
    """GET /metrics, guarded by DEBRIEF_METRICS_TOKEN (see the module's docstring)."""
    expected = f"Bearer {settings.metrics_token}".encode() if settings.metrics_token else None

    async def scrape(request: web.Request) -> web.Response:
        if expected is None and not settings.development:
            raise web.HTTPNotFound()
        if expected is not None:
            offered = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(offered, expected):
                raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        await metrics.read_outbox(engine, now())
        return web.Response(
            body=generate_latest(metrics.registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
        )

    return web.get("/metrics", scrape)
