"""A fast local Bot Connector in its own process: answers every send at once, or after a delay.

The path prefix picks the behaviour, so one process serves both service URLs: `/fast/...` answers at once,
`/slow/...` after 200 ms (the slow-connector figure). GET /stats returns what it has received, so the bench
can check that every reply really arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import sys
from collections import Counter

from aiohttp import web

SLOW_DELAY_S = 0.2


def create_app(slow_delay_s: float = SLOW_DELAY_S) -> web.Application:
    counts: Counter[str] = Counter()
    ids = itertools.count(1)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(dict(counts))

    async def connector(request: web.Request) -> web.Response:
        path = request.path
        body = await request.read()
        if path.startswith("/slow/"):
            await asyncio.sleep(slow_delay_s)
        number = next(ids)
        if request.method == "POST" and path.rstrip("/").endswith("/v3/conversations"):
            counts["create"] += 1
            return web.json_response({"id": f"19:bench;messageid={number}", "activityId": str(number)})
        kind = "update" if request.method == "PUT" else "send"
        counts[kind] += 1
        if b"RD-20" in body:  # the "nomination received" card, with its case number
            counts[f"{kind}_case_card"] += 1
        return web.json_response({"id": str(number)})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/stats", stats)
    app.router.add_route("*", "/{tail:.*}", connector)
    return app


async def serve(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> None:
    """Listen, print `PORT n` on stdout once ready, and run until SIGTERM or SIGINT."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slow-delay-s", type=float, default=SLOW_DELAY_S)
    args = parser.parse_args(argv)
    asyncio.run(serve(create_app(args.slow_delay_s)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
