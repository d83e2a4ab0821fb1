"""Reminders at scale: due reminders sent by two dispatcher processes sharing one PostgreSQL outbox.

1,000 contribution reminders across 200 conversations (five cases, the same 200 fictional officers invited to
each, the reminders queued by the scheduler's own round) are drained by two dispatcher processes, each with its
share of Teams' per-tenant rate (DEBRIEF_TENANT_SENDS_PER_S=25), into a local connector that answers 429 with
`Retry-After: 1` to any request beyond 50 in the last second. Four figures:

- `reminders_sent`: reminders the connector accepted.
- `reminders_duplicates`: reminders accepted more than once for the same officer and case (or never queued).
- `reminders_lost`: queued reminders the connector never accepted.
- `reminders_rate_vs_limit`: reminders accepted per second, from the moment both processes were told to start
  to the last one accepted, divided by the connector's 50 per second. The goal is 0.9 or more, with no
  duplicates and nothing lost.

`--quick` sends 300 reminders across 100 conversations instead; `--database sqlite` alone skips this bench (it
needs PostgreSQL, since one SQLite file is for one instance). Run on its own with
`python -m tests.bench.reminders [--quick]`. `python -m tests.bench.reminders worker …` is one dispatcher process
(also used by tests/integration/bot/test_outbox_faults_and_instances.py): it prints `READY`, waits for a line on
its standard input, sends until the outbox has nothing pending, and prints `DONE <instance> <rows handled>`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.auth import DebriefAuthentication
from bot.directory import directory_from_settings
from bot.outbox import Dispatcher, RetryPolicy, TeamsConnector
from bot.services import Services
from bot.settings import Settings, load_settings
from debrief import contributors, reminders
from debrief.contributors import MAX_PER_INVITATION
from debrief.model import LONDON, Person
from storage import outbox_store
from storage import tables as t
from storage.conversations import remember_conversation
from storage.database import create_engine, migrate
from storage.uow import SqlUnitOfWork
from tests.support.bot_server import development_env
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.connector import LocalConnector
from tests.support.people import OWEN, TENANT, actor

CASES, PEOPLE = 5, 200
QUICK_CASES, QUICK_PEOPLE = 3, 100
CONNECTOR_LIMIT_PER_S = 50
PROCESSES = 2
SEEDED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""When the cases are set up and the officers invited (a Monday): contributions are due five working days on."""
CASE_NUMBER = re.compile(r"RD-\d{4}-\d{4}")


@dataclass(frozen=True)
class Seeded:
    expected: frozenset[tuple[str, str]]
    """(conversation id, case number) of every reminder queued: each must arrive exactly once."""


@dataclass(frozen=True)
class Tally:
    sent: int
    duplicates: int
    lost: int
    first_at: float | None
    last_at: float | None


def officers(count: int) -> list[Person]:
    """Fictional officers, not in the directory (contributors need not be)."""
    return [Person(f"00000000-0000-4000-9000-{n:012d}", f"PC Test Officer {n:03d}") for n in range(1, count + 1)]


def conversation_of(person_id: str) -> str:
    return f"a:personal-{person_id}"


async def seed(engine: AsyncEngine, *, cases: int, people: int, service_url: str) -> Seeded:
    """`cases` cases collecting their chronology with the same `people` officers invited to each; every message of
    that set-up marked sent; then one due reminder per officer and case, queued by the scheduler's round."""
    staff = officers(people)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    numbers: dict[int, str] = {}
    for n in range(cases):
        case = await a_case_collecting_its_chronology(
            uow=uow, now=SEEDED_AT, invite=staff[:MAX_PER_INVITATION], reference=f"CR/{900001 + n}/26"
        )
        assert case.id is not None
        numbers[case.id] = case.case_number
        for start in range(MAX_PER_INVITATION, len(staff), MAX_PER_INVITATION):
            await contributors.invite_contributors(
                uow=uow(),
                actor=actor(OWEN),
                case_id=case.id,
                people=staff[start : start + MAX_PER_INVITATION],
                now=SEEDED_AT,
            )
    for person in staff:
        await remember_conversation(
            engine,
            service_url=service_url,
            conversation_id=conversation_of(person.user_id),
            tenant_id=TENANT,
            conversation_type="personal",
            user_id=person.user_id,
            reference={},
            now=SEEDED_AT,
        )
    async with engine.begin() as connection:  # the set-up's own messages are not what is measured
        await connection.execute(update(t.outbox).values(status=outbox_store.SENT, sent_at=SEEDED_AT))
    async with uow() as reading:
        deadline = (await reading.contributors.list(next(iter(numbers))))[0].deadline
    day_before = reminders.previous_working_day(deadline)
    remind_at = datetime.combine(day_before, clock(10, 30), tzinfo=LONDON)
    queued = await reminders.send_due_reminders(uow=uow, now=remind_at)
    if queued != cases * people:
        raise RuntimeError(f"the scheduler queued {queued} reminders, not {cases * people}")
    return Seeded(
        frozenset((conversation_of(p.user_id), number) for number in numbers.values() for p in staff),
    )


