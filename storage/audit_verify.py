"""`python -m storage.audit_verify` (or `make audit-verify`): check the audit log's hash chain.

Reads the database the app uses (DATABASE_URL, else the embedded SQLite file), walks the log in id order a batch at a
time, and prints either `Audit log intact: N records; head <first 12 hex>` (exit 0) or
`Audit log broken at record <id> (<when>): <what happened>` (exit 1). The check is itself logged: a VERIFY_AUDIT_LOG
record by Rapid Debrief, chained like every other. Exit 2 when there is no log to read.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from debrief.audit import ChainReport
from debrief.audit_search import record_verification
from storage.audit_chain import check_chain
from storage.database import DEFAULT_DATABASE_URL, create_engine, normalise_url
from storage.uow import SqlUnitOfWork


def database_url(env: Mapping[str, str]) -> str:
    """As bot.settings reads it."""
    return env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


def describe(report: ChainReport) -> str:
    if report.broken is None:
        return f"Audit log intact: {report.records} records; head {report.head[:12]}"
    when = report.broken.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"Audit log broken at record {report.broken.record_id} ({when}): {report.broken.description}"


async def verify(url: str, *, now: datetime | None = None) -> ChainReport:
    """Check the chain, then log that it was checked."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            report = await connection.run_sync(check_chain)
        await record_verification(uow=SqlUnitOfWork(engine), now=now or datetime.now(UTC), report=report)
        return report
    finally:
        await engine.dispose()


def main(env: Mapping[str, str] | None = None) -> int:
    url = database_url(os.environ if env is None else env)
    try:
        parsed = make_url(normalise_url(url))
        if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).is_file()):
            print(f"No database at {parsed.database}: set DATABASE_URL to the app's database.", file=sys.stderr)
            return 2
        report = asyncio.run(verify(url))
    except (SQLAlchemyError, OSError) as error:  # a malformed URL, no audit log there, or no database server
        print(f"Could not read the audit log: {type(error).__name__}. Check DATABASE_URL.", file=sys.stderr)
        return 2
    print(describe(report))
    return 0 if report.broken is None else 1


if __name__ == "__main__":
    sys.exit(main())
