"""The oversight queries on SQLite and PostgreSQL give exactly the figures the fake gives for the same caseload; a
digest is recorded once per kind and period; and an outbox message about no one case (a digest) is kept and claimed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief.digests import Digest, DigestKind, send_due_digests
from debrief.errors import ConcurrentChange
from debrief.messages import Audience, MessageKind
from debrief.oversight import OversightExport, TallyBy, actions_by_case, export, figures, quarter_start, quarters
from storage import outbox_store
from storage.uow import SqlUnitOfWork
from tests.support.oversight import NOW, a_caseload
from tests.support.people import DIRECTORY
from tests.unit.debrief.test_oversight import BOARD, WORKING_GROUP
from tests.unit.fakes import FakeUnitOfWork


async def test_the_oversight_queries_count_what_the_fake_counts(engine: AsyncEngine) -> None:
    fake = FakeUnitOfWork()
    expected = await a_caseload(lambda: fake)
    assert await a_caseload(lambda: SqlUnitOfWork(engine)) == expected

    starts = [quarter_start(q) for q in quarters(NOW.date() - timedelta(days=400), NOW.date())]
    async with SqlUnitOfWork(engine) as uow:
        for repository in (fake.oversight, uow.oversight):
            found = (
                await repository.milestones(),
                await repository.action_tallies(today=NOW.date(), by=TallyBy.OWNER),
                await repository.action_tallies(today=NOW.date(), by=TallyBy.THEME),
                await repository.action_records(open_only=False),
                await repository.action_records(open_only=True),
                await repository.learning_tallies(starts=starts),
            )
            if repository is fake.oversight:
                from_fake = found
        assert found == from_fake
    milestones = found[0]
    assert [m.case_number for m in milestones] == [f"RD-2026-{n:04d}" for n in range(1, 11)]
    assert milestones[-1].erased_at is not None and milestones[-1].offence_type is None  # the tombstone's "[erased]"


@pytest.mark.parametrize("actor", [BOARD, WORKING_GROUP], ids=["board", "working group"])
async def test_the_figures_and_exports_are_the_same_from_storage_as_from_the_fake(
    engine: AsyncEngine, actor: object
) -> None:
    fake = FakeUnitOfWork()
    await a_caseload(lambda: fake)
    await a_caseload(lambda: SqlUnitOfWork(engine))
    stored = await figures(uow=SqlUnitOfWork(engine), actor=actor, now=NOW, unit_of=DIRECTORY.unit_of)  # type: ignore[arg-type]
    assert stored == await figures(uow=fake, actor=actor, now=NOW, unit_of=DIRECTORY.unit_of)  # type: ignore[arg-type]
    assert stored.overdue_actions == 2 and sum(c.count for c in stored.cases_by_status) == 10
    if actor is WORKING_GROUP:
        lines = await actions_by_case(uow=SqlUnitOfWork(engine), actor=actor, now=NOW, unit_of=DIRECTORY.unit_of)
        assert lines == await actions_by_case(uow=fake, actor=actor, now=NOW, unit_of=DIRECTORY.unit_of)
        assert [line.working_days_overdue > 0 for line in lines].count(True) == 2
        for kind in OversightExport:
            table = await export(
                uow=SqlUnitOfWork(engine), actor=WORKING_GROUP, now=NOW, kind=kind, unit_of=DIRECTORY.unit_of
            )
            assert table == await export(uow=fake, actor=WORKING_GROUP, now=NOW, kind=kind, unit_of=DIRECTORY.unit_of)


async def test_a_digest_is_recorded_once_per_kind_and_period(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine) as uow:
        weekly = await uow.digests.add(Digest(DigestKind.WEEKLY, "2026-W48", NOW, reported=False))
        quarterly = await uow.digests.add(Digest(DigestKind.QUARTERLY, "2026 Q3", NOW))
        await uow.commit()
    assert weekly.id is not None and quarterly.id is not None
    with pytest.raises(ConcurrentChange):
        async with SqlUnitOfWork(engine) as uow:
            await uow.digests.add(Digest(DigestKind.WEEKLY, "2026-W48", NOW + timedelta(minutes=1)))
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.digests.get(weekly.id) == weekly
        assert await uow.digests.find(DigestKind.QUARTERLY, "2026 Q3") == quarterly
        assert await uow.digests.find(DigestKind.QUARTERLY, "2026 Q4") is None


async def test_a_digest_is_queued_with_no_case_and_claimed_like_any_message(engine: AsyncEngine) -> None:
    await a_caseload(lambda: SqlUnitOfWork(engine))  # overdue actions: something to report
    monday = NOW.replace(day=23, hour=9, minute=30)  # Monday 23 November 2026, 09:30
    queued = await send_due_digests(uow=lambda: SqlUnitOfWork(engine), now=monday)
    assert queued == 1
    again = await send_due_digests(uow=lambda: SqlUnitOfWork(engine), now=monday)
    assert again == 0
    # The outbox stamps its rows with the real time: claim as of a moment after it.
    later = datetime.now(UTC) + timedelta(seconds=1)
    [claimed] = await outbox_store.claim_due(engine, instance="test", now=later, lease=timedelta(seconds=60))
    message = claimed.message
    assert (message.kind, message.case_id, message.audience) == (
        MessageKind.WEEKLY_DIGEST,
        None,
        Audience.WORKING_GROUP_CHANNEL,
    )
    async with SqlUnitOfWork(engine) as uow:
        assert message.subject_id is not None
        digest = await uow.digests.get(message.subject_id)
    assert digest is not None and (digest.kind, digest.period, digest.reported) == (DigestKind.WEEKLY, "2026-W48", True)
