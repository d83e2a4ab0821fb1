"""A local Bot Connector service: records what the bot sends and can answer with faults.

It runs in its own thread with its own HTTP server, because parts of botbuilder make blocking calls on
the event loop; a server on the test's loop could deadlock with them.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Fault:
    """Answer `status` (with optional Retry-After) to a share of requests, decided per request."""

    rate: float
    status: int = 429
    retry_after: str | None = "1"
    seed: int = 7
    code: str = "Throttled"


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
                if fault is not None:
                    with state.lock:
                        hit = state._random.random() < fault.rate
                        if hit:
                            state.faults_sent += 1
                    if hit:
                        payload = json.dumps({"error": {"code": fault.code, "message": "refused"}}).encode()
                        self.send_response(fault.status)
                        if fault.retry_after is not None:
                            self.send_header("Retry-After", fault.retry_after)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
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
