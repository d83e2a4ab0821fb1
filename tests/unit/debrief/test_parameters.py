"""Parameters: what the debrief looks at, set and revised by the lead reviewer, every revision audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from debrief import nominations, parameters, triage
from debrief.audit import AuditOutcome
from debrief.errors import Forbidden, InvalidInput
from debrief.messages import Audience, MessageKind
from debrief.model import NominationRules, TriageOutcome
from debrief.parameters import ParallelProcess
from debrief.permissions import Role
from tests.support.forms import nomination_form, parameters_form
from tests.support.people import DIRECTORY, JORDAN, OWEN, PRIYA, actor
from tests.unit.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


async def accepted_case(uow: FakeUnitOfWork, *, accept: bool = True, reference: str = "CR/100200/26") -> int:
    case = await nominations.nominate(
        uow=uow,
        actor=actor(JORDAN),
        form=nomination_form(incidentReference=reference),
        now=NOW,
        rules=NominationRules(),
        sios=DIRECTORY.people_with(Role.SIO),
    )
    assert case.id is not None
    if accept:
        await triage.triage(
            uow=uow,
            actor=actor(PRIYA),
            case_id=case.id,
            request=triage.TriageRequest(TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id),
            review_team=DIRECTORY.people_with(Role.REVIEW_TEAM),
            now=NOW,
        )
    return case.id


async def save(uow: FakeUnitOfWork, case_id: int, who=OWEN, **changes: str) -> parameters.ParametersRevision:  # type: ignore[no-untyped-def]
    _, revision = await parameters.set_parameters(
        uow=uow, actor=actor(who), case_id=case_id, form=parameters_form(**changes), now=NOW + timedelta(hours=1)
    )
    return revision


async def test_accepting_a_case_asks_for_its_parameters_in_the_case_thread() -> None:
    uow = FakeUnitOfWork()
    await accepted_case(uow)
    sent = [(m.kind, m.audience) for m in uow.committed_messages]
    assert (MessageKind.PARAMETERS_CARD, Audience.CASE_THREAD) in sent


async def test_the_lead_reviewer_sets_the_parameters() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    revision = await save(uow, case_id)
    p = revision.parameters
    assert (revision.revision, revision.set_by, revision.changed) == (1, OWEN, ("all",))
    assert (p.look_back_from, p.look_back_to) == (date(2025, 11, 20), date(2026, 11, 20))
    assert p.subjects == ("Victim A", "Suspect B")
    assert p.agencies == ("Police", "Probation Service")
    assert p.parallel_processes == {ParallelProcess.DARDR, ParallelProcess.CORONER}
    record = uow.committed_audit[-1]
    assert (record.action, record.outcome, record.justification) == ("case.parameters.set", AuditOutcome.GRANTED, "all")


async def test_a_revision_is_audited_with_what_changed() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    await save(uow, case_id)
    revision = await save(uow, case_id, subjects="Victim A\nSuspect B\nChild C", parallelProcesses="dardr")
    assert revision.revision == 2
    assert revision.changed == ("subjects", "parallel processes")
    assert uow.committed_audit[-1].justification == "subjects, parallel processes"
    assert len(uow.parameters.revisions[case_id]) == 2  # the first revision is kept


async def test_saving_the_same_parameters_again_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    await save(uow, case_id)
    with pytest.raises(InvalidInput) as raised:
        await save(uow, case_id)
    assert "Nothing has changed" in raised.value.field_errors["lookBackFrom"]


@pytest.mark.parametrize("who", [PRIYA, JORDAN])
async def test_only_the_lead_reviewer_sets_the_parameters(who) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    with pytest.raises(Forbidden):
        await save(uow, case_id, who=who)
    assert uow.parameters.revisions == {}
    assert uow.committed_audit[-1].outcome is AuditOutcome.REFUSED


async def test_a_case_not_accepted_has_no_parameters() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow, accept=False)
    with pytest.raises(Forbidden):  # there is no lead reviewer yet
        await save(uow, case_id)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lookBackFrom", "", "Enter the first date"),
        ("lookBackFrom", "2026-11-21", "must start before it ends"),
        ("lookBackFrom", "2010-01-01", "ten years or less"),
        ("lookBackTo", "2026-12-01", "on or before the incident date"),
        ("lookBackTo", "yesterday", "as a date"),
        ("subjects", "", "at least one subject"),
        ("subjects", "Victim A\nJohn Smith", "by role and letter only"),
        ("subjects", "Victim A\nVictim A", "appears once"),
        ("agencies", "", "at least one agency"),
        ("agencies", "Police,Neighbourhood Watch", "from the list"),
        ("questions", "", "at least one key question"),
        ("questions", "\n".join(f"Question {n}?" for n in range(11)), "10 key questions or fewer"),
        ("questions", "x" * 301, "300 characters or fewer"),
        ("parallelProcesses", "dardr,inquest", "from the list"),
    ],
)
async def test_each_wrong_parameter_gets_its_own_message(field: str, value: str, message: str) -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    with pytest.raises(InvalidInput) as raised:
        await save(uow, case_id, **{field: value})
    assert list(raised.value.field_errors) == [field]
    assert message in raised.value.field_errors[field]
    assert uow.parameters.revisions == {}


async def test_an_empty_end_date_means_the_incident_date() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted_case(uow)
    revision = await save(uow, case_id, lookBackTo="")
    assert revision.parameters.look_back_to == date(2026, 11, 20)
