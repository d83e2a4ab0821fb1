"""Retention in storage, on SQLite and PostgreSQL: a case built through the process closes, its review falls due,
and erasure leaves none of its content in any table while its audit trail stays; a legal hold blocks erasure; two
information managers deciding at once cannot both win; the review card is queued once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief import actions, entries, outcomes, partnership, retention
from debrief.actions import RequestKind, StatusChange
from debrief.audit import AuditCategory
from debrief.chronology import ChronologyLock
from debrief.errors import ConcurrentChange, InvalidInput
from debrief.messages import MessageKind
from debrief.model import LONDON, CaseErased, Person
from debrief.partnership import PartnerContact
from debrief.permissions import Actor, Role
from debrief.retention import DecisionKind, HoldingKind
from storage import tables as t
from storage.conversations import CaseThread, save_case_thread
from storage.document_links import create_link
from storage.uow import ERASED_TABLES, KEPT_ON_ERASURE, SqlUnitOfWork
from tests.support.cases import a_case_collecting_its_chronology, a_meeting_held_in_two_working_days
from tests.support.forms import chronology_entry_form
from tests.support.people import JORDAN, MORGAN, OWEN, RUTH, TENANT, TOM, actor

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
ALEX = Person("00000000-0000-4000-8000-0000000000d2", "Alex Rowan (information manager)")
# A second information manager for the race; fictional, not in the development directory.
ELLIS = Actor(
    TENANT,
    "00000000-0000-4000-8000-0000000000e9",
    "Sam Ellery (information manager)",
    frozenset({Role.INFORMATION_MANAGER}),
)

REFERENCE = "CR/100200/26"
OPERATION = "Operation Larkspur"
CONDITIONS = "No contact with the family while the charging decision is pending."
ENTRY = "Victim A rang 101 about Suspect B waiting outside the flat; logged and closed without a callback."
SOURCE_REFERENCE = "INC-0917-0311"
PARTNER_SUMMARY = (
    "Victim A was seriously injured at home in Westbrook; Suspect B is in custody. What did probation know?"
)
LEARNING = "Repeat calls from the same flat were graded standard without looking at the address history."
RECOMMENDATION = "Build the address history into the call grading screen so that it is seen on every call."
ACTION = "Add the address history check to the risk grading guidance for call handlers in Westbrook."
REQUEST = "The guidance team can only publish the new version after the March board meets."
EVIDENCE = "Guidance v4 with the address history check was published to every call handler on 2 March."
TEXTS = (
    REFERENCE,
    OPERATION,
    "North District",
    "three domestic abuse reports",
    CONDITIONS,
    ENTRY,
    SOURCE_REFERENCE,
    PARTNER_SUMMARY,
    LEARNING,
    RECOMMENDATION,
    ACTION,
    REQUEST,
    EVIDENCE,
    "Were earlier domestic abuse reports risk-assessed?",
)
"""The case's own words: none may be left anywhere after erasure."""
RATIONALE = "No continued policing purpose: no proceedings, no statutory review and no linked cases remain."


def uow_of(engine: AsyncEngine) -> Any:
    return lambda: SqlUnitOfWork(engine)


def manager() -> Actor:
    return actor(ALEX)


