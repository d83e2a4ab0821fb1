"""The oversight figures on the fake unit of work: stages in plain words, timeliness in working days against the
default clocks, actions by status, owner's unit and theme, learning themes by quarter, who sees what (the board
figures only), and the exports for the board pack, each audited as a disclosure."""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from datetime import date, timedelta

import pytest

from debrief.action_reminders import working_days_after
from debrief.audit import AuditCategory, AuditOutcome
from debrief.errors import Forbidden
from debrief.oversight import (
    UNIT_NOT_RECORDED,
    OversightExport,
    OversightFigures,
    actions_by_case,
    export,
    figures,
    waiting_past_clock,
    working_days_between,
)
from debrief.permissions import Actor, Role
from documents.tables import to_csv, to_xlsx
from tests.support.oversight import (
    BLOCKED_TEXT,
    DANA,
    NAMES,
    NOBODY_KNOWN,
    NOW,
    OVERDUE_TEXT,
    Caseload,
    a_caseload,
)
from tests.support.people import DIRECTORY, TENANT, TOM
from tests.unit.fakes import FakeUnitOfWork


def someone(*roles: Role, user_id: str = "00000000-0000-4000-8000-0000000000f1") -> Actor:
    return Actor(tenant_id=TENANT, user_id=user_id, name="Fictional Person", roles=frozenset(roles))


BOARD = someone(Role.BOARD, Role.OFFICER, user_id="00000000-0000-4000-8000-0000000000d3")
WORKING_GROUP = someone(Role.WORKING_GROUP, Role.OFFICER, user_id=DANA.user_id)
REVIEW_TEAM = someone(Role.REVIEW_TEAM, Role.OFFICER, user_id="00000000-0000-4000-8000-0000000000a2")
NOT_OVERSEEING = {
    "officer": someone(Role.OFFICER),
    "SIO": someone(Role.SIO, Role.OFFICER),
    "information manager": someone(Role.INFORMATION_MANAGER, Role.OFFICER),
    "disclosure officer": someone(Role.DISCLOSURE_OFFICER, Role.OFFICER),
    "administrator": someone(Role.ADMINISTRATOR),
    "partner": someone(Role.PARTNER),
    "nobody": someone(),
}


async def a_fake_caseload() -> tuple[FakeUnitOfWork, Caseload]:
    uow = FakeUnitOfWork()
    made = await a_caseload(lambda: uow)
    uow.committed_audit.clear()
    return uow, made


async def seen_by(actor: Actor) -> tuple[FakeUnitOfWork, OversightFigures]:
    uow, _ = await a_fake_caseload()
    return uow, await figures(uow=uow, actor=actor, now=NOW, unit_of=DIRECTORY.unit_of)


def counts(pairs: tuple[object, ...]) -> dict[str, int]:
    return {p.label: p.count for p in pairs}  # type: ignore[attr-defined]


async def test_each_case_is_counted_at_its_stage_in_plain_words() -> None:
    _, seen = await seen_by(WORKING_GROUP)
    assert counts(seen.cases_by_status) == {
        "Nominated": 1,
        "More information requested": 1,
        "Declined": 1,
        "Merged": 1,
        "Collecting the chronology": 1,
        "Meeting arranged": 1,
        "Learning being agreed": 1,
        "Actions in progress": 1,
        "Closed": 1,
        "Erased": 1,
    }
    assert seen.as_of == date(2026, 11, 26)


async def test_timeliness_is_in_working_days_against_the_default_clocks() -> None:
    _, seen = await seen_by(WORKING_GROUP)
    steps = {s.step: s for s in seen.timeliness}
    assert [s.target_working_days for s in seen.timeliness] == [1, 1, 2, 10, 8]
    triage = steps["Nomination to triage decision"]
    # Decided the same day (x4), the next working day (x2), and RD-2026-0006: nominated on Friday 28 August 2026,
    # triaged on Tuesday 1 September, the Monday a bank holiday: one working day, though four days later.
    assert (triage.cases, triage.median_working_days, triage.within_target, triage.waiting) == (7, 0.0, 7, 2)
    meeting = steps["Incident to debrief meeting"]
    # Held after 11 working days (RD-2026-0007), 9 (RD-2026-0008) and 9 (RD-2026-0009); two accepted cases still
    # waiting (one with its meeting arranged for next week).
    assert (meeting.cases, meeting.median_working_days, meeting.within_target, meeting.waiting) == (3, 9.0, 2, 2)
    signed = steps["Meeting to signed-off learning and actions"]
    assert (signed.cases, signed.median_working_days, signed.within_target, signed.waiting) == (2, 5.5, 2, 1)
    nomination = steps["Incident to nomination"]
    assert (nomination.cases, nomination.within_target, nomination.waiting) == (9, 8, 0)  # the erased case is gone


