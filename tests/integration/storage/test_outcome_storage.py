"""The debrief's outcome in storage, on SQLite and PostgreSQL: learning points, recommendations and actions, the
version every change counts up, the SIO's sign-off of a version, and circulation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief import nominations
from debrief.errors import ConcurrentChange
from debrief.learning import (
    Action,
    ActionStatus,
    LearningKind,
    LearningPoint,
    Outcome,
    Priority,
    Recommendation,
    Route,
    SignOff,
    SignOffState,
)
from debrief.model import LONDON, NominationRules
from debrief.permissions import Role
from storage import tables as t
from storage.database import _alembic_config, migrate
from storage.uow import SqlUnitOfWork
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN, OWEN, PRIYA, RUTH, TOM, actor

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
SIOS = DIRECTORY.people_with(Role.SIO)


async def nominate(engine: AsyncEngine, reference: str = "CR/100200/26") -> int:
    case = await nominations.nominate(
        uow=SqlUnitOfWork(engine),
        actor=actor(JORDAN),
        form=nomination_form(incidentReference=reference),
        now=NOW,
        rules=NominationRules(),
        sios=SIOS,
    )
    assert case.id is not None
    return case.id


def learning_point(case_id: int, **fields: Any) -> LearningPoint:
    recorded: dict[str, Any] = {
        "theme": "Risk assessment and grading",
        "kind": LearningKind.GAP,
        "text": "The DASH grading did not weigh the escalation reported in the month before.",
        "recorded_by": OWEN,
        "recorded_at": NOW,
    }
    return LearningPoint(case_id=case_id, **{**recorded, **fields})


def recommendation(case_id: int, **fields: Any) -> Recommendation:
    recorded: dict[str, Any] = {
        "text": "Supervisors review every medium-graded DASH with a prior call-out in the last 28 days.",
        "route": Route.IN_FORCE,
        "recorded_by": OWEN,
        "recorded_at": NOW,
    }
    return Recommendation(case_id=case_id, **{**recorded, **fields})


def action(case_id: int, **fields: Any) -> Action:
    created: dict[str, Any] = {
        "description": "Add a repeat-incident prompt to the DASH supervision checklist.",
        "owner": TOM,
        "due": date(2027, 1, 29),
        "priority": Priority.HIGH,
        "theme": "Recording and supervision",
        "route": Route.IN_FORCE,
        "created_by": OWEN,
        "created_at": NOW,
    }
    return Action(case_id=case_id, **{**created, **fields})


def requested(version: int, **fields: Any) -> SignOff:
    asked: dict[str, Any] = {
        "state": SignOffState.REQUESTED,
        "requested_by": OWEN,
        "requested_at": NOW + timedelta(hours=1),
    }
    return SignOff(outcome_version=version, **{**asked, **fields})


def approved(version: int) -> SignOff:
    return replace(
        requested(version), state=SignOffState.APPROVED, answered_by=RUTH, answered_at=NOW + timedelta(hours=3)
    )


async def get(engine: AsyncEngine, case_id: int) -> Outcome:
    async with SqlUnitOfWork(engine) as uow:
        return await uow.outcomes.get(case_id)


async def advance(engine: AsyncEngine, case_id: int, from_version: int) -> int:
    async with SqlUnitOfWork(engine) as uow:
        version = await uow.outcomes.advance(case_id, from_version=from_version)
        await uow.commit()
    return version


async def ask(engine: AsyncEngine, case_id: int, sign_off: SignOff) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.outcomes.add_sign_off(case_id, sign_off)
        await uow.commit()


async def answer(engine: AsyncEngine, case_id: int, sign_off: SignOff) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.outcomes.answer_sign_off(case_id, sign_off)
        await uow.commit()


async def one_wins(first: Awaitable[Any], second: Awaitable[Any]) -> bool:
    """Run two writers at once; exactly one must win. True if the first did."""
    outcomes = await asyncio.gather(first, second, return_exceptions=True)
    assert sorted(isinstance(o, ConcurrentChange) for o in outcomes) == [False, True], outcomes
    assert not any(isinstance(o, BaseException) and not isinstance(o, ConcurrentChange) for o in outcomes)
    return not isinstance(outcomes[0], ConcurrentChange)


def utc(moment: datetime | None) -> bool:
    return moment is not None and moment.utcoffset() == timedelta(0)


async def test_an_outcome_never_changed_is_empty_at_version_0(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    outcome = await get(engine, case_id)
    assert outcome == Outcome()
    assert outcome.version == 0 and outcome.sign_off is None and outcome.circulated_at is None and outcome.empty
    async with engine.connect() as connection:
        assert (await connection.execute(select(t.case_outcomes))).all() == []


async def test_learning_recommendations_and_actions_round_trip_with_every_field(engine: AsyncEngine) -> None:
    case_id, other = await nominate(engine), await nominate(engine, "CR/100201/26")
    gap = learning_point(case_id, recorded_at=NOW.astimezone(LONDON))
    good = learning_point(
        case_id,
        theme="Good practice",
        kind=LearningKind.GOOD_PRACTICE,
        text="The call handler's safeguarding referral was made within the hour.",
        recorded_by=PRIYA,
        recorded_at=NOW + timedelta(minutes=5),
        version=3,
    )
    in_force = recommendation(case_id, recorded_at=NOW.astimezone(LONDON))
    partnership = recommendation(
        case_id,
        text="The MARAC chair asks partners to share prior contacts before each meeting.",
        route=Route.PARTNERSHIP,
        recorded_by=PRIYA,
        version=2,
    )
    high = action(case_id, created_at=NOW.astimezone(LONDON))
    low = action(
        case_id,
        description="Brief response teams on recording repeat calls to the same address.",
        owner=PRIYA,
        due=date(2027, 3, 1),
        priority=Priority.LOW,
        theme="Training",
        route=Route.PARTNERSHIP,
        created_by=PRIYA,
        status=ActionStatus.BLOCKED,
        version=4,
    )
    elsewhere = learning_point(other)
    async with SqlUnitOfWork(engine) as uow:
        for point in (gap, good, elsewhere):
            assert await uow.outcomes.add_learning_point(point) is point
        for recommended in (in_force, partnership):
            assert await uow.outcomes.add_recommendation(recommended) is recommended
        for planned in (high, low):
            assert await uow.outcomes.add_action(planned) is planned
        assert await uow.outcomes.advance(case_id, from_version=0) == 1
        assert await uow.outcomes.advance(other, from_version=0) == 1
        await uow.commit()

    assert all(item.id is not None for item in (gap, good, elsewhere, in_force, partnership, high, low))
    assert gap.version == 1 and high.status is ActionStatus.NOT_STARTED
    outcome = await get(engine, case_id)
    # In the order they were added.
    assert outcome.learning == (gap, good)
    assert outcome.recommendations == (in_force, partnership)
    assert outcome.actions == (high, low)
    assert outcome.version == 1 and outcome.sign_off is None and outcome.circulated_at is None
    assert all(utc(p.recorded_at) for p in (*outcome.learning, *outcome.recommendations))
    assert all(utc(a.created_at) and isinstance(a.due, date) for a in outcome.actions)
    assert await get(engine, other) == Outcome(learning=(elsewhere,), version=1)


async def test_a_removed_item_is_kept_but_no_longer_shown(engine: AsyncEngine) -> None:
    case_id, other = await nominate(engine), await nominate(engine, "CR/100201/26")
    kept, dropped = learning_point(case_id), learning_point(case_id, text="A second learning point, later dropped.")
    recommended, planned = recommendation(case_id), action(case_id)
    async with SqlUnitOfWork(engine) as uow:
        for point in (kept, dropped):
            await uow.outcomes.add_learning_point(point)
        await uow.outcomes.add_recommendation(recommended)
        await uow.outcomes.add_action(planned)
        await uow.outcomes.advance(case_id, from_version=0)
        await uow.commit()
    assert dropped.id is not None and recommended.id is not None and planned.id is not None

    removed_at = NOW + timedelta(hours=2)
    async with SqlUnitOfWork(engine) as uow:
        # Not an item of this case, or no such item: nothing is removed.
        assert not await uow.outcomes.remove(other, "learning", dropped.id, by=OWEN, at=removed_at)
        assert not await uow.outcomes.remove(case_id, "learning", 9999, by=OWEN, at=removed_at)
        # The kind says which item: the case has no action with the learning point's id.
        assert not await uow.outcomes.remove(case_id, "action", dropped.id, by=OWEN, at=removed_at)
        assert await uow.outcomes.remove(case_id, "learning", dropped.id, by=OWEN, at=removed_at)
        assert await uow.outcomes.remove(case_id, "recommendation", recommended.id, by=PRIYA, at=removed_at)
        assert await uow.outcomes.remove(case_id, "action", planned.id, by=OWEN, at=removed_at.astimezone(LONDON))
        with pytest.raises(ValueError, match="theme"):
            await uow.outcomes.remove(case_id, "theme", dropped.id, by=OWEN, at=removed_at)
        await uow.outcomes.advance(case_id, from_version=1)
        await uow.commit()

    outcome = await get(engine, case_id)
    assert outcome.learning == (kept,) and outcome.recommendations == () and outcome.actions == ()
    assert outcome.version == 2
    async with SqlUnitOfWork(engine) as uow:
        assert not await uow.outcomes.remove(case_id, "learning", dropped.id, by=PRIYA, at=removed_at)

    # The rows are kept, with who removed them and when (the first removal, not overwritten).
    async with engine.connect() as connection:
        for table, item_id, by in (
            (t.learning_points, dropped.id, OWEN),
            (t.recommendations, recommended.id, PRIYA),
            (t.actions, planned.id, OWEN),
        ):
            c = table.c
            row = (
                await connection.execute(
                    select(c.removed_at, c.removed_by_id, c.removed_by_name).where(c.id == item_id)
                )
            ).one()
            assert tuple(row) == (removed_at, by.user_id, by.name)
        current = (
            await connection.execute(select(t.learning_points.c.removed_at).where(t.learning_points.c.id == kept.id))
        ).scalar_one()
        assert current is None


async def test_every_change_counts_the_version_up(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    assert await advance(engine, case_id, 0) == 1
    assert await advance(engine, case_id, 1) == 2
    assert await advance(engine, case_id, 2) == 3
    assert (await get(engine, case_id)).version == 3

    # A change counted from a version read before the others is refused, and so is a second first change.
    for stale in (0, 1, 2, 4):
        with pytest.raises(ConcurrentChange):
            await advance(engine, case_id, stale)
    assert (await get(engine, case_id)).version == 3


async def test_two_changes_from_the_same_version_cannot_both_win(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    assert await advance(engine, case_id, 0) == 1

    async def add(point: LearningPoint) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await uow.outcomes.add_learning_point(point)
            await uow.outcomes.advance(case_id, from_version=1)
            await uow.commit()

    by_owen = learning_point(case_id, text="Owen's learning point about the grading.")
    by_priya = learning_point(case_id, text="Priya's learning point about the grading.", recorded_by=PRIYA)
    owen_won = await one_wins(add(by_owen), add(by_priya))

    # The loser's item went with its transaction.
    outcome = await get(engine, case_id)
    assert outcome.version == 2
    assert [p.text for p in outcome.learning] == [(by_owen if owen_won else by_priya).text]


async def test_two_first_changes_of_a_case_cannot_both_win(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)

    async def add(planned: Action) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await uow.outcomes.add_action(planned)
            await uow.outcomes.advance(case_id, from_version=0)
            await uow.commit()

    by_owen, by_priya = action(case_id), action(case_id, created_by=PRIYA, priority=Priority.MEDIUM)
    owen_won = await one_wins(add(by_owen), add(by_priya))

    outcome = await get(engine, case_id)
    assert outcome.version == 1
    assert [a.created_by for a in outcome.actions] == [OWEN if owen_won else PRIYA]


async def test_the_sio_is_asked_once_about_each_version(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    await advance(engine, case_id, 0)
    first = requested(1, requested_at=(NOW + timedelta(hours=1)).astimezone(LONDON))
    await ask(engine, case_id, first)
    assert (await get(engine, case_id)).sign_off == first
    outcome = await get(engine, case_id)
    assert outcome.awaiting_sign_off and not outcome.approved
    assert outcome.sign_off is not None and utc(outcome.sign_off.requested_at)

    with pytest.raises(ConcurrentChange):
        await ask(engine, case_id, replace(first, requested_by=PRIYA))
    assert (await get(engine, case_id)).sign_off == first

    # Two requests about the next version at once: one is kept.
    await advance(engine, case_id, 1)
    by_owen, by_priya = requested(2), requested(2, requested_by=PRIYA)
    owen_won = await one_wins(ask(engine, case_id, by_owen), ask(engine, case_id, by_priya))
    assert (await get(engine, case_id)).sign_off == (by_owen if owen_won else by_priya)


async def test_a_request_for_sign_off_is_answered_once(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    await advance(engine, case_id, 0)
    await ask(engine, case_id, requested(1))

    # The answer is written over the request; who asked and when stay as they were.
    answered = replace(approved(1), requested_by=PRIYA, requested_at=NOW)
    await answer(engine, case_id, answered)
    outcome = await get(engine, case_id)
    assert outcome.sign_off == approved(1) and outcome.approved and not outcome.awaiting_sign_off
    assert outcome.sign_off is not None and utc(outcome.sign_off.answered_at)

    changes = replace(
        requested(1),
        state=SignOffState.CHANGES_REQUESTED,
        answered_by=RUTH,
        answered_at=NOW + timedelta(hours=4),
        comment="Say which supervision checklist the second action changes.",
    )
    with pytest.raises(ConcurrentChange):
        await answer(engine, case_id, changes)
    # A version never asked about cannot be answered.
    with pytest.raises(ConcurrentChange):
        await answer(engine, case_id, replace(changes, outcome_version=2))
    assert (await get(engine, case_id)).sign_off == approved(1)

    # Two answers at once: one is kept, with its comment.
    await advance(engine, case_id, 1)
    await ask(engine, case_id, requested(2))
    approving, changing = approved(2), replace(changes, outcome_version=2)
    approval_won = await one_wins(answer(engine, case_id, approving), answer(engine, case_id, changing))
    assert (await get(engine, case_id)).sign_off == (approving if approval_won else changing)


async def test_the_latest_sign_off_is_the_one_returned(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    await advance(engine, case_id, 0)
    await ask(engine, case_id, requested(1))
    changes = replace(
        requested(1),
        state=SignOffState.CHANGES_REQUESTED,
        answered_by=RUTH,
        answered_at=NOW + timedelta(hours=2),
        comment="Give the actions on training a partnership route.",
    )
    await answer(engine, case_id, changes)
    assert (await get(engine, case_id)).sign_off == changes

    await advance(engine, case_id, 1)
    await advance(engine, case_id, 2)
    second = requested(3, requested_at=NOW + timedelta(days=1))
    await ask(engine, case_id, second)
    outcome = await get(engine, case_id)
    assert outcome.sign_off == second and outcome.awaiting_sign_off

    # A change after approval: the approval is kept for its version, and no longer approves the outcome.
    await answer(engine, case_id, replace(approved(3), requested_at=second.requested_at))
    assert (await get(engine, case_id)).approved
    await advance(engine, case_id, 3)
    outcome = await get(engine, case_id)
    assert outcome.sign_off is not None and outcome.sign_off.outcome_version == 3
    assert outcome.version == 4 and not outcome.approved

    # The earlier answers are kept as they were given.
    c = t.outcome_sign_offs.c
    async with engine.connect() as connection:
        rows = (
            await connection.execute(select(c.outcome_version, c.state, c.comment).order_by(c.outcome_version))
        ).all()
    assert [tuple(row) for row in rows] == [(1, "changes_requested", changes.comment), (3, "approved", None)]


async def test_circulation_is_recorded(engine: AsyncEngine) -> None:
    case_id, never_changed = await nominate(engine), await nominate(engine, "CR/100201/26")
    async with SqlUnitOfWork(engine) as uow:
        await uow.outcomes.add_action(action(case_id))
        await uow.outcomes.advance(case_id, from_version=0)
        await uow.commit()
    await ask(engine, case_id, requested(1))
    await answer(engine, case_id, approved(1))

    circulated_at = (NOW + timedelta(hours=5)).astimezone(LONDON)
    async with SqlUnitOfWork(engine) as uow:
        await uow.outcomes.mark_circulated(case_id, circulated_at)
        await uow.outcomes.mark_circulated(never_changed, circulated_at)
        await uow.commit()
    outcome = await get(engine, case_id)
    assert outcome.circulated_at == circulated_at and utc(outcome.circulated_at)
    assert outcome.version == 1 and outcome.approved and len(outcome.actions) == 1
    assert await get(engine, never_changed) == Outcome(circulated_at=circulated_at)

    # Circulating did not move the version: the next change still counts from it, the first change from 0.
    assert await advance(engine, case_id, 1) == 2
    assert await advance(engine, never_changed, 0) == 1
    assert (await get(engine, never_changed)).circulated_at == circulated_at


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_the_outcome_migration_can_be_undone(engine: AsyncEngine) -> None:
    from alembic import command

    new = {"case_outcomes", "learning_points", "recommendations", "actions", "outcome_sign_offs"}
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0006"))
        assert not new & await connection.run_sync(_tables)
        assert "meetings" in await connection.run_sync(_tables)
    await migrate(engine)
    async with engine.connect() as connection:
        assert new <= await connection.run_sync(_tables)
