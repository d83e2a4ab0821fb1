"""Reading a case: every read of case content is authorised and logged as a consultation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from debrief.errors import NotFound
from debrief.model import Case
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork


async def existing(uow: UnitOfWork, case_id: int) -> Case:
    """The case, inside the caller's unit of work; a case that no longer exists is said so plainly."""
    case = await uow.cases.get(case_id)
    if case is None:
        raise NotFound("That case no longer exists.")
    return case


async def get(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> Case:
    """Read a case for someone allowed to see it; the read is logged as a consultation."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.READ_CASE, case, now=now)
        await uow.commit()
        return case


T = TypeVar("T")


async def get_with(
    *, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime, read: Callable[[UnitOfWork], Awaitable[T]]
) -> tuple[Case, T]:
    """Read a case and something of it (its parameters, consent, contributors) as one audited consultation."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.READ_CASE, case, now=now)
        found = await read(uow)
        await uow.commit()
        return case, found