def test_a_working_day_count_skips_weekends_and_bank_holidays() -> None:
    friday, tuesday = date(2026, 8, 28), date(2026, 9, 1)  # Monday 31 August 2026 is the summer bank holiday
    assert working_days_between(friday, tuesday) == 1
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1  # Christmas and Boxing Day (Monday)
    assert working_days_between(tuesday, friday) == 0
    rng = random.Random(6)
    for _ in range(2000):
        start = date(1998, 1, 1) + timedelta(days=rng.randrange(40 * 365))
        end = start + timedelta(days=rng.randrange(-20, 900))
        assert working_days_between(start, end) == working_days_after(start, end), (start, end)


async def test_cases_waiting_on_a_step_past_its_clock_are_listed_longest_first() -> None:
    uow, _ = await a_fake_caseload()
    waiting = waiting_past_clock(await uow.oversight.milestones(), now=NOW)
    # RD-2026-0001 (triage due today), RD-2026-0005 (9 working days since the incident) and RD-2026-0007 (4 since
    # its meeting) are within their clocks; declined, merged, closed and erased cases wait for nothing.
    assert [(w.case_number, w.step, w.working_days, w.target_working_days) for w in waiting] == [
        ("RD-2026-0006", "Incident to debrief meeting", 64, 10),
        ("RD-2026-0002", "Nomination to triage decision", 4, 1),
    ]


async def test_actions_are_counted_by_status_unit_and_theme_with_the_overdue_ones() -> None:
    _, seen = await seen_by(BOARD)
    # Circulated actions only: the one taken out before sign-off is not counted.
    assert counts(seen.actions_by_status) == {
        "Not started": 1,
        "In progress": 1,
        "Blocked": 1,
        "Complete": 2,
        "Not doing": 1,
    }
    assert seen.overdue_actions == 2
    assert [(u.unit, u.open, u.overdue, u.done) for u in seen.actions_by_unit] == [
        ("Force Control Room", 1, 1, 2),  # Insp Tom Baird
        ("Public Protection Unit", 1, 0, 1),  # Supt Dana Reeve
        (UNIT_NOT_RECORDED, 1, 1, 0),  # an owner the directory does not list comes last
    ]
    assert counts(seen.actions_by_theme)["Information sharing"] == 2


async def test_learning_themes_are_counted_by_quarter_once_agreed() -> None:
    _, seen = await seen_by(BOARD)
    # Removed learning, and learning recorded after the SIO approved the outcome, are not counted.
    assert [(t.period, t.theme, t.count) for t in seen.themes_over_time] == [
        ("2026 Q2", "Good practice", 1),
        ("2026 Q3", "Risk assessment and grading", 1),
        ("2026 Q4", "Information sharing", 1),
        ("2026 Q4", "Risk assessment and grading", 1),
    ]


async def test_the_board_sees_figures_with_no_case_numbers_action_text_or_names() -> None:
    uow, seen = await seen_by(BOARD)
    everything = json.dumps(asdict(seen), default=str)
    assert "RD-2026" not in everything and "CR/" not in everything
    assert OVERDUE_TEXT not in everything and BLOCKED_TEXT not in everything
    for name in NAMES:
        assert name not in everything
    for person_id in (TOM.user_id, DANA.user_id, NOBODY_KNOWN.user_id):
        assert person_id not in everything
    assert [(r.action, r.outcome) for r in uow.committed_audit] == [("oversight.figures.read", AuditOutcome.GRANTED)]


@pytest.mark.parametrize("actor", [WORKING_GROUP, REVIEW_TEAM], ids=["working group", "review team"])
async def test_the_working_group_sees_open_actions_case_by_case_most_overdue_first(actor: Actor) -> None:
    uow, _ = await a_fake_caseload()
    seen = await actions_by_case(uow=uow, actor=actor, now=NOW, unit_of=DIRECTORY.unit_of)
    assert [(a.case_number, a.description, a.unit, a.status, a.working_days_overdue) for a in seen] == [
        ("RD-2026-0008", OVERDUE_TEXT, "Force Control Room", "Not started", 19),
        ("RD-2026-0008", "Brief call handlers on grading.", UNIT_NOT_RECORDED, "In progress", 4),
        ("RD-2026-0008", BLOCKED_TEXT, "Public Protection Unit", "Blocked", 0),
    ]
    everything = json.dumps([asdict(line) for line in seen], default=str)
    for name in NAMES:
        assert name not in everything  # units, never owners' names
    assert [r.action for r in uow.committed_audit] == ["oversight.actions.read"]
    assert {r.category for r in uow.committed_audit} == {AuditCategory.CONSULTATION}


async def test_the_board_is_refused_actions_case_by_case_and_the_refusal_is_audited() -> None:
    uow, _ = await a_fake_caseload()
    with pytest.raises(Forbidden, match="the board sees the figures"):
        await actions_by_case(uow=uow, actor=BOARD, now=NOW, unit_of=DIRECTORY.unit_of)
    assert [(r.action, r.outcome) for r in uow.committed_audit] == [("oversight.actions.read", AuditOutcome.REFUSED)]


