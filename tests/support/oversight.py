"""A fictional caseload at every stage, written through the repositories (the same calls on the fake unit of work and
on storage), for the oversight figures, exports and digests.

As at Thursday 26 November 2026, 10:00 (`NOW`), one case at each stage:

- RD-2026-0001 nominated yesterday (triage due today);
- RD-2026-0002 nominated on Friday 20 November, more information requested: waiting past the triage clock;
- RD-2026-0003 declined, RD-2026-0004 merged into RD-2026-0005;
- RD-2026-0005 accepted and consented to, collecting its chronology (the meeting clock has not run out);
- RD-2026-0006 nominated on Friday 28 August, triaged on Tuesday 1 September over the August bank holiday (one
  working day), its meeting arranged for next week: waiting past the meeting clock;
- RD-2026-0007 its meeting held on Friday 20 November, learning being agreed;
- RD-2026-0008 signed off and circulated, with five actions (two overdue, one blocked, one complete, one not
  doing, one removed) and agreed learning in two quarters (and one learning point removed);
- RD-2026-0009 closed, its one action complete;
- RD-2026-0010 erased.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from debrief.consent import ConsentAnswer, ConsentRecord
from debrief.learning import (
    Action,
    ActionStatus,
    LearningKind,
    LearningPoint,
    Priority,
    Route,
    SignOff,
    SignOffState,
)
from debrief.meetings import Meeting
from debrief.model import (
    LONDON,
    Case,
    Harm,
    IncidentContext,
    Nomination,
    OffenceType,
    Person,
    TriageDecision,
    TriageOutcome,
)
from debrief.ports import UnitOfWork
from tests.support.people import JORDAN, OWEN, PRIYA, RUTH, TOM

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
DANA = Person("00000000-0000-4000-8000-0000000000d1", "Supt Dana Reeve")
"""A working group member who also owns an action (Public Protection Unit in the directory)."""
NOBODY_KNOWN = Person("00000000-0000-4000-8000-0000000000e9", "PS Rowan Kerr")
"""An action owner the directory does not list: their unit is not recorded."""
OVERDUE_TEXT = "Add a repeat-incident prompt to the DASH supervision checklist."
BLOCKED_TEXT = "Agree a shared risk flag for repeat domestic abuse addresses with housing."
NAMES = (JORDAN.name, OWEN.name, PRIYA.name, RUTH.name, TOM.name, DANA.name, NOBODY_KNOWN.name)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A UK local time, as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@dataclass
class Caseload:
    """The ids the scenario made, by case number."""

    cases: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    """By a short name: overdue, overdue_later, blocked, complete, not_doing, removed, closed."""


async def a_caseload(uow: Callable[[], UnitOfWork]) -> Caseload:
    made = Caseload()

    async def nominate(reference: str, *, incident: datetime, nominated: datetime) -> Case:
        case = Case(
            nomination=Nomination(
                incident_reference=reference,
                operation_name=None,
                incident_at=incident,
                offence_type=OffenceType.HOMICIDE if len(made.cases) % 2 else OffenceType.S18_GBH,
                context=IncidentContext.DOMESTIC,
                harm=Harm.HOMICIDE if len(made.cases) % 2 else Harm.NEAR_MISS,
                policing_area="Northtown",
                dmm_date=nominated.astimezone(LONDON).date(),
                scope_reason="Fictional: a serious assault at an address with three earlier domestic abuse reports.",
                sio=RUTH,
            ),
            nominator=JORDAN,
            nominated_at=nominated,
        )
        async with uow() as work:
            await work.cases.add(case)
            await work.commit()
        assert case.id is not None
        made.cases[case.case_number] = case.id
        return case

    async def triaged(case: Case, outcome: TriageOutcome, when: datetime, target: Case | None = None) -> None:
        reason = None if outcome is TriageOutcome.ACCEPT else "Fictional: outside the debrief's scope."
        lead = OWEN if outcome is TriageOutcome.ACCEPT else None
        case.triage(TriageDecision(outcome, PRIYA, when, lead_reviewer=lead, reason=reason), merge_target=target)
        async with uow() as work:
            await work.cases.save(case)
            await work.commit()

    async def consented(case: Case, when: datetime) -> None:
        assert case.id is not None
        async with uow() as work:
            await work.consents.add(case.id, ConsentRecord(ConsentAnswer.NOT_YET, RUTH, when, "Charging first."))
            await work.consents.add(case.id, ConsentRecord(ConsentAnswer.CONSENT, RUTH, when))
            await work.commit()

    async def meeting(case: Case, starts: datetime) -> None:
        assert case.id is not None
        async with uow() as work:
            await work.meetings.add(Meeting(case.id, starts, 60, (OWEN, RUTH), OWEN, starts.replace(day=1)))
            await work.commit()

    async def accepted(reference: str, *, incident: datetime, nominated: datetime, triaged_at: datetime) -> Case:
        case = await nominate(reference, incident=incident, nominated=nominated)
        await triaged(case, TriageOutcome.ACCEPT, triaged_at)
        return case

    # 1 and 2: awaiting triage.
    await nominate("CR/100001/26", incident=at(2026, 11, 24, 22), nominated=at(2026, 11, 25, 9))
    asked = await nominate("CR/100002/26", incident=at(2026, 11, 18, 23), nominated=at(2026, 11, 20, 9))
    await triaged(asked, TriageOutcome.REQUEST_INFORMATION, at(2026, 11, 23, 11))
    # 3 and 4: declined, merged (into 5).
    declined = await nominate("CR/100003/26", incident=at(2026, 10, 30, 20), nominated=at(2026, 11, 2, 9))
    await triaged(declined, TriageOutcome.DECLINE, at(2026, 11, 3, 15))
    merged = await nominate("CR/100004/26", incident=at(2026, 11, 13, 21), nominated=at(2026, 11, 16, 9, 30))
    # 5: collecting its chronology.
    collecting = await accepted(
        "CR/100005/26", incident=at(2026, 11, 14, 2), nominated=at(2026, 11, 16, 9), triaged_at=at(2026, 11, 17, 9)
    )
    await consented(collecting, at(2026, 11, 19, 16))
    await triaged(merged, TriageOutcome.MERGE, at(2026, 11, 16, 14), target=collecting)
    # 6: over the August bank holiday; its meeting arranged for next week.
    arranged = await accepted(
        "CR/100006/26", incident=at(2026, 8, 27, 23), nominated=at(2026, 8, 28, 9), triaged_at=at(2026, 9, 1, 9)
    )
    await consented(arranged, at(2026, 9, 2, 12))
    await meeting(arranged, at(2026, 12, 1, 10))
    # 7: met, learning being agreed.
    agreeing = await accepted(
        "CR/100007/26", incident=at(2026, 11, 5, 1), nominated=at(2026, 11, 5, 9), triaged_at=at(2026, 11, 5, 15)
    )
    await consented(agreeing, at(2026, 11, 9, 9))
    await meeting(agreeing, at(2026, 11, 20, 10))
    # 8: signed off and circulated; actions in progress.
    circulating = await accepted(
        "CR/100008/26", incident=at(2026, 9, 14, 22), nominated=at(2026, 9, 15, 9), triaged_at=at(2026, 9, 15, 12)
    )
    await consented(circulating, at(2026, 9, 16, 10))
    await meeting(circulating, at(2026, 9, 25, 10))
    assert circulating.id is not None
    async with uow() as work:
        case_id = circulating.id
        await work.outcomes.advance(case_id, from_version=0)
        for theme, when in (
            ("Risk assessment and grading", at(2026, 9, 28, 11)),
            ("Risk assessment and grading", at(2026, 10, 1, 11)),
            ("Information sharing", at(2026, 10, 1, 12)),
        ):
            await work.outcomes.add_learning_point(
                LearningPoint(case_id, theme, LearningKind.GAP, "Fictional learning, recorded by theme.", OWEN, when)
            )
        dropped = await work.outcomes.add_learning_point(
            LearningPoint(case_id, "Weapons", LearningKind.GAP, "Recorded, then taken out.", OWEN, at(2026, 10, 1, 13))
        )
        assert dropped.id is not None
        await work.outcomes.remove(case_id, "learning", dropped.id, by=OWEN, at=at(2026, 10, 1, 14))
        plans = (
            ("overdue", OVERDUE_TEXT, TOM, date(2026, 10, 30), ActionStatus.NOT_STARTED, "Risk assessment and grading"),
            (
                "overdue_later",
                "Brief call handlers on grading.",
                NOBODY_KNOWN,
                date(2026, 11, 20),
                ActionStatus.IN_PROGRESS,
                "Training",
            ),
            ("blocked", BLOCKED_TEXT, DANA, date(2026, 12, 18), ActionStatus.BLOCKED, "Information sharing"),
            (
                "complete",
                "Update the referral form.",
                TOM,
                date(2026, 10, 15),
                ActionStatus.COMPLETE,
                "Information sharing",
            ),
            ("not_doing", "Buy a new case system.", DANA, date(2026, 10, 20), ActionStatus.NOT_DOING, "Policy gap"),
            ("removed", "Taken out before sign-off.", TOM, date(2026, 10, 20), ActionStatus.NOT_STARTED, "Policy gap"),
        )
        for name, text, owner, due, _, theme in plans:
            action = await work.outcomes.add_action(
                Action(case_id, text, owner, due, Priority.HIGH, theme, Route.IN_FORCE, OWEN, at(2026, 10, 1, 15))
            )
            assert action.id is not None
            made.actions[name] = action.id
        await work.outcomes.remove(case_id, "action", made.actions["removed"], by=OWEN, at=at(2026, 10, 2, 9))
        await work.outcomes.add_sign_off(case_id, SignOff(1, SignOffState.REQUESTED, OWEN, at(2026, 10, 2, 10)))
        await work.outcomes.answer_sign_off(
            case_id, SignOff(1, SignOffState.APPROVED, OWEN, at(2026, 10, 2, 10), RUTH, at(2026, 10, 6, 16))
        )
        await work.outcomes.mark_circulated(case_id, at(2026, 10, 6, 16))
        # Status changes after circulation.
        for name in ("overdue_later", "blocked", "complete", "not_doing"):
            stored = await work.actions.get(made.actions[name])
            assert stored is not None
            status = dict((p[0], p[4]) for p in plans)[name]
            await work.actions.save(replace(stored, status=status, version=stored.version + 1))
        # Learning recorded after circulation is not agreed yet.
        await work.outcomes.add_learning_point(
            LearningPoint(case_id, "Weapons", LearningKind.GAP, "Not signed off yet.", OWEN, at(2026, 11, 2, 9))
        )
        await work.commit()
    # 9: closed.
    closed = await accepted(
        "CR/100009/26", incident=at(2026, 6, 1, 22), nominated=at(2026, 6, 2, 9), triaged_at=at(2026, 6, 2, 11)
    )
    await consented(closed, at(2026, 6, 3, 10))
    await meeting(closed, at(2026, 6, 12, 10))
    assert closed.id is not None
    async with uow() as work:
        await work.outcomes.advance(closed.id, from_version=0)
        await work.outcomes.add_learning_point(
            LearningPoint(closed.id, "Good practice", LearningKind.GOOD_PRACTICE, "Fictional.", OWEN, at(2026, 6, 15))
        )
        action = await work.outcomes.add_action(
            Action(
                closed.id,
                "Share the good practice.",
                TOM,
                date(2026, 7, 1),
                Priority.LOW,
                "Good practice",
                Route.IN_FORCE,
                OWEN,
                at(2026, 6, 15, 11),
                status=ActionStatus.NOT_STARTED,
            )
        )
        assert action.id is not None
        made.actions["closed"] = action.id
        await work.outcomes.add_sign_off(closed.id, SignOff(1, SignOffState.REQUESTED, OWEN, at(2026, 6, 16)))
        await work.outcomes.answer_sign_off(
            closed.id, SignOff(1, SignOffState.APPROVED, OWEN, at(2026, 6, 16), RUTH, at(2026, 6, 18, 9))
        )
        await work.outcomes.mark_circulated(closed.id, at(2026, 6, 18, 9))
        stored = await work.actions.get(action.id)
        assert stored is not None
        await work.actions.save(replace(stored, status=ActionStatus.COMPLETE, version=stored.version + 1))
        await work.commit()
    closed.closed_at = at(2026, 7, 1, 12)
    closed.review_due = date(2032, 7, 1)
    async with uow() as work:
        await work.cases.save(closed)
        await work.commit()
    # 10: erased (a declined nomination, closed and reviewed long ago in this fiction).
    erased = await nominate("CR/100010/26", incident=at(2026, 1, 5, 22), nominated=at(2026, 1, 6, 9))
    await triaged(erased, TriageOutcome.DECLINE, at(2026, 1, 6, 15))
    erased.closed_at = at(2026, 1, 6, 15)
    async with uow() as work:
        await work.cases.save(erased)
        await work.commit()
    async with uow() as work:
        await work.retention.erase(erased, at=at(2026, 11, 2, 9))
        await work.commit()
    return made
