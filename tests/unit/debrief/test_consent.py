"""SIO consent: only the SIO answers, collection waits for consent, and consent once given stands."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from debrief import consent
from debrief.audit import AuditOutcome
from debrief.consent import ConsentAnswer, collection_may_start, consent_due_for
from debrief.errors import Forbidden, InvalidInput
from debrief.messages import Audience, MessageKind
from tests.support.people import OWEN, PRIYA, RUTH, actor
from tests.unit.debrief.test_parameters import NOW, accepted_case
from tests.unit.fakes import FakeUnitOfWork


async def answer(uow: FakeUnitOfWork, case_id: int, given: ConsentAnswer, text: str | None = None, who=RUTH):  # type: ignore[no-untyped-def]
    return await consent.record_consent(
        uow=uow, actor=actor(who), case_id=case_id, answer=given, text=text, now=NOW + timedelta(hours=3)
    )


async def test_the_sio_consents_and_collection_may_start() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    assert not collection_may_start(await uow.consents.latest(case_id))
    _, record = await answer(uow, case_id, ConsentAnswer.CONSENT, "ignored for plain consent")
    assert (record.answer, record.by, record.text) == (ConsentAnswer.CONSENT, RUTH, None)
    assert collection_may_start(record)
    sent = [(m.kind, m.audience) for m in uow.committed_messages[-4:]]
    assert sent == [
        (MessageKind.CONSENT_RECORDED, Audience.CASE_THREAD),
        (MessageKind.CONTRIBUTORS_CARD, Audience.CASE_THREAD),
        (MessageKind.PARTNERS_CARD, Audience.CASE_THREAD),
        (MessageKind.MEETING_CARD, Audience.CASE_THREAD),
    ]
    assert uow.committed_audit[-1].justification == "consent"


async def test_conditions_are_kept_for_contributors() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    _, record = await answer(
        uow, case_id, ConsentAnswer.CONSENT_WITH_CONDITIONS, "Do not contact the family; route questions via the SIO."
    )
    assert record.text == "Do not contact the family; route questions via the SIO."
    assert collection_may_start(record)


async def test_not_yet_holds_collection_until_the_sio_consents() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    _, held = await answer(uow, case_id, ConsentAnswer.NOT_YET, "Charging decision due on Friday.")
    assert not collection_may_start(held)
    assert uow.committed_messages[-1].kind is MessageKind.CONSENT_RECORDED  # no invitations card yet
    _, later = await answer(uow, case_id, ConsentAnswer.CONSENT)
    assert collection_may_start(later)
    assert len(uow.consents.records[case_id]) == 2


async def test_consent_once_given_stands() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    await answer(uow, case_id, ConsentAnswer.CONSENT)
    _, still = await answer(uow, case_id, ConsentAnswer.NOT_YET, "Changed my mind")
    assert still.answer is ConsentAnswer.CONSENT
    assert len(uow.consents.records[case_id]) == 1


@pytest.mark.parametrize(
    ("given", "field"), [(ConsentAnswer.CONSENT_WITH_CONDITIONS, "conditions"), (ConsentAnswer.NOT_YET, "notYetReason")]
)
async def test_conditions_and_reasons_cannot_be_empty(given: ConsentAnswer, field: str) -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    with pytest.raises(InvalidInput) as raised:
        await answer(uow, case_id, given, "  ")
    assert field in raised.value.field_errors
    assert uow.consents.records == {}


@pytest.mark.parametrize("who", [OWEN, PRIYA])
async def test_only_the_sio_answers(who) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    with pytest.raises(Forbidden):
        await answer(uow, case_id, ConsentAnswer.CONSENT, who=who)
    assert uow.consents.records == {}
    assert uow.committed_audit[-1].outcome is AuditOutcome.REFUSED


async def test_there_is_nothing_to_consent_to_before_the_case_is_accepted() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow, accept=False)
    with pytest.raises(InvalidInput):
        await answer(uow, case_id, ConsentAnswer.CONSENT)


async def test_consent_is_due_two_working_days_after_acceptance() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)  # accepted on Thursday 26 November 2026
    assert consent_due_for(uow.cases.stored[case_id]) == date(2026, 11, 30)
