"""The information manager's search and export of the audit log, on SQLite and PostgreSQL: each filter, paging in
UK days, the export matching the search, and everyone else refused (and that refusal logged)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief import audit_search, nominations
from debrief.audit import AuditCategory, AuditOutcome, AuditRecord
from debrief.audit_search import AuditQuery
from debrief.errors import Forbidden, InvalidInput
from debrief.model import NominationRules, Person
from debrief.permissions import Role
from storage import tables as t
from storage.uow import SqlUnitOfWork
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN, OWEN, PRIYA, actor

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
ALEX = Person("00000000-0000-4000-8000-0000000000d2", "Alex Rowan (information manager)")
SAM = Person("00000000-0000-4000-8000-0000000000d3", "ACC Sam Whitlock")  # the board
# 30 June 2026, 23:30 UK time (BST) and 1 July 2026, 00:30 UK time: either side of a UK midnight.
LATE_ON_30_JUNE = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)
EARLY_ON_1_JULY = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)


def a_record(who: Person, action: str, category: AuditCategory, at: datetime, **changes: object) -> AuditRecord:
    return AuditRecord(
        at=at,
        actor_id=who.user_id,
        actor_name=who.name,
        action=action,
        category=category,
        outcome=AuditOutcome.GRANTED,
        **changes,  # type: ignore[arg-type]
    )


async def a_log(engine: AsyncEngine) -> int:
    """Case RD-2026-0001 nominated (record 1), then records 2 to 5; returns the case's id."""
    case = await nominations.nominate(
        uow=SqlUnitOfWork(engine),
        actor=actor(JORDAN),
        form=nomination_form(),
        now=NOW,
        rules=NominationRules(),
        sios=DIRECTORY.people_with(Role.SIO),
    )
    async with SqlUnitOfWork(engine) as uow:
        uow.audit.add(a_record(PRIYA, "case.triage", AuditCategory.ALTERATION, LATE_ON_30_JUNE, case_id=case.id))
        uow.audit.add(
            a_record(
                PRIYA,
                "case.chronology.document.disclose",
                AuditCategory.DISCLOSURE,
                EARLY_ON_1_JULY,
                case_id=case.id,
                recipients=(f"person:{OWEN.user_id}", "graph:onlineMeetings"),
            )
        )
        uow.audit.add(a_record(OWEN, "oversight.figures.read", AuditCategory.CONSULTATION, NOW - timedelta(days=1)))
        uow.audit.add(a_record(SAM, "oversight.figures.export", AuditCategory.DISCLOSURE, NOW, recipients=("x_%",)))
        await uow.commit()
    assert case.id is not None
    return case.id


async def search(engine: AsyncEngine, query: AuditQuery, page: int = 1, page_size: int = 50) -> list[int]:
    found = await audit_search.search(
        uow=SqlUnitOfWork(engine), actor=actor(ALEX), now=NOW, query=query, page=page, page_size=page_size
    )
    return [entry.id for entry in found.entries]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        (AuditQuery(), [5, 4, 3, 2, 1]),
        (AuditQuery(case_number="RD-2026-0001"), [3, 2, 1]),
        (AuditQuery(person=OWEN.user_id), [4, 3]),  # his own reading, and a document disclosed to him
        (AuditQuery(person="graph:onlineMeetings"), [3]),
        (AuditQuery(person="pRIYA"), [3, 2]),
        (AuditQuery(person="x_%"), [5]),  # a recipient id, matched whole: no wildcards
        (AuditQuery(person="%"), []),
        (AuditQuery(category=AuditCategory.DISCLOSURE), [5, 3]),
        (AuditQuery(start=date(2026, 7, 1), end=date(2026, 7, 1)), [3]),
        (AuditQuery(end=date(2026, 6, 30)), [2]),
        (AuditQuery(start=date(2026, 11, 25)), [5, 4, 1]),
        (AuditQuery(category=AuditCategory.DISCLOSURE, person="priya", case_number="RD-2026-0001"), [3]),
    ],
)
async def test_each_filter_finds_what_matches_newest_first(
    engine: AsyncEngine, query: AuditQuery, ids: list[int]
) -> None:
    await a_log(engine)
    assert await search(engine, query) == ids