async def a_finished_case(engine: AsyncEngine) -> tuple[int, datetime]:
    """A case with something in every table that holds case content, its learning approved and its one action
    complete: (case id, when the action was completed)."""
    uow = uow_of(engine)
    case = await a_case_collecting_its_chronology(uow=uow, now=NOW, conditions=CONDITIONS)
    assert case.id is not None
    case_id = case.id
    await entries.add_entry(
        uow=uow(),
        actor=actor(JORDAN),
        case_id=case_id,
        form=chronology_entry_form(summary=ENTRY, sourceReference=SOURCE_REFERENCE),
        now=NOW,
    )
    async with uow() as writing:
        await writing.chronology.lock(case_id, ChronologyLock(locked_by=OWEN, locked_at=NOW))
        await writing.reminders.add(case_id, JORDAN.user_id, "before_deadline", NOW)
        await writing.commit()
    await partnership.approve_summary(uow=uow(), actor=actor(OWEN), case_id=case_id, text=PARTNER_SUMMARY, now=NOW)
    await partnership.invite_partners(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        contacts=[PartnerContact(MORGAN, "Probation Service")],
        agreement=None,
        now=NOW,
    )
    met = await a_meeting_held_in_two_working_days(uow=uow, now=NOW, case_id=case_id, attendees=(OWEN, RUTH, JORDAN))
    lead = actor(OWEN)
    await outcomes.add_learning_point(
        uow=uow(),
        actor=lead,
        case_id=case_id,
        form={"learningTheme": "Risk assessment and grading", "learningKind": "gap", "learningText": LEARNING},
        now=met,
    )
    await outcomes.add_recommendation(
        uow=uow(),
        actor=lead,
        case_id=case_id,
        form={"recommendationText": RECOMMENDATION, "recommendationRoute": "in_force"},
        now=met,
    )
    people = [TOM, JORDAN, OWEN, RUTH]
    found = await outcomes.add_action(
        uow=uow(),
        actor=lead,
        case_id=case_id,
        form={
            "actionDescription": ACTION,
            "actionOwnerId": TOM.user_id,
            "actionDueWorkingDays": "20",
            "actionPriority": "high",
            "actionTheme": "Risk assessment and grading",
            "actionRoute": "in_force",
        },
        owners={TOM.user_id: TOM},
        people=people,
        now=met,
    )
    [action] = found.outcome.actions
    assert action.id is not None
    await outcomes.request_sign_off(uow=uow(), actor=lead, case_id=case_id, now=met)
    await outcomes.answer_sign_off(uow=uow(), actor=actor(RUTH), case_id=case_id, approve=True, comment=None, now=met)
    await actions.request_change(
        uow=uow(),
        actor=actor(TOM),
        action_id=action.id,
        kind=RequestKind.DUE_DATE,
        reason=REQUEST,
        due_in_working_days="40",
        now=met,
    )
    done = met + timedelta(days=20)
    await actions.update_status(
        uow=uow(), actor=actor(TOM), action_id=action.id, change=StatusChange.COMPLETE, note=EVIDENCE, now=done
    )
    await create_link(
        engine, case_id=case_id, kind="chronology", requester=OWEN, now=done, lifetime=timedelta(minutes=10)
    )
    await save_case_thread(
        engine,
        case_id=case_id,
        purpose="triage",
        thread=CaseThread("https://smba.example.test/teams/", "19:review@thread.tacv2;messageid=1", "1"),
    )
    return case_id, done


async def closed_and_due(engine: AsyncEngine) -> tuple[int, datetime]:
    """The finished case, closed by the scheduler's round: (case id, 10:00 on the working day its review is due)."""
    case_id, done = await a_finished_case(engine)
    assert await retention.close_finished_cases(uow=uow_of(engine), now=done + timedelta(minutes=5)) == 1
    async with SqlUnitOfWork(engine) as reading:
        case = await reading.cases.get(case_id)
    assert case is not None and case.closed_at == done
    assert case.review_due == retention.review_date(done) == done.astimezone(LONDON).date().replace(year=done.year + 6)
    return case_id, datetime.combine(case.review_due + timedelta(days=3), datetime.min.time(), tzinfo=UTC).replace(
        hour=10
    )


async def every_row(engine: AsyncEngine) -> dict[str, list[str]]:
    """Every row of every table, as text."""
    found: dict[str, list[str]] = {}
    async with engine.connect() as connection:
        for table in t.metadata.sorted_tables:
            rows = (await connection.execute(select(table))).all()
            found[table.name] = [repr(tuple(row)) for row in rows]
    return found


async def audit_of(engine: AsyncEngine, case_id: int) -> list[Any]:
    async with engine.connect() as connection:
        return list(
            (
                await connection.execute(
                    select(t.audit_log).where(t.audit_log.c.case_id == case_id).order_by(t.audit_log.c.id)
                )
            ).all()
        )


def test_every_table_with_a_case_is_either_erased_or_kept_for_a_reason() -> None:
    """A new table holding a case's rows must be added to erasure (storage.uow) or named as kept, on purpose."""
    with_cases = {
        table.name
        for table in t.metadata.sorted_tables
        if "case_id" in table.c or any(fk.column.table.name == "cases" for fk in table.foreign_keys)
    }
    assert with_cases - ERASED_TABLES - KEPT_ON_ERASURE == set()
    assert not ERASED_TABLES & KEPT_ON_ERASURE


