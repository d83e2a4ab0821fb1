"""How a person stands to a case, for the rules that need more than roles: invited, partner, attendee, owner."""

from __future__ import annotations

from datetime import datetime

from debrief.model import Case
from debrief.partners import PartnerInvitation
from debrief.permissions import Actor, Relation
from debrief.ports import UnitOfWork


async def relation_of(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    *,
    now: datetime,
    entry_owner_id: str | None = None,
    invitation: PartnerInvitation | None = None,
) -> Relation:
    """Read from storage inside the caller's unit of work, so the rule and the change see the same state."""
    assert case.id is not None
    contributor = any(c.person.user_id == actor.user_id for c in await uow.contributors.list(case.id))
    partner_agency = next(
        (
            i.agency
            for i in await uow.partners.invitations_of(actor.user_id)
            if i.case_id == case.id and i.has_access(now)
        ),
        None,
    )
    meeting = await uow.meetings.get(case.id)
    return Relation(
        contributor=contributor,
        entry_owner_id=entry_owner_id,
        partner_agency=partner_agency,
        invited_contact=invitation is not None
        and invitation.case_id == case.id
        and invitation.contact.user_id == actor.user_id,
        attendee=meeting is not None and any(p.user_id == actor.user_id for p in meeting.attendees),
    )
