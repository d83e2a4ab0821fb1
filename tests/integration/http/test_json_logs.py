"""`python -m bot` with DEBRIEF_LOG_FORMAT=json, as production runs it: every line it writes to stderr is one JSON
object, requests are logged by route template with their request id, a failed turn carries its activity id and its
exception's type and traceback, and no token a client sent appears anywhere."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.support import activities
from tests.support.bot_server import development_env
from tests.support.people import JORDAN, ROOT

LINK_TOKEN = "Qw7fictionalDocumentLinkToken42"
JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJhdWQiOiJmaWN0aW9uYWwtYm90In0"
    ".ZmljdGlvbmFsLXNpZ25hdHVyZS1ub3QtcmVhbA"
)  # fictional


def _python() -> str:
    venv_python = Path(ROOT) / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.is_file() else sys.executable


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_for_health(url: str, process: asyncio.subprocess.Process, stderr: Path) -> None:
    """Poll /healthz until it answers; fail with what the process wrote if it dies or never answers."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        for _ in range(300):
            if process.returncode is not None:
                written = await asyncio.to_thread(stderr.read_text)
                raise AssertionError(f"python -m bot exited with {process.returncode}:\n{written}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    written = await asyncio.to_thread(stderr.read_text)
    raise AssertionError(f"python -m bot did not answer {url}:\n{written}")


async def test_every_stderr_line_of_python_m_bot_is_json_and_carries_no_token(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        "PATH": os.environ["PATH"],
        **development_env(f"sqlite+aiosqlite:///{tmp_path}/debrief.db"),
        "DEBRIEF_LOG_FORMAT": "json",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    stderr_path = tmp_path / "stderr.log"
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            _python(),
            "-m",
            "bot",
            cwd=str(ROOT),
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_for_health(f"{base}/healthz", process, stderr_path)
        nowhere = f"http://127.0.0.1:{_free_port()}"  # the reply cannot be sent: the turn fails and is logged
        turn = activities.message(JORDAN, "help", service_url=nowhere)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/documents/{LINK_TOKEN}") as response:
                assert response.status == 410
            async with session.get(f"{base}/metrics", headers={"Authorization": f"Bearer {JWT}"}) as response:
                assert response.status == 200
            headers = {"X-Request-Id": "ingress-req-00000001"}
            async with session.post(f"{base}/api/messages", json=turn, headers=headers) as response:
                assert response.status == 201  # the failed turn is handled: logged, and an apology tried
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()

    text = stderr_path.read_text(encoding="utf-8")
    records: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            records.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"stderr line {number} is not JSON: {line!r}\n\n{text}") from None
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record

    assert LINK_TOKEN not in text and JWT not in text and JWT.split(".")[1] not in text
    assert any(r["level"] == "WARNING" and "DEVELOPMENT MODE" in r["message"] for r in records)
    access = [r for r in records if r["logger"] == "bot.access"]
    documents = [r for r in access if "/documents/{token}" in r["message"]]
    assert len(documents) == 1 and documents[0]["message"].startswith("GET /documents/{token} 410 ")
    assert len(documents[0]["request_id"]) == 32  # made up here: the client sent none
    assert not [r for r in access if "/metrics" in r["message"]]  # scrapes are logged at debug level only
    [post] = [r for r in access if "/api/messages" in r["message"]]
    assert post["request_id"] == "ingress-req-00000001"  # the ingress's id, so its log and ours join up

    [failed] = [r for r in records if r["message"].startswith("turn failed")]
    assert failed["level"] == "ERROR"
    assert failed["activity_id"] == turn["id"] and failed["request_id"] == "ingress-req-00000001"
    assert failed["exception"]["type"]
    assert failed["exception"]["traceback"].startswith("Traceback (most recent call last):")
    assert 'File "' in failed["exception"]["traceback"]
