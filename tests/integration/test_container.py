"""The container image's recipe (Dockerfile, .dockerignore), checked without Docker: pinned bases, a fixed non-root
user, nothing but what the bot runs copied in, and a health check that really tells a running bot from a dead one.

Docker cannot run on the development machines or CI, so the image itself is not built here; the health check's
exact command line is run against `python -m bot` started as the image starts it (HOST=0.0.0.0, PORT)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.settings import Settings
from bot.tab.routes import TEAMS_SDK
from tests.support.people import BOT_ID, DIRECTORY_FILE, REVIEW_CHANNEL, TENANT

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
_PINNED = re.compile(r"[a-z0-9./-]+:(\d+)\.(\d+)\.(\d+)-[a-z0-9.-]+")
"""An image tag naming an exact release (python:3.11.14-slim-bookworm), not a moving one (python:3.11-slim)."""

Instruction = tuple[str, str]


def _instructions() -> list[Instruction]:
    """(KEYWORD, arguments) per instruction, continuation lines joined and comments dropped."""
    lines = [line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            result.append((keyword.upper(), arguments.strip()))
    return result


def _args() -> dict[str, str]:
    return dict(arguments.split("=", 1) for keyword, arguments in _instructions() if keyword == "ARG")


def _stages() -> list[list[Instruction]]:
    stages: list[list[Instruction]] = []
    for instruction in _instructions():
        if instruction[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _runtime() -> list[Instruction]:
    return _stages()[-1]


def _base(stage: list[Instruction]) -> str:
    image = stage[0][1].split()[0]
    return re.sub(r"\$\{(\w+)\}", lambda found: _args()[found[1]], image)


def _env(stage: list[Instruction]) -> dict[str, str]:
    values: dict[str, str] = {}
    for keyword, arguments in stage:
        if keyword == "ENV":
            values.update(dict(pair.split("=", 1) for pair in shlex.split(arguments)))
    return values


def _healthcheck_command() -> list[str]:
    [arguments] = [arguments for keyword, arguments in _runtime() if keyword == "HEALTHCHECK"]
    options, _, command = arguments.partition("CMD ")
    assert {"--interval=30s", "--timeout=5s", "--retries=3"} <= set(options.split())
    parsed: list[str] = json.loads(command)
    return parsed


def test_every_base_is_pinned_to_an_exact_release_and_python_is_the_projects() -> None:
    stage_names = {stage[0][1].split()[-1] for stage in _stages() if " AS " in stage[0][1]}
    bases = [_base(stage) for stage in _stages() if _base(stage) not in stage_names]
    assert bases and all(_PINNED.fullmatch(base) for base in bases), bases
    runtime = _base(_runtime())
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    major, minor = pyproject["tool"]["mypy"]["python_version"].split(".")
    assert re.fullmatch(rf"python:{major}\.{minor}\.\d+-slim-bookworm", runtime), runtime
    assert _base(_stages()[-2]) == runtime  # the venv is built on the same Python it runs on


def test_the_bot_runs_as_a_fixed_non_root_user_that_cannot_change_its_code() -> None:
    runtime = _runtime()
    [user] = [arguments for keyword, arguments in runtime if keyword == "USER"]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) >= 1000 and gid.isdigit()
    creates = " ".join(arguments for keyword, arguments in runtime if keyword == "RUN")
    assert f"--uid {uid}" in creates and f"--gid {gid}" in creates
    keywords = [keyword for keyword, _ in runtime]
    assert keywords.index("USER") > max(i for i, keyword in enumerate(keywords) if keyword in ("RUN", "COPY"))
    copies = [arguments for keyword, arguments in runtime if keyword == "COPY"]
    assert not any("--chown" in arguments for arguments in copies)  # code and venv stay root's, read-only to the app


def test_no_compiler_or_package_manager_runs_in_the_image_and_no_development_tool_reaches_it() -> None:
    runtime_runs = " ".join(arguments for keyword, arguments in _runtime() if keyword == "RUN")
    for tool in ("apt-get", "apt ", "gcc", "build-essential", "pip install", "npm"):
        assert tool not in runtime_runs
    everything = " ".join(arguments for _, arguments in _instructions())
    assert "pip install --only-binary=:all: -r /tmp/requirements.txt" in everything  # wheels: nothing compiled
    assert "requirements-dev" not in everything
    assert "npm install --omit=dev" in everything
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert "@microsoft/teams-js" in package["dependencies"]


def test_the_image_starts_the_bot_on_all_interfaces_on_the_exposed_port() -> None:
    runtime = _runtime()
    env = _env(runtime)
    assert env["HOST"] == "0.0.0.0"
    [exposed] = [arguments for keyword, arguments in runtime if keyword == "EXPOSE"]
    assert exposed == env["PORT"] == str(Settings().port)
    assert [json.loads(arguments) for keyword, arguments in runtime if keyword == "CMD"] == [["python", "-m", "bot"]]
    assert env["PATH"].startswith("/opt/venv/bin:")


def test_the_image_holds_every_project_module_the_bot_imports_and_the_tab_sdk() -> None:
    """Whatever `python -m bot` loads from this tree must be copied in, and .dockerignore must let exactly it in."""
    probe = (
        "import sys, pathlib, bot.__main__, bot.app; root = pathlib.Path.cwd(); "
        "print('\\n'.join(sorted({pathlib.Path(m.__file__).resolve().relative_to(root).parts[0] "
        "for m in list(sys.modules.values()) if getattr(m, '__file__', None) "
        "and pathlib.Path(m.__file__).resolve().is_relative_to(root) "
        "and not pathlib.Path(m.__file__).resolve().is_relative_to(root / '.venv')})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    copies = [arguments.split() for keyword, arguments in _runtime() if keyword == "COPY"]
    from_context = {source.rstrip("/") for source, *_ in (c for c in copies if not c[0].startswith("--from"))}
    assert set(loaded) <= from_context, f"not copied into the image: {set(loaded) - from_context}"
    assert from_context == set(loaded)  # nothing more than the bot runs

    [sdk] = [c for c in copies if c[0] == "--from=tab-sdk"]
    assert sdk[2] == f"/app/{TEAMS_SDK.relative_to(ROOT).parts[0]}/@microsoft/teams-js"
    assert TEAMS_SDK.is_relative_to(ROOT / "node_modules" / "@microsoft" / "teams-js")
    assert ("WORKDIR", "/app") in _runtime()

    patterns = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    assert patterns[0] == "*"  # an allow-list: .git, .venv, node_modules, data/ and tests never reach the build
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    assert allowed == from_context | {"requirements.txt", "package.json"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _health(port: int) -> subprocess.CompletedProcess[str]:
    """The HEALTHCHECK's exact command, with the image's `python` being this interpreter."""
    command = _healthcheck_command()
    assert command[0] == "python"
    env = {**os.environ, "PORT": str(port)}
    return subprocess.run(
        [sys.executable, *command[1:]], env=env, capture_output=True, text=True, timeout=15, check=False
    )


@pytest.fixture
def running_bot(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`python -m bot` as the image starts it, in development mode with fictional settings."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("Microsoft", "DEBRIEF_"))}
    env.update(
        {
            "DEBRIEF_ENVIRONMENT": "development",
            "DEBRIEF_ALLOWED_TENANTS": TENANT,
            "DEBRIEF_DEV_BOT_ID": BOT_ID,
            "DEBRIEF_REVIEW_TEAM_CHANNEL_ID": REVIEW_CHANNEL,
            "DEBRIEF_DIRECTORY_FILE": str(DIRECTORY_FILE),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/debrief.db",
            **_env(_runtime()),  # HOST=0.0.0.0 and the rest, as in the image
            "PATH": os.environ["PATH"],
            "PORT": str(port),
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def test_the_health_check_passes_against_a_running_bot_and_fails_once_it_stops(
    running_bot: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = running_bot
    deadline = time.monotonic() + 40
    result = _health(port)
    while result.returncode != 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.3)
        result = _health(port)
    if process.poll() is not None:
        assert process.stderr is not None
        pytest.fail(f"the bot exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
    assert result.returncode == 0, result.stderr

    process.send_signal(signal.SIGTERM)  # what `docker stop` sends: the bot shuts down cleanly
    assert process.wait(timeout=20) == 0
    failed = _health(port)
    assert failed.returncode != 0
    assert "Connection refused" in failed.stderr


async def test_the_health_check_fails_when_the_bot_says_its_database_is_unreachable() -> None:
    """/healthz answers 503 when the database does not answer; the check must count that as unhealthy."""

    async def unavailable(request: web.Request) -> web.Response:
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)

    app = web.Application()
    app.router.add_get("/healthz", unavailable)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *_healthcheck_command()[1:],
            env={**os.environ, "PORT": str(port)},
            stderr=subprocess.PIPE,
        )
        _, stderr = await process.communicate()
    finally:
        await runner.cleanup()
    assert process.returncode != 0
    assert b"HTTP Error 503" in stderr
