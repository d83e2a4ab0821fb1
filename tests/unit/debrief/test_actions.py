"""Actions owned and done: the owner moves them on, evidence closes them, the working group decides the rest."""

from __future__ import annotations

from datetime import date

import pytest

from debrief import actions, outcomes
from debrief.actions import RequestKind, RequestState, StatusChange
from debrief.errors import Forbidden, InvalidInput
from debrief.learning import ActionStatus
from debrief.messages import Audience, MessageKind
from debrief.model import Person
from debrief.permissions import Actor, Role
from tests.support.people import OWEN, PRIYA, RUTH, TENANT, TOM, actor
from tests.unit.debrief.test_outcomes import AFTER, add_action, met
from tests.unit.fakes import FakeUnitOfWork

DANA = Person("00000000-0000-4000-8000-0000000000d1", "Supt Dana Reeve")  # rapid debrief working group


def working_group() -> Actor:
    return Actor(TENANT, DANA.user_id, DANA.name, frozenset({Role.WORKING_GROUP, Role.OFFICER}))


async def circulated(uow: FakeUnitOfWork) -> int:
    """A case whose outcome, with one action owned by Tom, the SIO has approved: returns the action's id."""
    case_id = await met(uow)
    found = await add_action(uow, case_id)
    await outcomes.request_sign_off(uow=uow, actor=actor(OWEN), case_id=case_id, now=AFTER)
    await outcomes.answer_sign_off(uow=uow, actor=actor(RUTH), case_id=case_id, approve=True, comment=None, now=AFTER)
    [made] = found.outcome.actions
    assert made.id is not None
    return made.id


async def update(uow: FakeUnitOfWork, action_id: int, change: StatusChange, note: str | None = None, who=TOM):  # type: ignore[no-untyped-def]
    return await actions.update_status(
        uow=uow, actor=actor(who), action_id=action_id, change=change, note=note, now=AFTER
    )


async def test_circulation_sends_each_action_to_its_owner_and_to_the_actions_thread() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    sent = [(m.kind, m.audience, m.person_id, m.subject_id) for m in uow.committed_messages]
    assert (MessageKind.ACTION_CARD, Audience.ACTIONS_THREAD, None, action_id) in sent
    assert (MessageKind.ACTION_ASSIGNED, Audience.PERSON, TOM.user_id, action_id) in sent


async def test_the_owner_starts_blocks_and_completes_with_evidence() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    started = await update(uow, action_id, StatusChange.START)
    assert started.action.status is ActionStatus.IN_PROGRESS and started.action.status_changed_by == TOM
    with pytest.raises(InvalidInput) as raised:
        await update(uow, action_id, StatusChange.BLOCK, note="")
    assert "what is blocking it" in raised.value.field_errors["blockedReason"]
    blocked = await update(uow, action_id, StatusChange.BLOCK, note="Waiting for the new call-handling system.")
    assert blocked.action.status is ActionStatus.BLOCKED
    with pytest.raises(InvalidInput) as raised:
        await update(uow, action_id, StatusChange.COMPLETE, note="done")
    assert "evidence" in raised.value.field_errors["evidence"]
    done = await update(uow, action_id, StatusChange.COMPLETE, note="Guidance v4 published on 2 March; briefed.")
    assert done.action.status is ActionStatus.COMPLETE and done.action.final
    with pytest.raises(InvalidInput):
        await update(uow, action_id, StatusChange.START)
    assert uow.committed_messages[-1].kind is MessageKind.ACTION_CARD


@pytest.mark.parametrize("who", [OWEN, PRIYA, RUTH])
async def test_only_the_owner_or_the_working_group_changes_it(who) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    with pytest.raises(Forbidden):
        await update(uow, action_id, StatusChange.START, who=who)
    changed = await actions.update_status(
        uow=uow, actor=working_group(), action_id=action_id, change=StatusChange.START, note=None, now=AFTER
    )
    assert changed.action.status is ActionStatus.IN_PROGRESS


async def test_not_doing_needs_the_working_groups_approval() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    asked = await actions.request_change(
        uow=uow,
        actor=actor(TOM),
        action_id=action_id,
        kind=RequestKind.NOT_DOING,
        reason="The national guidance now covers this; a local version would conflict.",
        now=AFTER,
    )
    assert asked.action.status is ActionStatus.NOT_STARTED and asked.pending is not None
    with pytest.raises(InvalidInput):
        await actions.request_change(
            uow=uow,
            actor=actor(TOM),
            action_id=action_id,
            kind=RequestKind.NOT_DOING,
            reason="Again, please.",
            now=AFTER,
        )
    with pytest.raises(Forbidden):
        await actions.decide_request(uow=uow, actor=actor(TOM), action_id=action_id, approve=True, now=AFTER)
    decided = await actions.decide_request(uow=uow, actor=working_group(), action_id=action_id, approve=True, now=AFTER)
    assert decided.action.status is ActionStatus.NOT_DOING and decided.action.final
    assert [r.state for r in decided.requests] == [RequestState.APPROVED]


async def test_a_new_due_date_is_asked_for_and_takes_effect_when_approved() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    await actions.request_change(
        uow=uow,
        actor=actor(TOM),
        action_id=action_id,
        kind=RequestKind.DUE_DATE,
        reason="The training team can only run the sessions in the new year.",
        due_in_working_days="30",
        now=AFTER,
    )
    refused = await actions.decide_request(
        uow=uow, actor=working_group(), action_id=action_id, approve=False, now=AFTER
    )
    assert refused.action.due == date(2027, 1, 6)  # unchanged
    await actions.request_change(
        uow=uow,
        actor=actor(TOM),
        action_id=action_id,
        kind=RequestKind.DUE_DATE,
        reason="The training team can only run the sessions in the new year.",
        due_in_working_days="30",
        now=AFTER,
    )
    approved = await actions.decide_request(
        uow=uow, actor=working_group(), action_id=action_id, approve=True, now=AFTER
    )
    assert approved.action.due == date(2027, 1, 20)