async def test_erasure_leaves_no_content_anywhere_and_keeps_the_audit_trail(engine: AsyncEngine) -> None:
    case_id, due = await closed_and_due(engine)
    before = await every_row(engine)
    assert all(any(text in row for rows in before.values() for row in rows) for text in TEXTS)
    audit_before = await audit_of(engine, case_id)
    view = await retention.get_retention(uow=SqlUnitOfWork(engine), actor=manager(), case_id=case_id, now=due)
    held = {h.kind: h.count for h in view.holdings}
    assert held == {
        HoldingKind.NOMINATION: 1,
        HoldingKind.TRIAGE_DECISIONS: 1,
        HoldingKind.PARAMETERS: 1,
        HoldingKind.CONSENTS: 1,
        HoldingKind.CONTRIBUTORS: 1,
        HoldingKind.CHRONOLOGY_ENTRIES: 1,
        HoldingKind.CHRONOLOGY_VERSIONS: 1,
        HoldingKind.CHRONOLOGY_LOCK: 1,
        HoldingKind.PARTNER_SUMMARIES: 1,
        HoldingKind.PARTNER_INVITATIONS: 1,
        HoldingKind.MEETING: 1,
        HoldingKind.OUTCOME: 1,
        HoldingKind.LEARNING_POINTS: 1,
        HoldingKind.RECOMMENDATIONS: 1,
        HoldingKind.ACTIONS: 1,
        HoldingKind.ACTION_REQUESTS: 1,
        HoldingKind.SIGN_OFFS: 1,
        HoldingKind.DOCUMENT_LINKS: 1,
        HoldingKind.REMINDERS: 1,
        HoldingKind.TEAMS_POSTS: 1,
    }

    erased = await retention.erase(
        uow=SqlUnitOfWork(engine),
        actor=manager(),
        case_id=case_id,
        rationale=RATIONALE,
        confirmed="true",
        seen_version=view.version,
        now=due,
    )

    assert erased.erased_at == due and erased.holdings == ()
    after = await every_row(engine)
    left = {(name, text) for name, rows in after.items() for row in rows for text in TEXTS if text in row}
    assert left == set()
    tombstone = (await every_row(engine))["cases"]
    assert len(tombstone) == 1 and view.case_number in tombstone[0] and "[erased]" in tombstone[0]
    for name in ERASED_TABLES - {"cases"}:
        assert after[name] == [], name
    # The audit trail is untouched, and the erasure is in it, by kind and count only.
    audit_after = await audit_of(engine, case_id)
    assert audit_after[: len(audit_before)] == audit_before
    record = audit_after[-1]
    assert (record.action, record.category, record.outcome) == ("case.retention.erase", "erasure", "granted")
    assert record.justification == f"{RATIONALE} | erasing {retention.describe(view.holdings)}"
    assert "chronology entries: 1" in record.justification
    async with engine.connect() as connection:
        decisions = (await connection.execute(select(t.retention_decisions))).all()
        outbox = (
            await connection.execute(select(func.count()).select_from(t.outbox).where(t.outbox.c.case_id == case_id))
        ).scalar_one()
    assert [d.kind for d in decisions] == [DecisionKind.CLOSED.value, DecisionKind.ERASED.value]
    assert decisions[-1].erased == {h.kind.value: h.count for h in view.holdings}
    assert outbox > 0  # the outbox still points at the tombstone
    # Erased cases are refused everywhere, saying so.
    async with SqlUnitOfWork(engine) as reading:
        with pytest.raises(CaseErased) as raised:
            await reading.cases.get(case_id)
        assert raised.value.case_number == view.case_number
        with pytest.raises(CaseErased):
            await reading.cases.get_by_number(view.case_number)
        assert await reading.retention.closing_candidates() == []
        assert await reading.retention.due_for_review(today=due.date() + timedelta(days=3650)) == []
    with pytest.raises(CaseErased):
        await outcomes.get_outcome(uow=SqlUnitOfWork(engine), actor=actor(OWEN), case_id=case_id, now=due)


async def test_a_legal_hold_blocks_erasure_on_both_databases(engine: AsyncEngine) -> None:
    case_id, due = await closed_and_due(engine)
    held = await retention.place_legal_hold(
        uow=SqlUnitOfWork(engine),
        actor=manager(),
        case_id=case_id,
        kind="statutory_review",
        details="Domestic abuse related death review under way; the panel expects to report next spring.",
        now=due,
    )
    assert held.legal_hold is not None and held.legal_hold.placed_by == ALEX
    async with SqlUnitOfWork(engine) as reading:
        stored = await reading.cases.get(case_id)
    assert stored is not None and stored.legal_hold == held.legal_hold
    with pytest.raises(InvalidInput) as raised:
        await retention.erase(
            uow=SqlUnitOfWork(engine), actor=manager(), case_id=case_id, rationale=RATIONALE, confirmed="true", now=due
        )
    assert "is under a legal hold (statutory review)" in raised.value.field_errors["decision"]
    # Storage itself will not erase a held case, whatever it is asked.
    with pytest.raises(ConcurrentChange):
        async with SqlUnitOfWork(engine) as writing:
            assert stored is not None
            await writing.retention.erase(stored, at=due)
    async with engine.connect() as connection:
        erased_at = (await connection.execute(select(t.cases.c.erased_at).where(t.cases.c.id == case_id))).scalar_one()
        entries_left = (
            await connection.execute(
                select(func.count()).select_from(t.chronology_entries).where(t.chronology_entries.c.case_id == case_id)
            )
        ).scalar_one()
    assert erased_at is None and entries_left == 1


