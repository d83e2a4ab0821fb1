"""kill -9 of the bot during 500 concurrent nomination submits, then a restart on the same database (issue 7).

The bot runs as its own process with authentication on (tokens from the local identity provider). Once about 150
submits have been answered it is killed with SIGKILL. After the restart: every acknowledged nomination is stored
exactly once with its audit record, its processed-activity record and its outbox row (the commit is atomic); no
related row lacks its case; the audit hash chain is intact; the outbox the killed process left is drained to the
local connector; and the unacknowledged submits, sent again, succeed.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief.messages import MessageKind
from storage import tables as t
from storage.audit_chain import check_chain
from storage.database import create_engine
from tests.bench.load import Request
from tests.bench.run import Requests, Server, bot_env, headers_for, server
from tests.conftest import _create_database
from tests.support.connector import LocalConnector
from tests.support.figures import Figures
from tests.support.jwks import identity_provider

SUBMITS = 500
KILL_AFTER = 150
"""Acknowledged submits before the kill."""
LEASE_S = 10.0
"""The dispatcher's lease in the test's processes (FAULTS_OUTBOX_LEASE_S; 60 s in production): long enough that a
commit slowed by the load never outlasts it (which would send a row twice before the kill), short enough that the
rows the killed process had claimed are claimed again inside the test."""
LANES = 8
"""The dispatcher's concurrent sends (bot.outbox.Dispatcher's default): at most this many can have reached the
connector without being marked sent when the process dies."""
CASE_NUMBER = re.compile(r"RD-\d{4}-\d{4,}")


async def _submit(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], request: Request
) -> tuple[bool, str]:
    """(acknowledged, detail): acknowledged means HTTP 200 with the case card, as Teams would show it."""
    try:
        async with asyncio.timeout(30):
            async with session.post(url, data=request.body, headers=headers) as response:
                payload = await response.read()
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        return False, type(error).__name__
    return request.check(response.status, payload), f"HTTP {response.status}"


async def _healthy(bot: Server, timeout_s: float = 30.0) -> None:
    async with asyncio.timeout(timeout_s), aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"{bot.url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)


async def _scalar(engine: AsyncEngine, query: object) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())  # type: ignore[call-overload]


async def _drained(engine: AsyncEngine, up_to_id: int, timeout_s: float = 40.0) -> None:
    """Until no outbox row up to `up_to_id` (those the killed process queued) is left pending or claimed."""
    unsent = select(func.count()).select_from(t.outbox).where(t.outbox.c.status != "sent", t.outbox.c.id <= up_to_id)
    try:
        async with asyncio.timeout(timeout_s):
            while await _scalar(engine, unsent):
                await asyncio.sleep(0.2)
    except TimeoutError:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(t.outbox.c.status, t.outbox.c.last_error).where(t.outbox.c.id <= up_to_id)
                )
            ).all()
        raise AssertionError(f"the outbox was not drained in {timeout_s}s: {Counter(rows).most_common(5)}") from None


# PostgreSQL, what production runs on. SQLite passes too (`-k` with "sqlite" added here); it is left out of the
# routine run to keep the whole suite well under fifteen minutes on two cores.
@pytest.mark.parametrize("database", ["postgres"])
async def test_kill_9_mid_load_loses_and_duplicates_nothing(
    database: str, request: pytest.FixtureRequest, tmp_path: Path, figures: Figures
) -> None:
    if database == "postgres":
        url = await _create_database(request.getfixturevalue("postgres_url"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'debrief.db'}"
    identity_provider()  # the local OpenID provider, in a thread of this process
    prefix = f"kill9_{database}"
    with LocalConnector() as connector:
        service_url = connector.url
        env = bot_env(url)
        env.update(
            {
                "DEBRIEF_DISPATCH_INTERVAL_S": "0.05",
                "DEBRIEF_TENANT_SENDS_PER_S": "1000",
                "FAULTS_OUTBOX_LEASE_S": str(LEASE_S),
            }
        )
        make = Requests().execute_submit(service_url)
        submits = [make() for _ in range(SUBMITS)]
        headers = headers_for(service_url)
        log_path = tmp_path / "bot.log"
        acknowledged: set[str] = set()

        async with server("tests.faults.bot_process", [], env, log_path) as bot:
            await _healthy(bot)
            killed = asyncio.Event()
            target = f"{bot.url}/api/messages"

            async def one(session: aiohttp.ClientSession, submit: Request) -> None:
                ok, _ = await _submit(session, target, headers, submit)
                if ok and not killed.is_set():
                    acknowledged.add(submit.tag)
                    if len(acknowledged) >= KILL_AFTER:
                        bot.process.send_signal(signal.SIGKILL)
                        killed.set()

            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
                async with asyncio.timeout(45):
                    await asyncio.gather(*(one(session, submit) for submit in submits))
            assert killed.is_set(), f"only {len(acknowledged)} submits were acknowledged; see {log_path}"
            assert await asyncio.wait_for(bot.process.wait(), timeout=10) == -signal.SIGKILL

        restarted_at = time.monotonic()
        async with server("tests.faults.bot_process", [], env, log_path) as bot:
            await _healthy(bot)
            to_healthy_s = time.monotonic() - restarted_at
            engine = create_engine(url)
            try:
                queued_before = await _scalar(engine, select(func.coalesce(func.max(t.outbox.c.id), 0)))
                stored_before = await _scalar(engine, select(func.count()).select_from(t.cases))
            finally:
                await engine.dispose()
            # Teams sends an unanswered submit again: the same activity, so a nomination stored before the kill
            # is answered from its record, not stored twice.
            retried = [s for s in submits if s.tag not in acknowledged]
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as session:
                answers = await asyncio.gather(
                    *(_submit(session, f"{bot.url}/api/messages", headers, s) for s in retried)
                )
            refused = [detail for ok, detail in answers if not ok]
            assert refused == [], f"{len(refused)} resubmits failed after the restart: {Counter(refused)}"

            engine = create_engine(url)
            try:
                await _drained(engine, queued_before)
                async with engine.connect() as connection:
                    cases = (await connection.execute(select(t.cases.c.id, t.cases.c.incident_reference))).all()
                    case_ids = {row.id for row in cases}
                    references = Counter(row.incident_reference for row in cases)

                    async def per_case(table: object, *where: object) -> Counter[int]:
                        rows = await connection.execute(select(table.c.case_id).where(*where))  # type: ignore[attr-defined]
                        return Counter(row.case_id for row in rows)

                    audit = await per_case(t.audit_log, t.audit_log.c.case_id.is_not(None))
                    processed = await per_case(t.processed_activities, t.processed_activities.c.case_id.is_not(None))
                    outbox = await per_case(t.outbox, t.outbox.c.kind == MessageKind.TRIAGE_REQUESTED.value)
                    outbox_any = await per_case(t.outbox, t.outbox.c.case_id.is_not(None))
                    threads = await per_case(t.case_threads, t.case_threads.c.purpose == "triage")
                    killed_queued = await per_case(t.outbox, t.outbox.c.id <= queued_before)
                    numbers = dict((await connection.execute(select(t.cases.c.id, t.cases.c.case_number))).all())
                    chain = await connection.run_sync(check_chain)
            finally:
                await engine.dispose()

        # Every acknowledged nomination, exactly once; after the resubmits, every one of the 500.
        lost = len(acknowledged - set(references))
        duplicates = sum(n - 1 for n in references.values() if n > 1)
        assert lost == 0, f"{lost} acknowledged nominations are not stored"
        assert duplicates == 0
        assert set(references) == {s.tag for s in submits}
        # The commit is atomic: each case has its audit record, its processed activity and its outbox row, and no
        # related row exists without its case.
        assert [c for c in case_ids if audit[c] < 1] == []
        assert [c for c in case_ids if processed[c] != 1] == []
        assert [c for c in case_ids if outbox[c] != 1] == []
        assert set(audit) <= case_ids and set(processed) <= case_ids and set(outbox_any) <= case_ids
        # The outbox the killed process left is drained: each of its cases' triage thread has been started.
        assert [c for c in killed_queued if threads[c] != 1] == [], "a case's triage thread was not started"
        assert chain.broken is None, f"audit chain broken at record {chain.broken.record_id}"

        # The connector: every case's triage card started a thread; a card is posted twice only if the process
        # died after the connector answered and before the row was marked sent (at most one per sending lane).
        posted: Counter[str] = Counter()
        for recorded in connector.sent():
            if recorded.method == "POST" and recorded.path.rstrip("/").endswith("/v3/conversations"):
                found = CASE_NUMBER.search(json.dumps(recorded.body))
                if found:
                    posted[found.group()] += 1
        never_posted = [numbers[c] for c in killed_queued if posted[numbers[c]] == 0]
        posted_twice = sum(n - 1 for n in posted.values() if n > 1)
        assert never_posted == [], f"{len(never_posted)} triage cards never reached the connector"
        assert posted_twice <= LANES, f"{posted_twice} triage cards were posted more than once"

    figures.record(f"{prefix}_submits", SUBMITS)
    figures.record(f"{prefix}_acknowledged_before_kill", len(acknowledged))
    figures.record(f"{prefix}_stored_after_restart_and_resubmits", len(references))
    figures.record(f"{prefix}_acknowledged_lost", lost)
    figures.record(f"{prefix}_duplicate_cases", duplicates)
    figures.record(f"{prefix}_stored_before_restart", stored_before)
    figures.record(f"{prefix}_outbox_rows_left_by_killed_process_sent", len(killed_queued))
    figures.record(f"{prefix}_resubmitted_after_restart", len(retried))
    figures.record(f"{prefix}_audit_records_verified", chain.records)
    figures.record(f"{prefix}_triage_cards_posted_twice", posted_twice)
    figures.record(f"{prefix}_restart_to_healthy_s", to_healthy_s)
