"""The audit log's hash chain in the database: appending records onto its head, and reading it back to verify it.

Chain writers are serialised, so no two transactions ever chain onto the same head (a fork):
- PostgreSQL: a transaction-scoped advisory lock, taken before the rows are inserted (so ids follow the chain's
  order) and held until the transaction ends;
- SQLite: the database's single write lock, which the insert takes (the transaction's first write at the latest)
  and holds until commit, so the head read after it can never come from a stale snapshot.
The rows go in with an empty (pending) hash; then the head below them is read and their hashes filled in, in id
order, from what was stored, so each hash covers exactly what a verifier will read back. The triggers of migration
0009 allow that one update (pending to a hash, nothing else changed) and no other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from debrief.audit import GENESIS, AuditCategory, AuditOutcome, AuditRecord, ChainReport, StoredRecord, chain_hash
from debrief.audit import check_chain as _check_chain
from storage import tables as t

PENDING = ""
"""The chain hash of a row inserted by a transaction that has not filled it in yet; never committed."""
BATCH = 1000
"""Rows read per query while verifying: memory stays bounded however long the log is."""
# Any constant, different from storage.database's migration lock: the key of the chain writers' advisory lock.
_CHAIN_LOCK = 4_711_2062

_log = t.audit_log.c
COLUMNS = (
    _log.id,
    _log.at,
    _log.actor_id,
    _log.actor_name,
    _log.action,
    _log.category,
    _log.outcome,
    _log.case_id,
    _log.justification,
    _log.recipients,
    _log.chain_hash,
)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_INSERT = insert(t.audit_log)
_HEAD_ID = select(_log.id).where(_log.chain_hash != PENDING).order_by(_log.id.desc()).limit(1).scalar_subquery()
_TAIL = select(*COLUMNS).where(_log.id >= func.coalesce(_HEAD_ID, 0)).order_by(_log.id)
"""The head (the newest chained row), then the pending rows after it: this transaction's."""
_FILL = (
    update(t.audit_log)
    .where(_log.id == bindparam("row_id"), _log.chain_hash == PENDING)
    .values(chain_hash=bindparam("hash"))
)

E = TypeVar("E", bound=StrEnum)


async def append(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert audit rows (without chain_hash) and chain them onto the log's head, inside the caller's transaction."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        await connection.execute(_LOCK, {"key": _CHAIN_LOCK})
    pending = [{**row, "chain_hash": PENDING} for row in rows]
    await connection.execute(_INSERT, pending[0] if len(pending) == 1 else pending)
    tail = (await connection.execute(_TAIL)).all()
    previous = GENESIS
    fills: list[dict[str, Any]] = []
    for position, row in enumerate(tail):
        if row.chain_hash != PENDING:
            if position > 0:
                raise RuntimeError("the audit chain moved on while this transaction held its lock; nothing is saved")
            previous = row.chain_hash
            continue
        previous = chain_hash(previous, record_from_row(row))
        fills.append({"row_id": row.id, "hash": previous})
    if len(fills) != len(rows):
        raise RuntimeError("unchained audit rows from another transaction are visible; nothing is saved")
    await connection.execute(_FILL, fills[0] if len(fills) == 1 else fills)


def record_from_row(row: Any) -> AuditRecord:
    """The record as stored. A category or outcome edited into something unknown is kept as it is, so the chain
    check reports the edit rather than failing to read it."""
    recipients = row.recipients
    return AuditRecord(
        at=row.at,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        action=row.action,
        category=_member(AuditCategory, row.category),
        outcome=_member(AuditOutcome, row.outcome),
        case_id=row.case_id,
        justification=row.justification,
        recipients=tuple(recipients) if isinstance(recipients, list) else recipients,
    )


def _member(enum: type[E], value: str) -> E:
    try:
        return enum(value)
    except ValueError:
        return cast(E, value)


def stored_records(connection: Connection, *, batch: int = BATCH) -> Iterator[StoredRecord]:
    """Every record in id order with its stored hash, read `batch` rows at a time (keyset paging on the id)."""
    after: int | None = None
    while True:
        query = select(*COLUMNS).order_by(_log.id).limit(batch)
        if after is not None:
            query = query.where(_log.id > after)
        page = connection.execute(query).all()
        for row in page:
            yield row.id, record_from_row(row), row.chain_hash
        if len(page) < batch:
            return
        after = page[-1].id


def check_chain(connection: Connection, *, batch: int = BATCH) -> ChainReport:
    """Verify the whole log on a (sync) connection: `await async_connection.run_sync(check_chain)`."""
    return _check_chain(stored_records(connection, batch=batch))
