"""Every demo Playground configuration is one the Playground accepts (a bad file makes it exit silently)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from tests.support.playground import ROOT, free_port, start_playground

CONFIGS = sorted((ROOT / "infra" / "playground").glob("*.yml"))


@pytest.mark.e2e
@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
async def test_the_playground_accepts_the_demo_configuration(config: Path, tmp_path: Path) -> None:
    port = free_port()
    playground = await start_playground(
        port=port, bot_port=free_port(), config=config, workdir=tmp_path, log_path=tmp_path / "playground.log"
    )
    try:
        await asyncio.sleep(1.5)  # a rejected file is read after "Listening on", then the process exits
        assert not playground.exited, playground.log_tail()
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/") as response:
            assert response.status == 200
    finally:
        await playground.stop()
