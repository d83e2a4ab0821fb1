"""Retention (MoPI): a case closes when the process has finished with it, its review falls due years on, the
information manager retains or erases it with a rationale, and a legal hold blocks erasure. On the fake unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from debrief import actions, outcomes, retention, triage
from debrief.actions import StatusChange
from debrief.audit import AuditCategory, AuditOutcome
from debrief.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound
from debrief.messages import Audience, MessageKind
from debrief.model import CaseErased, CaseStatus, LegalHoldKind, Person, TriageOutcome
from debrief.permissions import SYSTEM, Actor, Role
from debrief.retention import DecisionKind, HoldingKind, RetentionView
from tests.support.people import DIRECTORY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TENANT, TOM, actor
from tests.unit.debrief.test_actions import circulated, update
from tests.unit.debrief.test_outcomes import AFTER, add_action, met
from tests.unit.debrief.test_triage import NOW, REVIEW_TEAM, nominate
from tests.unit.fakes import FakeUnitOfWork

ALEX = Person("00000000-0000-4000-8000-0000000000d2", "Alex Rowan (information manager)")
DANA = Person("00000000-0000-4000-8000-0000000000d1", "Supt Dana Reeve")  # working group
SAM = Person("00000000-0000-4000-8000-0000000000d3", "ACC Sam Whitlock")  # board
JO = Person("00000000-0000-4000-8000-0000000000d4", "Jo Pearce (disclosure officer)")
DECIDED = NOW + timedelta(hours=1)
"""When `declined` declines the nomination (the triage helper's clock)."""
DUE = date(2032, 11, 26)
"""Six years after DECIDED."""
REVIEWING = datetime(2032, 11, 29, 10, 0, tzinfo=UTC)
"""Monday 29 November 2032, 10:00: the review has fallen due, in working hours."""
RATIONALE = "No continued policing purpose: no proceedings, no review and no linked cases remain."
KEEP = "Linked to a live serious case review; the learning is still being used in training."
HOLD = "Crown Court trial listed for March 2033; the debrief material is potentially disclosable."


def manager() -> Actor:
    return actor(ALEX)


async def declined(uow: FakeUnitOfWork) -> int:
    case_id = await nominate(uow)
    await triage.triage(
        uow=uow,
        actor=actor(PRIYA),
        case_id=case_id,
        request=triage.TriageRequest(outcome=TriageOutcome.DECLINE, reason="Outside scope: no earlier contact."),
        review_team=REVIEW_TEAM,
        now=DECIDED,
    )
    return case_id


async def closed(uow: FakeUnitOfWork, *, at: datetime = DECIDED) -> int:
    case_id = await declined(uow)
    assert await retention.close_finished_cases(uow=lambda: uow, now=at) == 1
    return case_id


async def view(uow: FakeUnitOfWork, case_id: int, now: datetime = REVIEWING) -> RetentionView:
    return await retention.get_retention(uow=uow, actor=manager(), case_id=case_id, now=now)


async def erase(uow: FakeUnitOfWork, case_id: int, *, who: Actor | None = None, **changes: Any) -> RetentionView:
    given: dict[str, Any] = {"rationale": RATIONALE, "confirmed": "true", "now": REVIEWING, **changes}
    return await retention.erase(uow=uow, actor=who or manager(), case_id=case_id, **given)


# --- Closure --------------------------------------------------------------------------------------------------------


async def test_a_declined_case_closes_at_the_decision_and_its_review_falls_due_six_years_on() -> None:
    uow = FakeUnitOfWork()
    case_id = await declined(uow)
    assert await retention.close_finished_cases(uow=lambda: uow, now=DECIDED + timedelta(minutes=1)) == 1
    case = uow.cases.stored[case_id]
    assert case.closed_at == DECIDED and case.review_due == DUE
    assert case.status is CaseStatus.DECLINED  # closing does not change the status
    [closing] = uow.retention.decided[case_id]
    assert closing.kind is DecisionKind.CLOSED and closing.by.user_id == SYSTEM.user_id
    assert closing.rationale == "Declined at triage." and closing.review_due_after == DUE
    record = uow.committed_audit[-1]
    assert (record.action, record.actor_id, record.outcome) == ("case.close", SYSTEM.user_id, AuditOutcome.GRANTED)
    assert record.justification == f"Declined at triage. Review due {DUE}."
    assert await retention.close_finished_cases(uow=lambda: uow, now=DECIDED + timedelta(minutes=2)) == 0


async def test_a_merged_case_closes_at_the_merge() -> None:
    uow = FakeUnitOfWork()
    target = await nominate(uow, incidentReference="CR/100300/26")
    case_id = await nominate(uow)
    number = uow.cases.stored[target].case_number
    await triage.triage(
        uow=uow,
        actor=actor(PRIYA),
        case_id=case_id,
        request=triage.TriageRequest(outcome=TriageOutcome.MERGE, merge_into=number),
        review_team=REVIEW_TEAM,
        now=DECIDED,
    )
    assert await retention.close_finished_cases(uow=lambda: uow, now=DECIDED) == 1
    assert uow.cases.stored[case_id].closed_at == DECIDED
    assert uow.retention.decided[case_id][0].rationale == f"Merged into {number} at triage."
    assert uow.cases.stored[target].closed_at is None  # still being triaged


async def test_an_accepted_case_closes_when_approved_and_every_action_is_done_at_the_later_moment() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)  # approved at AFTER, with one action still to do
    case_id = uow.outcomes.actions[action_id].case_id
    assert await retention.close_finished_cases(uow=lambda: uow, now=AFTER + timedelta(days=1)) == 0
    done_at = AFTER + timedelta(days=30)
    await actions.update_status(
        uow=uow,
        actor=actor(TOM),
        action_id=action_id,
        change=StatusChange.COMPLETE,
        note="Guidance v4 published on 2 March and briefed to every call handler.",
        now=done_at,
    )
    assert await retention.close_finished_cases(uow=lambda: uow, now=done_at + timedelta(hours=1)) == 1
    case = uow.cases.stored[case_id]
    assert case.closed_at == done_at and case.review_due == date(2033, 1, 3)
    assert "every action is complete or not being done" in uow.retention.decided[case_id][0].rationale


