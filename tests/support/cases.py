"""A case at the point its chronology is collected, set up through the process's own services (fictional)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from debrief import clocks, consent, contributors, meetings, nominations, parameters, triage
from debrief.model import LONDON, Case, NominationRules, Person, TriageOutcome
from debrief.permissions import Role
from debrief.ports import UnitOfWork
from tests.support.forms import nomination_form, parameters_form
from tests.support.people import DIRECTORY, JORDAN, OWEN, PRIYA, RUTH, actor


async def a_case_collecting_its_chronology(
    *,
    uow: Callable[[], UnitOfWork],
    now: datetime,
    invite: Sequence[Person] = (JORDAN,),
    reference: str = "CR/100200/26",
    conditions: str | None = None,
    parameters_given: Mapping[str, object] | None = None,
) -> Case:
    """Nominated by PC Jordan Ellis, accepted with DS Owen Marsh as lead, parameters set (those of
    `parameters_form` unless given), the SIO's consent (with `conditions` if given), and `invite` invited."""
    case = await nominations.nominate(
        uow=uow(),
        actor=actor(JORDAN),
        form=nomination_form(incidentReference=reference, operationName="Operation Larkspur"),
        now=now,
        rules=NominationRules(),
        sios=DIRECTORY.people_with(Role.SIO),
    )
    assert case.id is not None
    accept = triage.TriageRequest(outcome=TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id)
    await triage.triage(
        uow=uow(),
        actor=actor(PRIYA),
        case_id=case.id,
        request=accept,
        review_team=DIRECTORY.people_with(Role.REVIEW_TEAM),
        now=now,
    )
    form = dict(parameters_given) if parameters_given is not None else parameters_form()
    await parameters.set_parameters(uow=uow(), actor=actor(OWEN), case_id=case.id, form=form, now=now)
    answer = consent.ConsentAnswer.CONSENT_WITH_CONDITIONS if conditions else consent.ConsentAnswer.CONSENT
    await consent.record_consent(uow=uow(), actor=actor(RUTH), case_id=case.id, answer=answer, text=conditions, now=now)
    await contributors.invite_contributors(uow=uow(), actor=actor(OWEN), case_id=case.id, people=list(invite), now=now)
    return case


async def a_meeting_held_in_two_working_days(
    *, uow: Callable[[], UnitOfWork], now: datetime, case_id: int, attendees: Sequence[Person]
) -> datetime:
    """DS Owen Marsh schedules the case's debrief meeting at 10:00 two working days on; returns noon that day,
    when the meeting has taken place (for a clock moved on to it)."""
    day = clocks.add_working_days(now.astimezone(LONDON).date(), 2)
    await meetings.schedule_meeting(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        form={
            "meetingDate": day.isoformat(),
            "meetingTime": "10:00",
            "durationMinutes": "60",
            "attendeeIds": ",".join(p.user_id for p in attendees),
        },
        review_team=DIRECTORY.people_with(Role.REVIEW_TEAM),
        now=now,
    )
    return datetime.combine(day, datetime.min.time(), tzinfo=LONDON).replace(hour=12)
