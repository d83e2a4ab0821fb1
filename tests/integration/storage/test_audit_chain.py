"""The audit log's hash chain on SQLite and PostgreSQL: every commit seals its records onto the head, concurrent
writers never fork it, the log refuses changes, and `python -m storage.audit_verify` catches an edited, a deleted
and a reordered record."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, Connection, column, func, insert, select, table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief import nominations
from debrief.audit import GENESIS, AuditCategory, AuditOutcome, AuditRecord, ChainReport, chain_hash
from debrief.errors import Forbidden
from debrief.model import NominationRules
from debrief.permissions import Role
from storage import tables as t
from storage.audit_chain import check_chain, record_from_row
from storage.database import MIGRATIONS, create_engine, migrate
from storage.tables import UtcDateTime
from storage.uow import SqlUnitOfWork
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN, MORGAN, PRIYA, ROOT, actor

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
SIOS = DIRECTORY.people_with(Role.SIO)


def consulted(n: int) -> AuditRecord:
    return AuditRecord(
        at=NOW + timedelta(seconds=n, microseconds=n),
        actor_id=PRIYA.user_id,
        actor_name=PRIYA.name,
        action="case.chronology.read",
        category=AuditCategory.CONSULTATION,
        outcome=AuditOutcome.GRANTED,
        case_id=n,
        justification=f"Check {n}",
        recipients=(JORDAN.user_id,),
    )


async def log(engine: AsyncEngine, *records: AuditRecord) -> None:
    """Records committed in one unit of work, as a service would commit them."""
    async with SqlUnitOfWork(engine) as uow:
        for each in records:
            uow.audit.add(each)
        await uow.commit()


async def nominate(engine: AsyncEngine, n: int) -> None:
    await nominations.nominate(
        uow=SqlUnitOfWork(engine),
        actor=actor(JORDAN),
        form=nomination_form(incidentReference=f"CR/{n:06d}/26"),
        now=NOW,
        rules=NominationRules(),
        sios=SIOS,
    )


async def refused_nomination(engine: AsyncEngine) -> None:
    with pytest.raises(Forbidden):
        await nominations.nominate(
            uow=SqlUnitOfWork(engine),
            actor=actor(MORGAN),
            form=nomination_form(),
            now=NOW,
            rules=NominationRules(),
            sios=SIOS,
        )


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(t.audit_log))).scalar_one())


async def verify(engine: AsyncEngine) -> ChainReport:
    async with engine.connect() as connection:
        return await connection.run_sync(check_chain)


async def test_each_commit_seals_its_records_onto_the_one_before(engine: AsyncEngine) -> None:
    await nominate(engine, 1)
    await refused_nomination(engine)
    await log(engine, consulted(1), consulted(2), consulted(3))
    async with engine.connect() as connection:
        rows = (await connection.execute(select(t.audit_log).order_by(t.audit_log.c.id))).all()
    previous = GENESIS
    for row in rows:
        assert row.chain_hash == chain_hash(previous, record_from_row(row))
        previous = row.chain_hash
    assert [row.id for row in rows] == [1, 2, 3, 4, 5]
    report = await verify(engine)
    assert (report.records, report.head, report.broken) == (5, previous, None)


async def test_concurrent_units_of_work_on_two_instances_never_fork_the_chain(database_url: str) -> None:
    first, second = create_engine(database_url), create_engine(database_url)
    try:
        await migrate(first)
        work = []
        for n in range(12):
            engine = first if n % 2 else second
            work += [nominate(engine, n), refused_nomination(engine), log(engine, consulted(n), consulted(n + 100))]
        await asyncio.gather(*work)
        report = await verify(first)
        assert report.broken is None
        assert report.records == await count(first) == 12 * (1 + 1 + 2)
    finally:
        await first.dispose()
        await second.dispose()


async def test_the_log_refuses_to_change_or_remove_a_record(engine: AsyncEngine) -> None:
    await log(engine, consulted(1))
    for statement in (
        "UPDATE audit_log SET justification = 'Changed' WHERE id = 1",
        "UPDATE audit_log SET chain_hash = '' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 1",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as connection:
                await connection.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as connection:
                await connection.execute(text("TRUNCATE audit_log"))
    assert (await verify(engine)).records == 1


def _upgrade(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


# The audit log as migration 0008 left it: no chain hash yet.
_BEFORE_THE_CHAIN = table(
    "audit_log",
    *(column(name) for name in ("actor_id", "actor_name", "action", "category", "outcome", "case_id", "justification")),
    column("at", UtcDateTime()),
    column("recipients", JSON()),
)


async def test_the_migration_chains_what_was_logged_before_it(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, "0008")
            for n in range(1, 4):
                record = consulted(n)
                values = {c.name: getattr(record, c.name) for c in _BEFORE_THE_CHAIN.c}
                await connection.execute(insert(_BEFORE_THE_CHAIN), {**values, "recipients": list(record.recipients)})
        await migrate(engine)
        report = await verify(engine)
        assert (report.records, report.broken) == (3, None)
        await log(engine, consulted(4))
        assert (await verify(engine)).records == 4
    finally:
        await engine.dispose()


async def run_verify(database_url: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "storage.audit_verify",
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, (out + err).decode().strip()


async def tamper(engine: AsyncEngine, *statements: str) -> None:
    """As an attacker with the database owner's rights: first switch off the append-only triggers."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            await connection.execute(text("DROP TRIGGER audit_log_append_only_update"))
            await connection.execute(text("DROP TRIGGER audit_log_append_only_delete"))
        for statement in statements:
            await connection.execute(text(statement))


