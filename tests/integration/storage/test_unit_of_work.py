"""Storage on SQLite and PostgreSQL: what a unit of work commits, rolls back, numbers and refuses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief import nominations, parameters, triage
from debrief.audit import AuditOutcome
from debrief.errors import AlreadyProcessed, DuplicateIncident, Forbidden
from debrief.model import CaseStatus, NominationRules, TriageOutcome
from debrief.parameters import ParallelProcess
from debrief.permissions import Role
from storage import outbox_store
from storage import tables as t
from storage.uow import ConcurrentChange, SqlUnitOfWork
from tests.support.forms import nomination_form, parameters_form
from tests.support.people import DIRECTORY, JORDAN, MORGAN, OWEN, PRIYA, actor

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
SIOS = DIRECTORY.people_with(Role.SIO)
REVIEW_TEAM = DIRECTORY.people_with(Role.REVIEW_TEAM)


async def count(engine: AsyncEngine, table: t.Table) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def nominate(engine: AsyncEngine, key: str | None = None, **changes: str) -> int:
    case = await nominations.nominate(
        uow=SqlUnitOfWork(engine, activity_key=key),
        actor=actor(JORDAN),
        form=nomination_form(**changes),
        now=NOW,
        rules=NominationRules(),
        sios=SIOS,
    )
    assert case.id is not None
    return case.id


async def test_a_nomination_is_stored_with_its_audit_and_outbox_rows(engine: AsyncEngine) -> None:
    case_id = await nominate(engine, key="msteams|a:1|f:1")
    async with SqlUnitOfWork(engine) as uow:
        case = await uow.cases.get(case_id)
    assert case is not None
    assert case.case_number == "RD-2026-0001"
    assert case.nomination.incident_at == datetime(2026, 11, 20, 21, 30, tzinfo=UTC)
    assert case.nomination.sio.name == "DCI Ruth Okafor"
    assert await count(engine, t.audit_log) == 1
    assert await count(engine, t.outbox) == 1
    assert await count(engine, t.processed_activities) == 1


async def test_case_numbers_are_unique_under_concurrent_nominations(engine: AsyncEngine) -> None:
    ids = await asyncio.gather(*(nominate(engine, incidentReference=f"CR/{n:06d}/26") for n in range(12)))
    async with engine.connect() as connection:
        numbers = (await connection.execute(select(t.cases.c.case_number))).scalars().all()
    assert len(set(ids)) == 12
    assert sorted(numbers) == [f"RD-2026-{n:04d}" for n in range(1, 13)]


async def test_a_second_nomination_of_an_incident_names_the_first_case(engine: AsyncEngine) -> None:
    await nominate(engine)
    with pytest.raises(DuplicateIncident) as raised:
        await nominate(engine)
    assert raised.value.case_number == "RD-2026-0001"
    assert await count(engine, t.cases) == 1
    assert await count(engine, t.outbox) == 1


async def test_the_same_activity_twice_has_one_effect(engine: AsyncEngine) -> None:
    await nominate(engine, key="msteams|a:1|f:9")
    with pytest.raises((AlreadyProcessed, DuplicateIncident)):
        await nominate(engine, key="msteams|a:1|f:9")
    assert await count(engine, t.cases) == 1


async def test_a_refusal_is_committed_but_nothing_else(engine: AsyncEngine) -> None:
    with pytest.raises(Forbidden):
        await nominations.nominate(
            uow=SqlUnitOfWork(engine, activity_key="k"),
            actor=actor(MORGAN),
            form=nomination_form(),
            now=NOW,
            rules=NominationRules(),
            sios=SIOS,
        )
    async with engine.connect() as connection:
        rows = (await connection.execute(select(t.audit_log.c.outcome, t.audit_log.c.case_id))).all()
    assert rows == [(AuditOutcome.REFUSED.value, None)]
    assert await count(engine, t.cases) == 0
    assert await count(engine, t.processed_activities) == 0


async def test_a_triage_decision_is_stored_with_who_and_when(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    await triage.triage(
        uow=SqlUnitOfWork(engine),
        actor=actor(PRIYA),
        case_id=case_id,
        request=triage.TriageRequest(TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id),
        review_team=REVIEW_TEAM,
        now=NOW + timedelta(hours=1),
    )
    async with SqlUnitOfWork(engine) as uow:
        case = await uow.cases.get(case_id)
    assert case is not None and case.status is CaseStatus.ACCEPTED
    assert case.lead_reviewer == OWEN
    assert case.decisions[0].decided_by == PRIYA
    assert case.decisions[0].decided_at == NOW + timedelta(hours=1)
    assert await count(engine, t.outbox) == 5  # triage requested; card changed, outcome, parameters, consent


async def test_a_stale_write_is_refused(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    async with SqlUnitOfWork(engine) as first:
        stale = await first.cases.get(case_id)
    await triage.triage(
        uow=SqlUnitOfWork(engine),
        actor=actor(PRIYA),
        case_id=case_id,
        request=triage.TriageRequest(TriageOutcome.DECLINE, reason="Outside scope."),
        review_team=REVIEW_TEAM,
        now=NOW,
    )
    assert stale is not None
    stale.status = CaseStatus.ACCEPTED
    async with SqlUnitOfWork(engine) as uow:
        with pytest.raises(ConcurrentChange):
            await uow.cases.save(stale)


async def test_outbox_claims_do_not_overlap(engine: AsyncEngine) -> None:
    for n in range(6):
        await nominate(engine, incidentReference=f"CR/{n:06d}/26")
    lease = timedelta(seconds=30)
    first = await outbox_store.claim_due(engine, instance="a", now=NOW.replace(year=2027), lease=lease, limit=4)
    second = await outbox_store.claim_due(engine, instance="b", now=NOW.replace(year=2027), lease=lease, limit=4)
    assert len(first) == 4 and len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}
    # A crashed instance's lease runs out and its rows come back.
    later = await outbox_store.claim_due(engine, instance="c", now=NOW.replace(year=2027) + lease * 2, lease=lease)
    assert len(later) == 6


async def test_a_database_error_never_carries_case_content(engine: AsyncEngine) -> None:
    secret = "Victim A disclosed a threat on the 101 call"
    async with engine.begin() as connection:
        await connection.execute(insert(t.processed_activities), {"activity_key": secret, "processed_at": NOW})
    with pytest.raises(IntegrityError) as raised:
        async with engine.begin() as connection:
            await connection.execute(insert(t.processed_activities), {"activity_key": secret, "processed_at": NOW})
    assert secret not in str(raised.value)


async def test_parameter_revisions_are_kept_whole(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    await triage.triage(
        uow=SqlUnitOfWork(engine),
        actor=actor(PRIYA),
        case_id=case_id,
        request=triage.TriageRequest(TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id),
        review_team=REVIEW_TEAM,
        now=NOW,
    )
    for subjects in ("Victim A\nSuspect B", "Victim A\nSuspect B\nChild C"):
        await parameters.set_parameters(
            uow=SqlUnitOfWork(engine),
            actor=actor(OWEN),
            case_id=case_id,
            form=parameters_form(subjects=subjects),
            now=NOW,
        )
    async with SqlUnitOfWork(engine) as uow:
        latest = await uow.parameters.latest(case_id)
    assert latest is not None
    assert latest.revision == 2 and latest.changed == ("subjects",)
    assert latest.parameters.subjects == ("Victim A", "Suspect B", "Child C")
    assert latest.parameters.parallel_processes == {ParallelProcess.DARDR, ParallelProcess.CORONER}
    assert latest.set_at == NOW
    assert await count(engine, t.case_parameters) == 2
