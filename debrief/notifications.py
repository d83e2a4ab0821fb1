"""Sending case content to people is a disclosure: the dispatcher reads cases only through here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from debrief.consent import ConsentRecord
from debrief.contributors import Contributor
from debrief.errors import NotFound
from debrief.learning import Outcome
from debrief.meetings import Meeting
from debrief.model import Case
from debrief.parameters import ParametersRevision
from debrief.partners import PartnerInvitation, PartnerSummary
from debrief.permissions import SYSTEM, Permission, authorise
from debrief.ports import UnitOfWork


@dataclass(frozen=True)
class CaseForMessage:
    """Everything a message about a case may show, read in one go."""

    case: Case
    parameters: ParametersRevision | None
    consent: ConsentRecord | None
    contributors: list[Contributor]
    partner_summary: PartnerSummary | None
    partner_invitations: list[PartnerInvitation]
    meeting: Meeting | None
    outcome: Outcome


async def case_for_message(
    *, uow: UnitOfWork, case_id: int, recipients: tuple[str, ...], now: datetime
) -> CaseForMessage:
    """The case as it is now, for a message about to go to `recipients`; logged as a disclosure."""
    async with uow:
        case = await uow.cases.get(case_id)
        if case is None:
            raise NotFound(f"case {case_id} no longer exists")
        await authorise(uow, SYSTEM, Permission.SEND_CASE_MESSAGE, case, now=now, recipients=recipients)
        view = CaseForMessage(
            case,
            await uow.parameters.latest(case_id),
            await uow.consents.latest(case_id),
            await uow.contributors.list(case_id),
            await uow.partners.summary(case_id),
            await uow.partners.invitations(case_id),
            await uow.meetings.get(case_id),
            await uow.outcomes.get(case_id),
        )
        await uow.commit()
        return view