async def test_an_accepted_case_without_actions_closes_at_the_approval() -> None:
    uow = FakeUnitOfWork()
    case_id = await met(uow)
    await outcomes.add_learning_point(
        uow=uow,
        actor=actor(OWEN),
        case_id=case_id,
        form={
            "learningTheme": "Good practice",
            "learningKind": "good_practice",
            "learningText": "The response officer linked the call to two earlier reports at the address.",
        },
        now=AFTER,
    )
    await outcomes.request_sign_off(uow=uow, actor=actor(OWEN), case_id=case_id, now=AFTER)
    approved_at = AFTER + timedelta(hours=2)
    await outcomes.answer_sign_off(
        uow=uow, actor=actor(RUTH), case_id=case_id, approve=True, comment=None, now=approved_at
    )
    assert await retention.close_finished_cases(uow=lambda: uow, now=approved_at + timedelta(days=3)) == 1
    assert uow.cases.stored[case_id].closed_at == approved_at
    assert "there were no actions" in uow.retention.decided[case_id][0].rationale


async def test_a_case_still_open_somewhere_does_not_close() -> None:
    uow = FakeUnitOfWork()
    await nominate(uow, incidentReference="CR/100400/26")  # waiting for triage
    unapproved = await met(uow)  # accepted, meeting held, nothing signed off
    await add_action(uow, unapproved)
    assert await retention.close_finished_cases(uow=lambda: uow, now=AFTER + timedelta(days=400)) == 0
    assert all(c.closed_at is None for c in uow.cases.stored.values())


async def test_a_change_after_approval_keeps_the_case_open_until_the_sio_approves_again() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    case_id = uow.outcomes.actions[action_id].case_id
    await update(uow, action_id, StatusChange.COMPLETE, note="Guidance v4 published on 2 March; briefed.")
    await add_action(uow, case_id, actionDescription="Review the grading of repeat calls to the same address.")
    assert await retention.close_finished_cases(uow=lambda: uow, now=AFTER + timedelta(days=60)) == 0


def test_the_review_date_is_whole_years_on_in_uk_time() -> None:
    late_evening = datetime(2028, 2, 29, 23, 30, tzinfo=UTC)  # 29 February in London too (GMT)
    assert retention.review_date(late_evening) == date(2034, 2, 28)
    summer_midnight = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)  # already 1 July in London (BST)
    assert retention.review_date(summer_midnight, 6) == date(2033, 7, 1)
    assert retention.review_date(summer_midnight, 10) == date(2037, 7, 1)


# --- Retain ---------------------------------------------------------------------------------------------------------