def tally(connector: LocalConnector, seeded: Seeded) -> Tally:
    """What the connector accepted, per officer and case, against what was queued."""
    received: Counter[tuple[str, str]] = Counter()
    times: list[float] = []
    for request in connector.sent():
        path = unquote(request.path)
        if request.method != "POST" or "/v3/conversations/" not in path or not path.endswith("/activities"):
            continue
        conversation = path.split("/v3/conversations/", 1)[1].removesuffix("/activities")
        number = CASE_NUMBER.search(card_text(request.body))
        received[(conversation, number.group(0) if number else "")] += 1
        times.append(request.at)
    duplicates = sum(n - 1 for n in received.values()) + sum(n for k, n in received.items() if k not in seeded.expected)
    return Tally(
        sent=sum(received.values()),
        duplicates=duplicates,
        lost=len(seeded.expected - received.keys()),
        first_at=min(times, default=None),
        last_at=max(times, default=None),
    )


async def outbox_states(engine: AsyncEngine) -> Counter[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(t.outbox.c.status, func.count()).group_by(t.outbox.c.status))
        return Counter({status: int(count) for status, count in rows})


async def work_by_instance(engine: AsyncEngine) -> Counter[str]:
    """Rows sent, per dispatcher instance that sent them."""
    c = t.outbox.c
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(c.claimed_by, func.count()).where(c.status == outbox_store.SENT, c.claimed_by.is_not(None))
            .group_by(c.claimed_by)
        )  # fmt: skip
        return Counter({str(instance): int(count) for instance, count in rows})


# --- a dispatcher, in this process or in its own ------------------------------------------------------------


@contextlib.asynccontextmanager
async def dispatcher_for(settings: Settings, *, policy: RetryPolicy | None = None) -> AsyncIterator[Dispatcher]:
    """The application's dispatcher as `bot.app` builds it (anonymous development mode), without the web server."""
    engine = create_engine(settings.database_url)
    services = Services(settings=settings, engine=engine, directory=directory_from_settings(settings))
    authentication = DebriefAuthentication(settings)
    try:
        yield Dispatcher(services=services, connector=TeamsConnector(authentication, settings.bot_id), policy=policy)
    finally:
        await authentication.close()
        await engine.dispose()


async def drain(dispatcher: Dispatcher, *, poll_s: float = 0.05) -> int:
    """Run the dispatcher as the application does until nothing is pending (rows waiting to be retried
    included); returns the rows it tried."""
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        while await outbox_store.depth(dispatcher.services.engine) > 0:
            if running.done():
                running.result()  # run() only ends when stopped: say why it did
            await asyncio.sleep(poll_s)
    finally:
        stop.set()
        dispatcher.wake()
        await running
    return dispatcher.handled