@pytest.mark.parametrize("actor", NOT_OVERSEEING.values(), ids=NOT_OVERSEEING.keys())
async def test_nobody_else_sees_the_figures_and_the_refusal_is_audited(actor: Actor) -> None:
    uow, _ = await a_fake_caseload()
    with pytest.raises(Forbidden, match="oversight dashboard"):
        await figures(uow=uow, actor=actor, now=NOW, unit_of=DIRECTORY.unit_of)
    [refused] = uow.committed_audit
    assert (refused.action, refused.outcome, refused.actor_id) == (
        "oversight.figures.read",
        AuditOutcome.REFUSED,
        actor.user_id,
    )


# --- Exports ---------------------------------------------------------------------------------------------------

ALLOWED = {
    "board": (BOARD, {OversightExport.THEMES, OversightExport.TIMELINESS}),
    "working group": (WORKING_GROUP, set(OversightExport)),
    "review team": (REVIEW_TEAM, set(OversightExport)),
    **{name: (actor, set()) for name, actor in NOT_OVERSEEING.items()},
}


@pytest.mark.parametrize("kind", list(OversightExport), ids=[k.value for k in OversightExport])
@pytest.mark.parametrize("who", ALLOWED.keys())
async def test_each_export_is_for_those_whose_role_allows_and_is_audited_as_a_disclosure(
    who: str, kind: OversightExport
) -> None:
    actor, allowed = ALLOWED[who]
    uow, _ = await a_fake_caseload()
    if kind in allowed:
        table = await export(uow=uow, actor=actor, now=NOW, kind=kind, unit_of=DIRECTORY.unit_of)
        assert table.name == kind.value and table.rows
        outcome = AuditOutcome.GRANTED
    else:
        with pytest.raises(Forbidden):
            await export(uow=uow, actor=actor, now=NOW, kind=kind, unit_of=DIRECTORY.unit_of)
        outcome = AuditOutcome.REFUSED
    [record] = uow.committed_audit
    assert (record.category, record.outcome, record.recipients) == (
        AuditCategory.DISCLOSURE,
        outcome,
        (f"person:{actor.user_id}",),
    )
    assert record.justification == f"oversight export: {kind.value}"


async def test_the_cases_export_has_each_cases_dates_and_working_days_but_no_names() -> None:
    uow, _ = await a_fake_caseload()
    table = await export(uow=uow, actor=WORKING_GROUP, now=NOW, kind=OversightExport.CASES, unit_of=DIRECTORY.unit_of)
    rows = {row[0]: dict(zip(table.columns, row, strict=True)) for row in table.rows}
    assert table.title == "Rapid debrief cases, as at 26 November 2026"
    bank_holiday = rows["RD-2026-0006"]
    assert bank_holiday["Stage"] == "Meeting arranged"
    assert (bank_holiday["Nominated"], bank_holiday["Triage decision"]) == (date(2026, 8, 28), date(2026, 9, 1))
    assert bank_holiday["Nomination to triage decision (working days)"] == 1
    assert bank_holiday["Offence type"] and bank_holiday["Policing area"] == "Northtown"
    erased = rows["RD-2026-0010"]
    assert erased["Stage"] == "Erased" and erased["Offence type"] is None and erased["Incident"] is None
    text = to_csv(table).decode("utf-8")
    for name in NAMES:
        assert name not in text
    assert "CR/1000" not in text  # no incident references either
    assert to_xlsx(table)[:2] == b"PK"


async def test_the_actions_export_lists_every_circulated_action_with_its_unit() -> None:
    uow, made = await a_fake_caseload()
    table = await export(uow=uow, actor=WORKING_GROUP, now=NOW, kind=OversightExport.ACTIONS, unit_of=DIRECTORY.unit_of)
    assert table.columns[:4] == ("Case number", "Action number", "Action", "Owner's unit")
    by_id = {row[1]: row for row in table.rows}
    assert set(by_id) == {
        made.actions[n] for n in ("overdue", "overdue_later", "blocked", "complete", "not_doing", "closed")
    }
    assert by_id[made.actions["overdue"]][-1] == 19  # working days overdue
    assert by_id[made.actions["complete"]][-1] == 0  # done: never overdue
    assert TOM.name not in to_csv(table).decode("utf-8")


async def test_the_themes_and_timeliness_exports_are_figures_only() -> None:
    uow, _ = await a_fake_caseload()
    themes = await export(uow=uow, actor=BOARD, now=NOW, kind=OversightExport.THEMES, unit_of=DIRECTORY.unit_of)
    assert themes.rows[0] == ("2026 Q2", "Good practice", 1)
    timeliness = await export(uow=uow, actor=BOARD, now=NOW, kind=OversightExport.TIMELINESS, unit_of=DIRECTORY.unit_of)
    assert timeliness.rows[1] == ("Nomination to triage decision", 1, 7, 0.0, 7, 2)
    text = to_csv(themes).decode("utf-8") + to_csv(timeliness).decode("utf-8")
    assert "RD-2026" not in text
