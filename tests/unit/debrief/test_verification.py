"""The lead reviewer verifies the merged chronology, flags and themes entries, locks it, and asks for the document."""

from __future__ import annotations

import pytest

from debrief import verification
from debrief.audit import AuditCategory, AuditOutcome
from debrief.errors import Forbidden, InvalidInput
from debrief.messages import Audience, MessageKind
from tests.support.people import JORDAN, OWEN, PRIYA, RUTH, TOM, actor
from tests.unit.debrief.test_entries import LATER, add, contributing_case
from tests.unit.fakes import FakeUnitOfWork


async def review(uow: FakeUnitOfWork, case_id: int, entry_id: int, who=OWEN, **form: str):  # type: ignore[no-untyped-def]
    return await verification.review_entry(
        uow=uow, actor=actor(who), case_id=case_id, entry_id=entry_id, form=form, now=LATER
    )


async def test_the_review_team_sees_everyones_entries_merged_in_time_order() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    await add(uow, case_id, who=JORDAN, eventDate="2026-05-01")
    await add(uow, case_id, who=TOM, eventDate="2026-02-01", summary="An earlier attendance at the address.")
    merged = await verification.get_chronology(uow=uow, actor=actor(PRIYA), case_id=case_id, now=LATER)
    assert [e.contributor for e in merged.chronology.entries] == [TOM, JORDAN]
    assert merged.chronology.gaps
    assert uow.committed_audit[-1].category is AuditCategory.CONSULTATION


async def test_the_lead_reviewer_verifies_flags_and_themes_an_entry() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    _, entry, _ = await add(uow, case_id)
    assert entry.id is not None
    _, reviewed = await review(
        uow, case_id, entry.id, verified="true", goodPractice="true", themes="Coercive control,Information sharing"
    )
    assert reviewed.review.verified_by == OWEN
    assert reviewed.review.good_practice
    assert reviewed.review.themes == ("Coercive control", "Information sharing")
    assert reviewed.content == entry.content


async def test_changing_themes_later_keeps_the_first_verification() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    _, entry, _ = await add(uow, case_id)
    assert entry.id is not None
    _, first = await review(uow, case_id, entry.id, verified="true")
    _, second = await review(uow, case_id, entry.id, verified="true", themes="Training")
    assert second.review.verified_at == first.review.verified_at


@pytest.mark.parametrize("who", [PRIYA, JORDAN, RUTH])
async def test_only_the_lead_reviewer_verifies(who) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    _, entry, _ = await add(uow, case_id)
    assert entry.id is not None
    with pytest.raises(Forbidden):
        await review(uow, case_id, entry.id, who=who, verified="true")
    assert uow.committed_audit[-1].outcome is AuditOutcome.REFUSED


async def test_a_chronology_is_locked_only_when_every_entry_is_verified() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    with pytest.raises(InvalidInput) as raised:
        await verification.lock_chronology(uow=uow, actor=actor(OWEN), case_id=case_id, now=LATER)
    assert "no entries yet" in raised.value.field_errors["lock"]
    _, first, _ = await add(uow, case_id)
    _, second, _ = await add(uow, case_id, who=TOM, summary="Tom's account of the arrest that night.")
    assert first.id is not None and second.id is not None
    await review(uow, case_id, first.id, verified="true")
    with pytest.raises(InvalidInput) as raised:
        await verification.lock_chronology(uow=uow, actor=actor(OWEN), case_id=case_id, now=LATER)
    assert "1 of 2 entries are not yet verified" in raised.value.field_errors["lock"]
    await review(uow, case_id, second.id, verified="true")
    locked = await verification.lock_chronology(uow=uow, actor=actor(OWEN), case_id=case_id, now=LATER)
    assert locked.chronology.lock is not None and locked.chronology.lock.locked_by == OWEN
    with pytest.raises(InvalidInput):
        await review(uow, case_id, second.id, verified="false")
    with pytest.raises(InvalidInput):
        await verification.lock_chronology(uow=uow, actor=actor(OWEN), case_id=case_id, now=LATER)


async def test_the_document_goes_to_the_person_who_asked_and_its_delivery_is_a_disclosure() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    await verification.request_document(uow=uow, actor=actor(PRIYA), case_id=case_id, now=LATER)
    message = uow.committed_messages[-1]
    assert (message.kind, message.audience, message.person_id) == (
        MessageKind.CHRONOLOGY_DOCUMENT,
        Audience.PERSON,
        PRIYA.user_id,
    )
    await verification.chronology_for_document(
        uow=uow, actor=actor(PRIYA), case_id=case_id, now=LATER, route="by single-use link"
    )
    record = uow.committed_audit[-1]
    assert record.category is AuditCategory.DISCLOSURE
    assert record.recipients == (f"person:{PRIYA.user_id}",)
    assert record.justification == "Word chronology delivered by single-use link"


async def test_a_contributor_cannot_ask_for_or_receive_the_document() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    with pytest.raises(Forbidden):
        await verification.request_document(uow=uow, actor=actor(JORDAN), case_id=case_id, now=LATER)
    with pytest.raises(Forbidden):
        await verification.chronology_for_document(
            uow=uow, actor=actor(JORDAN), case_id=case_id, now=LATER, route="by single-use link"
        )
