"""GET /metrics over HTTP on the real app: Prometheus' text format, request latency by route template, the outbox's
depth and age as they change, sends by result (a 429 retried, a refusal final), scheduler rounds, and who may read
it (a bearer token; nobody in production without one).

The exposition is read back with prometheus-client's own parser, which rejects anything Prometheus would not take.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDictProxy
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from bot.app import create_app
from bot.outbox import RetryPolicy
from bot.services import utc_now
from bot.settings import load_settings
from storage import outbox_store
from storage import tables as t
from tests.bench.reminders import conversation_of, officers, seed
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.connector import Fault, LocalConnector
from tests.support.jwks import LocalAppCredentialsFactory, authenticated_env, identity_provider

TOKEN = "fictional-metrics-token-0123456789abcdef"
FAST_RETRIES = RetryPolicy(base_s=0.01, cap_s=0.05, max_attempts=10)
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample, keyed by its name and labels; the parser raises on anything malformed."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


async def get(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, str, CIMultiDictProxy[str]]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, await response.text(), response.headers


async def scrape(bot: RunningBot, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    status, body, response_headers = await get(f"{bot.url}/metrics", headers)
    assert status == 200, body
    assert str(response_headers["Content-Type"]).startswith("text/plain; version=")
    return parse(body)


@asynccontextmanager
async def quiet_bot(database_url: str) -> AsyncIterator[RunningBot]:
    """The real app without its background loops: the test decides when the outbox is sent."""
    app = create_app(load_settings(development_env(database_url)), run_dispatcher=False, run_scheduler=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield RunningBot(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        await runner.cleanup()


async def test_the_metrics_parse_and_the_latency_histogram_counts_each_request_by_route_template(
    sqlite_url: str,
) -> None:
    async with quiet_bot(sqlite_url) as bot:
        before = await scrape(bot)
        healthz = {"method": "GET", "route": "/healthz", "status_class": "2xx"}
        assert ("debrief_http_request_duration_seconds_count", frozenset(healthz.items())) not in before
        status, _, _ = await get(f"{bot.url}/healthz")
        assert status == 200
        link_token = "Zx8fictionalLinkToken0123456789"
        status, _, _ = await get(f"{bot.url}/documents/{link_token}")
        assert status == 410  # no such link: gone, as an expired one
        status, _, _ = await get(f"{bot.url}/no/such/{link_token}")
        assert status == 404
        async with aiohttp.ClientSession() as session, session.request("PROPFIND", f"{bot.url}/healthz") as response:
            assert response.status == 405
        _, text, _ = await get(f"{bot.url}/metrics")
        after = parse(text)

    histogram = "debrief_http_request_duration_seconds"
    assert value(after, f"{histogram}_count", method="GET", route="/healthz", status_class="2xx") == 1
    assert value(after, f"{histogram}_count", method="GET", route="/documents/{token}", status_class="4xx") == 1
    assert value(after, f"{histogram}_count", method="GET", route="unmatched", status_class="4xx") == 1
    assert value(after, f"{histogram}_count", method="other", route="unmatched", status_class="4xx") == 1
    assert value(after, f"{histogram}_count", method="GET", route="/metrics", status_class="2xx") == 1  # the first
    assert value(after, f"{histogram}_bucket", **healthz, le="+Inf") == 1
    assert value(after, f"{histogram}_bucket", **healthz, le="30.0") == 1
    assert 0 < value(after, f"{histogram}_sum", **healthz) < 5
    assert link_token not in text  # routes are templates, never raw paths
    started = value(after, "process_start_time_seconds")
    assert utc_now().timestamp() - 3600 < started <= utc_now().timestamp()
    for result in ("sent", "retried", "failed", "blocked"):  # there from the start, at 0
        assert value(after, "debrief_outbox_sends_total", result=result) == 0


async def test_the_outbox_gauges_follow_rows_added_and_sent_and_sends_count_by_result(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with quiet_bot(sqlite_url) as bot:
            engine = bot.services.engine
            empty = await scrape(bot)
            assert value(empty, "debrief_outbox_pending_messages") == 0
            assert value(empty, "debrief_outbox_oldest_pending_age_seconds") == 0

            await seed(engine, cases=1, people=4, service_url=connector.url)  # 4 reminders waiting
            now = utc_now()
            async with engine.begin() as connection:
                pending = t.outbox.c.status == outbox_store.PENDING
                await connection.execute(
                    update(t.outbox).where(pending).values(created_at=now - timedelta(seconds=60), next_attempt_at=now)
                )
                first = (await connection.execute(select(func.min(t.outbox.c.id)).where(pending))).scalar_one()
                await connection.execute(
                    update(t.outbox).where(t.outbox.c.id == first).values(created_at=now - timedelta(seconds=300))
                )
            waiting = await scrape(bot)
            assert value(waiting, "debrief_outbox_pending_messages") == 4
            assert 300 <= value(waiting, "debrief_outbox_oldest_pending_age_seconds") < 360

            dispatcher = bot.dispatcher
            dispatcher.policy = FAST_RETRIES
            connector.state.fault = Fault(rate=1.0, status=429, retry_after="0")  # Teams throttles every send
            assert await dispatcher.dispatch_once() == 4
            throttled = await scrape(bot)
            assert value(throttled, "debrief_outbox_sends_total", result="retried") == 4
            assert value(throttled, "debrief_outbox_sends_total", result="sent") == 0
            assert value(throttled, "debrief_outbox_pending_messages") == 4  # still waiting, to be tried again

            # Then one officer's chat refuses for good (400), and the others go through.
            refused = officers(4)[0]
            connector.state.fault = Fault(
                rate=1.0, status=400, code="BadArgument", retry_after=None, paths=(conversation_of(refused.user_id),)
            )
            tried = 0
            async with asyncio.timeout(10):
                while tried < 4:
                    await asyncio.sleep(0.06)  # past the backoff
                    tried += await dispatcher.dispatch_once()
            done = await scrape(bot)

    assert value(done, "debrief_outbox_sends_total", result="sent") == 3
    assert value(done, "debrief_outbox_sends_total", result="retried") == 4
    assert value(done, "debrief_outbox_sends_total", result="failed") == 1
    assert value(done, "debrief_outbox_sends_total", result="blocked") == 0
    assert value(done, "debrief_outbox_pending_messages") == 0
    assert value(done, "debrief_outbox_oldest_pending_age_seconds") == 0


async def test_scheduler_rounds_are_counted_and_failures_apart(sqlite_url: str, tmp_path: object) -> None:
    async with running_bot(development_env(sqlite_url)) as bot:  # the scheduler runs a round of each at start
        async with asyncio.timeout(10):
            while ("debrief_scheduler_rounds_total", frozenset({("round", "retention_review")})) not in (
                samples := await scrape(bot)
            ):
                await asyncio.sleep(0.05)
    for round_ in ("contribution", "partner", "action", "digest", "case_closure", "retention_review"):
        assert value(samples, "debrief_scheduler_rounds_total", round=round_) >= 1
        assert ("debrief_scheduler_round_failures_total", frozenset({("round", round_)})) not in samples

    # A database with no tables: every round fails, and /metrics still answers, the outbox unknown (NaN).
    broken = f"sqlite+aiosqlite:///{tmp_path}/never-migrated.db"
    async with running_bot(development_env(broken), run_migrations=False) as bot:
        async with asyncio.timeout(10):
            while ("debrief_scheduler_round_failures_total", frozenset({("round", "retention_review")})) not in (
                samples := await scrape(bot)
            ):
                await asyncio.sleep(0.05)
    assert value(samples, "debrief_scheduler_round_failures_total", round="contribution") >= 1
    assert value(samples, "debrief_scheduler_rounds_total", round="contribution") >= 1
    assert math.isnan(value(samples, "debrief_outbox_pending_messages"))


async def test_with_a_token_set_the_metrics_need_it(sqlite_url: str) -> None:
    async with running_bot(development_env(sqlite_url, DEBRIEF_METRICS_TOKEN=TOKEN)) as bot:
        url = f"{bot.url}/metrics"
        status, body, headers = await get(url)
        assert status == 401
        assert headers["WWW-Authenticate"].startswith("Bearer")
        assert "debrief_" not in body
        for wrong in (f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}", f"bearer  {TOKEN}"):
            status, _, _ = await get(url, {"Authorization": wrong})
            assert status == 401, wrong
        samples = await scrape(bot, TOKEN)
    assert value(samples, "debrief_outbox_pending_messages") == 0


@pytest.mark.parametrize("token", [None, TOKEN], ids=["no token: not exposed", "token"])
async def test_in_production_the_metrics_are_not_exposed_without_a_token(sqlite_url: str, token: str | None) -> None:
    env = authenticated_env(sqlite_url, identity_provider(), DEBRIEF_PUBLIC_URL="https://debrief.example.test")
    if token:
        env["DEBRIEF_METRICS_TOKEN"] = token
    async with running_bot(env, credentials_factory=LocalAppCredentialsFactory()) as bot:
        assert not bot.services.settings.development
        status, body, _ = await get(f"{bot.url}/metrics")
        if token is None:
            assert status == 404
            assert "debrief_" not in body
            status, _, _ = await get(f"{bot.url}/metrics", {"Authorization": "Bearer anything-at-all"})
            assert status == 404
        else:
            assert status == 401
            assert value(await scrape(bot, token), "debrief_outbox_pending_messages") == 0
