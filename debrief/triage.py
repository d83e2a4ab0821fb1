"""Step 2 of the practice: the review team accepts, declines, merges or asks for more, and the nominator hears."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from debrief import clocks
from debrief.cases import existing
from debrief.errors import InvalidInput
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import (
    LONDON,
    AlreadyTriaged,
    Case,
    CaseStatus,
    Person,
    TriageDecision,
    TriageOutcome,
    normalise_reference,
)
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork

TRIAGE_WORKING_DAYS = 1
"""Default clock (domain.md): the review team decides within one working day of the nomination."""


def triage_due(nominated_at: datetime, *, working_days: int = TRIAGE_WORKING_DAYS) -> date:
    return clocks.add_working_days(nominated_at.astimezone(LONDON).date(), working_days)


@dataclass(frozen=True)
class TriageRequest:
    """What the review officer chose on the triage card."""

    outcome: TriageOutcome
    lead_reviewer_id: str | None = None
    reason: str | None = None
    merge_into: str | None = None


@dataclass(frozen=True)
class TriageResult:
    case: Case
    changed: bool
    """False when the case had already been decided: the card shows that decision instead."""


async def triage(
    *,
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    request: TriageRequest,
    review_team: dict[str, Person],
    now: datetime,
) -> TriageResult:
    async with uow:
        case = await _get(uow, case_id)
        await authorise(uow, actor, Permission.TRIAGE, case, now=now, justification=request.outcome.value)
        lead = None
        if request.outcome is TriageOutcome.ACCEPT:
            lead = review_team.get(request.lead_reviewer_id or "")
            if lead is None:
                raise InvalidInput({"leadReviewerId": "Choose the lead reviewer from the review team."})
        merge_target = None
        if request.outcome is TriageOutcome.MERGE:
            merge_target = await _merge_target(uow, request.merge_into)
        decision = TriageDecision(
            outcome=request.outcome,
            decided_by=Person(actor.user_id, actor.name),
            decided_at=now,
            lead_reviewer=lead,
            reason=(request.reason or "").strip() or None,
        )
        try:
            case.triage(decision, merge_target=merge_target)
        except AlreadyTriaged:
            uow.mark_processed(case.id)  # a re-delivery of the deciding press is told apart at commit
            await uow.commit()  # the attempt's audit record stands; nothing else changed
            return TriageResult(case=case, changed=False)
        await uow.cases.save(case)
        assert case.id is not None
        uow.outbox.add(OutboundMessage(MessageKind.TRIAGE_CARD_CHANGED, case.id, Audience.TRIAGE_THREAD))
        uow.outbox.add(
            OutboundMessage(MessageKind.TRIAGE_OUTCOME, case.id, Audience.PERSON, person_id=case.nominator.user_id)
        )
        if case.status is CaseStatus.ACCEPTED:
            uow.outbox.add(OutboundMessage(MessageKind.PARAMETERS_CARD, case.id, Audience.CASE_THREAD))
            uow.outbox.add(
                OutboundMessage(
                    MessageKind.CONSENT_REQUESTED, case.id, Audience.PERSON, person_id=case.nomination.sio.user_id
                )
            )
        uow.mark_processed(case.id)
        await uow.commit()
        return TriageResult(case=case, changed=True)


async def _get(uow: UnitOfWork, case_id: int) -> Case:
    case = await existing(uow, case_id)
    return case


async def _merge_target(uow: UnitOfWork, raw: str | None) -> Case:
    number = normalise_reference(raw or "")
    if not number:
        raise InvalidInput({"mergeInto": "Enter the case number to merge into, for example RD-2026-0001."})
    target = await uow.cases.get_by_number(number)
    if target is None:
        raise InvalidInput({"mergeInto": f"There is no case {number}. Check the case number and try again."})
    return target