async def _worker(database_url: str, tenant_sends_per_s: float, policy: RetryPolicy) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(development_env(database_url, DEBRIEF_TENANT_SENDS_PER_S=str(tenant_sends_per_s)))
    async with dispatcher_for(settings, policy=policy) as dispatcher:
        print(f"READY {dispatcher.instance}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        handled = await drain(dispatcher)
        print(f"DONE {dispatcher.instance} {handled}", flush=True)


@dataclass(frozen=True)
class Processes:
    started_at: float
    """time.monotonic() when the processes were told to start."""
    handled: dict[str, int]
    """Rows handled (tries, retries included) per instance."""


async def run_dispatcher_processes(
    database_url: str,
    *,
    env: dict[str, str],
    log_dir: Path,
    processes: int = PROCESSES,
    tenant_sends_per_s: float,
    policy: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen
    timeout_s: float = 600.0,
) -> Processes:
    """Start `processes` dispatcher processes on one database, let them go at the same moment, wait until each has
    found nothing left to send."""
    started: list[asyncio.subprocess.Process] = []
    options = [
        f"--database-url={database_url}",
        f"--tenant-sends-per-s={tenant_sends_per_s}",
        f"--retry-base-s={policy.base_s}",
        f"--retry-cap-s={policy.cap_s}",
        f"--max-attempts={policy.max_attempts}",
    ]
    pipe = asyncio.subprocess.PIPE
    try:
        for n in range(processes):
            with (log_dir / f"dispatcher-{n + 1}.log").open("ab") as log_file:
                command = (sys.executable, "-m", "tests.bench.reminders", "worker", *options)
                process = await asyncio.create_subprocess_exec(
                    *command, env=env, stdin=pipe, stdout=pipe, stderr=log_file
                )
                started.append(process)
        for process in started:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
            if not line.startswith(b"READY "):
                raise RuntimeError(f"a dispatcher process did not start; see {log_dir}")
        started_at = time.monotonic()
        for process in started:
            assert process.stdin is not None
            process.stdin.write(b"GO\n")
            await process.stdin.drain()
        handled: dict[str, int] = {}
        async with asyncio.timeout(timeout_s):
            for process in started:
                assert process.stdout is not None
                out = (await process.stdout.read()).decode()
                if await process.wait() != 0 or not out.startswith("DONE "):
                    raise RuntimeError(f"a dispatcher process failed; see {log_dir}")
                _, instance, count = out.split()
                handled[instance] = int(count)
        return Processes(started_at, handled)
    finally:
        for process in started:
            if process.returncode is None:
                process.kill()
                await process.wait()


# --- the bench ----------------------------------------------------------------------------------------------


async def measure(cases: int, people: int, workdir: Path) -> tuple[Tally, float]:
    """What the connector accepted, and when (time.monotonic()) the dispatcher processes were told to start."""
    from tests.bench.run import Postgres, base_env

    postgres = Postgres(workdir / "pg")
    try:
        database_url = await postgres.new_database()
        with LocalConnector() as connector:
            engine = create_engine(database_url)
            try:
                await migrate(engine)
                seeded = await seed(engine, cases=cases, people=people, service_url=connector.url)
                connector.state.limit_per_s = CONNECTOR_LIMIT_PER_S
                connector.state.limit_retry_after = "1"
                share = CONNECTOR_LIMIT_PER_S / PROCESSES
                _log(f"reminders: {len(seeded.expected)} due, {PROCESSES} dispatcher processes at {share:g}/s each")
                ran = await run_dispatcher_processes(
                    database_url, env=base_env(), log_dir=workdir, tenant_sends_per_s=share
                )
                counted = tally(connector, seeded)
                _log(
                    f"reminders: outbox {dict(await outbox_states(engine))}, sent by instance "
                    f"{dict(await work_by_instance(engine))}, rows handled {ran.handled}, "
                    f"connector refused {connector.state.throttled} over its limit"
                )
            finally:
                await engine.dispose()
        return counted, ran.started_at
    finally:
        postgres.stop()


def print_figures(argv: Sequence[str] | None = None) -> None:
    """Print the figures; `--quick` and `--database` as for `python -m tests.bench`."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database", choices=("sqlite", "postgres"), action="append")
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    if "postgres" not in (known.database or ("postgres",)):
        _log("reminders: skipped (two dispatcher processes need PostgreSQL)")
        return
    cases, people = (QUICK_CASES, QUICK_PEOPLE) if known.quick else (CASES, PEOPLE)
    workdir = Path(tempfile.mkdtemp(prefix="debrief-bench-reminders-"))
    try:
        counted, started_at = asyncio.run(measure(cases, people, workdir))
    except Exception:
        _log(f"reminders: failed; logs kept in {workdir}")
        raise
    elapsed = (counted.last_at or started_at) - started_at
    rate = counted.sent / elapsed / CONNECTOR_LIMIT_PER_S if elapsed > 0 else 0.0
    print(f"reminders_sent: {counted.sent}", flush=True)
    print(f"reminders_duplicates: {counted.duplicates}", flush=True)
    print(f"reminders_lost: {counted.lost}", flush=True)
    print(f"reminders_rate_vs_limit: {rate:.2f}", flush=True)
    shutil.rmtree(workdir, ignore_errors=True)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["worker"]:
        print_figures(args)
        return 0
    parser = argparse.ArgumentParser(prog="python -m tests.bench.reminders worker")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tenant-sends-per-s", type=float, default=50.0)
    parser.add_argument("--retry-base-s", type=float, default=RetryPolicy.base_s)
    parser.add_argument("--retry-cap-s", type=float, default=RetryPolicy.cap_s)
    parser.add_argument("--max-attempts", type=int, default=RetryPolicy.max_attempts)
    options = parser.parse_args(args[1:])
    policy = RetryPolicy(base_s=options.retry_base_s, cap_s=options.retry_cap_s, max_attempts=options.max_attempts)
    asyncio.run(_worker(options.database_url, options.tenant_sends_per_s, policy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
