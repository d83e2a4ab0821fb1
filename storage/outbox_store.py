"""Claiming and settling outbox rows. Claims are leases, so a crashed instance's rows come back by themselves.

On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED, so several instances share the outbox without
sending a row twice; SQLite (one instance) serialises writers and ignores the clause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief.messages import Audience, MessageKind, OutboundMessage
from storage import tables as t

PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    message: OutboundMessage
    attempts: int


async def claim_due(
    engine: AsyncEngine, *, instance: str, now: datetime, lease: timedelta, limit: int = 20
) -> list[ClaimedMessage]:
    c = t.outbox.c
    async with engine.begin() as connection:
        due = (
            select(c.id)
            .where(
                c.status == PENDING,
                c.next_attempt_at <= now,
                or_(c.claimed_until.is_(None), c.claimed_until < now),
            )
            .order_by(c.next_attempt_at, c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await connection.execute(due)).scalars())
        if not ids:
            return []
        await connection.execute(
            update(t.outbox).where(c.id.in_(ids)).values(claimed_by=instance, claimed_until=now + lease)
        )
        rows = (await connection.execute(select(t.outbox).where(c.id.in_(ids)).order_by(c.id))).all()
    return [
        ClaimedMessage(
            id=row.id,
            attempts=row.attempts,
            message=OutboundMessage(
                kind=MessageKind(row.kind),
                case_id=row.case_id,
                audience=Audience(row.audience),
                person_id=row.person_id,
            ),
        )
        for row in rows
    ]


async def mark_sent(engine: AsyncEngine, *, message_id: int, instance: str, now: datetime) -> None:
    await _settle(engine, message_id, instance, status=SENT, sent_at=now, claimed_until=None)


async def retry_later(
    engine: AsyncEngine, *, message_id: int, instance: str, at: datetime, attempts: int, error: str
) -> None:
    await _settle(
        engine, message_id, instance, next_attempt_at=at, attempts=attempts, last_error=error[:500], claimed_until=None
    )


async def mark_failed(engine: AsyncEngine, *, message_id: int, instance: str, attempts: int, error: str) -> None:
    await _settle(
        engine, message_id, instance, status=FAILED, attempts=attempts, last_error=error[:500], claimed_until=None
    )


async def _settle(engine: AsyncEngine, message_id: int, instance: str, **values: object) -> None:
    c = t.outbox.c
    async with engine.begin() as connection:
        await connection.execute(
            update(t.outbox).where(and_(c.id == message_id, c.claimed_by == instance)).values(**values)
        )


async def depth(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (
                await connection.execute(select(func.count()).select_from(t.outbox).where(t.outbox.c.status == PENDING))
            ).scalar_one()
        )
