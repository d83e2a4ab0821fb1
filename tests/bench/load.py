"""The load generator: a closed loop (N workers, each sends its next request when the last is answered) and
an open loop (requests at a fixed rate whatever the answers do). Both are bounded in time and count."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

MAX_REQUESTS = 200_000
"""A hard stop for any one loop, whatever the clock says."""


@dataclass(frozen=True)
class Request:
    """One request to send, and how to tell whether its answer is a success."""

    body: bytes
    check: Callable[[int, bytes], bool]
    tag: str = ""
    """What the bench wants back for a success (e.g. the incident reference, for the durability check)."""


@dataclass
class Tally:
    ok: int = 0
    errors: int = 0
    succeeded_tags: list[str] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    def record(self, ok: bool, tag: str, detail: str) -> None:
        if ok:
            self.ok += 1
            if tag:
                self.succeeded_tags.append(tag)
        else:
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(detail)


@dataclass
class ClosedResult:
    per_s: float
    tally: Tally
    finished_at: list[float] = field(default_factory=list)
    """time.monotonic() of every success, to match answers with the server's CPU time over any interval."""

    def successes_between(self, start: float, end: float) -> int:
        return sum(1 for at in self.finished_at if start <= at < end)


@dataclass
class OpenResult:
    latencies_ms: list[float]
    tally: Tally
    sent: int
    duration_s: float

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]


async def _send(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], request: Request, timeout_s: float
) -> tuple[bool, str]:
    try:
        async with asyncio.timeout(timeout_s):
            async with session.post(url, data=request.body, headers=headers) as response:
                payload = await response.read()
    except TimeoutError:
        return False, f"no answer within {timeout_s}s"
    except aiohttp.ClientError as error:
        return False, f"{type(error).__name__}: {error}"
    if request.check(response.status, payload):
        return True, ""
    return False, f"HTTP {response.status}: {payload[:300]!r}"


async def closed_loop(
    url: str,
    headers: dict[str, str],
    next_request: Callable[[], Request],
    *,
    concurrency: int,
    warmup_s: float,
    measure_s: float,
    timeout_s: float = 30.0,
) -> ClosedResult:
    """Throughput: successes answered inside the measuring window, after a warm-up, per second."""
    tally = Tally()
    started = time.monotonic()
    window_from = started + warmup_s
    window_to = window_from + measure_s
    in_window = 0
    sent = 0
    finished_at: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal in_window, sent
            while time.monotonic() < window_to and sent < MAX_REQUESTS:
                sent += 1
                request = next_request()
                ok, detail = await _send(session, url, headers, request, timeout_s)
                tally.record(ok, request.tag, detail)
                if ok:
                    now = time.monotonic()
                    finished_at.append(now)
                    if window_from <= now < window_to:
                        in_window += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ClosedResult(per_s=in_window / measure_s, tally=tally, finished_at=finished_at)


async def open_loop(
    url: str,
    headers: dict[str, str],
    next_request: Callable[[], Request],
    *,
    rate_per_s: float,
    duration_s: float,
    timeout_s: float = 10.0,
) -> OpenResult:
    """Latency at a steady rate, measured from each request's scheduled time (no coordinated omission)."""
    tally = Tally()
    latencies: list[float] = []
    count = min(MAX_REQUESTS, int(rate_per_s * duration_s))
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(request: Request, due: float) -> None:
            ok, detail = await _send(session, url, headers, request, timeout_s)
            tally.record(ok, request.tag, detail)
            if ok:
                latencies.append((time.monotonic() - due) * 1000)

        start = time.monotonic() + 0.05
        tasks: list[asyncio.Task[None]] = []
        for i in range(count):
            due = start + i / rate_per_s
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(next_request(), due)))
        await asyncio.gather(*tasks)
    return OpenResult(latencies_ms=latencies, tally=tally, sent=count, duration_s=time.monotonic() - start)
