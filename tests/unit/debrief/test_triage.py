"""Triage: only the review team decides, each decision is audited, and a decided case stays decided."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from debrief import nominations, triage
from debrief.audit import AuditCategory, AuditOutcome
from debrief.errors import DuplicateIncident, Forbidden, InvalidInput
from debrief.messages import Audience, MessageKind
from debrief.model import CaseStatus, NominationRules, TriageOutcome
from debrief.permissions import Role
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, actor
from tests.unit.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
REVIEW_TEAM = DIRECTORY.people_with(Role.REVIEW_TEAM)


async def nominate(uow: FakeUnitOfWork, **changes: str) -> int:
    case = await nominations.nominate(
        uow=uow,
        actor=actor(JORDAN),
        form=nomination_form(**changes),
        now=NOW,
        rules=NominationRules(),
        sios=DIRECTORY.people_with(Role.SIO),
    )
    assert case.id is not None
    return case.id


async def decide(uow: FakeUnitOfWork, case_id: int, request: triage.TriageRequest, who=PRIYA) -> triage.TriageResult:  # type: ignore[no-untyped-def]
    return await triage.triage(
        uow=uow,
        actor=actor(who),
        case_id=case_id,
        request=request,
        review_team=REVIEW_TEAM,
        now=NOW + timedelta(hours=1),
    )


async def test_a_nomination_opens_a_case_and_asks_the_review_team_to_triage() -> None:
    uow = FakeUnitOfWork()
    case_id = await nominate(uow)
    case = uow.cases.stored[case_id]
    assert case.case_number == "RD-2026-0001"
    assert case.status is CaseStatus.NOMINATED
    assert case.nominator == JORDAN
    assert [(m.kind, m.audience) for m in uow.committed_messages] == [
        (MessageKind.TRIAGE_REQUESTED, Audience.REVIEW_TEAM_CHANNEL)
    ]
    [record] = uow.committed_audit
    assert (record.action, record.category, record.outcome, record.case_id) == (
        "case.nominate",
        AuditCategory.COLLECTION,
        AuditOutcome.GRANTED,
        case_id,
    )
    assert uow.processed == [case_id]


async def test_case_numbers_follow_on_within_the_year() -> None:
    uow = FakeUnitOfWork()
    await nominate(uow)
    second = await nominate(uow, incidentReference="CR/100201/26")
    assert uow.cases.stored[second].case_number == "RD-2026-0002"


async def test_an_incident_with_a_case_gets_no_second_case() -> None:
    uow = FakeUnitOfWork()
    await nominate(uow)
    with pytest.raises(DuplicateIncident) as raised:
        await nominate(uow, incidentReference="cr/100200/26")
    assert raised.value.case_number == "RD-2026-0001"
    assert len(uow.cases.stored) == 1
    assert len(uow.committed_messages) == 1


async def test_a_bad_nomination_stores_nothing() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput):
        await nominate(uow, harm="")
    assert uow.cases.stored == {}
    assert uow.committed_audit == [] and uow.committed_messages == []


async def test_a_partner_cannot_nominate_and_the_refusal_is_audited() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Forbidden):
        await nominations.nominate(
            uow=uow,
            actor=actor(MORGAN),
            form=nomination_form(),
            now=NOW,
            rules=NominationRules(),
            sios=DIRECTORY.people_with(Role.SIO),
        )
    assert uow.cases.stored == {}
    [refusal] = uow.committed_audit
    assert (refusal.actor_id, refusal.outcome, refusal.case_id) == (MORGAN.user_id, AuditOutcome.REFUSED, None)


async def test_a_review_officer_accepts_and_names_the_lead() -> None:
    uow = FakeUnitOfWork()
    case_id = await nominate(uow)
    result = await decide(uow, case_id, triage.TriageRequest(TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id))
    assert result.changed
    case = uow.cases.stored[case_id]
    assert case.status is CaseStatus.ACCEPTED
    assert case.lead_reviewer == OWEN
    assert case.final_decision is not None and case.final_decision.decided_by == PRIYA
    kinds = [m.kind for m in uow.committed_messages[1:]]
    assert kinds == [
        MessageKind.TRIAGE_CARD_CHANGED,
        MessageKind.TRIAGE_OUTCOME,
        MessageKind.PARAMETERS_CARD,
        MessageKind.CONSENT_REQUESTED,
    ]
    assert uow.committed_messages[2].person_id == JORDAN.user_id
    assert uow.committed_messages[4].person_id == RUTH.user_id  # the SIO is asked for consent


@pytest.mark.parametrize("who", [JORDAN, RUTH, MORGAN])
async def test_only_the_review_team_can_triage(who) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    case_id = await nominate(uow)
    with pytest.raises(Forbidden) as raised:
        await decide(uow, case_id, triage.TriageRequest(TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id), who=who)
    assert "Only members of the review team" in raised.value.message
    assert uow.cases.stored[case_id].status is CaseStatus.NOMINATED
    refusal = uow.committed_audit[-1]
    assert (refusal.actor_id, refusal.action, refusal.outcome) == (who.user_id, "case.triage", AuditOutcome.REFUSED)
    assert len(uow.committed_messages) == 1


async def test_a_second_decision_shows_the_first() -> None:
    uow = FakeUnitOfWork()
    case_id = await nominate(uow)
    await decide(uow, case_id, triage.TriageRequest(TriageOutcome.DECLINE, reason="Outside the debrief's scope."))
    again = await decide(
        uow, case_id, triage.TriageRequest(TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id), who=OWEN
    )
    assert not again.changed
    assert again.case.status is CaseStatus.DECLINED
    assert len(uow.committed_messages) == 3  # nothing new was sent


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (triage.TriageRequest(TriageOutcome.ACCEPT), "leadReviewerId"),
        (triage.TriageRequest(TriageOutcome.ACCEPT, lead_reviewer_id=RUTH.user_id), "leadReviewerId"),
        (triage.TriageRequest(TriageOutcome.DECLINE, reason="  "), "declineReason"),
        (triage.TriageRequest(TriageOutcome.MERGE), "mergeInto"),
        (triage.TriageRequest(TriageOutcome.MERGE, merge_into="RD-2026-0099"), "mergeInto"),
        (triage.TriageRequest(TriageOutcome.MERGE, merge_into="RD-2026-0001"), "mergeInto"),
        (triage.TriageRequest(TriageOutcome.REQUEST_INFORMATION), "question"),
    ],
)
async def test_an_incomplete_decision_says_which_field_to_fix(request_: triage.TriageRequest, field: str) -> None:
    uow = FakeUnitOfWork()
    case_id = await nominate(uow)
    with pytest.raises(InvalidInput) as raised:
        await decide(uow, case_id, request_)
    assert field in raised.value.field_errors
    assert uow.cases.stored[case_id].status is CaseStatus.NOMINATED


async def test_a_nomination_can_be_merged_into_an_open_case() -> None:
    uow = FakeUnitOfWork()
    first = await nominate(uow)
    second = await nominate(uow, incidentReference="CR/100201/26")
    await decide(uow, second, triage.TriageRequest(TriageOutcome.MERGE, merge_into="rd-2026-0001"))
    merged = uow.cases.stored[second]
    assert merged.status is CaseStatus.MERGED
    assert merged.merged_into_id == first
    assert merged.decisions[-1].merged_into_case_number == "RD-2026-0001"


async def test_asking_for_information_keeps_triage_open() -> None:
    uow = FakeUnitOfWork()
    case_id = await nominate(uow)
    await decide(uow, case_id, triage.TriageRequest(TriageOutcome.REQUEST_INFORMATION, reason="Was MARAC involved?"))
    case = uow.cases.stored[case_id]
    assert case.status is CaseStatus.INFORMATION_REQUESTED
    assert case.open_information_request is not None
    result = await decide(uow, case_id, triage.TriageRequest(TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id))
    assert result.changed and result.case.status is CaseStatus.ACCEPTED
    assert result.case.final_decision is not None and result.case.final_decision.outcome is TriageOutcome.ACCEPT


async def ask(uow: FakeUnitOfWork) -> int:
    case_id = await nominate(uow)
    await decide(uow, case_id, triage.TriageRequest(TriageOutcome.REQUEST_INFORMATION, reason="Was MARAC involved?"))
    return case_id


async def answer(uow: FakeUnitOfWork, case_id: int, text: str, who=JORDAN) -> None:  # type: ignore[no-untyped-def]
    await nominations.answer_information_request(
        uow=uow, actor=actor(who), case_id=case_id, answer=text, now=NOW + timedelta(hours=2)
    )


async def test_the_nominator_answers_and_the_review_team_sees_it() -> None:
    uow = FakeUnitOfWork()
    case_id = await ask(uow)
    await answer(uow, case_id, "  Yes: a MARAC referral was made in March.  ")
    case = uow.cases.stored[case_id]
    assert case.status is CaseStatus.NOMINATED
    assert case.latest_answer is not None
    assert (case.latest_answer.decided_by, case.latest_answer.reason) == (
        JORDAN,
        "Yes: a MARAC referral was made in March.",
    )
    assert uow.committed_messages[-1].kind is MessageKind.TRIAGE_CARD_CHANGED
    result = await decide(uow, case_id, triage.TriageRequest(TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id))
    assert result.changed and result.case.final_decision is not None
    assert result.case.final_decision.outcome is TriageOutcome.ACCEPT


@pytest.mark.parametrize("who", [PRIYA, RUTH])
async def test_only_the_nominator_can_answer(who) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    case_id = await ask(uow)
    with pytest.raises(Forbidden):
        await answer(uow, case_id, "Something", who=who)
    assert uow.cases.stored[case_id].status is CaseStatus.INFORMATION_REQUESTED
    assert uow.committed_audit[-1].outcome is AuditOutcome.REFUSED


async def test_an_empty_answer_is_not_sent() -> None:
    uow = FakeUnitOfWork()
    case_id = await ask(uow)
    with pytest.raises(InvalidInput) as raised:
        await answer(uow, case_id, "   ")
    assert "Write your answer" in raised.value.field_errors["answer"]


async def test_there_is_nothing_to_answer_once_the_case_is_decided() -> None:
    uow = FakeUnitOfWork()
    case_id = await nominate(uow)
    await decide(uow, case_id, triage.TriageRequest(TriageOutcome.DECLINE, reason="Outside scope."))
    with pytest.raises(InvalidInput) as raised:
        await answer(uow, case_id, "Late news")
    assert "no open question" in raised.value.field_errors["answer"]
