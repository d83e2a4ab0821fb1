"""Partners and the debrief meeting in storage, on SQLite and PostgreSQL: the partner summary by revision,
partner invitations and their answers, and one meeting per case with its attendance."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief import nominations
from debrief.errors import ConcurrentChange
from debrief.meetings import Meeting
from debrief.model import LONDON, NominationRules, Person
from debrief.partners import DEFAULT_AGREEMENT, InvitationStatus, PartnerInvitation, PartnerSummary, answer_by
from debrief.permissions import Role
from storage import tables as t
from storage.database import _alembic_config, migrate
from storage.uow import SqlUnitOfWork
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM, actor

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
SIOS = DIRECTORY.people_with(Role.SIO)
# A fictional colleague of Morgan's in the Probation Service, for delegation (not in the development directory).
SAM = Person("00000000-0000-4000-8000-0000000000b1", "Sam Reid (Probation Service)")
PROBATION = "Probation Service"
SUMMARY = (
    "Victim A was fatally injured at home; Suspect B, a former partner, is charged. The debrief asks partners "
    "what contact they had with either in the twelve months before."
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


def invitation(case_id: int, *, contact: Person = MORGAN, at: datetime = NOW, **fields: Any) -> PartnerInvitation:
    return PartnerInvitation(
        case_id=case_id,
        agency=PROBATION,
        contact=contact,
        invited_by=OWEN,
        invited_at=at,
        answer_by=answer_by(at),
        agreement=DEFAULT_AGREEMENT,
        **fields,
    )


async def add_invitation(engine: AsyncEngine, invited: PartnerInvitation) -> PartnerInvitation:
    async with SqlUnitOfWork(engine) as uow:
        added = await uow.partners.add_invitation(invited)
        await uow.commit()
    assert added.id is not None
    return added


async def get_invitation(engine: AsyncEngine, invitation_id: int) -> PartnerInvitation:
    async with SqlUnitOfWork(engine) as uow:
        found = await uow.partners.get_invitation(invitation_id)
    assert found is not None
    return found


async def save_invitation(engine: AsyncEngine, changed: PartnerInvitation) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.partners.save_invitation(changed)
        await uow.commit()


def meeting(case_id: int, **fields: Any) -> Meeting:
    planned: dict[str, Any] = {
        "starts_at": datetime(2026, 12, 8, 10, 0, tzinfo=LONDON),
        "duration_minutes": 90,
        "attendees": (OWEN, RUTH, MORGAN, TOM),
        "scheduled_by": OWEN,
        "scheduled_at": NOW,
    }
    return Meeting(case_id=case_id, **{**planned, **fields})


async def get_meeting(engine: AsyncEngine, case_id: int) -> Meeting:
    async with SqlUnitOfWork(engine) as uow:
        found = await uow.meetings.get(case_id)
    assert found is not None
    return found


async def save_meeting(engine: AsyncEngine, changed: Meeting) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.meetings.save(changed)
        await uow.commit()


async def one_wins(first: Awaitable[None], second: Awaitable[None]) -> bool:
    """Run two writers at once; exactly one must win. True if the first did."""
    outcomes = await asyncio.gather(first, second, return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrentChange", "NoneType"]
    return outcomes[0] is None


def utc(moment: datetime | None) -> bool:
    return moment is not None and moment.utcoffset() == timedelta(0)


async def test_a_partner_summary_is_kept_as_revisions(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    first = PartnerSummary(text=SUMMARY, approved_by=OWEN, approved_at=NOW.astimezone(LONDON), revision=1)
    second = PartnerSummary(
        text=SUMMARY + " Partners are asked for contacts only, not assessments.",
        approved_by=PRIYA,
        approved_at=NOW + timedelta(days=1),
        revision=2,
    )
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.partners.summary(case_id) is None
        await uow.partners.add_summary(case_id, first)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        found = await uow.partners.summary(case_id)
        assert found == first and utc(found.approved_at if found else None)
        await uow.partners.add_summary(case_id, second)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.partners.summary(case_id) == second
        assert await uow.partners.summary(case_id + 1) is None

    # The earlier revision is kept as it was approved.
    c = t.partner_summaries.c
    async with engine.connect() as connection:
        rows = (await connection.execute(select(c.revision, c.text, c.approved_by_id).order_by(c.revision))).all()
    assert [tuple(row) for row in rows] == [(1, first.text, OWEN.user_id), (2, second.text, PRIYA.user_id)]


async def test_two_approvals_of_the_same_revision_cannot_both_win(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)

    async def approve(summary: PartnerSummary) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await uow.partners.add_summary(case_id, summary)
            await uow.commit()

    await approve(PartnerSummary(text=SUMMARY, approved_by=OWEN, approved_at=NOW))
    by_owen = PartnerSummary(text=SUMMARY + " (Owen's revision.)", approved_by=OWEN, approved_at=NOW, revision=2)
    by_priya = PartnerSummary(text=SUMMARY + " (Priya's revision.)", approved_by=PRIYA, approved_at=NOW, revision=2)

    owen_won = await one_wins(approve(by_owen), approve(by_priya))
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.partners.summary(case_id) == (by_owen if owen_won else by_priya)
    with pytest.raises(ConcurrentChange):
        await approve(replace(by_owen, text=SUMMARY + " (From a copy read long ago.)"))


async def test_an_invitation_round_trips_with_every_field(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    minimal = await add_invitation(engine, invitation(case_id))
    full = await add_invitation(
        engine,
        invitation(
            case_id,
            contact=SAM,
            at=NOW.astimezone(LONDON),
            status=InvitationStatus.DECLINED,
            answered_at=(NOW + timedelta(hours=3)).astimezone(LONDON),
            decline_reason="Sam Reid holds no record of either subject.",
            delegated_to=MORGAN,
            access_until=NOW + timedelta(days=60),
            version=3,
            delegated_from_id=minimal.id,
        ),
    )
    assert full.id is not None and minimal.id is not None and full.id != minimal.id
    assert minimal.version == 1 and minimal.status is InvitationStatus.INVITED

    stored = await get_invitation(engine, full.id)
    assert stored == full
    assert all(utc(moment) for moment in (stored.invited_at, stored.answered_at, stored.access_until))
    assert isinstance(stored.answer_by, date) and stored.answer_by == answer_by(NOW)
    assert await get_invitation(engine, minimal.id) == minimal
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.partners.invitations(case_id) == [minimal, full]
        assert await uow.partners.invitations(case_id + 1) == []
        assert await uow.partners.get_invitation(9999) is None


async def test_an_answer_and_a_concurrent_answer_cannot_both_win(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    invited = await add_invitation(engine, invitation(case_id))
    assert invited.id is not None
    accepting, declining = await get_invitation(engine, invited.id), await get_invitation(engine, invited.id)
    accepting.accept(now=NOW + timedelta(hours=1), acknowledged=True)
    declining.decline(now=NOW + timedelta(hours=1), reason="The Probation Service has no record of either subject.")

    accepted = await one_wins(save_invitation(engine, accepting), save_invitation(engine, declining))
    stored = await get_invitation(engine, invited.id)
    assert stored == (accepting if accepted else declining) and stored.version == 2

    # A stale copy is refused later too.
    stale = await get_invitation(engine, invited.id)
    stale.version, stale.status = 1, InvitationStatus.INVITED
    stale.decline(now=NOW + timedelta(hours=2), reason=None)
    with pytest.raises(ConcurrentChange):
        await save_invitation(engine, stale)
    assert await get_invitation(engine, invited.id) == stored


async def test_a_delegated_invitation_points_to_its_successor(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    first = await add_invitation(engine, invitation(case_id))
    assert first.id is not None
    original = await get_invitation(engine, first.id)
    successor = original.delegate(now=NOW + timedelta(hours=1), to=SAM, same_agency=True)
    async with SqlUnitOfWork(engine) as uow:
        await uow.partners.save_invitation(original)
        await uow.partners.add_invitation(successor)
        await uow.commit()
    assert successor.id is not None

    stored = await get_invitation(engine, first.id)
    assert stored.status is InvitationStatus.DELEGATED and stored.delegated_to == SAM and stored.version == 2
    async with SqlUnitOfWork(engine) as uow:
        everything = await uow.partners.invitations(case_id)
        assert everything == [original, successor]
        assert [i for i in everything if i.delegated_from_id == original.id] == [successor]
        assert await uow.partners.invitations_of(SAM.user_id) == [successor]
        assert await uow.partners.invitations_of(MORGAN.user_id) == [original]

    # A successor must point at an invitation that exists.
    with pytest.raises(IntegrityError):
        async with SqlUnitOfWork(engine) as uow:
            await uow.partners.add_invitation(invitation(case_id, contact=SAM, delegated_from_id=9999))
            await uow.commit()


async def test_invitations_of_a_person_span_cases_newest_first(engine: AsyncEngine) -> None:
    first, second, third = [await nominate(engine, f"CR/{n:06d}/26") for n in range(3)]
    added = {
        (case_id, contact.user_id): await add_invitation(
            engine, invitation(case_id, contact=contact, at=NOW + timedelta(days=days))
        )
        for case_id, contact, days in ((first, MORGAN, 0), (second, MORGAN, 2), (third, SAM, 1), (third, MORGAN, 0))
    }
    async with SqlUnitOfWork(engine) as uow:
        mine = await uow.partners.invitations_of(MORGAN.user_id)
        assert mine == [
            added[second, MORGAN.user_id],
            # Invited at the same moment: the later invitation first.
            added[third, MORGAN.user_id],
            added[first, MORGAN.user_id],
        ]
        assert await uow.partners.invitations_of(SAM.user_id) == [added[third, SAM.user_id]]
        assert await uow.partners.invitations_of(OWEN.user_id) == []


async def test_unanswered_invitations_awaiting_an_answer(engine: AsyncEngine) -> None:
    first, second = [await nominate(engine, f"CR/{n:06d}/26") for n in range(2)]
    early = await add_invitation(engine, invitation(second, at=NOW - timedelta(days=10)))
    waiting = await add_invitation(engine, invitation(second))
    accepted = await add_invitation(engine, invitation(first))
    declined = await add_invitation(engine, invitation(first, contact=SAM))
    delegated = await add_invitation(engine, invitation(first, at=NOW + timedelta(days=1)))
    later = await add_invitation(engine, invitation(first, contact=SAM, at=NOW + timedelta(days=2)))
    assert early.answer_by < waiting.answer_by

    accepted.accept(now=NOW, acknowledged=True)
    await save_invitation(engine, accepted)
    declined.decline(now=NOW, reason=None)
    await save_invitation(engine, declined)
    successor = delegated.delegate(now=NOW + timedelta(days=1), to=SAM, same_agency=True)
    async with SqlUnitOfWork(engine) as uow:
        await uow.partners.save_invitation(delegated)
        await uow.partners.add_invitation(successor)
        await uow.commit()

    async with SqlUnitOfWork(engine) as uow:
        awaiting = await uow.partners.awaiting_answer(answer_by_from=waiting.answer_by)
        assert await uow.partners.awaiting_answer(answer_by_from=answer_by(NOW + timedelta(days=30))) == []
    # By case, then in the order they were made.
    assert awaiting == [later, successor, waiting]
    assert all(i.status is InvitationStatus.INVITED for i in awaiting)


async def test_a_case_has_one_meeting(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.meetings.get(case_id) is None

    async def schedule(planned: Meeting) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await uow.meetings.add(planned)
            await uow.commit()

    by_owen, by_priya = meeting(case_id), meeting(case_id, scheduled_by=PRIYA, location="Room 4, Central HQ")
    owen_won = await one_wins(schedule(by_owen), schedule(by_priya))
    assert await get_meeting(engine, case_id) == (by_owen if owen_won else by_priya)
    with pytest.raises(ConcurrentChange):
        await schedule(meeting(case_id, duration_minutes=60))
    assert await get_meeting(engine, case_id) == (by_owen if owen_won else by_priya)


async def test_a_meeting_round_trips_and_attendance_is_kept(engine: AsyncEngine) -> None:
    case_id, other = await nominate(engine), await nominate(engine, "CR/100201/26")
    full = meeting(
        case_id,
        location="Room 4, Central HQ",
        join_url="https://teams.example.invalid/l/meetup-join/19%3ameeting_fictional%40thread.v2/0",
        online_meeting_id="MSpmaWN0aW9uYWwtbWVldGluZy1pZA",
        revision=2,
    )
    minimal = meeting(other, attendees=(OWEN,))
    async with SqlUnitOfWork(engine) as uow:
        await uow.meetings.add(full)
        await uow.meetings.add(minimal)
        await uow.commit()

    stored = await get_meeting(engine, case_id)
    assert stored == full and stored.attendees == (OWEN, RUTH, MORGAN, TOM)
    assert utc(stored.starts_at) and utc(stored.scheduled_at)
    assert stored.starts_at.astimezone(LONDON).hour == 10
    assert await get_meeting(engine, other) == minimal
    # Attendance not yet recorded is SQL NULL, not a JSON null.
    c = t.meetings.c
    async with engine.connect() as connection:
        unrecorded = (await connection.execute(select(c.case_id).where(c.attended.is_(None)))).scalars().all()
    assert sorted(unrecorded) == sorted([case_id, other])

    stored.record_attendance((OWEN, MORGAN), by=OWEN, now=stored.starts_at + timedelta(hours=2))
    await save_meeting(engine, stored)
    recorded = await get_meeting(engine, case_id)
    assert recorded == stored and recorded.version == 2 and recorded.revision == 2
    assert recorded.attended == (OWEN, MORGAN) and recorded.attendance_recorded_by == OWEN
    assert utc(recorded.attendance_recorded_at)
    assert await get_meeting(engine, other) == minimal
    async with engine.connect() as connection:
        stored_json = (await connection.execute(select(c.attended).where(c.case_id == case_id))).scalar_one()
    assert stored_json == [{"id": OWEN.user_id, "name": OWEN.name}, {"id": MORGAN.user_id, "name": MORGAN.name}]


async def test_two_changes_to_the_same_meeting_version_cannot_both_win(engine: AsyncEngine) -> None:
    case_id = await nominate(engine)
    planned = meeting(case_id)
    async with SqlUnitOfWork(engine) as uow:
        await uow.meetings.add(planned)
        await uow.commit()
    attended, moved = await get_meeting(engine, case_id), await get_meeting(engine, case_id)
    attended.record_attendance((OWEN, RUTH), by=OWEN, now=planned.starts_at + timedelta(hours=2))
    moved.starts_at += timedelta(days=1)
    moved.revision += 1
    moved.version += 1

    attendance_won = await one_wins(save_meeting(engine, attended), save_meeting(engine, moved))
    assert await get_meeting(engine, case_id) == (attended if attendance_won else moved)

    # A change made to a copy read before either is refused later too.
    stale = replace(planned, duration_minutes=120, version=2)
    with pytest.raises(ConcurrentChange):
        await save_meeting(engine, stale)
    assert await get_meeting(engine, case_id) == (attended if attendance_won else moved)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_the_partner_and_meeting_migration_can_be_undone(engine: AsyncEngine) -> None:
    from alembic import command

    new = {"partner_summaries", "partner_invitations", "meetings"}
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0005"))
        assert not new & await connection.run_sync(_tables)
        assert "chronology_entries" in await connection.run_sync(_tables)
    await migrate(engine)
    async with engine.connect() as connection:
        assert new <= await connection.run_sync(_tables)
