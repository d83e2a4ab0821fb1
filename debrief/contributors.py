"""Step 3 of the practice begins: the lead reviewer invites officers who know the incident to add what they know.

Collection waits for the SIO's consent. Each officer gets a deadline (default five working days) and a
one-to-one message with the parameters they need and nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from debrief import cases, clocks
from debrief.cases import existing
from debrief.consent import collection_may_start
from debrief.errors import InvalidInput
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import LONDON, Case, Person
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork

CONTRIBUTION_WORKING_DAYS = 5
"""Default clock (domain.md): contributions are due five working days after the invitation."""
MAX_PER_INVITATION = 20


@dataclass(frozen=True)
class Contributor:
    person: Person
    invited_by: Person
    invited_at: datetime
    deadline: date


def contribution_deadline(invited_at: datetime) -> date:
    return clocks.add_working_days(invited_at.astimezone(LONDON).date(), CONTRIBUTION_WORKING_DAYS)


async def invite_contributors(
    *, uow: UnitOfWork, actor: Actor, case_id: int, people: Sequence[Person], now: datetime
) -> tuple[Case, list[Contributor]]:
    """Invite officers to the chronology; officers already invited are not asked twice."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(
            uow, actor, Permission.INVITE_CONTRIBUTORS, case, now=now, recipients=tuple(p.user_id for p in people)
        )
        case.require_debrief("contributorIds")
        if not collection_may_start(await uow.consents.latest(case_id)):
            raise InvalidInput(
                {
                    "contributorIds": f"Chronology collection waits for the SIO's consent: invite contributors once "
                    f"{case.nomination.sio.name} has consented."
                }
            )
        if not people:
            raise InvalidInput({"contributorIds": "Choose at least one officer to invite."})
        if len(people) > MAX_PER_INVITATION:
            raise InvalidInput({"contributorIds": f"Invite up to {MAX_PER_INVITATION} officers at a time."})
        already = {c.person.user_id for c in await uow.contributors.list(case_id)}
        new = [p for p in dict.fromkeys(people) if p.user_id not in already]
        if not new:
            raise InvalidInput({"contributorIds": "Everyone chosen has already been invited."})
        invited = [
            Contributor(
                person=person,
                invited_by=Person(actor.user_id, actor.name),
                invited_at=now,
                deadline=contribution_deadline(now),
            )
            for person in new
        ]
        for contributor in invited:
            await uow.contributors.add(case_id, contributor)
            uow.outbox.add(
                OutboundMessage(
                    MessageKind.CONTRIBUTOR_INVITED, case_id, Audience.PERSON, person_id=contributor.person.user_id
                )
            )
        uow.outbox.add(OutboundMessage(MessageKind.CONTRIBUTORS_CARD, case_id, Audience.CASE_THREAD))
        uow.outbox.add(OutboundMessage(MessageKind.MEETING_CARD, case_id, Audience.CASE_THREAD))  # new attendees
        uow.mark_processed(case_id)
        await uow.commit()
        return case, invited


async def list_contributors(
    *, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime
) -> tuple[Case, list[Contributor]]:
    return await cases.get_with(
        uow=uow, actor=actor, case_id=case_id, now=now, read=lambda u: u.contributors.list(case_id)
    )
