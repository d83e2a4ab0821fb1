"""Claiming and settling outbox rows. Claims are leases, so a crashed instance's rows come back by themselves.

On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED, so several instances share the outbox without
sending a row twice; SQLite (one instance) serialises writers and ignores the clause. Settling a row is
conditional on still holding its claim, so an instance whose lease ran out cannot overwrite another's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief.messages import Audience, MessageKind, OutboundMessage
from storage import tables as t

PENDING, SENT, FAILED = "pending", "sent", "failed"
BLOCKED_BY_RECIPIENT = "blocked by the recipient"
"""How a row's error starts when Teams refused it because the person blocked or removed the bot."""


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
                subject_id=row.subject_id,
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


async def mark_blocked(
    engine: AsyncEngine,
    *,
    message_id: int,
    instance: str,
    attempts: int,
    error: str,
    now: datetime,
    notice: OutboundMessage | None,
) -> bool:
    """Final: the recipient has blocked the bot. The row is marked failed with an error saying so and, in the same
    transaction, `notice` (telling someone) is queued. False, and nothing queued, if the claim was lost meanwhile."""
    c = t.outbox.c
    async with engine.begin() as connection:
        settled = await connection.execute(
            update(t.outbox)
            .where(and_(c.id == message_id, c.claimed_by == instance))
            .values(
                status=FAILED,
                attempts=attempts,
                last_error=f"{BLOCKED_BY_RECIPIENT}: {error}"[:500],
                claimed_until=None,
            )
        )
        if settled.rowcount != 1:
            return False
        if notice is not None:
            await connection.execute(
                insert(t.outbox).values(
                    created_at=now,
                    kind=notice.kind.value,
                    case_id=notice.case_id,
                    audience=notice.audience.value,
                    person_id=notice.person_id,
                    subject_id=notice.subject_id,
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                )
            )
    return True


async def blocked_message(engine: AsyncEngine, *, case_id: int, person_id: str, before_id: int) -> MessageKind | None:
    """The kind of the newest one-to-one message to `person_id` about the case, queued before row `before_id`,
    that failed because they had blocked the bot (what a DELIVERY_BLOCKED notice reports)."""
    c = t.outbox.c
    async with engine.connect() as connection:
        kind = (
            await connection.execute(
                select(c.kind)
                .where(
                    c.case_id == case_id,
                    c.person_id == person_id,
                    c.audience == Audience.PERSON.value,
                    c.status == FAILED,
                    c.last_error.startswith(BLOCKED_BY_RECIPIENT, autoescape=True),
                    c.id < before_id,
                )
                .order_by(c.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
    try:
        return MessageKind(kind) if kind is not None else None
    except ValueError:
        return None


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


async def pending_summary(engine: AsyncEngine) -> tuple[int, datetime | None]:
    """How many messages wait, and when the oldest of them was queued (None when none waits): one query, which
    the index on (status, next_attempt_at) narrows to the pending rows, few beside the sent ones."""
    c = t.outbox.c
    async with engine.connect() as connection:
        row = (await connection.execute(select(func.count(), func.min(c.created_at)).where(c.status == PENDING))).one()
    return int(row[0]), row[1]
