"""Partners by invitation: the summary first, named contacts of agencies in scope, answers, and scoped access."""

from __future__ import annotations

from datetime import timedelta

import pytest

from debrief import entries, partnership, verification
from debrief.audit import AuditCategory, AuditOutcome
from debrief.errors import Forbidden, InvalidInput, NotFound
from debrief.messages import Audience, MessageKind
from debrief.model import Person
from debrief.partners import ACCESS_DAYS, InvitationStatus
from debrief.partnership import PartnerContact
from tests.support.forms import chronology_entry_form
from tests.support.people import JORDAN, MORGAN, OWEN, PRIYA, actor
from tests.unit.debrief.test_entries import LATER, add, contributing_case
from tests.unit.fakes import FakeUnitOfWork

SUMMARY = (
    "Victim A was seriously injured at home; Suspect B is in custody. The debrief asks what probation knew of "
    "Suspect B's risk in the year before, and how information was shared."
)
PROBATION = "Probation Service"
ROBIN = Person("00000000-0000-4000-8000-0000000000c7", "Robin Shaw (Probation Service)")  # Morgan's colleague
MORGANS = PartnerContact(MORGAN, PROBATION)


async def summary_approved(uow: FakeUnitOfWork, case_id: int) -> None:
    await partnership.approve_summary(uow=uow, actor=actor(OWEN), case_id=case_id, text=SUMMARY, now=LATER)


async def invited(uow: FakeUnitOfWork, *contacts: PartnerContact) -> tuple[int, int]:
    """A case collecting its chronology, its summary approved, `contacts` invited: (case id, first invitation id)."""
    case_id = await contributing_case(uow)
    await summary_approved(uow, case_id)
    _, sent = await partnership.invite_partners(
        uow=uow, actor=actor(OWEN), case_id=case_id, contacts=list(contacts or (MORGANS,)), agreement=None, now=LATER
    )
    assert sent[0].id is not None
    return case_id, sent[0].id


async def test_partners_are_invited_only_after_the_summary_is_approved() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    with pytest.raises(InvalidInput) as raised:
        await partnership.invite_partners(
            uow=uow, actor=actor(OWEN), case_id=case_id, contacts=[MORGANS], agreement=None, now=LATER
        )
    assert "Approve the partner summary first" in raised.value.field_errors["contactIds"]


async def test_an_invitation_goes_one_to_one_and_is_audited_as_a_disclosure() -> None:
    uow = FakeUnitOfWork()
    await invited(uow)
    sent = [(m.kind, m.audience, m.person_id) for m in uow.committed_messages[-2:]]
    assert sent == [
        (MessageKind.PARTNER_INVITED, Audience.PERSON, MORGAN.user_id),
        (MessageKind.PARTNERS_CARD, Audience.CASE_THREAD, None),
    ]
    record = uow.committed_audit[-1]
    assert record.category is AuditCategory.DISCLOSURE and record.recipients == (f"person:{MORGAN.user_id}",)


async def test_only_agencies_in_the_parameters_can_be_invited() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    await summary_approved(uow, case_id)
    with pytest.raises(InvalidInput) as raised:
        await partnership.invite_partners(
            uow=uow,
            actor=actor(OWEN),
            case_id=case_id,
            contacts=[PartnerContact(MORGAN, "Housing")],
            agreement=None,
            now=LATER,
        )
    assert "not among the agencies" in raised.value.field_errors["contactIds"]


async def test_accepting_needs_the_handling_conditions_acknowledged() -> None:
    uow = FakeUnitOfWork()
    _, invitation_id = await invited(uow)
    with pytest.raises(InvalidInput) as raised:
        await partnership.accept_invitation(
            uow=uow, actor=actor(MORGAN), invitation_id=invitation_id, acknowledged=False, now=LATER
        )
    assert "OFFICIAL-SENSITIVE" in raised.value.field_errors["acknowledged"]
    view = await partnership.accept_invitation(
        uow=uow, actor=actor(MORGAN), invitation_id=invitation_id, acknowledged=True, now=LATER
    )
    assert view.invitation.status is InvitationStatus.ACCEPTED
    assert view.invitation.access_until == LATER + timedelta(days=ACCESS_DAYS)


async def test_only_the_person_invited_can_answer() -> None:
    uow = FakeUnitOfWork()
    _, invitation_id = await invited(uow)
    for someone in (JORDAN, PRIYA):
        with pytest.raises(Forbidden):
            await partnership.accept_invitation(
                uow=uow, actor=actor(someone), invitation_id=invitation_id, acknowledged=True, now=LATER
            )
    assert uow.committed_audit[-1].outcome is AuditOutcome.REFUSED