async def test_retaining_needs_a_rationale_and_a_review_date_after_today_and_stores_nothing_otherwise() -> None:
    uow = FakeUnitOfWork()
    case_id = await closed(uow)
    for rationale, new_date, field, says in (
        ("", "2035-11-26", "retainRationale", "at least 10 characters"),
        (KEEP, "", "newReviewDate", "Choose the date"),
        (KEEP, "26/11/2035", "newReviewDate", "as a date"),
        (KEEP, "2032-11-29", "newReviewDate", "after today"),
    ):
        with pytest.raises(InvalidInput) as raised:
            await retention.retain(
                uow=uow,
                actor=manager(),
                case_id=case_id,
                rationale=rationale,
                new_review_date=new_date,
                now=REVIEWING,
            )
        assert says in raised.value.field_errors[field]
    assert uow.cases.stored[case_id].review_due == DUE
    assert [d.kind for d in uow.retention.decided[case_id]] == [DecisionKind.CLOSED]
    kept = await retention.retain(
        uow=uow, actor=manager(), case_id=case_id, rationale=KEEP, new_review_date="2035-11-26", now=REVIEWING
    )
    assert kept.review_due == date(2035, 11, 26) and not kept.review_is_due(REVIEWING.date())
    decision = kept.decisions[-1]
    assert (decision.kind, decision.rationale, decision.by) == (DecisionKind.RETAINED, KEEP, ALEX)
    assert (decision.review_due_before, decision.review_due_after) == (DUE, date(2035, 11, 26))
    record = uow.committed_audit[-1]
    assert (record.action, record.category, record.justification) == (
        "case.retention.retain",
        AuditCategory.ALTERATION,
        KEEP,
    )


async def test_an_open_case_has_no_review_to_retain_it_for() -> None:
    uow = FakeUnitOfWork()
    case_id = await nominate(uow)
    with pytest.raises(InvalidInput) as raised:
        await retention.retain(
            uow=uow, actor=manager(), case_id=case_id, rationale=KEEP, new_review_date="2035-11-26", now=REVIEWING
        )
    assert "is not closed yet" in raised.value.field_errors["decision"]


async def test_a_rationale_must_not_carry_the_cases_own_details() -> None:
    uow = FakeUnitOfWork()
    case_id = await closed(uow)
    reference = uow.cases.stored[case_id].nomination.incident_reference
    with pytest.raises(InvalidInput) as raised:
        await erase(uow, case_id, rationale=f"Nothing more to do on {reference.lower()}; erase it.")
    assert "must not hold the case's own details" in raised.value.field_errors["eraseRationale"]
    assert uow.cases.stored[case_id].erased_at is None


# --- Erase ----------------------------------------------------------------------------------------------------------


async def test_erasure_waits_for_the_review_date_and_a_confirmation() -> None:
    uow = FakeUnitOfWork()
    case_id = await closed(uow)
    with pytest.raises(InvalidInput) as raised:
        await erase(uow, case_id, now=REVIEWING - timedelta(days=7))
    assert raised.value.field_errors == {
        "decision": f"The review of {uow.cases.stored[case_id].case_number} is not due until 26 November 2032, so it "
        "cannot be erased yet. To review it sooner, retain it with an earlier review date."
    }
    with pytest.raises(InvalidInput) as raised:
        await erase(uow, case_id, confirmed=None, rationale="")
    assert set(raised.value.field_errors) == {"eraseRationale", "eraseConfirmed"}
    assert uow.cases.stored[case_id].erased_at is None


async def test_an_open_case_cannot_be_erased() -> None:
    uow = FakeUnitOfWork()
    case_id = await nominate(uow)
    with pytest.raises(InvalidInput) as raised:
        await erase(uow, case_id)
    assert "is not closed yet" in raised.value.field_errors["decision"]