async def test_the_case_of_each_record_is_shown_by_its_number(engine: AsyncEngine) -> None:
    await a_log(engine)
    page = await audit_search.search(uow=SqlUnitOfWork(engine), actor=actor(ALEX), now=NOW, query=AuditQuery())
    assert [entry.case_number for entry in page.entries] == [None, None, "RD-2026-0001", "RD-2026-0001", "RD-2026-0001"]
    disclosed = page.entries[2].record
    assert disclosed.recipients == (f"person:{OWEN.user_id}", "graph:onlineMeetings")
    assert disclosed.at == EARLY_ON_1_JULY


async def test_pages_of_the_log_count_every_match(engine: AsyncEngine) -> None:
    await a_log(engine)
    first = await audit_search.search(
        uow=SqlUnitOfWork(engine), actor=actor(ALEX), now=NOW, query=AuditQuery(), page_size=2
    )
    assert ([e.id for e in first.entries], first.total) == ([5, 4], 5)
    # Each search is logged (record 6 is the first one's), and the next search sees it.
    assert await search(engine, AuditQuery(), page=2, page_size=2) == [4, 3]
    assert await search(engine, AuditQuery(), page=4, page_size=2) == [1]  # 7 6 | 5 4 | 3 2 | 1
    assert await search(engine, AuditQuery(), page=9, page_size=2) == []


async def test_an_unknown_case_is_named_and_nothing_is_logged(engine: AsyncEngine) -> None:
    await a_log(engine)
    with pytest.raises(InvalidInput, match="No case RD-2026-0042: check the number"):
        await search(engine, AuditQuery(case_number="RD-2026-0042"))
    async with engine.connect() as connection:
        assert (await connection.execute(select(t.audit_log.c.action).where(t.audit_log.c.id > 5))).all() == []


async def test_the_export_holds_the_rows_of_the_search_and_is_logged_as_a_disclosure(engine: AsyncEngine) -> None:
    await a_log(engine)
    query = AuditQuery(case_number="RD-2026-0001", start=date(2026, 6, 1))
    page = await audit_search.search(uow=SqlUnitOfWork(engine), actor=actor(ALEX), now=NOW, query=query)
    table = await audit_search.export(uow=SqlUnitOfWork(engine), actor=actor(ALEX), now=NOW, query=query)
    assert [row[0] for row in table.rows] == [entry.id for entry in page.entries] == [3, 2, 1]
    assert [row[1] for row in table.rows] == [entry.record.at for entry in page.entries]
    assert table.rows[0][-1] == f"person:{OWEN.user_id}, graph:onlineMeetings"
    async with engine.connect() as connection:
        logged = (await connection.execute(select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(2))).all()
    assert [(row.action, row.category, row.recipients, row.justification) for row in logged] == [
        ("audit.export", "disclosure", [f"person:{ALEX.user_id}"], "Filter: case RD-2026-0001; from 1 June 2026"),
        ("audit.read", "consultation", [], "Filter: case RD-2026-0001; from 1 June 2026"),
    ]


async def test_the_board_may_not_search_the_log_and_the_refusal_is_logged(engine: AsyncEngine) -> None:
    await a_log(engine)
    with pytest.raises(Forbidden):
        await audit_search.search(uow=SqlUnitOfWork(engine), actor=actor(SAM), now=NOW, query=AuditQuery())
    async with engine.connect() as connection:
        refused = (await connection.execute(select(t.audit_log).where(t.audit_log.c.id == 6))).one()
    assert (refused.actor_id, refused.action, refused.outcome) == (SAM.user_id, "audit.read", "refused")
