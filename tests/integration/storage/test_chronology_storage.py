"""The chronology in storage, on SQLite and PostgreSQL: entries and every version of them, the lock, contribution
reminders and single-use document links."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief import nominations
from debrief.chronology import (
    ChronologyEntry,
    ChronologyLock,
    ContactType,
    EntryContent,
    InformationType,
    Precision,
    Review,
    RiskAssessment,
    RiskGrade,
)
from debrief.contributors import Contributor
from debrief.errors import ConcurrentChange
from debrief.model import NominationRules, Person
from debrief.permissions import Role
from storage import tables as t
from storage.database import _alembic_config, migrate
from storage.document_links import create_link, redeem_link
from storage.uow import SqlUnitOfWork
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN, OWEN, TOM, actor

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
SIOS = DIRECTORY.people_with(Role.SIO)

FULL = EntryContent(
    event_date=date(2026, 3, 14),
    event_time=time(21, 40),
    precision=Precision.EXACT,
    source_agency="Police",
    source_system="Incident log",
    source_reference="INC-0314-0921",
    contact_type=ContactType.DASH,
    subjects=("Victim A", "Suspect B"),
    summary="Officers attended a report of a verbal argument; Victim A completed a DASH assessment.",
    information_type=InformationType.FACT,
    risk_assessment=RiskAssessment(tool="DASH", grade=RiskGrade.MEDIUM, assessed_on=date(2026, 3, 15)),
    action_and_outcome="Referred to the IDVA service; no further police action.",
    missed_opportunity=True,
    missed_opportunity_rationale="Escalation in the previous month was not weighed in the grading.",
)
MINIMAL = EntryContent(
    event_date=date(2026, 5, 2),
    event_time=None,
    precision=Precision.DATE_ONLY,
    source_agency="Probation Service",
    source_system="Case management record",
    source_reference=None,
    contact_type=ContactType.PROBATION,
    subjects=("Suspect B",),
    summary="Suspect B attended a scheduled probation appointment.",
    information_type=InformationType.OPINION,
    risk_assessment=None,
    action_and_outcome=None,
    missed_opportunity=False,
    missed_opportunity_rationale=None,
)


async def nominate(engine: AsyncEngine, reference: str = "CR/100200/26") -> int:
    case = await nominations.nominate(
        uow=SqlUnitOfWork(engine),
        actor=actor(JORDAN),
        form=nomination_form(incidentReference=reference),
        now=NOW,
        rules=NominationRules(),
        sios=SIOS,
    )
    assert case.id is not None
    return case.id


async def add_entry(
    engine: AsyncEngine, case_id: int, content: EntryContent = FULL, *, by: Person = JORDAN, **fields: Any
) -> ChronologyEntry:
    async with SqlUnitOfWork(engine) as uow:
        entry = await uow.chronology.add(
            ChronologyEntry(case_id=case_id, content=content, contributor=by, recorded_at=NOW, **fields)
        )
        await uow.commit()
    return entry


async def get_entry(engine: AsyncEngine, entry_id: int) -> ChronologyEntry:
    async with SqlUnitOfWork(engine) as uow:
        entry = await uow.chronology.get(entry_id)
    assert entry is not None
    return entry


async def history(engine: AsyncEngine, entry_id: int) -> list[tuple[int, str | None, dict[str, Any]]]:
    c = t.chronology_entry_versions.c
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(c.version, c.changed_by_id, c.snapshot).where(c.entry_id == entry_id).order_by(c.version)
            )
        ).all()
    return [(row.version, row.changed_by_id, row.snapshot) for row in rows]


async def test_entries_round_trip_with_every_field(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    review = Review(
        verified_by=OWEN,
        verified_at=NOW + timedelta(hours=2),
        missed_opportunity=False,
        good_practice=True,
        themes=("Risk assessment and grading", "Information sharing"),
    )
    full = await add_entry(engine, case_id, FULL, review=review, updated_at=NOW + timedelta(hours=1))
    minimal = await add_entry(engine, case_id, MINIMAL, by=TOM)
    assert full.id is not None and minimal.id is not None and full.version == 1

    assert await get_entry(engine, full.id) == full
    assert await get_entry(engine, minimal.id) == minimal
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.chronology.list(case_id) == [full, minimal]
        assert await uow.chronology.list(case_id, contributor_id=TOM.user_id) == [minimal]
        assert await uow.chronology.list(case_id + 1) == []
        assert await uow.chronology.get(9999) is None
        assert await uow.chronology.contributors_with_entries(case_id) == {JORDAN.user_id, TOM.user_id}


async def test_an_entry_that_is_not_committed_is_not_kept(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    async with SqlUnitOfWork(engine) as uow:
        await uow.chronology.add(ChronologyEntry(case_id=case_id, content=FULL, contributor=JORDAN, recorded_at=NOW))
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.chronology.list(case_id) == []
        assert await uow.chronology.contributors_with_entries(case_id) == set()


async def test_an_edit_keeps_the_earlier_version(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    entry = await add_entry(engine, case_id)
    assert entry.id is not None
    entry.edit(replace(FULL, summary="Officers attended a report of a verbal argument at 21:40."), now=NOW)
    async with SqlUnitOfWork(engine) as uow:
        await uow.chronology.save(entry, by=JORDAN, at=NOW + timedelta(minutes=5))
        await uow.commit()
    entry.withdraw(now=NOW + timedelta(days=1))
    async with SqlUnitOfWork(engine) as uow:
        await uow.chronology.save(entry, by=JORDAN, at=NOW + timedelta(days=1))
        await uow.commit()

    stored = await get_entry(engine, entry.id)
    assert stored == entry and stored.version == 3 and stored.withdrawn
    kept = await history(engine, entry.id)
    assert [(version, by) for version, by, _ in kept] == [(1, JORDAN.user_id), (2, JORDAN.user_id), (3, JORDAN.user_id)]
    first, second, third = (snapshot for _, _, snapshot in kept)
    assert first["content"]["summary"] == FULL.summary
    assert second["content"]["summary"] == "Officers attended a report of a verbal argument at 21:40."
    assert first["content"]["risk_assessment"] == {"tool": "DASH", "grade": "medium", "assessed_on": "2026-03-15"}
    assert first["content"]["event_time"] == "21:40:00"
    assert first["withdrawn_at"] is None and second["withdrawn_at"] is None
    assert third["withdrawn_at"] == (NOW + timedelta(days=1)).isoformat()
    assert third["review"] == {
        "verified_by_id": None,
        "verified_by_name": None,
        "verified_at": None,
        "missed_opportunity": None,
        "good_practice": False,
        "themes": [],
    }


async def test_a_review_is_kept_as_a_new_version(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    entry = await add_entry(engine, case_id)
    assert entry.id is not None
    entry.set_review(Review(verified_by=OWEN, verified_at=NOW, missed_opportunity=True, themes=("Training",)))
    async with SqlUnitOfWork(engine) as uow:
        await uow.chronology.save(entry, by=OWEN, at=NOW)
        await uow.commit()
    stored = await get_entry(engine, entry.id)
    assert stored.review == entry.review and stored.review.verified and stored.version == 2
    assert stored.content == FULL
    _, by, snapshot = (await history(engine, entry.id))[-1]
    assert by == OWEN.user_id
    assert snapshot["review"]["verified_by_name"] == OWEN.name


async def test_two_edits_of_the_same_version_cannot_both_win(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    entry = await add_entry(engine, case_id)
    assert entry.id is not None
    first, second = await get_entry(engine, entry.id), await get_entry(engine, entry.id)
    first.edit(replace(FULL, summary="The first officer's corrected account of the call."), now=NOW)
    second.edit(replace(FULL, summary="The second officer's corrected account of the call."), now=NOW)

    async def save(edited: ChronologyEntry) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await uow.chronology.save(edited, by=edited.contributor, at=NOW)
            await uow.commit()

    outcomes = await asyncio.gather(save(first), save(second), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrentChange", "NoneType"]
    winner = first if outcomes[0] is None else second
    assert await get_entry(engine, entry.id) == winner
    assert [version for version, _, _ in await history(engine, entry.id)] == [1, 2]

    # A stale copy is refused later too, and leaves the history alone.
    stale = await get_entry(engine, entry.id)
    stale.version = 1
    stale.edit(replace(FULL, summary="An account edited from a copy read long ago."), now=NOW)
    with pytest.raises(ConcurrentChange):
        await save(stale)
    assert [version for version, _, _ in await history(engine, entry.id)] == [1, 2]


async def test_a_chronology_is_locked_once(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.chronology.lock_of(case_id) is None

    async def lock(at: datetime) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await uow.chronology.lock(case_id, ChronologyLock(locked_by=OWEN, locked_at=at))
            await uow.commit()

    outcomes = await asyncio.gather(lock(NOW), lock(NOW + timedelta(seconds=1)), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrentChange", "NoneType"]
    with pytest.raises(ConcurrentChange):
        await lock(NOW + timedelta(hours=1))
    async with SqlUnitOfWork(engine) as uow:
        found = await uow.chronology.lock_of(case_id)
    assert found is not None and found.locked_by == OWEN
    assert found.locked_at == (NOW if outcomes[0] is None else NOW + timedelta(seconds=1))


async def test_a_reminder_is_recorded_once(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    async with SqlUnitOfWork(engine) as uow:
        await uow.reminders.add(case_id, JORDAN.user_id, "before_deadline", NOW)
        await uow.reminders.add(case_id, TOM.user_id, "before_deadline", NOW)
        await uow.commit()
    with pytest.raises(ConcurrentChange):
        async with SqlUnitOfWork(engine) as uow:
            await uow.reminders.add(case_id, JORDAN.user_id, "before_deadline", NOW + timedelta(minutes=1))
    async with SqlUnitOfWork(engine) as uow:
        await uow.reminders.add(case_id, JORDAN.user_id, "deadline_day", NOW + timedelta(days=1))
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.reminders.sent(case_id) == {
            (JORDAN.user_id, "before_deadline"),
            (TOM.user_id, "before_deadline"),
            (JORDAN.user_id, "deadline_day"),
        }
        assert await uow.reminders.sent(case_id + 1) == set()


async def test_an_officers_cases_come_newest_invitation_first(engine: AsyncEngine) -> None:
    first, second, third = [await nominate(engine, f"CR/{n:06d}/26") for n in range(3)]
    async with SqlUnitOfWork(engine) as uow:
        for case_id, person, days in ((first, JORDAN, 0), (second, JORDAN, 2), (third, TOM, 1)):
            await uow.contributors.add(
                case_id,
                Contributor(
                    person=person,
                    invited_by=OWEN,
                    invited_at=NOW + timedelta(days=days),
                    deadline=date(2026, 12, 3) + timedelta(days=days),
                ),
            )
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.contributors.cases_of(JORDAN.user_id) == [second, first]
        assert await uow.contributors.cases_of(TOM.user_id) == [third]
        assert await uow.contributors.cases_of(OWEN.user_id) == []
        awaiting = await uow.contributors.awaiting(deadline_from=date(2026, 12, 4))
    assert [(case_id, c.person) for case_id, c in awaiting] == [(second, JORDAN), (third, TOM)]


async def test_a_document_link_works_once(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    token = await create_link(
        engine, case_id=case_id, kind="chronology", requester=OWEN, now=NOW, lifetime=timedelta(minutes=10)
    )
    async with engine.connect() as connection:
        stored = (await connection.execute(select(t.document_links))).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [str(value) for value in stored]

    redeemed = await redeem_link(engine, token=token, now=NOW + timedelta(minutes=1))
    assert redeemed is not None
    assert (redeemed.case_id, redeemed.kind, redeemed.requester) == (case_id, "chronology", OWEN)
    assert await redeem_link(engine, token=token, now=NOW + timedelta(minutes=2)) is None
    assert await redeem_link(engine, token="not-a-token-anyone-was-given", now=NOW) is None

    # Two redeems at once: exactly one gets the document.
    contested = await create_link(
        engine, case_id=case_id, kind="chronology", requester=OWEN, now=NOW, lifetime=timedelta(minutes=10)
    )
    outcomes = await asyncio.gather(*(redeem_link(engine, token=contested, now=NOW) for _ in range(2)))
    assert sorted(o is None for o in outcomes) == [False, True]


async def test_a_document_link_made_for_someone_else_is_not_spent_by_them(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    token = await create_link(
        engine, case_id=case_id, kind="chronology", requester=OWEN, now=NOW, lifetime=timedelta(minutes=10)
    )
    assert await redeem_link(engine, token=token, now=NOW, requester_id=JORDAN.user_id) is None
    redeemed = await redeem_link(engine, token=token, now=NOW, requester_id=OWEN.user_id)
    assert redeemed is not None and redeemed.requester == OWEN


async def test_an_expired_document_link_does_not_work(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    lifetime = timedelta(minutes=10)
    token = await create_link(engine, case_id=case_id, kind="chronology", requester=OWEN, now=NOW, lifetime=lifetime)
    assert await redeem_link(engine, token=token, now=NOW + lifetime) is None
    assert await redeem_link(engine, token=token, now=NOW + timedelta(days=1)) is None
    # An expired attempt does not use it up: within its lifetime (clocks differ) it still works.
    assert await redeem_link(engine, token=token, now=NOW + lifetime - timedelta(seconds=1)) is not None


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_the_chronology_migration_can_be_undone(engine: AsyncEngine) -> None:
    from alembic import command

    new = {"chronology_entries", "chronology_entry_versions", "chronology_locks", "contribution_reminders"}
    new.add("document_links")
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0004"))
        assert not new & await connection.run_sync(_tables)
    await migrate(engine)
    async with engine.connect() as connection:
        assert new <= await connection.run_sync(_tables)
