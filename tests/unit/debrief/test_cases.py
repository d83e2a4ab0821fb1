"""Reading a case: who may, and that every read is logged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from debrief import cases, nominations
from debrief.audit import AuditCategory, AuditOutcome
from debrief.errors import Forbidden, NotFound
from debrief.model import NominationRules
from debrief.permissions import Role
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN, PRIYA, RUTH, TOM, actor
from tests.unit.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


async def a_nominated_case(uow: FakeUnitOfWork) -> int:
    case = await nominations.nominate(
        uow=uow,
        actor=actor(JORDAN),
        form=nomination_form(),
        now=NOW,
        rules=NominationRules(),
        sios=DIRECTORY.people_with(Role.SIO),
    )
    assert case.id is not None
    return case.id


@pytest.mark.parametrize("reader", [JORDAN, RUTH, PRIYA], ids=["nominator", "SIO", "review officer"])
async def test_those_involved_can_read_the_case_and_the_read_is_logged(reader) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    case_id = await a_nominated_case(uow)
    case = await cases.get(uow=uow, actor=actor(reader), case_id=case_id, now=NOW)
    assert case.case_number == "RD-2026-0001"
    read = uow.committed_audit[-1]
    assert (read.actor_id, read.category, read.outcome, read.case_id) == (
        reader.user_id,
        AuditCategory.CONSULTATION,
        AuditOutcome.GRANTED,
        case_id,
    )


async def test_an_officer_not_involved_cannot_read_the_case() -> None:
    uow = FakeUnitOfWork()
    case_id = await a_nominated_case(uow)
    with pytest.raises(Forbidden):
        await cases.get(uow=uow, actor=actor(TOM), case_id=case_id, now=NOW)
    refused = uow.committed_audit[-1]
    assert (refused.actor_id, refused.outcome) == (TOM.user_id, AuditOutcome.REFUSED)


async def test_a_case_that_does_not_exist_is_not_found() -> None:
    with pytest.raises(NotFound):
        await cases.get(uow=FakeUnitOfWork(), actor=actor(PRIYA), case_id=42, now=NOW)
