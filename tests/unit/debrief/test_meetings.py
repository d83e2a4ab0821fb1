"""The debrief meeting: a date within ten working days, attendees from the debrief, attendance recorded after."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from debrief import meetings
from debrief.errors import Forbidden, InvalidInput
from debrief.messages import Audience, MessageKind
from debrief.model import LONDON
from debrief.permissions import Role
from tests.support.people import DIRECTORY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM, actor
from tests.unit.debrief.test_entries import LATER
from tests.unit.debrief.test_partnership import accepted
from tests.unit.fakes import FakeUnitOfWork

REVIEW_TEAM = DIRECTORY.people_with(Role.REVIEW_TEAM)
MEETING_DAY = date(2026, 12, 4)  # Friday


def plan(**changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "meetingDate": MEETING_DAY.isoformat(),
        "meetingTime": "10:00",
        "durationMinutes": "90",
        "location": "",
        "attendeeIds": ",".join(p.user_id for p in (OWEN, RUTH, JORDAN, MORGAN)),
    }
    form.update(changes)
    return form


async def schedule(uow: FakeUnitOfWork, case_id: int, who=OWEN, now=LATER, **changes: str):  # type: ignore[no-untyped-def]
    return await meetings.schedule_meeting(
        uow=uow, actor=actor(who), case_id=case_id, form=plan(**changes), review_team=REVIEW_TEAM, now=now
    )


async def test_the_suggested_date_is_ten_working_days_after_the_incident() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    view = await meetings.get_meeting(uow=uow, actor=actor(OWEN), case_id=case_id, review_team=REVIEW_TEAM, now=LATER)
    incident = view.case.nomination.incident_at.astimezone(LONDON).date()  # Friday 20 November 2026
    assert incident == date(2026, 11, 20)
    assert meetings.suggested_date(view.case, today=date(2026, 11, 27)) == date(2026, 12, 4)
    assert meetings.suggested_date(view.case, today=date(2026, 12, 10)) == date(2026, 12, 11)


async def test_attendees_come_from_the_debrief_with_how_they_take_part() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    view = await meetings.get_meeting(uow=uow, actor=actor(OWEN), case_id=case_id, review_team=REVIEW_TEAM, now=LATER)
    roles = {person.user_id: role for person, role in view.eligible.values()}
    assert roles[OWEN.user_id] == "Lead reviewer" and roles[PRIYA.user_id] == "Review team"
    assert (
        roles[RUTH.user_id] == "SIO" and roles[JORDAN.user_id] == "Contributor" and roles[TOM.user_id] == "Contributor"
    )
    assert roles[MORGAN.user_id] == "Partner · Probation Service"


async def test_the_lead_reviewer_schedules_and_the_case_thread_hears() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    view = await schedule(uow, case_id)
    assert view.meeting is not None
    assert view.meeting.starts_at == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert [p.user_id for p in view.meeting.attendees] == [OWEN.user_id, RUTH.user_id, JORDAN.user_id, MORGAN.user_id]
    kinds = [(m.kind, m.audience) for m in uow.committed_messages[-3:]]
    assert kinds == [
        (MessageKind.MEETING_CARD, Audience.CASE_THREAD),
        (MessageKind.ONLINE_MEETING, Audience.CASE_THREAD),
        (MessageKind.OUTCOME_CARD, Audience.CASE_THREAD),  # the learning and actions card, for after the meeting
    ]


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"meetingDate": "2026-12-05"}, "meetingDate", "working day"),
        ({"meetingDate": "2026-11-20"}, "meetingDate", "in the future"),
        ({"meetingTime": "ten"}, "meetingTime", "HH:MM"),
        ({"durationMinutes": "600"}, "durationMinutes", "between 15 and 480"),
        ({"attendeeIds": ""}, "attendeeIds", "Choose the attendees"),
        ({"attendeeIds": "00000000-0000-4000-8000-0000000000ff"}, "attendeeIds", "not part of this debrief"),
    ],
)
async def test_a_bad_plan_says_what_is_wrong_and_stores_nothing(changes: dict[str, str], field: str, says: str) -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    with pytest.raises(InvalidInput) as raised:
        await schedule(uow, case_id, **changes)
    assert says in raised.value.field_errors[field]
    assert await uow.meetings.get(case_id) is None


async def test_only_the_lead_reviewer_schedules() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    for someone in (PRIYA, RUTH, MORGAN):
        with pytest.raises(Forbidden):
            await schedule(uow, case_id, who=someone)


async def test_moving_the_meeting_raises_its_revision_until_it_starts() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    await schedule(uow, case_id)
    moved = await schedule(uow, case_id, meetingTime="14:00")
    assert moved.meeting is not None and moved.meeting.revision == 2
    started = datetime(2026, 12, 4, 14, 5, tzinfo=UTC)
    with pytest.raises(InvalidInput) as raised:
        await schedule(uow, case_id, now=started, meetingDate="2026-12-07")
    assert "started" in raised.value.field_errors["meetingDate"]


async def test_attendance_is_recorded_after_the_meeting_from_those_invited() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    await schedule(uow, case_id)

    async def record(ids: str, now: datetime) -> meetings.MeetingView:
        return await meetings.record_attendance(
            uow=uow, actor=actor(OWEN), case_id=case_id, attended_ids=ids, review_team=REVIEW_TEAM, now=now
        )

    after = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        await record(OWEN.user_id, LATER)  # before the meeting
    with pytest.raises(InvalidInput):
        await record(PRIYA.user_id, after)  # not invited
    view = await record(f"{OWEN.user_id},{MORGAN.user_id}", after)
    assert view.meeting is not None and view.meeting.attended == (OWEN, MORGAN)


async def test_the_calendar_invitation_is_for_attendees_and_the_agenda_pack_for_the_review_team() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    await schedule(uow, case_id)
    await meetings.request_meeting_file(
        uow=uow, actor=actor(MORGAN), case_id=case_id, kind=MessageKind.MEETING_INVITATION_FILE, now=LATER
    )
    assert uow.committed_messages[-1].person_id == MORGAN.user_id
    with pytest.raises(Forbidden):
        await meetings.request_meeting_file(
            uow=uow, actor=actor(TOM), case_id=case_id, kind=MessageKind.MEETING_INVITATION_FILE, now=LATER
        )
    with pytest.raises(Forbidden):
        await meetings.request_meeting_file(
            uow=uow, actor=actor(MORGAN), case_id=case_id, kind=MessageKind.AGENDA_PACK, now=LATER
        )
    source = await meetings.agenda_pack_source(uow=uow, actor=actor(PRIYA), case_id=case_id, now=LATER, route="test")
    assert source.meeting.case_id == case_id and source.partners
    assert uow.committed_audit[-1].recipients == (f"person:{PRIYA.user_id}",)


async def test_the_teams_meeting_is_kept_only_for_the_plan_it_was_made_for() -> None:
    uow = FakeUnitOfWork()
    case_id = await accepted(uow)
    await schedule(uow, case_id)
    await schedule(uow, case_id, meetingTime="11:00")
    now = LATER + timedelta(minutes=1)
    stale = await meetings.set_online_meeting(
        uow=uow, case_id=case_id, join_url="https://teams.example/join/1", online_meeting_id="m1", revision=1, now=now
    )
    assert not stale
    kept = await meetings.set_online_meeting(
        uow=uow, case_id=case_id, join_url="https://teams.example/join/2", online_meeting_id="m2", revision=2, now=now
    )
    meeting = await uow.meetings.get(case_id)
    assert kept and meeting is not None and meeting.join_url == "https://teams.example/join/2"
