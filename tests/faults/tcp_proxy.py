"""A TCP proxy between the bot and PostgreSQL that a test can cut and restore: the database "unreachable".

Cut, it closes every connection it carries and stops listening, so the bot's driver sees what it sees when the
server goes away (a dropped connection, then "connection refused" for new ones). Restored, it listens on the same
port again. It runs in its own thread with its own event loop, so nothing the bot does on the test's loop (botbuilder
makes blocking calls) can stall it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import TypeVar

from sqlalchemy.engine import make_url

T = TypeVar("T")

Opener = Callable[[], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]


def opener_for(database_url: str) -> Opener:
    """How to reach the real server named by a database URL: its Unix socket (the embedded server's) or host:port."""
    url = make_url(database_url)
    socket_dir = url.query.get("host")
    port = url.port or 5432
    if isinstance(socket_dir, str) and socket_dir.startswith("/"):
        path = f"{socket_dir}/.s.PGSQL.{port}"
        return lambda: asyncio.open_unix_connection(path)
    host = url.host or "127.0.0.1"
    return lambda: asyncio.open_connection(host, port)


class TcpProxy:
    """Listens on 127.0.0.1:<port> and pipes each connection to the server; `cut()` and `restore()` it."""

    def __init__(self, open_upstream: Opener) -> None:
        self._open_upstream = open_upstream
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0
        self.connections = 0
        """Client connections accepted since start."""

    def start(self) -> TcpProxy:
        self._thread.start()
        with socket.socket() as probe:  # a free port, kept for every restore
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._call(self._listen())
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self._close_all())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        self._call(self._close_all())

    def restore(self) -> None:
        self._call(self._listen())

    def _call(self, work: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await work

        future: Future[T] = asyncio.run_coroutine_threadsafe(wrapped(), self._loop)
        return future.result(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port, reuse_address=True)

    async def _close_all(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()  # stop accepting first, then drop what is open (wait_closed may wait for those)
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if server is not None:
            await server.wait_closed()

    async def _pipe(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await self._open_upstream()
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, upstream_writer))

        async def copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while chunk := await reader.read(65536):
                    writer.write(chunk)
                    await writer.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                writer.transport.abort()

        try:
            await asyncio.gather(copy(client_reader, upstream_writer), copy(upstream_reader, client_writer))
        finally:
            self._writers.discard(client_writer)
            self._writers.discard(upstream_writer)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