async def test_a_declined_invitation_keeps_its_reason_and_cannot_then_be_accepted() -> None:
    uow = FakeUnitOfWork()
    _, invitation_id = await invited(uow)
    view = await partnership.decline_invitation(
        uow=uow, actor=actor(MORGAN), invitation_id=invitation_id, reason="Not our client.", now=LATER
    )
    assert (view.invitation.status, view.invitation.decline_reason) == (InvitationStatus.DECLINED, "Not our client.")
    with pytest.raises(InvalidInput):
        await partnership.accept_invitation(
            uow=uow, actor=actor(MORGAN), invitation_id=invitation_id, acknowledged=True, now=LATER
        )


async def test_delegating_gives_a_colleague_in_the_same_agency_a_fresh_invitation() -> None:
    uow = FakeUnitOfWork()
    case_id, invitation_id = await invited(uow)
    with pytest.raises(InvalidInput):
        await partnership.delegate_invitation(
            uow=uow,
            actor=actor(MORGAN),
            invitation_id=invitation_id,
            to=PartnerContact(ROBIN, "Housing"),
            now=LATER,
        )
    view = await partnership.delegate_invitation(
        uow=uow, actor=actor(MORGAN), invitation_id=invitation_id, to=PartnerContact(ROBIN, PROBATION), now=LATER
    )
    assert view.invitation.status is InvitationStatus.DELEGATED and view.invitation.delegated_to == ROBIN
    found = await partnership.get_partners(uow=uow, actor=actor(OWEN), case_id=case_id, now=LATER)
    [fresh] = [i for i in found.invitations if i.contact == ROBIN]
    assert fresh.status is InvitationStatus.INVITED and fresh.delegated_from_id == invitation_id
    assert uow.committed_messages[-2].person_id == ROBIN.user_id


async def test_an_unanswered_invitation_expires() -> None:
    uow = FakeUnitOfWork()
    _, invitation_id = await invited(uow)
    with pytest.raises(InvalidInput) as raised:
        await partnership.accept_invitation(
            uow=uow, actor=actor(MORGAN), invitation_id=invitation_id, acknowledged=True, now=LATER + timedelta(days=9)
        )
    assert "expired" in raised.value.field_errors["acknowledged"]


async def accepted(uow: FakeUnitOfWork) -> int:
    case_id, invitation_id = await invited(uow)
    await partnership.accept_invitation(
        uow=uow, actor=actor(MORGAN), invitation_id=invitation_id, acknowledged=True, now=LATER
    )
    return case_id


async def test_a_partner_sees_the_summary_and_only_their_agencys_entries() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    await add(uow, case_id, who=JORDAN)  # a police entry
    _, probation_entry, _ = await entries.add_entry(
        uow=uow,
        actor=actor(MORGAN),
        case_id=case_id,
        form=chronology_entry_form(sourceAgency=PROBATION, summary="Suspect B missed two probation appointments."),
        now=LATER,
    )
    view = await partnership.partner_view(uow=uow, actor=actor(MORGAN), case_id=case_id, now=LATER)
    assert view.summary is not None and view.summary.text == SUMMARY
    assert [e.id for e in view.entries] == [probation_entry.id]
    with pytest.raises(Forbidden):
        await verification.get_chronology(uow=uow, actor=actor(MORGAN), case_id=case_id, now=LATER)


async def test_a_partner_adds_entries_from_their_own_agencys_records_only() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    with pytest.raises(InvalidInput) as raised:
        await entries.add_entry(
            uow=uow, actor=actor(MORGAN), case_id=case_id, form=chronology_entry_form(sourceAgency="Police"), now=LATER
        )
    assert "Probation Service's records only" in raised.value.field_errors["sourceAgency"]
    form = await entries.open_form(uow=uow, actor=actor(MORGAN), case_id=case_id, now=LATER)
    assert form.agencies == (PROBATION,)


async def test_a_partners_access_ends() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    after = LATER + timedelta(days=ACCESS_DAYS, minutes=1)
    with pytest.raises(Forbidden):
        await partnership.partner_view(uow=uow, actor=actor(MORGAN), case_id=case_id, now=after)
    with pytest.raises(Forbidden):
        await entries.add_entry(
            uow=uow,
            actor=actor(MORGAN),
            case_id=case_id,
            form=chronology_entry_form(sourceAgency=PROBATION),
            now=after,
        )
    assert uow.committed_audit[-1].outcome is AuditOutcome.REFUSED


async def test_a_partner_on_one_case_sees_nothing_of_another() -> None:
    uow = FakeUnitOfWork()
    await accepted(uow)
    other = await contributing_case(uow, reference="CR/999000/26")
    with pytest.raises(Forbidden):
        await partnership.partner_view(uow=uow, actor=actor(MORGAN), case_id=other, now=LATER)
    with pytest.raises((Forbidden, NotFound)):
        await entries.list_own(uow=uow, actor=actor(MORGAN), case_id=other, now=LATER)
