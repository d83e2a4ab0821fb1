"""A local Bot Connector service: records what the bot sends and can answer with faults.

It runs in its own thread with its own HTTP server, because parts of botbuilder make blocking calls on
the event loop; a server on the test's loop could deadlock with them. It listens on loopback, so bot or
dispatcher processes other than the test's can send to it too.

Faults: `Fault` refuses a share of requests (one status, or one picked at random from several); `limit_per_s`
refuses with 429 any request beyond that many accepted in the last second, as Teams throttles a tenant.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


@dataclass
class Fault:
    """Answer `status` (with optional Retry-After) to a share of requests, decided per request."""

    rate: float
    status: int = 429
    retry_after: str | None = "1"
    seed: int = 7
    code: str = "Throttled"
    statuses: tuple[tuple[int, str | None], ...] = ()
    """When given, each refusal answers one of these (status, Retry-After), picked at random, instead of `status`
    and `retry_after`."""
    paths: tuple[str, ...] = ()
    """When given, only requests whose path contains one of these can be refused (e.g. one person's chat)."""


@dataclass
class Recorded:
    method: str
    path: str
    body: dict[str, Any]
    at: float


@dataclass
class ConnectorState:
    requests: list[Recorded] = field(default_factory=list)
    faults_sent: int = 0
    fault: Fault | None = None
    delay_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(default_factory=lambda: random.Random(7))
    _next_id: int = 1000
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Teams user id -> the member record the connector's member endpoints return."""
    limit_per_s: float | None = None
    """Refuse (429 with Retry-After: `limit_retry_after`) a request beyond this many accepted in the last second."""
    limit_retry_after: str = "1"
    throttled: int = 0
    """How many requests `limit_per_s` refused."""
    _accepted_at: deque[float] = field(default_factory=deque)

    def over_limit(self) -> bool:
        """Whether the rate limit refuses a request now; if not, it counts as accepted."""
        if self.limit_per_s is None:
            return False
        with self.lock:
            now = time.monotonic()
            window = self._accepted_at
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.limit_per_s:
                self.throttled += 1
                return True
            window.append(now)
            return False

    def next_id(self) -> str:
        with self.lock:
            self._next_id += 1
            return str(self._next_id)


class LocalConnector:
    def __init__(self) -> None:
        self.state = ConnectorState()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                if state.delay_s:
                    time.sleep(state.delay_s)
                fault = state.fault
                if fault is not None and (not fault.paths or any(p in unquote(self.path) for p in fault.paths)):
                    with state.lock:
                        hit = state._random.random() < fault.rate
                        status, retry_after = fault.status, fault.retry_after
                        if hit:
                            state.faults_sent += 1
                            if fault.statuses:
                                status, retry_after = state._random.choice(fault.statuses)
                    if hit:
                        self._refuse(status, retry_after, fault.code)
                        return
                if state.over_limit():
                    self._refuse(429, state.limit_retry_after, "Throttled")
                    return
                with state.lock:
                    state.requests.append(Recorded(self.command, self.path, body, time.monotonic()))
                answer: dict[str, Any] = {"id": state.next_id()}
                if self.command == "POST" and self.path.rstrip("/").endswith("/v3/conversations"):
                    conversation = body.get("channelData", {}).get("channel", {}).get("id") or "a:personal"
                    answer = {"id": f"{conversation};messageid={answer['id']}", "activityId": answer["id"]}
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _refuse(self, status: int, retry_after: str | None, code: str) -> None:
                payload = json.dumps({"error": {"code": code, "message": "refused"}}).encode()
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                member = state.members.get(self.path.rstrip("/").rsplit("/", 1)[-1])
                payload = json.dumps(member or {"error": {"code": "MemberNotFound"}}).encode()
                self.send_response(200 if member else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = _answer  # noqa: N815
            do_PUT = _answer  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> LocalConnector:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sent(self, *, path_contains: str = "") -> list[Recorded]:
        with self.state.lock:
            return [r for r in self.state.requests if path_contains in r.path]

    def __enter__(self) -> LocalConnector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
