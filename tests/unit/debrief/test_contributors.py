"""Inviting contributors: the lead reviewer asks officers, after the SIO's consent, each once, with a deadline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from debrief import consent, contributors
from debrief.audit import AuditOutcome
from debrief.consent import ConsentAnswer
from debrief.errors import Forbidden, InvalidInput
from debrief.messages import Audience, MessageKind
from tests.support.people import JORDAN, OWEN, PRIYA, RUTH, TOM, actor
from tests.unit.debrief.test_parameters import NOW, accepted_case
from tests.unit.fakes import FakeUnitOfWork


async def consented_case(
    uow: FakeUnitOfWork, given: ConsentAnswer = ConsentAnswer.CONSENT, *, reference: str = "CR/100200/26"
) -> int:
    case_id = await accepted_case(uow, reference=reference)
    reason = None if given is ConsentAnswer.CONSENT else "Charging decision due on Friday."
    await consent.record_consent(uow=uow, actor=actor(RUTH), case_id=case_id, answer=given, text=reason, now=NOW)
    return case_id


async def invite(uow: FakeUnitOfWork, case_id: int, *people, who=OWEN):  # type: ignore[no-untyped-def]
    return await contributors.invite_contributors(
        uow=uow, actor=actor(who), case_id=case_id, people=list(people), now=NOW + timedelta(hours=4)
    )


async def test_the_lead_reviewer_invites_officers_with_a_five_working_day_deadline() -> None:
    uow = FakeUnitOfWork()
    case_id = await consented_case(uow)
    _, invited = await invite(uow, case_id, JORDAN, TOM)
    assert [c.person for c in invited] == [JORDAN, TOM]
    assert {c.deadline for c in invited} == {date(2026, 12, 3)}  # Thursday + 5 working days
    sent = [(m.kind, m.audience, m.person_id) for m in uow.committed_messages[-4:]]
    assert sent == [
        (MessageKind.CONTRIBUTOR_INVITED, Audience.PERSON, JORDAN.user_id),
        (MessageKind.CONTRIBUTOR_INVITED, Audience.PERSON, TOM.user_id),
        (MessageKind.CONTRIBUTORS_CARD, Audience.CASE_THREAD, None),
        (MessageKind.MEETING_CARD, Audience.CASE_THREAD, None),  # the new contributors can be invited to it
    ]
    assert uow.committed_audit[-1].recipients == (JORDAN.user_id, TOM.user_id)


async def test_an_officer_is_invited_once() -> None:
    uow = FakeUnitOfWork()
    case_id = await consented_case(uow)
    await invite(uow, case_id, JORDAN)
    _, invited = await invite(uow, case_id, JORDAN, TOM)
    assert [c.person for c in invited] == [TOM]
    with pytest.raises(InvalidInput) as raised:
        await invite(uow, case_id, TOM)
    assert "already been invited" in raised.value.field_errors["contributorIds"]


@pytest.mark.parametrize("given", [None, ConsentAnswer.NOT_YET])
async def test_no_one_is_invited_before_the_sio_consents(given: ConsentAnswer | None) -> None:
    uow = FakeUnitOfWork()
    case_id = await (consented_case(uow, given) if given else accepted_case(uow))
    with pytest.raises(InvalidInput) as raised:
        await invite(uow, case_id, JORDAN)
    assert "waits for the SIO's consent" in raised.value.field_errors["contributorIds"]
    assert uow.contributors.invited == {}


@pytest.mark.parametrize("who", [PRIYA, RUTH, JORDAN])
async def test_only_the_lead_reviewer_invites(who) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    case_id = await consented_case(uow)
    with pytest.raises(Forbidden):
        await invite(uow, case_id, TOM, who=who)
    assert uow.contributors.invited == {}
    assert uow.committed_audit[-1].outcome is AuditOutcome.REFUSED


async def test_choosing_no_one_invites_no_one() -> None:
    uow = FakeUnitOfWork()
    case_id = await consented_case(uow)
    with pytest.raises(InvalidInput) as raised:
        await invite(uow, case_id)
    assert "at least one officer" in raised.value.field_errors["contributorIds"]
