"""The debrief's output: learning, recommendations and actions after the meeting, the SIO's sign-off, circulation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from debrief import outcomes
from debrief.audit import AuditCategory
from debrief.errors import Forbidden, InvalidInput
from debrief.learning import SignOffState
from debrief.messages import Audience, MessageKind
from tests.support.people import DIRECTORY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM, actor
from tests.unit.debrief.test_meetings import schedule
from tests.unit.debrief.test_partnership import accepted
from tests.unit.fakes import FakeUnitOfWork

AFTER = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # the meeting (Friday 4 December, 10:00) is over
OFFICERS = DIRECTORY.officers()
PEOPLE = [*OFFICERS.values(), *DIRECTORY.partners().values()]


def learning(**changes: str) -> dict[str, object]:
    return {
        "learningTheme": "Risk assessment and grading",
        "learningKind": "gap",
        "learningText": "Repeat calls were graded standard without looking at the history of the address.",
        **changes,
    }


def action(**changes: str) -> dict[str, object]:
    return {
        "actionDescription": "Add the address history check to the risk grading guidance for call handlers.",
        "actionOwnerId": TOM.user_id,
        "actionDueWorkingDays": "20",
        "actionPriority": "high",
        "actionTheme": "Risk assessment and grading",
        "actionRoute": "in_force",
        **changes,
    }


async def met(uow: FakeUnitOfWork) -> int:
    """A case whose debrief meeting (Owen, Ruth, Jordan, Morgan invited) has taken place."""
    case_id = await accepted(uow)
    await schedule(uow, case_id)
    return case_id


async def add_action(uow: FakeUnitOfWork, case_id: int, now: datetime = AFTER, **changes: str):  # type: ignore[no-untyped-def]
    return await outcomes.add_action(
        uow=uow, actor=actor(OWEN), case_id=case_id, form=action(**changes), owners=OFFICERS, people=PEOPLE, now=now
    )


async def test_the_outcome_is_recorded_after_the_meeting() -> None:
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    before = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput) as raised:
        await outcomes.add_learning_point(uow=uow, actor=actor(OWEN), case_id=case_id, form=learning(), now=before)
    assert "after the debrief meeting" in raised.value.field_errors["learningText"]
    found = await outcomes.add_learning_point(uow=uow, actor=actor(OWEN), case_id=case_id, form=learning(), now=AFTER)
    assert [p.theme for p in found.outcome.learning] == ["Risk assessment and grading"]
    assert found.outcome.version == 1
    assert uow.committed_audit[-1].category is AuditCategory.COLLECTION


async def test_an_action_has_an_owner_a_due_date_in_working_days_and_no_personal_data() -> None:
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    found = await add_action(uow, case_id)
    [made] = found.outcome.actions
    assert made.owner == TOM and made.due == date(2027, 1, 6)  # 20 working days, over Christmas and New Year
    for bad, says in (
        ({"actionDescription": "Speak to Victim A's GP about the referral."}, "without the people in the case"),
        ({"actionDescription": "Ask PC Jordan Ellis to review the grading."}, "Leave names out"),
        ({"actionOwnerId": "00000000-0000-4000-8000-0000000000ff"}, "owner from the list"),
        ({"actionDueWorkingDays": "0"}, "working days"),
    ):
        with pytest.raises(InvalidInput) as raised:
            await add_action(uow, case_id, **bad)
        assert says in next(iter(raised.value.field_errors.values()))


@pytest.mark.parametrize("who", [PRIYA, RUTH, JORDAN, MORGAN])
async def test_only_the_lead_reviewer_records_the_outcome(who) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    with pytest.raises(Forbidden):
        await outcomes.add_learning_point(uow=uow, actor=actor(who), case_id=case_id, form=learning(), now=AFTER)


async def test_the_sio_approves_and_the_attendees_each_receive_it() -> None:
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    await add_action(uow, case_id)
    asked = await outcomes.request_sign_off(uow=uow, actor=actor(OWEN), case_id=case_id, now=AFTER)
    assert asked.outcome.awaiting_sign_off
    assert uow.committed_messages[-2].kind is MessageKind.SIGN_OFF_REQUESTED
    assert uow.committed_messages[-2].person_id == RUTH.user_id
    with pytest.raises(InvalidInput):
        await add_action(uow, case_id)  # nothing changes while the SIO considers it
    with pytest.raises(Forbidden):
        await outcomes.answer_sign_off(
            uow=uow, actor=actor(OWEN), case_id=case_id, approve=True, comment=None, now=AFTER
        )
    answered = await outcomes.answer_sign_off(
        uow=uow, actor=actor(RUTH), case_id=case_id, approve=True, comment=None, now=AFTER
    )
    assert answered.outcome.approved and answered.outcome.circulated_at == AFTER
    circulated = [m.person_id for m in uow.committed_messages if m.kind is MessageKind.OUTCOME_CIRCULATED]
    assert circulated == [OWEN.user_id, RUTH.user_id, JORDAN.user_id, MORGAN.user_id]


async def test_changes_requested_go_to_the_case_thread_and_a_change_needs_the_sio_again() -> None:
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    await add_action(uow, case_id)
    await outcomes.request_sign_off(uow=uow, actor=actor(OWEN), case_id=case_id, now=AFTER)
    with pytest.raises(InvalidInput):
        await outcomes.answer_sign_off(
            uow=uow, actor=actor(RUTH), case_id=case_id, approve=False, comment="", now=AFTER
        )
    answered = await outcomes.answer_sign_off(
        uow=uow,
        actor=actor(RUTH),
        case_id=case_id,
        approve=False,
        comment="Please make the action about call grading, not about one call.",
        now=AFTER,
    )
    assert answered.outcome.sign_off is not None
    assert answered.outcome.sign_off.state is SignOffState.CHANGES_REQUESTED
    assert (uow.committed_messages[-2].kind, uow.committed_messages[-2].audience) == (
        MessageKind.CHANGES_REQUESTED,
        Audience.CASE_THREAD,
    )
    with pytest.raises(InvalidInput) as raised:
        await outcomes.request_sign_off(uow=uow, actor=actor(OWEN), case_id=case_id, now=AFTER)
    assert "asked for changes to this version" in raised.value.field_errors["signOff"]
    changed = await outcomes.add_learning_point(
        uow=uow, actor=actor(OWEN), case_id=case_id, form=learning(learningKind="good_practice"), now=AFTER
    )
    assert not changed.outcome.approved and not changed.outcome.awaiting_sign_off
    again = await outcomes.request_sign_off(uow=uow, actor=actor(OWEN), case_id=case_id, now=AFTER)
    assert again.outcome.awaiting_sign_off


async def test_the_document_goes_to_attendees_only_once_approved() -> None:
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    await add_action(uow, case_id)
    with pytest.raises(InvalidInput):
        await outcomes.request_document(uow=uow, actor=actor(MORGAN), case_id=case_id, now=AFTER)
    with pytest.raises(Forbidden):
        await outcomes.request_document(uow=uow, actor=actor(TOM), case_id=case_id, now=AFTER)  # not an attendee
    await outcomes.request_document(uow=uow, actor=actor(RUTH), case_id=case_id, now=AFTER)
    await outcomes.request_sign_off(uow=uow, actor=actor(OWEN), case_id=case_id, now=AFTER)
    await outcomes.answer_sign_off(uow=uow, actor=actor(RUTH), case_id=case_id, approve=True, comment=None, now=AFTER)
    await outcomes.request_document(uow=uow, actor=actor(MORGAN), case_id=case_id, now=AFTER)
    found = await outcomes.outcome_for_document(uow=uow, actor=actor(MORGAN), case_id=case_id, now=AFTER, route="t")
    assert found.outcome.approved
    assert uow.committed_audit[-1].recipients == (f"person:{MORGAN.user_id}",)


async def test_a_removed_item_is_gone_from_the_outcome_and_the_version_moves_on() -> None:
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    found = await add_action(uow, case_id)
    [made] = found.outcome.actions
    assert made.id is not None
    after = await outcomes.remove_item(
        uow=uow, actor=actor(OWEN), case_id=case_id, kind="action", item_id=made.id, now=AFTER
    )
    assert after.outcome.actions == () and after.outcome.version == 2


async def test_the_due_days_may_come_as_a_number_or_as_text() -> None:
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    as_number = await outcomes.add_action(
        uow=uow,
        actor=actor(OWEN),
        case_id=case_id,
        form={**action(), "actionDueWorkingDays": 5},
        owners=OFFICERS,
        people=PEOPLE,
        now=AFTER,
    )
    assert as_number.outcome.actions[0].due == date(2026, 12, 11)
