"""Several instances starting at once on one PostgreSQL database migrate it once, and every one of them starts."""

from __future__ import annotations

import asyncio
import logging

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import MIGRATIONS, create_engine, migrate
from tests.conftest import _create_database
from tests.integration.storage.test_migrations import _differences

INSTANCES = 4


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


async def test_instances_starting_together_migrate_the_schema_to_head_once(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Each instance runs migrate() at start-up on its own connection, as bot.app does; without the advisory lock
    they would race to create the same tables and all but one would fail (or, worse, half-apply)."""
    url = await _create_database(postgres_url)
    engines: list[AsyncEngine] = [create_engine(url) for _ in range(INSTANCES)]
    caplog.set_level(logging.INFO, logger="alembic.runtime.migration")
    try:
        results = await asyncio.wait_for(
            asyncio.gather(*(migrate(engine) for engine in engines), return_exceptions=True), timeout=60
        )
        assert [repr(result) for result in results if isinstance(result, BaseException)] == []

        async with engines[0].connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
            assert versions == [_head()]
            assert await connection.run_sync(_differences) == []
    finally:
        for engine in engines:
            await engine.dispose()

    first_steps = [r for r in caplog.records if r.getMessage().startswith("Running upgrade  -> ")]
    assert len(first_steps) == 1, "the first migration ran more than once"
