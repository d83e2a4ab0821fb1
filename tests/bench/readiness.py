"""How long `python -m bot` takes from process start to a healthy `/healthz` (what an orchestrator waits for).

`ready_s`: the production entry point (`python -m bot`, authentication on, settings from the environment) on a new
SQLite database, so the time includes creating the schema (every migration); `ready_s_restart`: the same process
started again on that database (schema at head). `ready_s_postgres` and `ready_s_restart_postgres`: the same on
the embedded PostgreSQL server. Each is the median of 3 starts, timed from just before the process is spawned to the
first 200 from `/healthz` (polled every 10 ms). Goal: 3 s or less. Run alone with `python -m tests.bench.readiness`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from tests.bench.run import ROOT, Postgres, bot_env, log

STARTS = 3
TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seconds_to_ready(database_url: str, log_path: Path) -> float:
    """Start `python -m bot`, wait for `/healthz` to answer 200, stop it; the seconds from spawn to healthy."""
    port = _free_port()
    env = bot_env(database_url) | {"HOST": "127.0.0.1", "PORT": str(port)}
    url = f"http://127.0.0.1:{port}/healthz"
    with log_path.open("ab") as log_file:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=log_file, stderr=log_file
        )
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
            while time.perf_counter() - started < TIMEOUT_S:
                if process.returncode is not None:
                    raise RuntimeError(f"python -m bot exited with {process.returncode}; see {log_path}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(url) as response:
                        if response.status == 200:
                            return time.perf_counter() - started
                await asyncio.sleep(0.01)
        raise RuntimeError(f"python -m bot was not healthy within {TIMEOUT_S:.0f} s; see {log_path}")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _measure(new_database: Sequence[str], workdir: Path) -> tuple[float, float]:
    """(first start on a new database, restart on it), each the median of STARTS."""
    first = [await seconds_to_ready(url, workdir / "bot.log") for url in new_database]
    again = [await seconds_to_ready(new_database[0], workdir / "bot.log") for _ in range(STARTS)]
    return statistics.median(first), statistics.median(again)


async def _print_figures(databases: Sequence[str], workdir: Path) -> None:
    for database in databases:
        if database == "sqlite":
            log("readiness of python -m bot, SQLite")
            urls = [f"sqlite+aiosqlite:///{workdir / f'ready-{n}.db'}" for n in range(STARTS)]
            first, again = await _measure(urls, workdir)
            _print("ready_s", first)
            _print("ready_s_restart", again)
        else:
            log("readiness of python -m bot, PostgreSQL")
            postgres = Postgres(workdir / "pg")
            try:
                urls = [await postgres.new_database() for _ in range(STARTS)]
                first, again = await _measure(urls, workdir)
            finally:
                postgres.stop()
            _print("ready_s_postgres", first)
            _print("ready_s_restart_postgres", again)


def print_figures(argv: Sequence[str] | None = None) -> None:
    """Print the figures; `--database` as for `python -m tests.bench` (default: both)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--database", choices=("sqlite", "postgres"), action="append")
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    databases = tuple(dict.fromkeys(known.database or ("sqlite", "postgres")))
    workdir = Path(tempfile.mkdtemp(prefix="debrief-bench-ready-"))
    try:
        asyncio.run(_print_figures(databases, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _print(name: str, seconds: float) -> None:
    print(f"{name}: {seconds:.2f}", flush=True)


if __name__ == "__main__":
    print_figures()
