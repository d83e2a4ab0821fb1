"""The disclosure bundle (CPIA 1996): everything a case holds, for the information manager or a disclosure officer only.

`a_whole_debrief` runs a case through the process's own services (fictional people and events), so the storage and
HTTP tests build the same case on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from debrief import actions, disclosure, entries, meetings, outcomes, parameters, partnership, verification
from debrief.actions import RequestKind, RequestState, StatusChange
from debrief.audit import AuditCategory, AuditOutcome
from debrief.disclosure import DocumentDelivery
from debrief.errors import Forbidden, NotFound
from debrief.learning import ActionStatus, SignOffState
from debrief.model import Person
from debrief.partners import InvitationStatus
from debrief.partnership import PartnerContact
from debrief.permissions import REFUSALS, Permission, Role
from debrief.ports import UnitOfWork
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.forms import chronology_entry_form, parameters_form
from tests.support.people import DIRECTORY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM, actor
from tests.unit.fakes import FakeUnitOfWork

ALEX = Person("00000000-0000-4000-8000-0000000000d2", "Alex Rowan (information manager)")
JO = Person("00000000-0000-4000-8000-0000000000d4", "Jo Pearce (disclosure officer)")
DANA = Person("00000000-0000-4000-8000-0000000000d1", "Supt Dana Reeve")  # rapid debrief working group
ROBIN = Person("00000000-0000-4000-8000-0000000000c7", "Robin Shaw (Probation Service)")
PROBATION = "Probation Service"

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # Thursday: nominated, accepted, parameters, consent
COLLECTING = NOW + timedelta(days=1)  # Friday 27 November: entries, partners, verification, the lock
AFTER = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # the meeting (Friday 4 December, 10:00) is over
PRODUCED = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # Monday: the bundle is asked for
REVIEW_TEAM = DIRECTORY.people_with(Role.REVIEW_TEAM)
OFFICERS = DIRECTORY.officers()


@dataclass(frozen=True)
class WholeDebrief:
    case_id: int
    edited_entry: int
    withdrawn_entry: int
    action_id: int


async def a_whole_debrief(uow: Callable[[], UnitOfWork]) -> WholeDebrief:
    """RD-2026-0001 from nomination to an action under way, through the services, at fixed times:

    nominated by Jordan, accepted with Owen as lead, the parameters set and revised, the SIO's consent with
    conditions, Jordan and Tom invited; Jordan adds an entry and corrects it, Tom adds one and withdraws another;
    the partner summary approved, Morgan and Robin (probation) invited, Morgan accepts and adds an entry, Robin
    declines; every current entry verified and the chronology locked; the meeting (Owen, Ruth, Jordan, Morgan
    invited) held with Owen, Ruth and Morgan attending; a learning point, a recommendation (and a duplicate, removed)
    and an action for Tom, approved by the SIO and circulated; Tom starts the action and asks for more time, which
    the working group refuses.
    """
    case = await a_case_collecting_its_chronology(
        uow=uow, now=NOW, invite=(JORDAN, TOM), conditions="No contact with witnesses before charge."
    )
    assert case.id is not None
    case_id = case.id
    await parameters.set_parameters(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        form=parameters_form(questions="Were earlier domestic abuse reports risk-assessed?"),
        now=NOW + timedelta(hours=1),
    )

    async def add(who: Person, at: datetime, **changes: str) -> int:
        _, entry, _ = await entries.add_entry(
            uow=uow(), actor=actor(who), case_id=case_id, form=chronology_entry_form(**changes), now=at
        )
        assert entry.id is not None
        return entry.id

    jordans = await add(JORDAN, COLLECTING)
    await add(
        TOM,
        COLLECTING,
        eventDate="2026-04-02",
        sourceReference="INC-0402-0007",
        summary="Officers attended the address after a neighbour reported shouting; Victim A declined to engage.",
    )
    withdrawn = await add(TOM, COLLECTING, eventDate="2026-06-10", sourceReference="INC-0610-0003")
    await entries.withdraw_entry(
        uow=uow(), actor=actor(TOM), case_id=case_id, entry_id=withdrawn, now=COLLECTING + timedelta(minutes=30)
    )
    corrected = chronology_entry_form(summary="Victim A called 999: Suspect B had threatened her at home. Attended.")
    await entries.edit_entry(
        uow=uow(),
        actor=actor(JORDAN),
        case_id=case_id,
        entry_id=jordans,
        form=corrected,
        now=COLLECTING + timedelta(hours=1),
    )

    await partnership.approve_summary(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        text="Victim A was seriously injured at home; Suspect B is in custody. The debrief asks what probation "
        "knew of Suspect B's risk in the year before.",
        now=COLLECTING,
    )
    _, invited = await partnership.invite_partners(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        contacts=[PartnerContact(MORGAN, PROBATION), PartnerContact(ROBIN, PROBATION)],
        agreement=None,
        now=COLLECTING,
    )
    morgans, robins = (i.id for i in invited)
    assert morgans is not None and robins is not None
    answered = COLLECTING + timedelta(hours=2)
    await partnership.accept_invitation(
        uow=uow(), actor=actor(MORGAN), invitation_id=morgans, acknowledged=True, now=answered
    )
    await partnership.decline_invitation(
        uow=uow(), actor=actor(ROBIN), invitation_id=robins, reason="On leave until January.", now=answered
    )
    await add(
        MORGAN,
        answered,
        eventDate="2026-05-20",
        precision="date_only",
        eventTime="",
        sourceAgency=PROBATION,
        sourceSystem="Case management system",
        sourceReference="PRB-0520-11",
        contactType="probation",
        summary="Suspect B attended a probation appointment; no new risk was recorded.",
        riskTool="",
        riskGrade="",
        riskDate="",
        actionAndOutcome="",
    )

    reviewed = COLLECTING + timedelta(hours=3)
    current = await verification.get_chronology(uow=uow(), actor=actor(OWEN), case_id=case_id, now=reviewed)
    for entry in current.chronology.entries:
        assert entry.id is not None
        await verification.review_entry(
            uow=uow(),
            actor=actor(OWEN),
            case_id=case_id,
            entry_id=entry.id,
            form={"verified": "true", "themes": "Coercive control"},
            now=reviewed,
        )
    await verification.lock_chronology(uow=uow(), actor=actor(OWEN), case_id=case_id, now=reviewed)

    await meetings.schedule_meeting(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        form={
            "meetingDate": "2026-12-04",
            "meetingTime": "10:00",
            "durationMinutes": "90",
            "location": "",
            "attendeeIds": ",".join(p.user_id for p in (OWEN, RUTH, JORDAN, MORGAN)),
        },
        review_team=REVIEW_TEAM,
        now=reviewed,
    )
    await meetings.record_attendance(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        attended_ids=",".join(p.user_id for p in (OWEN, RUTH, MORGAN)),
        review_team=REVIEW_TEAM,
        now=AFTER,
    )

    await outcomes.add_learning_point(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        form={
            "learningTheme": "Risk assessment and grading",
            "learningKind": "gap",
            "learningText": "Repeat calls were graded standard without looking at the history of the address.",
        },
        now=AFTER,
    )
    for text in ("Share probation risk updates with the domestic abuse unit within a week.", "A duplicate, removed."):
        recorded = await outcomes.add_recommendation(
            uow=uow(),
            actor=actor(OWEN),
            case_id=case_id,
            form={"recommendationText": text, "recommendationRoute": "partnership"},
            now=AFTER,
        )
    duplicate = recorded.outcome.recommendations[-1].id
    assert duplicate is not None
    await outcomes.remove_item(
        uow=uow(), actor=actor(OWEN), case_id=case_id, kind="recommendation", item_id=duplicate, now=AFTER
    )
    found = await outcomes.add_action(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        form={
            "actionDescription": "Add the address history check to the risk grading guidance for call handlers.",
            "actionOwnerId": TOM.user_id,
            "actionDueWorkingDays": "20",
            "actionPriority": "high",
            "actionTheme": "Risk assessment and grading",
            "actionRoute": "in_force",
        },
        owners=OFFICERS,
        people=[*OFFICERS.values(), *DIRECTORY.partners().values()],
        now=AFTER,
    )
    [action] = found.outcome.actions
    assert action.id is not None
    await outcomes.request_sign_off(uow=uow(), actor=actor(OWEN), case_id=case_id, now=AFTER)
    await outcomes.answer_sign_off(uow=uow(), actor=actor(RUTH), case_id=case_id, approve=True, comment=None, now=AFTER)
    later = AFTER + timedelta(hours=1)
    await actions.update_status(
        uow=uow(), actor=actor(TOM), action_id=action.id, change=StatusChange.START, note=None, now=later
    )
    await actions.request_change(
        uow=uow(),
        actor=actor(TOM),
        action_id=action.id,
        kind=RequestKind.DUE_DATE,
        reason="The training team can only run the sessions in the new year.",
        due_in_working_days="30",
        now=later,
    )
    await actions.decide_request(uow=uow(), actor=actor(DANA), action_id=action.id, approve=False, now=later)
    return WholeDebrief(case_id=case_id, edited_entry=jordans, withdrawn_entry=withdrawn, action_id=action.id)


def deliveries() -> list[DocumentDelivery]:
    """Two documents delivered one to one: the chronology fetched by Owen, an agenda pack Priya never used."""
    return [
        DocumentDelivery(
            "chronology",
            OWEN,
            COLLECTING + timedelta(hours=4),
            COLLECTING + timedelta(hours=4, minutes=10),
            COLLECTING + timedelta(hours=4, minutes=2),
        ),
        DocumentDelivery("agenda_pack", PRIYA, AFTER, AFTER + timedelta(minutes=10), None),
    ]


async def whole_debrief_on_the_fake() -> tuple[FakeUnitOfWork, WholeDebrief]:
    uow = FakeUnitOfWork()
    made = await a_whole_debrief(lambda: uow)
    uow.disclosure.deliveries[made.case_id] = deliveries()
    return uow, made


async def test_the_information_manager_gets_everything_the_case_holds() -> None:
    uow, made = await whole_debrief_on_the_fake()
    before = [r for r in uow.committed_audit if r.case_id == made.case_id]
    found = await disclosure.bundle(uow=uow, actor=actor(ALEX), now=PRODUCED, case_id=made.case_id)

    assert found.case.case_number == "RD-2026-0001" and found.produced_for == ALEX and found.produced_at == PRODUCED
    assert [p.revision for p in found.parameters] == [1, 2]
    assert found.consents[0].text == "No contact with witnesses before charge."
    assert [c.person for c in found.contributors] == [TOM, JORDAN]  # invited together: by name
    versions = {(v.entry_id, v.version): v for v in found.entry_versions}
    assert sorted(versions) == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (4, 2)]
    assert versions[(1, 2)].changed_by == JORDAN and versions[(1, 2)].entry.content.summary.startswith(
        "Victim A called"
    )
    assert versions[(1, 3)].changed_by == OWEN and versions[(1, 3)].entry.review.verified
    assert versions[(3, 2)].entry.withdrawn_at is not None and versions[(3, 2)].changed_by == TOM
    assert [e.id for e in found.chronology.entries] == [1, 2, 4]  # in time order; the withdrawn entry is not
    assert [e.id for e in found.entries if e.withdrawn] == [made.withdrawn_entry]  # but it is kept
    assert found.chronology.lock is not None and found.chronology.lock.locked_by == OWEN
    assert [s.revision for s in found.partner_summaries] == [1]
    assert [i.status for i in found.partner_invitations] == [InvitationStatus.ACCEPTED, InvitationStatus.DECLINED]
    assert found.meeting is not None and found.meeting.attended == (OWEN, RUTH, MORGAN)
    [kept] = found.outcome_record.actions
    assert kept.item.status is ActionStatus.IN_PROGRESS and kept.removed is None
    assert [s.state for s in found.outcome_record.sign_offs] == [SignOffState.APPROVED]
    assert [(r.item.id, r.removed is not None) for r in found.outcome_record.recommendations] == [(1, False), (2, True)]
    assert [r.id for r in found.outcome.recommendations] == [1]
    assert [(r.kind, r.state) for r in found.action_requests] == [(RequestKind.DUE_DATE, RequestState.REFUSED)]
    assert found.deliveries == tuple(deliveries())
    assert list(found.audit) == before

    record = uow.committed_audit[-1]
    assert record.action == Permission.PRODUCE_DISCLOSURE_BUNDLE.action
    assert (record.category, record.outcome) == (AuditCategory.DISCLOSURE, AuditOutcome.GRANTED)
    assert record.case_id == made.case_id and record.recipients == (f"person:{ALEX.user_id}",)


async def test_a_removed_outcome_item_is_still_disclosed_as_removed() -> None:
    uow, made = await whole_debrief_on_the_fake()
    found = await outcomes.get_outcome(uow=uow, actor=actor(OWEN), case_id=made.case_id, now=AFTER)
    [point] = found.outcome.learning
    assert point.id is not None
    removed_at = AFTER + timedelta(hours=2)
    await outcomes.remove_item(
        uow=uow, actor=actor(OWEN), case_id=made.case_id, kind="learning", item_id=point.id, now=removed_at
    )
    bundle = await disclosure.bundle(uow=uow, actor=actor(JO), now=PRODUCED, case_id=made.case_id)
    assert bundle.outcome.learning == ()
    [kept] = bundle.outcome_record.learning
    assert kept.item.id == point.id and kept.removed is not None
    assert (kept.removed.by, kept.removed.at) == (OWEN, removed_at)


@pytest.mark.parametrize("who", [JORDAN, OWEN, PRIYA, RUTH, MORGAN, DANA])
async def test_nobody_else_gets_the_bundle_and_the_refusal_is_audited(who: Person) -> None:
    uow, made = await whole_debrief_on_the_fake()
    with pytest.raises(Forbidden) as refused:
        await disclosure.bundle(uow=uow, actor=actor(who), now=PRODUCED, case_id=made.case_id)
    assert str(refused.value) == REFUSALS[Permission.PRODUCE_DISCLOSURE_BUNDLE]
    record = uow.committed_audit[-1]
    assert (record.actor_id, record.outcome, record.case_id) == (who.user_id, AuditOutcome.REFUSED, made.case_id)


async def test_asking_by_case_number_is_audited_and_answered_once() -> None:
    uow, made = await whole_debrief_on_the_fake()
    case = await disclosure.request_bundle(uow=uow, actor=actor(JO), case_number=" rd-2026-0001 ", now=PRODUCED)
    assert case.id == made.case_id
    assert uow.processed[-1] == made.case_id
    record = uow.committed_audit[-1]
    assert (record.actor_id, record.outcome, record.recipients) == (
        JO.user_id,
        AuditOutcome.GRANTED,
        (f"person:{JO.user_id}",),
    )

    with pytest.raises(Forbidden):
        await disclosure.request_bundle(uow=uow, actor=actor(JORDAN), case_number="RD-2026-0001", now=PRODUCED)
    assert uow.committed_audit[-1].outcome is AuditOutcome.REFUSED
    with pytest.raises(NotFound) as missing:
        await disclosure.request_bundle(uow=uow, actor=actor(ALEX), case_number="RD-2026-0099", now=PRODUCED)
    assert "There is no case RD-2026-0099" in str(missing.value)
