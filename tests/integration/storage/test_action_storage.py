"""Actions after circulation in storage, on SQLite and PostgreSQL: status changes against the version read, and one
waiting request per action, decided once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief.actions import ActionRequest, RequestKind, RequestState
from debrief.errors import ConcurrentChange
from debrief.learning import Action, ActionStatus
from storage.uow import SqlUnitOfWork
from tests.integration.storage.test_outcome_storage import NOW, action, nominate
from tests.support.people import TOM


async def an_action(engine: AsyncEngine) -> Action:
    case_id = await nominate(engine)
    async with SqlUnitOfWork(engine) as uow:
        made = await uow.outcomes.add_action(action(case_id))
        await uow.commit()
    return made


async def test_a_status_change_is_kept_with_its_note_and_who_made_it(engine: AsyncEngine) -> None:
    made = await an_action(engine)
    assert made.id is not None
    done = replace(
        made,
        status=ActionStatus.COMPLETE,
        status_note="Checklist v2 issued to every supervisor on 3 February.",
        status_changed_by=TOM,
        status_changed_at=NOW + timedelta(days=3),
        version=made.version + 1,
    )
    async with SqlUnitOfWork(engine) as uow:
        await uow.actions.save(done)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.actions.get(made.id) == done


async def test_two_changes_from_the_same_version_cannot_both_win(engine: AsyncEngine) -> None:
    made = await an_action(engine)

    async def change(status: ActionStatus) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await uow.actions.save(replace(made, status=status, version=made.version + 1))
            await uow.commit()

    outcomes = await asyncio.gather(
        change(ActionStatus.IN_PROGRESS), change(ActionStatus.BLOCKED), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrentChange", "NoneType"]


async def test_one_request_waits_per_action_and_it_is_decided_once(engine: AsyncEngine) -> None:
    made = await an_action(engine)
    assert made.id is not None
    asked = ActionRequest(
        action_id=made.id,
        kind=RequestKind.DUE_DATE,
        reason="The training team can only run the sessions in the new year.",
        requested_by=TOM,
        requested_at=NOW,
        new_due=made.due + timedelta(days=28),
    )
    async with SqlUnitOfWork(engine) as uow:
        stored = await uow.actions.add_request(asked)
        await uow.commit()
    with pytest.raises(ConcurrentChange):
        async with SqlUnitOfWork(engine) as uow:
            await uow.actions.add_request(asked)
    decided = replace(stored, state=RequestState.APPROVED, decided_by=TOM, decided_at=NOW)
    async with SqlUnitOfWork(engine) as uow:
        await uow.actions.save_request(decided)
        await uow.commit()
    with pytest.raises(ConcurrentChange):
        async with SqlUnitOfWork(engine) as uow:
            await uow.actions.save_request(replace(decided, state=RequestState.REFUSED))
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.actions.requests(made.id) == [decided]
        another = await uow.actions.add_request(replace(asked, kind=RequestKind.NOT_DOING))  # the first was decided
        await uow.commit()
    assert another.id is not None and another.state is RequestState.PENDING