async def test_two_information_managers_deciding_at_once_one_wins_and_the_other_is_told(engine: AsyncEngine) -> None:
    case_id, due = await closed_and_due(engine)
    seen = (await retention.get_retention(uow=SqlUnitOfWork(engine), actor=manager(), case_id=case_id, now=due)).version

    async def erasing() -> object:
        return await retention.erase(
            uow=SqlUnitOfWork(engine),
            actor=manager(),
            case_id=case_id,
            rationale=RATIONALE,
            confirmed="true",
            seen_version=seen,
            now=due,
        )

    async def retaining() -> object:
        return await retention.retain(
            uow=SqlUnitOfWork(engine),
            actor=ELLIS,
            case_id=case_id,
            rationale="Linked to a live serious case review; the learning is still used in training.",
            new_review_date=(due.date() + timedelta(days=730)).isoformat(),
            seen_version=seen,
            now=due,
        )

    results = await asyncio.gather(erasing(), retaining(), return_exceptions=True)
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], ConcurrentChange | InvalidInput | CaseErased), lost[0]
    # The edge runs a ConcurrentChange again on the fresh state: the loser is then told what happened.
    loser = retaining if won[0].erased_at is not None else erasing  # type: ignore[attr-defined]
    with pytest.raises((InvalidInput, CaseErased)) as told:
        await loser()
    if isinstance(told.value, InvalidInput):
        assert "changed while you were looking at it" in told.value.field_errors["version"]
    else:
        assert "was erased on" in told.value.message
    async with engine.connect() as connection:
        kinds = (await connection.execute(select(t.retention_decisions.c.kind))).scalars().all()
    assert sorted(kinds) in (["closed", "erased"], ["closed", "retained"])


async def test_the_review_card_is_queued_once_per_review_date_even_with_two_rounds_at_once(engine: AsyncEngine) -> None:
    case_id, due = await closed_and_due(engine)
    managers = [ALEX.user_id, ELLIS.user_id]
    async with SqlUnitOfWork(engine) as reading:
        assert await reading.retention.due_for_review(today=due.date() - timedelta(days=30)) == []
        assert await reading.retention.due_for_review(today=due.date()) == [case_id]

    async def round_() -> int:
        return await retention.send_due_reviews(uow=uow_of(engine), now=due, information_managers=managers)

    queued = await asyncio.gather(round_(), round_())
    assert sorted(queued) == [0, 2]
    assert await round_() == 0
    async with engine.connect() as connection:
        sent = (
            (
                await connection.execute(
                    select(t.outbox.c.person_id).where(t.outbox.c.kind == MessageKind.RETENTION_REVIEW_DUE.value)
                )
            )
            .scalars()
            .all()
        )
        notices = (await connection.execute(select(t.retention_notices))).all()
    assert sorted(sent) == sorted(managers)
    assert [(n.case_id, n.review_due) for n in notices] == [(case_id, due.date() - timedelta(days=3))]
    audit = await audit_of(engine, case_id)
    scheduled = [r for r in audit if r.action == "case.reminder.schedule"]
    assert len(scheduled) == 1 and scheduled[0].category == AuditCategory.ALTERATION.value


async def test_closure_waits_for_every_action_and_happens_once(engine: AsyncEngine) -> None:
    case_id, done = await a_finished_case(engine)
    async with SqlUnitOfWork(engine) as reading:
        assert await reading.retention.closing_candidates() == [case_id]
    rounds = await asyncio.gather(
        *(retention.close_finished_cases(uow=uow_of(engine), now=done) for _ in range(2)), return_exceptions=True
    )
    assert sorted(rounds) == [0, 1]  # type: ignore[type-var]
    async with SqlUnitOfWork(engine) as reading:
        assert await reading.retention.closing_candidates() == []
        decisions = await reading.retention.decisions(case_id)
    assert [d.kind for d in decisions] == [DecisionKind.CLOSED]
    assert decisions[0].review_due_after == date(done.year + 6, done.month, done.day)
