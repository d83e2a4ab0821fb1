"""Where the bot can reach people: conversation references (refreshed from every activity) and case threads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import tables as t


@dataclass(frozen=True)
class ConversationAddress:
    service_url: str
    conversation_id: str
    tenant_id: str
    reference: dict[str, Any]


@dataclass(frozen=True)
class CaseThread:
    service_url: str
    conversation_id: str
    activity_id: str


def _upsert(connection: AsyncConnection, table: Any) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


async def remember_conversation(
    engine: AsyncEngine,
    *,
    service_url: str,
    conversation_id: str,
    tenant_id: str,
    conversation_type: str,
    user_id: str | None,
    reference: dict[str, Any],
    now: datetime,
) -> None:
    """Keyed by service URL and conversation id: the same ids can live behind different service URLs."""
    async with engine.begin() as connection:
        statement = _upsert(connection, t.conversation_references).values(
            service_url=service_url,
            conversation_id=conversation_id,
            tenant_id=tenant_id,
            conversation_type=conversation_type,
            user_id=user_id,
            reference=reference,
            updated_at=now,
        )
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=["service_url", "conversation_id"],
                set_={
                    "tenant_id": statement.excluded.tenant_id,
                    "user_id": statement.excluded.user_id,
                    "reference": statement.excluded.reference,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )


async def personal_conversation(engine: AsyncEngine, user_id: str) -> ConversationAddress | None:
    """The newest one-to-one chat between the bot and this person."""
    c = t.conversation_references.c
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(t.conversation_references)
                .where(c.user_id == user_id, c.conversation_type == "personal")
                .order_by(c.updated_at.desc())
                .limit(1)
            )
        ).first()
    if row is None:
        return None
    return ConversationAddress(row.service_url, row.conversation_id, row.tenant_id, row.reference)


async def latest_service_url(engine: AsyncEngine, tenant_id: str) -> str | None:
    """Where the tenant was last heard from; used to start new channel threads."""
    c = t.conversation_references.c
    async with engine.connect() as connection:
        return (
            await connection.execute(
                select(c.service_url).where(c.tenant_id == tenant_id).order_by(c.updated_at.desc()).limit(1)
            )
        ).scalar_one_or_none()


async def save_case_thread(engine: AsyncEngine, *, case_id: int, purpose: str, thread: CaseThread) -> None:
    async with engine.begin() as connection:
        statement = _upsert(connection, t.case_threads).values(
            case_id=case_id,
            purpose=purpose,
            service_url=thread.service_url,
            conversation_id=thread.conversation_id,
            activity_id=thread.activity_id,
        )
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=["case_id", "purpose"],
                set_={
                    "service_url": statement.excluded.service_url,
                    "conversation_id": statement.excluded.conversation_id,
                    "activity_id": statement.excluded.activity_id,
                },
            )
        )


async def case_of_thread(engine: AsyncEngine, *, conversation_id: str, purpose: str) -> int | None:
    """The case whose thread this is (a message posted in a case thread names no case itself)."""
    c = t.case_threads.c
    async with engine.connect() as connection:
        found = await connection.execute(
            select(c.case_id).where(c.conversation_id == conversation_id, c.purpose == purpose).limit(1)
        )
        return found.scalar_one_or_none()


async def case_thread(engine: AsyncEngine, *, case_id: int, purpose: str) -> CaseThread | None:
    c = t.case_threads.c
    async with engine.connect() as connection:
        row = (
            await connection.execute(select(t.case_threads).where(c.case_id == case_id, c.purpose == purpose))
        ).first()
    return CaseThread(row.service_url, row.conversation_id, row.activity_id) if row else None
