"""Partners in the debrief: the lead reviewer's summary and invitations, and the partner contact's answers and view.

What a partner sees is decided here and nowhere else: the approved partner summary, their own agency's
chronology entries and the meeting details, while their access lasts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from debrief.cases import existing
from debrief.chronology import ChronologyEntry, ordered
from debrief.consent import collection_may_start
from debrief.errors import InvalidInput, NotFound
from debrief.meetings import Meeting
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import Case, Person
from debrief.partners import (
    DEFAULT_AGREEMENT,
    MAX_AGREEMENT,
    InvitationStatus,
    PartnerInvitation,
    PartnerSummary,
    answer_by,
    parse_summary,
)
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork
from debrief.relations import relation_of

MAX_PER_INVITATION = 20


@dataclass(frozen=True)
class Partners:
    """The lead reviewer's view: the summary and every invitation."""

    case: Case
    summary: PartnerSummary | None
    invitations: list[PartnerInvitation]


@dataclass(frozen=True)
class InvitationView:
    """What the invited contact may see: the case number, the summary, the meeting; nothing else of the case."""

    case_number: str
    invitation: PartnerInvitation
    summary: PartnerSummary
    meeting: Meeting | None


@dataclass(frozen=True)
class PartnerView:
    case_number: str
    case_id: int
    agency: str
    summary: PartnerSummary | None
    entries: tuple[ChronologyEntry, ...]
    meeting: Meeting | None
    access_until: datetime | None


@dataclass(frozen=True)
class PartnerContact:
    person: Person
    agency: str


async def get_partners(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> Partners:
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.READ_PARTNERS, case, now=now)
        found = Partners(case, await uow.partners.summary(case_id), await uow.partners.invitations(case_id))
        await uow.commit()
        return found


async def approve_summary(*, uow: UnitOfWork, actor: Actor, case_id: int, text: object, now: datetime) -> Partners:
    """A new revision of the partner summary: the only case text partners ever see."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.APPROVE_PARTNER_SUMMARY, case, now=now)
        case.require_debrief("partnerSummary")
        approved = parse_summary(text)
        previous = await uow.partners.summary(case_id)
        if previous is not None and previous.text == approved:
            raise InvalidInput({"partnerSummary": "This is the summary already approved; nothing has changed."})
        summary = PartnerSummary(
            text=approved,
            approved_by=Person(actor.user_id, actor.name),
            approved_at=now,
            revision=(previous.revision + 1) if previous else 1,
        )
        await uow.partners.add_summary(case_id, summary)
        uow.outbox.add(OutboundMessage(MessageKind.PARTNERS_CARD, case_id, Audience.CASE_THREAD))
        uow.mark_processed(case_id)
        await uow.commit()
        return Partners(case, summary, await uow.partners.invitations(case_id))


async def invite_partners(
    *,
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    contacts: Sequence[PartnerContact],
    agreement: str | None,
    now: datetime,
) -> tuple[Partners, list[PartnerInvitation]]:
    """Invite named contacts of agencies in scope; each hears one to one. Needs the summary and the SIO's consent."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(
            uow,
            actor,
            Permission.INVITE_PARTNERS,
            case,
            now=now,
            recipients=tuple(f"person:{c.person.user_id}" for c in contacts),
            justification="partner summary shared by invitation",
        )
        case.require_debrief("contactIds")
        summary = await uow.partners.summary(case_id)
        if summary is None:
            raise InvalidInput({"contactIds": "Approve the partner summary first: it is what partners will see."})
        if not collection_may_start(await uow.consents.latest(case_id)):
            raise InvalidInput({"contactIds": "Partners are invited once the SIO has consented to the debrief."})
        if not contacts:
            raise InvalidInput({"contactIds": "Choose at least one partner contact to invite."})
        if len(contacts) > MAX_PER_INVITATION:
            raise InvalidInput({"contactIds": f"Invite up to {MAX_PER_INVITATION} contacts at a time."})
        latest = await uow.parameters.latest(case_id)
        if latest is not None and (outside := [c for c in contacts if c.agency not in latest.parameters.agencies]):
            raise InvalidInput(
                {
                    "contactIds": f"{outside[0].agency} is not among the agencies in this debrief's parameters; add "
                    "it to the parameters first."
                }
            )
        agreement = (agreement or "").strip() or DEFAULT_AGREEMENT
        if len(agreement) > MAX_AGREEMENT:
            raise InvalidInput({"agreement": f"Keep the agreement's name to {MAX_AGREEMENT} characters or fewer."})
        so_far = await uow.partners.invitations(case_id)
        taken = {i.contact.user_id for i in so_far if i.holds_a_place(now)}
        new = [c for c in dict.fromkeys(contacts) if c.person.user_id not in taken]
        if not new:
            raise InvalidInput({"contactIds": "Everyone chosen already has an invitation to this case."})
        invited = []
        for contact in new:
            invitation = await uow.partners.add_invitation(
                PartnerInvitation(
                    case_id=case_id,
                    agency=contact.agency,
                    contact=contact.person,
                    invited_by=Person(actor.user_id, actor.name),
                    invited_at=now,
                    answer_by=answer_by(now),
                    agreement=agreement,
                )
            )
            invited.append(invitation)
            uow.outbox.add(_invitation_message(invitation))
        uow.outbox.add(OutboundMessage(MessageKind.PARTNERS_CARD, case_id, Audience.CASE_THREAD))
        uow.mark_processed(case_id)
        await uow.commit()
        return Partners(case, summary, await uow.partners.invitations(case_id)), invited


