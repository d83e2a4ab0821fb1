"""Step 1 of the practice: anyone in the force may put an incident forward for a rapid debrief."""

from __future__ import annotations

from datetime import datetime

from debrief.cases import existing
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import Case, NominationRules, Person, TriageDecision, TriageOutcome, parse_nomination
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork


async def nominate(
    *,
    uow: UnitOfWork,
    actor: Actor,
    form: dict[str, object],
    now: datetime,
    rules: NominationRules,
    sios: dict[str, Person],
) -> Case:
    """Open a case from a nomination and ask the review team to triage it.

    Bad input raises InvalidInput before anything is stored; an incident that already has a case raises
    DuplicateIncident with that case's number.
    """
    nomination = parse_nomination(form, now=now, rules=rules, sios=sios)
    async with uow:
        case = Case(
            nomination=nomination,
            nominator=Person(actor.user_id, actor.name),
            nominated_at=now,
        )
        await authorise(uow, actor, Permission.NOMINATE, case, now=now)
        case = await uow.cases.add(case)  # one case per incident: raises DuplicateIncident
        assert case.id is not None
        uow.outbox.add(OutboundMessage(MessageKind.TRIAGE_REQUESTED, case.id, Audience.REVIEW_TEAM_CHANNEL))
        uow.mark_processed(case.id)
        await uow.commit()
        return case


async def answer_information_request(
    *, uow: UnitOfWork, actor: Actor, case_id: int, answer: str, now: datetime
) -> Case:
    """The nominator answers the review team's question; the triage card in their thread shows the answer."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.ANSWER_INFORMATION_REQUEST, case, now=now)
        case.answer_information_request(
            TriageDecision(
                outcome=TriageOutcome.INFORMATION_PROVIDED,
                decided_by=Person(actor.user_id, actor.name),
                decided_at=now,
                reason=answer.strip(),
            )
        )
        await uow.cases.save(case)
        assert case.id is not None
        uow.outbox.add(OutboundMessage(MessageKind.TRIAGE_CARD_CHANGED, case.id, Audience.TRIAGE_THREAD))
        uow.mark_processed(case.id)
        await uow.commit()
        return case
