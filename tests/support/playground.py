"""The bot and the Microsoft 365 Agents Playground as real processes, for end-to-end journeys in Chromium.

Each test session starts its own bot (on a free port, with a throwaway SQLite database) and its own
Playground (on another free port), so a developer's `make run` on 3978/56150 is never touched. Helpers
here press card buttons as other users through the Playground's API and follow every bot message on the
Playground's websocket, which is the most reliable way to wait for a reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp

from tests.support.cards import card_text

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
PLAYGROUND_BIN = ROOT / "node_modules" / ".bin" / "agentsplayground"
NOMINATING_OFFICER_CONFIG = ROOT / "infra" / "playground" / "nominating-officer.yml"
DEV_ENV_FILE = ROOT / "infra" / "dev.env"
PYTHON = ROOT / ".venv" / "bin" / "python"

# Debian's Chromium, headless, with nothing that reaches the internet on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The Playground's own names for the page's parts (checked against 0.2.28).
MESSAGE_BOX = '[data-lexical-editor="true"][role="textbox"]'
CARD = ".ac-adaptiveCard"

BotMessage = dict[str, Any]
"""One websocket event: {"action": "createMessage"|"updateMessage", "actionConversationId": ..., "message": {...}}."""


class ToolMissing(RuntimeError):
    """A tool the journeys need is not installed; the message says how to get it."""


def missing_tools() -> list[str]:
    """What is missing to run the browser journeys, as messages a developer can act on (empty: all there)."""
    problems = []
    if not CHROMIUM.is_file():
        problems.append(f"Chromium is missing at {CHROMIUM}: run 'make tools' (apt-get install chromium).")
    if not PLAYGROUND_BIN.is_file():
        problems.append(f"The Agents Playground is missing at {PLAYGROUND_BIN}: run 'make tools' (npm install).")
    if not PYTHON.is_file():
        problems.append(f"The virtualenv is missing at {PYTHON}: run 'make install'.")
    return problems


def free_port() -> int:
    """A port nobody listens on now; the Playground silently moves to a random port if its port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def is_local(url: str) -> bool:
    """The journeys may only talk to this machine; everything else (font CDNs) is blocked so it cannot hang."""
    return urlparse(url).hostname in ("localhost", "127.0.0.1")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a dotenv file such as infra/dev.env (comments and blank lines skipped)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


@dataclass
class ManagedProcess:
    """A child process in its own process group, so stopping it also stops whatever it started (npm → node)."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    @property
    def exited(self) -> bool:
        return self.process.returncode is not None

    async def stop(self, timeout_s: float = 5.0) -> None:
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()


async def _spawn(name: str, argv: list[str], *, env: Mapping[str, str], cwd: Path, log_path: Path) -> ManagedProcess:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *argv,
            env=dict(env),
            cwd=str(cwd),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    return ManagedProcess(name, process, log_path)


async def _wait_until_ready(
    proc: ManagedProcess, url: str, *, timeout_s: float, extra_check: Callable[[], str | None] | None = None
) -> None:
    """Poll `url` until it answers 200; fail early, with the process's log, if the process dies."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            if proc.exited:
                raise RuntimeError(f"{proc.name} exited with {proc.process.returncode}:\n{proc.log_tail()}")
            if extra_check is not None and (problem := extra_check()):
                raise RuntimeError(f"{proc.name}: {problem}\n{proc.log_tail()}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{proc.name} did not answer {url} within {timeout_s:.0f} s:\n{proc.log_tail()}")