async def get_invitation(*, uow: UnitOfWork, actor: Actor, invitation_id: int, now: datetime) -> InvitationView:
    async with uow:
        case, invitation = await _invitation(uow, invitation_id)
        relation = await relation_of(uow, actor, case, now=now, invitation=invitation)
        await authorise(uow, actor, Permission.READ_PARTNER_INVITATION, case, now=now, relation=relation)
        view = await _invitation_view(uow, case, invitation)
        await uow.commit()
        return view


async def accept_invitation(
    *, uow: UnitOfWork, actor: Actor, invitation_id: int, acknowledged: bool, now: datetime
) -> InvitationView:
    async with uow:
        case, invitation = await _answerable(uow, actor, invitation_id, now=now)
        invitation.accept(now=now, acknowledged=acknowledged)
        return await _answered(uow, case, invitation)


async def decline_invitation(
    *, uow: UnitOfWork, actor: Actor, invitation_id: int, reason: str | None, now: datetime
) -> InvitationView:
    async with uow:
        case, invitation = await _answerable(uow, actor, invitation_id, now=now)
        invitation.decline(now=now, reason=reason)
        return await _answered(uow, case, invitation)


async def delegate_invitation(
    *, uow: UnitOfWork, actor: Actor, invitation_id: int, to: PartnerContact | None, now: datetime
) -> InvitationView:
    """Pass it to a colleague in the same agency, who gets a fresh invitation (and the lead reviewer sees who)."""
    async with uow:
        case, invitation = await _answerable(uow, actor, invitation_id, now=now)
        if to is None:
            raise InvalidInput({"delegateTo": "Choose the colleague who should take part instead."})
        successor = invitation.delegate(now=now, to=to.person, same_agency=to.agency == invitation.agency)
        await uow.partners.save_invitation(invitation)
        successor = await uow.partners.add_invitation(successor)
        uow.outbox.add(_invitation_message(successor))
        return await _answered(uow, case, invitation, saved=True)


async def partner_view(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> PartnerView:
    """The case as a partner sees it: the summary, their agency's entries, the meeting, while access lasts."""
    async with uow:
        case = await existing(uow, case_id)
        relation = await relation_of(uow, actor, case, now=now)
        await authorise(uow, actor, Permission.READ_PARTNER_VIEW, case, now=now, relation=relation)
        agency = relation.partner_agency
        if agency is None:
            raise NotFound("The partner view is for partners who have accepted an invitation to this case.")
        access = next(
            (i for i in await uow.partners.invitations_of(actor.user_id) if i.case_id == case_id and i.has_access(now)),
            None,
        )
        entries = ordered(e for e in await uow.chronology.list(case_id) if e.content.source_agency == agency)
        view = PartnerView(
            case_number=case.case_number,
            case_id=case_id,
            agency=agency,
            summary=await uow.partners.summary(case_id),
            entries=entries,
            meeting=await uow.meetings.get(case_id),
            access_until=access.access_until if access else None,
        )
        await uow.commit()
        return view


def _invitation_message(invitation: PartnerInvitation) -> OutboundMessage:
    return OutboundMessage(
        MessageKind.PARTNER_INVITED,
        invitation.case_id,
        Audience.PERSON,
        person_id=invitation.contact.user_id,
    )


async def _invitation(uow: UnitOfWork, invitation_id: int) -> tuple[Case, PartnerInvitation]:
    invitation = await uow.partners.get_invitation(invitation_id)
    if invitation is None:
        raise NotFound("That invitation no longer exists.")
    return await existing(uow, invitation.case_id), invitation


async def _answerable(
    uow: UnitOfWork, actor: Actor, invitation_id: int, *, now: datetime
) -> tuple[Case, PartnerInvitation]:
    case, invitation = await _invitation(uow, invitation_id)
    relation = await relation_of(uow, actor, case, now=now, invitation=invitation)
    await authorise(uow, actor, Permission.ANSWER_PARTNER_INVITATION, case, now=now, relation=relation)
    return case, invitation


async def _answered(
    uow: UnitOfWork, case: Case, invitation: PartnerInvitation, *, saved: bool = False
) -> InvitationView:
    if not saved:
        await uow.partners.save_invitation(invitation)
    uow.outbox.add(OutboundMessage(MessageKind.PARTNERS_CARD, invitation.case_id, Audience.CASE_THREAD))
    if invitation.status is InvitationStatus.ACCEPTED:
        # An accepted partner can now be invited to the meeting: the meeting card's list of people changes.
        uow.outbox.add(OutboundMessage(MessageKind.MEETING_CARD, invitation.case_id, Audience.CASE_THREAD))
    uow.mark_processed(invitation.case_id)
    view = await _invitation_view(uow, case, invitation)
    await uow.commit()
    return view


async def _invitation_view(uow: UnitOfWork, case: Case, invitation: PartnerInvitation) -> InvitationView:
    summary = await uow.partners.summary(invitation.case_id)
    if summary is None:
        raise NotFound("This invitation has no partner summary.")
    return InvitationView(case.case_number, invitation, summary, await uow.meetings.get(invitation.case_id))