async def test_erasure_removes_the_content_keeps_the_tombstone_and_says_what_went_by_kind_and_count() -> None:
    uow = FakeUnitOfWork()
    action_id = await circulated(uow)
    case_id = uow.outcomes.actions[action_id].case_id
    await update(uow, action_id, StatusChange.COMPLETE, note="Guidance v4 published on 2 March; briefed.")
    assert await retention.close_finished_cases(uow=lambda: uow, now=AFTER) == 1
    due = uow.cases.stored[case_id].review_due
    assert due is not None
    now = datetime.combine(due, datetime.min.time(), tzinfo=UTC) + timedelta(days=1, hours=10)
    before = await view(uow, case_id, now)
    held = {h.kind: h.count for h in before.holdings}
    assert held[HoldingKind.NOMINATION] == 1 and held[HoldingKind.ACTIONS] == 1 and held[HoldingKind.MEETING] == 1

    erased = await erase(uow, case_id, now=now)

    assert erased.erased_at == now and erased.holdings == ()
    decision = erased.decisions[-1]
    assert decision.kind is DecisionKind.ERASED and decision.erased == before.holdings
    assert "actions: 1" in retention.describe(decision.erased)
    record = uow.committed_audit[-1]
    assert (record.action, record.category, record.outcome) == (
        "case.retention.erase",
        AuditCategory.ERASURE,
        AuditOutcome.GRANTED,
    )
    assert record.justification == f"{RATIONALE} | erasing {retention.describe(before.holdings)}"
    assert not uow.outcomes.actions and not uow.meetings.stored and not uow.parameters.revisions[case_id]
    tombstone = uow.cases.stored[case_id]
    assert tombstone.case_number == erased.case_number and tombstone.erased_at == now
    assert "Operation" not in repr(tombstone) and "Victim" not in repr(tombstone)
    # Erased cases are refused everywhere, saying so plainly.
    with pytest.raises(CaseErased) as raised:
        await outcomes.get_outcome(uow=uow, actor=actor(OWEN), case_id=case_id, now=now)
    assert raised.value.message.startswith(f"{erased.case_number} was erased on ")
    for attempt in (
        retention.get_retention(uow=uow, actor=manager(), case_id=case_id, now=now),
        retention.find_retention(uow=uow, actor=manager(), case_number=erased.case_number, now=now),
        erase(uow, case_id, now=now),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert await retention.close_finished_cases(uow=lambda: uow, now=now) == 0


async def test_a_second_erasure_from_the_same_state_is_a_concurrent_change() -> None:
    uow = FakeUnitOfWork()
    case_id = await closed(uow)
    case = uow.cases.stored[case_id]
    stale = replace(case, nomination=case.nomination)
    async with uow:
        await uow.retention.erase(stale, at=REVIEWING)
        await uow.commit()
    with pytest.raises(ConcurrentChange):
        async with uow:
            await uow.retention.erase(replace(case), at=REVIEWING)


# --- Legal hold -----------------------------------------------------------------------------------------------------


async def test_a_legal_hold_blocks_erasure_until_it_is_lifted() -> None:
    uow = FakeUnitOfWork()
    case_id = await closed(uow)
    held = await retention.place_legal_hold(
        uow=uow, actor=manager(), case_id=case_id, kind="live_proceedings", details=HOLD, now=REVIEWING
    )
    assert held.legal_hold is not None and held.legal_hold.kind is LegalHoldKind.LIVE_PROCEEDINGS
    assert held.legal_hold.details == HOLD and held.legal_hold.placed_by == ALEX
    assert held.erasure_refusal(REVIEWING.date()) is not None
    with pytest.raises(InvalidInput) as raised:
        await erase(uow, case_id)
    assert "is under a legal hold (live proceedings), so it cannot be erased" in raised.value.field_errors["decision"]
    assert uow.cases.stored[case_id].erased_at is None
    with pytest.raises(InvalidInput) as raised:
        await retention.lift_legal_hold(uow=uow, actor=manager(), case_id=case_id, reason="", now=REVIEWING)
    assert "why the hold is no longer needed" in raised.value.field_errors["liftReason"]
    lifted = await retention.lift_legal_hold(
        uow=uow, actor=manager(), case_id=case_id, reason="The trial ended on 14 March 2033; no appeal.", now=REVIEWING
    )
    assert lifted.legal_hold is None
    assert [d.kind for d in lifted.decisions] == [
        DecisionKind.CLOSED,
        DecisionKind.HOLD_PLACED,
        DecisionKind.HOLD_LIFTED,
    ]
    assert [r.justification for r in uow.committed_audit[-2:]] == [HOLD, "The trial ended on 14 March 2033; no appeal."]
    assert (await erase(uow, case_id)).erased_at == REVIEWING


async def test_a_hold_may_be_placed_at_any_stage_and_only_once() -> None:
    uow = FakeUnitOfWork()
    case_id = await nominate(uow, incidentReference="CR/100500/26")  # still waiting for triage
    held = await retention.place_legal_hold(
        uow=uow, actor=manager(), case_id=case_id, kind="statutory_review", details=HOLD, now=NOW
    )
    assert held.legal_hold is not None and held.closed_at is None
    with pytest.raises(InvalidInput) as raised:
        await retention.place_legal_hold(
            uow=uow, actor=manager(), case_id=case_id, kind="live_proceedings", details=HOLD, now=NOW
        )
    assert "already has a legal hold (statutory review)" in raised.value.field_errors["holdKind"]
    with pytest.raises(InvalidInput) as raised:
        await retention.place_legal_hold(
            uow=uow, actor=manager(), case_id=await declined(uow), kind="", details="", now=NOW
        )
    assert set(raised.value.field_errors) == {"holdKind", "holdDetails"}


# --- Who may ------------------------------------------------------------------------------------------------------


def _attempts(uow: FakeUnitOfWork, case_id: int, who: Actor) -> list[Any]:
    return [
        retention.get_retention(uow=uow, actor=who, case_id=case_id, now=REVIEWING),
        retention.retain(
            uow=uow, actor=who, case_id=case_id, rationale=KEEP, new_review_date="2035-11-26", now=REVIEWING
        ),
        erase(uow, case_id, who=who),
        retention.place_legal_hold(
            uow=uow, actor=who, case_id=case_id, kind="live_proceedings", details=HOLD, now=REVIEWING
        ),
        retention.lift_legal_hold(uow=uow, actor=who, case_id=case_id, reason=KEEP, now=REVIEWING),
    ]


@pytest.mark.parametrize("who", [JORDAN, PRIYA, OWEN, RUTH, MORGAN, TOM, DANA, SAM, JO])
async def test_only_the_information_manager_manages_retention_and_refusals_are_audited(who: Person) -> None:
    uow = FakeUnitOfWork()
    case_id = await closed(uow)
    someone = Actor(TENANT, who.user_id, who.name, DIRECTORY.roles_for(who.user_id))
    assert Role.INFORMATION_MANAGER not in someone.roles
    before = len(uow.committed_audit)
    for attempt in _attempts(uow, case_id, someone):
        with pytest.raises(Forbidden):
            await attempt
    refused = uow.committed_audit[before:]
    assert [r.action for r in refused] == [
        "case.retention.read",
        "case.retention.retain",
        "case.retention.erase",
        "case.legal_hold.place",
        "case.legal_hold.lift",
    ]
    assert all(r.outcome is AuditOutcome.REFUSED and r.actor_id == who.user_id for r in refused)
    case = uow.cases.stored[case_id]
    assert case.review_due == DUE and case.legal_hold is None and case.erased_at is None


async def test_rapid_debrief_itself_cannot_decide_retention() -> None:
    uow = FakeUnitOfWork()
    case_id = await closed(uow)
    with pytest.raises(Forbidden):
        await erase(uow, case_id, who=SYSTEM)


# --- Two decisions at once ------------------------------------------------------------------------------------------


async def test_a_decision_made_on_an_out_of_date_card_is_refused_and_nothing_is_saved() -> None:
    uow = FakeUnitOfWork()
    case_id = await closed(uow)
    seen = (await view(uow, case_id)).version
    await retention.retain(
        uow=uow,
        actor=manager(),
        case_id=case_id,
        rationale=KEEP,
        new_review_date="2035-11-26",
        seen_version=seen,
        now=REVIEWING,
    )
    with pytest.raises(InvalidInput) as raised:
        await erase(uow, case_id, seen_version=str(seen))
    assert "changed while you were looking at it" in raised.value.field_errors["version"]
    assert uow.cases.stored[case_id].erased_at is None


# --- The review falls due -------------------------------------------------------------------------------------------


async def test_each_information_manager_gets_the_review_card_once_per_review_date_in_working_hours() -> None:
    uow = FakeUnitOfWork()
    case_id = await closed(uow)
    managers = [ALEX.user_id, "00000000-0000-4000-8000-0000000000e9"]

    async def send(now: datetime) -> int:
        return await retention.send_due_reviews(uow=lambda: uow, now=now, information_managers=managers)

    assert await send(datetime(2032, 11, 25, 10, 0, tzinfo=UTC)) == 0  # not due yet
    assert await send(datetime(2032, 11, 27, 10, 0, tzinfo=UTC)) == 0  # a Saturday
    assert await send(datetime(2032, 11, 29, 7, 0, tzinfo=UTC)) == 0  # before working hours
    assert await retention.send_due_reviews(uow=lambda: uow, now=REVIEWING, information_managers=[]) == 0
    assert await send(REVIEWING) == 2
    assert await send(REVIEWING + timedelta(hours=1)) == 0
    sent = [(m.kind, m.case_id, m.audience, m.person_id) for m in uow.committed_messages[-2:]]
    assert sent == [(MessageKind.RETENTION_REVIEW_DUE, case_id, Audience.PERSON, p) for p in managers]
    record = uow.committed_audit[-1]
    assert record.recipients == tuple(f"person:{p}" for p in managers)
    # Retained to a new date: the card goes again when that date comes.
    await retention.retain(
        uow=uow, actor=manager(), case_id=case_id, rationale=KEEP, new_review_date="2033-01-10", now=REVIEWING
    )
    assert await send(datetime(2033, 1, 10, 10, 0, tzinfo=UTC)) == 2
    with pytest.raises(ConcurrentChange):
        async with uow:
            await uow.retention.add_notice(case_id, date(2033, 1, 10), REVIEWING)