def bot_env(*, port: int, database_url: str, **extra: str) -> dict[str, str]:
    """infra/dev.env as `make run` uses it, with this session's port and database and a brisk outbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBRIEF_", "Microsoft"))}
    env.update(read_env_file(DEV_ENV_FILE))
    env.update(
        {
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "DATABASE_URL": database_url,
            "DEBRIEF_DISPATCH_INTERVAL_S": "0.1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


async def start_bot(*, port: int, database_url: str, log_path: Path, timeout_s: float = 30.0) -> ManagedProcess:
    """`python -m bot` in development mode (anonymous: the Playground sends no token)."""
    proc = await _spawn(
        "bot",
        [str(PYTHON), "-m", "bot"],
        env=bot_env(port=port, database_url=database_url),
        cwd=ROOT,
        log_path=log_path,
    )
    try:
        await _wait_until_ready(proc, f"http://127.0.0.1:{port}/healthz", timeout_s=timeout_s)
    except BaseException:
        await proc.stop()
        raise
    return proc


async def start_playground(
    *, port: int, bot_port: int, config: Path, workdir: Path, log_path: Path, timeout_s: float = 30.0
) -> ManagedProcess:
    """The Playground against our bot; it writes devTools/ logs into `workdir`, the reason for any silent exit."""
    env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none", "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config)}
    argv = [
        str(PLAYGROUND_BIN),
        "-e",
        f"http://127.0.0.1:{bot_port}/api/messages",
        "-c",
        "msteams",
        "-p",
        str(port),
        "--disable-telemetry",
    ]
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    proc = await _spawn("Agents Playground", argv, env=env, cwd=workdir, log_path=log_path)

    def wrong_port() -> str | None:
        # If the port is taken the Playground quietly listens on a random one instead: never accept that.
        match = re.search(r"Listening on (\d+)", proc.log_tail(200))
        if match and int(match.group(1)) != port:
            return f"listens on {match.group(1)} instead of {port} (the port was taken)"
        return None

    try:
        await _wait_until_ready(proc, f"http://127.0.0.1:{port}/", timeout_s=timeout_s, extra_check=wrong_port)
        if problem := wrong_port():
            raise RuntimeError(problem)
    except Exception as error:
        await proc.stop()
        internal = workdir / "devTools" / "m365agentsplayground.log"
        if internal.is_file():  # a bad config file is explained only there
            raise RuntimeError(f"{error}\nThe Playground's own log:\n{internal.read_text()[-3000:]}") from error
        raise
    except BaseException:
        await proc.stop()
        raise
    return proc


@dataclass
class ConversationStream:
    """Every bot message the Playground shows, as its UI websocket streams them (create and update)."""

    url: str
    events: list[BotMessage] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _session: aiohttp.ClientSession | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> ConversationStream:
        self._session = aiohttp.ClientSession()
        ws = await self._session.ws_connect(self.url, heartbeat=20)
        self._task = asyncio.create_task(self._listen(ws))
        return self

    async def _listen(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            try:
                event = json.loads(frame.data)
            except ValueError:
                continue
            if isinstance(event, dict):
                async with self._changed:
                    self.events.append(event)
                    self._changed.notify_all()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    def mark(self) -> int:
        """A position in the stream: pass it as `since` to wait only for what comes after."""
        return len(self.events)

    async def wait_for(
        self, predicate: Callable[[BotMessage], bool], *, since: int = 0, timeout_s: float = 15.0, what: str = ""
    ) -> BotMessage:
        """The first event after `since` that matches; fails with the events seen, to show what came instead."""

        def found() -> BotMessage | None:
            return next((e for e in self.events[since:] if predicate(e)), None)

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout_s)
            except TimeoutError:
                seen = "\n".join(describe(e) for e in self.events[since:]) or "(nothing)"
                raise AssertionError(f"no bot message {what} within {timeout_s} s; seen:\n{seen}") from None
            event = found()
            assert event is not None
            return event


def card_of(event: BotMessage) -> dict[str, Any] | None:
    """The Adaptive Card in a websocket event, if the message carries one."""
    for attachment in event.get("message", {}).get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            content = attachment.get("content")
            return content if isinstance(content, dict) else None
    return None


def action_data(card: Mapping[str, Any] | None, verb: str) -> dict[str, Any]:
    """The data an Action.Execute button with `verb` would send: what pressing it through the API must send too."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verb and isinstance(node.get("data"), dict):
                found.append(node["data"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    if not found:
        raise AssertionError(f"the card has no {verb} button")
    return dict(found[0])


def describe(event: BotMessage) -> str:
    message = event.get("message", {})
    card = card_of(event)
    summary = card.get("fallbackText") if card else message.get("text")
    return f"{event.get('action')} in {event.get('actionConversationId')} id {message.get('messageId')}: {summary}"


def shows(text: str, *, action: str | None = None, conversation: str | None = None) -> Callable[[BotMessage], bool]:
    """A predicate for ConversationStream.wait_for: a bot message whose text or card contains `text`."""

    def predicate(event: BotMessage) -> bool:
        if action is not None and event.get("action") != action:
            return False
        if conversation is not None and event.get("actionConversationId") != conversation:
            return False
        message = event.get("message", {})
        return text in (message.get("text") or "") or text in card_text(card_of(event))

    return predicate


@dataclass(frozen=True)
class InvokeAnswer:
    status: int
    body: Any

    @property
    def card(self) -> dict[str, Any] | None:
        """The card of an Adaptive Card invoke response, wherever the Playground put it."""
        body = self.body
        for _ in range(3):
            if not isinstance(body, dict):
                return None
            if body.get("type") == "AdaptiveCard":
                return body
            body = body.get("value") if "value" in body else body.get("body")
        return None


@dataclass
class Playground:
    """One running Playground: its URLs, its websocket stream, and its API for acting as any member."""

    port: int
    stream: ConversationStream
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """What the bot sees as the activity's serviceUrl."""
        return f"http://localhost:{self.port}/_connector"

    async def invoke(
        self, *, user_id: str, conversation_id: str, reply_to_id: str, verb: str, data: Mapping[str, Any]
    ) -> InvokeAnswer:
        """Press an Action.Execute button as `user_id` (who must be a member of the conversation)."""
        body = {
            "name": "adaptiveCard/action",
            "from": {"id": user_id},
            "conversation": {"id": conversation_id},
            "replyToId": reply_to_id,
            "value": {"action": {"type": "Action.Execute", "verb": verb, "data": {"verb": verb, **data}}},
        }
        async with self.session.post(f"{self.url}/_conversation/v1/invoke", json=body) as response:
            return InvokeAnswer(response.status, await response.json(content_type=None))

    async def message_extension(
        self, *, user_id: str, conversation_id: str, reply_to_id: str, name: str, value: Mapping[str, Any]
    ) -> InvokeAnswer:
        """A message-extension invoke (composeExtension/fetchTask or /submitAction) as `user_id`."""
        body = {
            "name": name,
            "from": {"id": user_id},
            "conversation": {"id": conversation_id},
            "replyToId": reply_to_id,
            "value": dict(value),
        }
        async with self.session.post(f"{self.url}/_conversation/v1/invoke", json=body) as response:
            return InvokeAnswer(response.status, await response.json(content_type=None))

    async def submit(
        self, *, user_id: str, conversation_id: str, reply_to_id: str, value: Mapping[str, Any]
    ) -> tuple[int, Any]:
        """Press an Action.Submit button as `user_id`."""
        body = {
            "from": {"id": user_id},
            "conversation": {"id": conversation_id},
            "replyToId": reply_to_id,
            "value": dict(value),
        }
        async with self.session.post(f"{self.url}/_conversation/v1/submit", json=body) as response:
            return response.status, await response.json(content_type=None)


@dataclass
class Stack:
    """The bot and a Playground pointing at it, both started for this test session."""

    bot_url: str
    database_url: str
    playground: Playground
    output_dir: Path


@asynccontextmanager
async def running_stack(
    workdir: Path,
    *,
    config: Path = NOMINATING_OFFICER_CONFIG,
    bot_port: int | None = None,
    playground_port: int | None = None,
) -> AsyncIterator[Stack]:
    """Start the bot and the Playground side by side, then listen to the websocket; stop all three after."""
    if problems := missing_tools():
        raise ToolMissing("\n".join(problems))
    bot_port = bot_port or free_port()
    playground_port = playground_port or free_port()
    while playground_port == bot_port:
        playground_port = free_port()
    database_url = f"sqlite+aiosqlite:///{workdir / 'debrief.db'}"
    # Neither needs the other to start (the Playground calls the bot only once a page opens): saves a second.
    started = await asyncio.gather(
        start_bot(port=bot_port, database_url=database_url, log_path=workdir / "bot.log"),
        start_playground(
            port=playground_port,
            bot_port=bot_port,
            config=config,
            workdir=workdir / "playground",
            log_path=workdir / "playground.log",
        ),
        return_exceptions=True,
    )
    processes = [p for p in started if isinstance(p, ManagedProcess)]
    if failures := [f for f in started if isinstance(f, BaseException)]:
        for process in processes:
            await process.stop()
        raise failures[0]
    stream: ConversationStream | None = None
    try:
        stream = await ConversationStream(
            f"ws://127.0.0.1:{playground_port}/_ws_conversation/v1/conversations/stream"
        ).start()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            yield Stack(
                bot_url=f"http://127.0.0.1:{bot_port}",
                database_url=database_url,
                playground=Playground(playground_port, stream, session),
                output_dir=workdir,
            )
    finally:
        if stream is not None:
            await stream.stop()
        for process in reversed(processes):
            await process.stop()
