"""Contributors add what they know: after consent, their own entries only, until the chronology is locked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from debrief import entries, parameters, verification
from debrief.audit import AuditCategory, AuditOutcome
from debrief.errors import Forbidden, InvalidInput, NotFound
from debrief.model import Person
from tests.support.forms import chronology_entry_form, parameters_form
from tests.support.people import JORDAN, MORGAN, OWEN, TOM, actor
from tests.unit.debrief.test_contributors import consented_case, invite
from tests.unit.debrief.test_parameters import NOW
from tests.unit.fakes import FakeUnitOfWork

LATER = NOW + timedelta(days=1)


async def contributing_case(uow: FakeUnitOfWork, *, reference: str = "CR/100200/26") -> int:
    """An accepted, consented case with parameters, Jordan and Tom invited."""
    case_id = await consented_case(uow, reference=reference)
    await parameters.set_parameters(uow=uow, actor=actor(OWEN), case_id=case_id, form=parameters_form(), now=NOW)
    await invite(uow, case_id, JORDAN, TOM)
    return case_id


async def add(uow: FakeUnitOfWork, case_id: int, who=JORDAN, **changes: str):  # type: ignore[no-untyped-def]
    return await entries.add_entry(
        uow=uow, actor=actor(who), case_id=case_id, form=chronology_entry_form(**changes), now=LATER
    )


async def test_an_invited_officer_adds_an_entry_and_can_add_another() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    _, first, yours = await add(uow, case_id)
    _, second, yours_now = await add(uow, case_id, eventDate="2026-04-02", summary="A second, later contact.")
    assert (yours, yours_now) == (1, 2)
    assert first.contributor == JORDAN and first.recorded_at == LATER
    assert uow.committed_audit[-1].category is AuditCategory.COLLECTION
    assert uow.committed_audit[-1].action == "case.chronology.entry.add"
    assert second.id != first.id


async def test_bad_input_stores_nothing() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    with pytest.raises(InvalidInput) as raised:
        await add(uow, case_id, summary="", eventDate="2030-01-01")
    assert set(raised.value.field_errors) == {"summary", "eventDate"}
    assert (await entries.list_own(uow=uow, actor=actor(JORDAN), case_id=case_id, now=LATER)).entries == []


@pytest.mark.parametrize("who", [MORGAN, Person("00000000-0000-4000-8000-0000000000ff", "PC Not Invited")])
async def test_an_officer_who_was_not_invited_cannot_add(who) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    with pytest.raises(Forbidden):
        await add(uow, case_id, who=who)
    assert uow.committed_audit[-1].outcome is AuditOutcome.REFUSED


async def test_a_contributor_sees_only_their_own_entries() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    await add(uow, case_id, who=JORDAN)
    await add(uow, case_id, who=TOM, summary="Tom's account of the attendance that evening.")
    mine = await entries.list_own(uow=uow, actor=actor(TOM), case_id=case_id, now=LATER)
    assert [e.contributor for e in mine.entries] == [TOM]
    with pytest.raises(Forbidden):
        await verification.get_chronology(uow=uow, actor=actor(TOM), case_id=case_id, now=LATER)


async def test_a_contributor_cannot_open_edit_or_withdraw_someone_elses_entry() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    _, jordans, _ = await add(uow, case_id, who=JORDAN)
    assert jordans.id is not None
    with pytest.raises(Forbidden):
        await entries.get_own(uow=uow, actor=actor(TOM), case_id=case_id, entry_id=jordans.id, now=LATER)
    with pytest.raises(Forbidden):
        await entries.edit_entry(
            uow=uow, actor=actor(TOM), case_id=case_id, entry_id=jordans.id, form=chronology_entry_form(), now=LATER
        )
    with pytest.raises(Forbidden):
        await entries.withdraw_entry(uow=uow, actor=actor(TOM), case_id=case_id, entry_id=jordans.id, now=LATER)
    assert [v.version for v in uow.chronology.versions(jordans.id)] == [1]


async def test_an_edit_keeps_the_earlier_version_and_the_audit_names_the_fields_changed() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    _, entry, _ = await add(uow, case_id)
    assert entry.id is not None
    _, edited = await entries.edit_entry(
        uow=uow,
        actor=actor(JORDAN),
        case_id=case_id,
        entry_id=entry.id,
        form=chronology_entry_form(eventTime="21:50"),
        now=LATER,
    )
    assert edited.content.event_time is not None and edited.content.event_time.minute == 50
    assert [v.version for v in uow.chronology.versions(entry.id)] == [1, 2]
    assert uow.committed_audit[-1].justification == "event_time"


async def test_a_withdrawn_entry_is_kept_but_leaves_the_chronology() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    _, entry, _ = await add(uow, case_id)
    assert entry.id is not None
    own = await entries.withdraw_entry(uow=uow, actor=actor(JORDAN), case_id=case_id, entry_id=entry.id, now=LATER)
    assert [e.withdrawn for e in own.entries] == [True]
    merged = await verification.get_chronology(uow=uow, actor=actor(OWEN), case_id=case_id, now=LATER)
    assert merged.chronology.entries == ()
    with pytest.raises(InvalidInput):
        await entries.withdraw_entry(uow=uow, actor=actor(JORDAN), case_id=case_id, entry_id=entry.id, now=LATER)


async def test_nothing_is_added_before_the_sio_consents() -> None:
    from tests.unit.debrief.test_parameters import accepted_case

    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    with pytest.raises(Forbidden):
        await add(uow, case_id, who=JORDAN)  # not invited: invitations wait for consent too
    with pytest.raises(InvalidInput) as raised:
        await add(uow, case_id, who=OWEN)  # the review team may add, but not before consent
    assert "waits for the SIO's consent" in raised.value.field_errors["summary"]


async def test_after_the_lock_entries_cannot_be_added_changed_or_withdrawn() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    _, entry, _ = await add(uow, case_id)
    assert entry.id is not None
    await verification.review_entry(
        uow=uow, actor=actor(OWEN), case_id=case_id, entry_id=entry.id, form={"verified": "true"}, now=LATER
    )
    await verification.lock_chronology(uow=uow, actor=actor(OWEN), case_id=case_id, now=LATER)
    for attempt in (
        add(uow, case_id, summary="One more thing I remembered later."),
        entries.edit_entry(
            uow=uow, actor=actor(JORDAN), case_id=case_id, entry_id=entry.id, form=chronology_entry_form(), now=LATER
        ),
        entries.withdraw_entry(uow=uow, actor=actor(JORDAN), case_id=case_id, entry_id=entry.id, now=LATER),
    ):
        with pytest.raises(InvalidInput) as raised:
            await attempt
        assert "locked" in next(iter(raised.value.field_errors.values()))
    own = await entries.list_own(uow=uow, actor=actor(JORDAN), case_id=case_id, now=LATER)
    assert own.locked and not own.entries[0].withdrawn


async def test_the_message_action_offers_only_cases_open_for_entries() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    open_now = await entries.open_cases(uow=uow, actor=actor(JORDAN), now=LATER)
    assert [c.case.id for c in open_now] == [case_id]
    assert open_now[0].deadline is not None
    assert await entries.open_cases(uow=uow, actor=actor(MORGAN), now=LATER) == []


async def test_an_entry_of_another_case_is_not_found() -> None:
    uow = FakeUnitOfWork()
    case_id = await contributing_case(uow)
    _, entry, _ = await add(uow, case_id)
    assert entry.id is not None
    with pytest.raises(NotFound):
        await entries.get_own(uow=uow, actor=actor(JORDAN), case_id=case_id + 1, entry_id=entry.id, now=LATER)
