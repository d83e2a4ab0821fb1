"""Card verbs of partnership: the lead reviewer's summary and invitations; the partner's answer and view."""

from __future__ import annotations

from typing import Any

from bot.verbs import VerbCall, case_id_of, text_of, verb
from bot.verbs_chronology import number_of
from cards.common import Card
from cards.partners import (
    ACCEPT_INVITATION_VERB,
    APPROVE_SUMMARY_VERB,
    DECLINE_INVITATION_VERB,
    DELEGATE_INVITATION_VERB,
    INVITE_PARTNERS_VERB,
    OPEN_PARTNERS_VERB,
    PARTNER_VIEW_VERB,
    partner_invitation,
    partner_view,
    partners_card,
)
from debrief import partnership
from debrief.errors import InvalidInput
from debrief.fields import choices
from debrief.partnership import InvitationView, PartnerContact, Partners

CHECK_MESSAGE = "Nothing has been saved: please check the highlighted field."


def invitation_id_of(data: dict[str, Any]) -> int:
    return number_of(data, "invitationId", "This card does not name an invitation.")


def _partners(call: VerbCall, found: Partners, **kwargs: Any) -> Card:
    s = call.services
    return partners_card(
        found.case,
        summary=found.summary,
        invitations=found.invitations,
        contacts=s.partner_contacts(),
        now=s.now(),
        **kwargs,
    )


async def _current_partners(call: VerbCall) -> Partners:
    s = call.services
    return await partnership.get_partners(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())


async def _replay_partners(call: VerbCall, case_id: int | None) -> Card:
    return _partners(call, await _current_partners(call), message="This was already received.")


@verb(OPEN_PARTNERS_VERB)
async def open_partners(call: VerbCall) -> Card:
    return _partners(call, await _current_partners(call))


@verb(APPROVE_SUMMARY_VERB, replay=_replay_partners)
async def approve_summary(call: VerbCall) -> Card:
    s = call.services
    try:
        found = await partnership.approve_summary(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id_of(call.data),
            text=call.data.get("partnerSummary"),
            now=s.now(),
        )
    except InvalidInput as invalid:
        return _partners(
            call, await _current_partners(call), message=CHECK_MESSAGE, errors=invalid.field_errors, values=call.data
        )
    assert found.summary is not None
    return _partners(call, found, message=f"Partner summary approved (revision {found.summary.revision}).")


@verb(INVITE_PARTNERS_VERB, replay=_replay_partners)
async def invite_partners(call: VerbCall) -> Card:
    s = call.services
    contacts = s.partner_contacts()
    chosen = choices(call.data.get("contactIds"))
    try:
        if unknown := [c for c in chosen if c not in contacts]:
            raise InvalidInput({"contactIds": f"Choose contacts from the list ({len(unknown)} chosen are not)."})
        found, invited = await partnership.invite_partners(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id_of(call.data),
            contacts=[PartnerContact(*contacts[c]) for c in chosen],
            agreement=text_of(call.data, "agreement"),
            now=s.now(),
        )
    except InvalidInput as invalid:
        return _partners(
            call, await _current_partners(call), message=CHECK_MESSAGE, errors=invalid.field_errors, values=call.data
        )
    names = ", ".join(f"{i.contact.name} ({i.agency})" for i in invited)
    return _partners(call, found, message=f"Invited: {names}.")


# --- The partner contact --------------------------------------------------------------------------------------


def _invitation(call: VerbCall, view: InvitationView, **kwargs: Any) -> Card:
    s = call.services
    invitation = view.invitation
    colleagues = {
        uid: person
        for uid, person in s.directory.partners(invitation.agency).items()
        if uid != invitation.contact.user_id
    }
    return partner_invitation(
        case_number=view.case_number,
        invitation=invitation,
        summary=view.summary,
        meeting=view.meeting,
        colleagues=colleagues,
        now=s.now(),
        **kwargs,
    )


async def _current_invitation(call: VerbCall) -> InvitationView:
    s = call.services
    return await partnership.get_invitation(
        uow=s.uow(), actor=call.actor, invitation_id=invitation_id_of(call.data), now=s.now()
    )


async def _replay_invitation(call: VerbCall, case_id: int | None) -> Card:
    return _invitation(call, await _current_invitation(call))


async def _answer(call: VerbCall, answer: str) -> Card:
    s = call.services
    invitation_id = invitation_id_of(call.data)
    try:
        match answer:
            case "accept":
                view = await partnership.accept_invitation(
                    uow=s.uow(call.activity_key),
                    actor=call.actor,
                    invitation_id=invitation_id,
                    acknowledged=text_of(call.data, "acknowledged") == "true",
                    now=s.now(),
                )
            case "decline":
                view = await partnership.decline_invitation(
                    uow=s.uow(call.activity_key),
                    actor=call.actor,
                    invitation_id=invitation_id,
                    reason=text_of(call.data, "declineReason"),
                    now=s.now(),
                )
            case _:
                chosen = text_of(call.data, "delegateTo") or ""
                agency = s.directory.agency_of(chosen) if chosen else None
                colleague = s.directory.partners(agency).get(chosen) if agency else None
                view = await partnership.delegate_invitation(
                    uow=s.uow(call.activity_key),
                    actor=call.actor,
                    invitation_id=invitation_id,
                    to=PartnerContact(colleague, agency) if colleague is not None and agency else None,
                    now=s.now(),
                )
    except InvalidInput as invalid:
        current = await _current_invitation(call)
        return _invitation(call, current, message=CHECK_MESSAGE, errors=invalid.field_errors, values=call.data)
    return _invitation(call, view)


@verb(ACCEPT_INVITATION_VERB, replay=_replay_invitation)
async def accept_invitation(call: VerbCall) -> Card:
    return await _answer(call, "accept")


@verb(DECLINE_INVITATION_VERB, replay=_replay_invitation)
async def decline_invitation(call: VerbCall) -> Card:
    return await _answer(call, "decline")


@verb(DELEGATE_INVITATION_VERB, replay=_replay_invitation)
async def delegate_invitation(call: VerbCall) -> Card:
    return await _answer(call, "delegate")


@verb(PARTNER_VIEW_VERB)
async def view_as_partner(call: VerbCall) -> Card:
    s = call.services
    view = await partnership.partner_view(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return partner_view(
        case_number=view.case_number,
        agency=view.agency,
        summary=view.summary,
        entries=view.entries,
        meeting=view.meeting,
        access_until=view.access_until,
        case_id=view.case_id,
    )