async def test_the_verification_command_finds_an_intact_log_and_logs_its_check(
    engine: AsyncEngine, database_url: str
) -> None:
    for n in range(1, 6):
        await log(engine, consulted(n))
    code, output = await run_verify(database_url)
    async with engine.connect() as connection:
        head = (await connection.execute(select(t.audit_log.c.chain_hash).where(t.audit_log.c.id == 5))).scalar_one()
        checked = (await connection.execute(select(t.audit_log).where(t.audit_log.c.id == 6))).one()
    assert (code, output) == (0, f"Audit log intact: 5 records; head {head[:12]}")
    assert (checked.actor_id, checked.action, checked.outcome) == ("system", "audit.verify", "granted")
    assert checked.justification == f"Hash chain checked: 5 records, intact; head {head[:12]}"
    code, output = await run_verify(database_url)
    assert code == 0 and output.startswith("Audit log intact: 6 records;")


@pytest.mark.parametrize(
    ("statements", "broken_at", "found_there", "says"),
    [
        (
            ["UPDATE audit_log SET justification = 'Nothing to see' WHERE id = 3"],
            3,
            3,
            "this record (or the chain hash of the one before it) has been changed since it was written",
        ),
        (["DELETE FROM audit_log WHERE id = 3"], 4, 4, "a record before it has been removed (no record 3)"),
        (
            [
                "UPDATE audit_log SET id = -1 WHERE id = 2",
                "UPDATE audit_log SET id = 2 WHERE id = 4",
                "UPDATE audit_log SET id = 4 WHERE id = -1",
            ],
            2,
            4,
            "out of order: record 4 was written here, straight after record 1",
        ),
    ],
    ids=["edited", "deleted", "swapped"],
)
async def test_the_verification_command_names_the_first_broken_record(
    engine: AsyncEngine, database_url: str, statements: list[str], broken_at: int, found_there: int, says: str
) -> None:
    for n in range(1, 6):
        await log(engine, consulted(n))
    await tamper(engine, *statements)
    code, output = await run_verify(database_url)
    when = consulted(found_there).at.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert code == 1
    assert output.startswith(f"Audit log broken at record {broken_at} ({when}): ")
    assert output.endswith(says)
    # The check itself is still logged, after the break.
    async with engine.connect() as connection:
        last = (await connection.execute(select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(1))).one()
    assert (last.action, last.justification) == ("audit.verify", f"Hash chain checked: broken at record {broken_at}")


async def test_the_verification_command_says_when_there_is_no_log_to_check(tmp_path: Path) -> None:
    code, output = await run_verify(f"sqlite:///{tmp_path}/missing.db")
    assert (code, output) == (2, f"No database at {tmp_path}/missing.db: set DATABASE_URL to the app's database.")
    (tmp_path / "empty.db").touch()
    code, output = await run_verify(f"sqlite:///{tmp_path}/empty.db")
    assert (code, output) == (2, "Could not read the audit log: OperationalError. Check DATABASE_URL.")
