"""The outbox at Teams' limits: refusals, a person who blocked the bot, and two dispatcher processes.

Every reminder arrives exactly once when the connector refuses a third of sends (429 with Retry-After, or 5xx),
on SQLite (one process) and PostgreSQL; two dispatcher processes share one PostgreSQL outbox without sending
anything twice; a one-to-one message refused with 403 MessageWritesBlocked is recorded and the case thread told
once. The tenant limiter's spacing is checked on a fake clock (the real rate is measured by `make bench`).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.outbox import RetryPolicy, TenantRateLimiter
from bot.settings import load_settings
from debrief.messages import Audience, MessageKind
from debrief.model import Person
from storage import outbox_store
from storage import tables as t
from storage.conversations import remember_conversation
from storage.database import create_engine, migrate
from storage.uow import SqlUnitOfWork
from tests.bench.reminders import (
    dispatcher_for,
    drain,
    outbox_states,
    run_dispatcher_processes,
    seed,
    tally,
    work_by_instance,
)
from tests.bench.run import base_env
from tests.support.bot_server import development_env
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.connector import Fault, LocalConnector
from tests.support.people import JORDAN, OWEN, REVIEW_CHANNEL, TENANT, TOM

FAST_RETRIES = RetryPolicy(base_s=0.02, cap_s=0.2, max_attempts=50)
A_THIRD_REFUSED = Fault(
    rate=0.3,
    statuses=((429, "1"), (429, "0"), (500, None), (502, None), (503, None), (504, None)),
    seed=5,
)
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
SAM = Person("00000000-0000-4000-9000-0000000000c1", "DC Sam Reid")  # fictional, not in the directory


@asynccontextmanager
async def migrated(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()


# --- the tenant limiter ----------------------------------------------------------------------------------------


def most_in_any_second(moments: list[float]) -> int:
    ordered = sorted(moments)
    return max(bisect.bisect_left(ordered, start + 1.0) - i for i, start in enumerate(ordered))


def test_the_tenant_limiter_spaces_a_rush_evenly_at_its_rate() -> None:
    now = 0.0
    limiter = TenantRateLimiter(50, clock=lambda: now)
    slots = [limiter.reserve(TENANT) for _ in range(500)]  # 500 senders at once
    assert slots[0] == 0
    assert most_in_any_second(slots) <= 50
    assert 500 / 50 * 0.97 < slots[-1] < 500 / 50 * 1.03  # close to the rate: 50/s less the headroom
    assert all(b - a == pytest.approx(limiter.interval) for a, b in itertools.pairwise(slots))


def test_the_tenant_limiter_saves_no_burst_while_idle_and_keeps_tenants_apart() -> None:
    now = 0.0
    limiter = TenantRateLimiter(10, clock=lambda: now)
    assert limiter.reserve(TENANT) == 0
    now = 60.0  # a quiet minute earns no burst
    delays = [limiter.reserve(TENANT) for _ in range(3)]
    assert delays == pytest.approx([0, limiter.interval, 2 * limiter.interval])
    assert limiter.reserve("another-tenant") == 0


def test_the_tenant_limiter_keeps_to_its_rate_whatever_the_arrivals() -> None:
    arrivals = random.Random(3)
    moment, sent_at = 0.0, []
    limiter = TenantRateLimiter(25, clock=lambda: moment)
    for _ in range(2000):  # bursts and lulls, 40/s on average against a limit of 25/s
        moment += arrivals.expovariate(40)
        sent_at.append(moment + limiter.reserve(TENANT))
    assert most_in_any_second(sent_at) <= 25
    assert 2000 / (sent_at[-1] - sent_at[0]) > 25 * 0.97  # and uses it while there is work


async def test_the_tenant_limiter_sleeps_until_the_slot() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = TenantRateLimiter(4, clock=lambda: 100.0, sleep=sleep)
    for _ in range(3):
        await limiter.wait(TENANT)
    assert slept == pytest.approx([0.255, 0.51])  # the first goes at once; 0.25 s apart plus 2%


# --- refusals ---------------------------------------------------------------------------------------------------


async def test_every_reminder_arrives_once_when_a_third_of_sends_are_refused(database_url: str) -> None:
    """200 reminders, 4 cases x 50 officers (50 chats); on SQLite this is the single-instance case."""
    settings = load_settings(development_env(database_url, DEBRIEF_TENANT_SENDS_PER_S="1000"))
    with LocalConnector() as connector:
        async with migrated(database_url) as engine:
            seeded = await seed(engine, cases=4, people=50, service_url=connector.url)
            rows = sum((await outbox_states(engine)).values())
            connector.state.fault = A_THIRD_REFUSED
            async with dispatcher_for(settings, policy=FAST_RETRIES) as dispatcher:
                assert dispatcher.tenant_limiter.per_second == 1000
                await drain(dispatcher)
            states = await outbox_states(engine)

    counted = tally(connector, seeded)
    assert len(seeded.expected) == 200
    assert (counted.sent, counted.duplicates, counted.lost) == (200, 0, 0)
    assert states == Counter({"sent": rows})
    assert connector.state.faults_sent >= 40


# --- two instances ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_dispatcher_processes_on_postgresql_send_every_reminder_once(
    database_url: str, tmp_path: Path
) -> None:
    with LocalConnector() as connector:
        async with migrated(database_url) as engine:
            seeded = await seed(engine, cases=3, people=60, service_url=connector.url)
            rows = sum((await outbox_states(engine)).values())
            connector.state.fault = Fault(rate=0.2, statuses=((429, "0"), (503, None)))
            ran = await run_dispatcher_processes(
                database_url,
                env=base_env(),
                log_dir=tmp_path,
                tenant_sends_per_s=1000,
                policy=FAST_RETRIES,
                timeout_s=60,
            )
            states = await outbox_states(engine)
            by_instance = await work_by_instance(engine)

    counted = tally(connector, seeded)
    assert (counted.sent, counted.duplicates, counted.lost) == (180, 0, 0)
    assert states == Counter({"sent": rows})
    reminders_by_instance = {i: n for i, n in by_instance.items() if i in ran.handled}
    assert len(reminders_by_instance) == 2 and all(n > 0 for n in reminders_by_instance.values())
    assert sum(reminders_by_instance.values()) == 180


# --- a person who blocked the bot ------------------------------------------------------------------------------


class CountingLimiter(TenantRateLimiter):
    def __init__(self) -> None:
        super().__init__(1000)
        self.reserved = 0

    def reserve(self, tenant_id: str) -> float:
        self.reserved += 1
        return super().reserve(tenant_id)


async def test_a_person_who_blocked_the_bot_is_recorded_and_the_case_thread_told_once(sqlite_url: str) -> None:
    settings = load_settings(development_env(sqlite_url))
    blocked = (TOM, SAM)
    with LocalConnector() as connector:
        async with migrated(sqlite_url) as engine:
            for person in (JORDAN, *blocked):
                await remember_conversation(
                    engine,
                    service_url=connector.url,
                    conversation_id=f"a:personal-{person.user_id}",
                    tenant_id=TENANT,
                    conversation_type="personal",
                    user_id=person.user_id,
                    reference={},
                    now=NOW,
                )
            await a_case_collecting_its_chronology(
                uow=lambda: SqlUnitOfWork(engine), now=NOW, invite=(JORDAN, *blocked)
            )
            connector.state.fault = Fault(
                rate=1.0,
                status=403,
                code="MessageWritesBlocked",
                retry_after=None,
                paths=tuple(f"a:personal-{p.user_id}" for p in blocked),
            )
            async with dispatcher_for(settings, policy=FAST_RETRIES) as dispatcher:
                limiter = CountingLimiter()
                dispatcher.tenant_limiter = limiter
                await drain(dispatcher)
            async with engine.connect() as connection:
                rows = (await connection.execute(select(t.outbox).order_by(t.outbox.c.id))).all()

    invitations = {r.person_id: r for r in rows if r.kind == MessageKind.CONTRIBUTOR_INVITED}
    assert invitations[JORDAN.user_id].status == "sent"
    for person in blocked:
        refused = invitations[person.user_id]
        assert refused.status == "failed"
        assert refused.attempts == 1  # final: not tried again
        assert refused.last_error.startswith(outbox_store.BLOCKED_BY_RECIPIENT)
        assert "MessageWritesBlocked" in refused.last_error
    notices = [r for r in rows if r.kind == MessageKind.DELIVERY_BLOCKED]
    assert sorted(r.person_id for r in notices) == sorted(p.user_id for p in blocked)
    assert all(r.audience == Audience.CASE_THREAD and r.status == "sent" for r in notices)
    assert Counter(r.status for r in rows) == Counter({"sent": len(rows) - 2, "failed": 2})
    assert connector.state.faults_sent == 2

    in_thread = [
        card_text(r.body)
        for r in connector.sent()
        if REVIEW_CHANNEL in unquote(r.path) and "could not be delivered" in card_text(r.body)
    ]
    assert len(in_thread) == 2
    told = "\n".join(in_thread)
    assert "Insp Tom Baird has not received their invitation to add to the chronology" in told  # from the directory
    assert "DC Sam Reid has not received their invitation to add to the chronology" in told  # from the case
    assert "blocked or removed Rapid Debrief" in told
    assert f"{OWEN.name}: please ask them to unblock" in told
    assert "RD-2026-0001" in told
    for case_detail in ("CR/100200/26", "Operation Larkspur", "Victim"):
        assert case_detail not in told
    # Every connector request, the refused ones included, waited for the tenant limiter.
    assert limiter.reserved == len(connector.sent()) + connector.state.faults_sent
