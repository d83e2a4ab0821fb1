"""A message turn answered early (its reply waits for a slow Bot Connector) is acknowledged only once what it
asked for is committed: the unit of work tells the edge, through the turn's context."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapter import _committed_or_finished
from storage.turn_writes import CURRENT_TURN, TurnWrites
from storage.uow import SqlUnitOfWork


async def test_an_open_unit_of_work_holds_the_acknowledgement_until_it_closes(engine: AsyncEngine) -> None:
    writes = TurnWrites()
    in_transaction = asyncio.Event()
    release = asyncio.Event()

    async def turn() -> None:
        async with SqlUnitOfWork(engine):
            in_transaction.set()
            await release.wait()  # a slow commit
        await asyncio.sleep(3600)  # then a reply that waits for the connector

    token = CURRENT_TURN.set(writes)
    try:
        running = asyncio.ensure_future(turn())
    finally:
        CURRENT_TURN.reset(token)
    await in_transaction.wait()
    acknowledgement = asyncio.ensure_future(_committed_or_finished(writes, running))
    await asyncio.sleep(0.2)
    assert not acknowledgement.done(), "acknowledged while the change was not yet committed"
    release.set()
    assert await asyncio.wait_for(acknowledgement, 5) is True
    running.cancel()


async def test_a_turn_with_nothing_uncommitted_may_be_acknowledged_at_once() -> None:
    writes = TurnWrites()
    waiting_for_the_connector = asyncio.ensure_future(asyncio.sleep(3600))
    assert await asyncio.wait_for(_committed_or_finished(writes, waiting_for_the_connector), 1) is True
    waiting_for_the_connector.cancel()


async def test_units_of_work_outside_a_turn_count_for_nothing(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine) as uow:
        assert uow._turn is None
