"""Step 5 of the practice: the debrief meeting, where attendees analyse the incident and the learning is found.

The lead reviewer proposes a date (default: within ten working days of the incident), picks attendees from
the people already part of the debrief, and records afterwards who attended (the record of attendance is
potentially disclosable). These are the records and their rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from debrief import clocks
from debrief.cases import existing
from debrief.chronology import Chronology, merge
from debrief.contributors import Contributor
from debrief.errors import InvalidInput, NotFound
from debrief.fields import choices, parse_date, parse_time
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import LONDON, Case, Person
from debrief.parameters import Parameters
from debrief.partners import PartnerInvitation
from debrief.permissions import SYSTEM, Actor, Permission, authorise
from debrief.ports import UnitOfWork
from debrief.relations import relation_of

MEETING_WORKING_DAYS = 10
"""Default clock (domain.md): the debrief meeting is held within ten working days of the incident."""
DEFAULT_DURATION_MINUTES = 90
MAX_ATTENDEES = 40
MAX_LOCATION = 200


@dataclass
class Meeting:
    case_id: int
    starts_at: datetime
    duration_minutes: int
    attendees: tuple[Person, ...]
    scheduled_by: Person
    scheduled_at: datetime
    location: str | None = None
    """Where people gather, if anywhere; the Teams meeting link is kept apart in `join_url`."""
    join_url: str | None = None
    online_meeting_id: str | None = None
    attended: tuple[Person, ...] | None = None
    attendance_recorded_by: Person | None = None
    attendance_recorded_at: datetime | None = None
    version: int = 1
    revision: int = field(default=1)
    """Goes up each time the date, time or attendees change (the .ics sequence number)."""

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def record_attendance(self, attended: tuple[Person, ...], *, by: Person, now: datetime) -> None:
        if now < self.starts_at:
            raise InvalidInput({"attended": "Attendance is recorded after the meeting has started."})
        if not attended:
            raise InvalidInput({"attended": "Tick everyone who attended (at least one person)."})
        self.attended = attended
        self.attendance_recorded_by = by
        self.attendance_recorded_at = now
        self.version += 1


@dataclass(frozen=True)
class MeetingPlan:
    """What the lead reviewer chose on the meeting card, checked."""

    starts_at: datetime
    duration_minutes: int
    attendee_ids: tuple[str, ...]
    location: str | None


def suggested_date(case: Case, *, today: date) -> date:
    """Ten working days after the incident, or the next working day if that has passed."""
    due = clocks.add_working_days(case.nomination.incident_at.astimezone(LONDON).date(), MEETING_WORKING_DAYS)
    return due if due > today else clocks.add_working_days(today, 1)


def parse_plan(form: Mapping[str, object], *, eligible: Mapping[str, Person], now: datetime) -> MeetingPlan:
    """The meeting card's fields: a date and time in the future, a length, attendees from those eligible."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    day = parse_date(text("meetingDate"))
    at = parse_time(text("meetingTime"))
    starts_at: datetime | None = None
    if day is None:
        errors["meetingDate"] = "Enter the date of the meeting, for example 2026-12-08."
    elif not clocks.is_working_day(day):
        errors["meetingDate"] = "Choose a working day (not a weekend or bank holiday)."
    if at is None:
        errors["meetingTime"] = "Enter the start time as HH:MM (24-hour), for example 10:00."
    if day is not None and at is not None:
        starts_at = datetime.combine(day, at, tzinfo=LONDON)
        if starts_at <= now:
            errors["meetingDate"] = "The meeting must be in the future."
    try:
        duration = int(text("durationMinutes") or DEFAULT_DURATION_MINUTES)
    except ValueError:
        duration = 0
    if not 15 <= duration <= 480:
        errors["durationMinutes"] = "Give the length in minutes, between 15 and 480."
    chosen = tuple(dict.fromkeys(choices(form.get("attendeeIds"))))
    if not chosen:
        errors["attendeeIds"] = "Choose the attendees: partners who accepted, contributors, the SIO, the review team."
    elif unknown := [c for c in chosen if c not in eligible]:
        errors["attendeeIds"] = f"Choose attendees from the list ({len(unknown)} chosen are not part of this debrief)."
    elif len(chosen) > MAX_ATTENDEES:
        errors["attendeeIds"] = f"Invite up to {MAX_ATTENDEES} people."
    location = text("location") or None
    if location is not None and len(location) > MAX_LOCATION:
        errors["location"] = f"Keep the location to {MAX_LOCATION} characters or fewer."
    if errors:
        raise InvalidInput(errors)
    assert starts_at is not None
    return MeetingPlan(starts_at=starts_at, duration_minutes=duration, attendee_ids=chosen, location=location)


def default_start(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=LONDON)


# --- The service functions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingView:
    case: Case
    meeting: Meeting | None
    eligible: dict[str, tuple[Person, str]]
    """Who may be invited: user id -> (person, how they take part)."""


@dataclass(frozen=True)
class AgendaPackSource:
    """Everything the agenda pack prints, read in one audited disclosure."""

    case: Case
    parameters: Parameters | None
    chronology: Chronology
    meeting: Meeting
    partners: list[PartnerInvitation]


async def get_meeting(
    *, uow: UnitOfWork, actor: Actor, case_id: int, review_team: Mapping[str, Person], now: datetime
) -> MeetingView:
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.READ_MEETING, case, now=now)
        view = MeetingView(case, await uow.meetings.get(case_id), await _eligible(uow, case, review_team, now))
        await uow.commit()
        return view


async def schedule_meeting(
    *,
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    form: Mapping[str, object],
    review_team: Mapping[str, Person],
    now: datetime,
) -> MeetingView:
    """Set (or move, before it starts) the meeting; the case thread's meeting card shows it to everyone."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.SCHEDULE_MEETING, case, now=now)
        case.require_debrief("meetingDate")
        eligible = await _eligible(uow, case, review_team, now)
        plan = parse_plan(form, eligible={k: p for k, (p, _) in eligible.items()}, now=now)
        attendees = tuple(eligible[i][0] for i in plan.attendee_ids)
        meeting = await uow.meetings.get(case_id)
        if meeting is None:
            meeting = Meeting(
                case_id=case_id,
                starts_at=plan.starts_at,
                duration_minutes=plan.duration_minutes,
                attendees=attendees,
                scheduled_by=Person(actor.user_id, actor.name),
                scheduled_at=now,
                location=plan.location,
            )
            await uow.meetings.add(meeting)
        else:
            if now >= meeting.starts_at:
                raise InvalidInput({"meetingDate": "The meeting has started: it can no longer be moved."})
            meeting.starts_at, meeting.duration_minutes = plan.starts_at, plan.duration_minutes
            meeting.attendees, meeting.location = attendees, plan.location
            meeting.scheduled_by, meeting.scheduled_at = Person(actor.user_id, actor.name), now
            meeting.revision += 1
            meeting.version += 1
            await uow.meetings.save(meeting)
        uow.outbox.add(OutboundMessage(MessageKind.MEETING_CARD, case_id, Audience.CASE_THREAD))
        uow.outbox.add(OutboundMessage(MessageKind.ONLINE_MEETING, case_id, Audience.CASE_THREAD))
        if meeting.revision == 1:
            # The learning and actions card, ready for after the meeting.
            uow.outbox.add(OutboundMessage(MessageKind.OUTCOME_CARD, case_id, Audience.CASE_THREAD))
        uow.mark_processed(case_id)
        await uow.commit()
        return MeetingView(case, meeting, eligible)


async def record_attendance(
    *,
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    attended_ids: object,
    review_team: Mapping[str, Person],
    now: datetime,
) -> MeetingView:
    """Who attended, recorded by the lead reviewer after the meeting: part of the disclosable record."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.RECORD_ATTENDANCE, case, now=now)
        meeting = await uow.meetings.get(case_id)
        if meeting is None:
            raise InvalidInput({"attended": "Schedule the meeting first."})
        invited = {p.user_id: p for p in meeting.attendees}
        chosen = tuple(dict.fromkeys(choices(attended_ids)))
        if unknown := [c for c in chosen if c not in invited]:
            raise InvalidInput({"attended": f"Choose from those invited ({len(unknown)} chosen were not invited)."})
        meeting.record_attendance(tuple(invited[c] for c in chosen), by=Person(actor.user_id, actor.name), now=now)
        await uow.meetings.save(meeting)
        uow.outbox.add(OutboundMessage(MessageKind.MEETING_CARD, case_id, Audience.CASE_THREAD))
        uow.mark_processed(case_id)
        view = MeetingView(case, meeting, await _eligible(uow, case, review_team, now))
        await uow.commit()
        return view


async def request_meeting_file(
    *, uow: UnitOfWork, actor: Actor, case_id: int, kind: MessageKind, now: datetime
) -> Case:
    """The calendar invitation (attendees and the review team) or the agenda pack (the review team), sent one to
    one to whoever asked."""
    permission = {
        MessageKind.MEETING_INVITATION_FILE: Permission.REQUEST_MEETING_INVITATION,
        MessageKind.AGENDA_PACK: Permission.REQUEST_AGENDA_PACK,
    }[kind]
    async with uow:
        case = await existing(uow, case_id)
        relation = await relation_of(uow, actor, case, now=now)
        await authorise(uow, actor, permission, case, now=now, relation=relation)
        if await uow.meetings.get(case_id) is None:
            raise InvalidInput({"meetingDate": "The meeting has not been scheduled yet."})
        uow.outbox.add(OutboundMessage(kind, case_id, Audience.PERSON, person_id=actor.user_id))
        uow.mark_processed(case_id)
        await uow.commit()
        return case


async def meeting_for_invitation(
    *, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime, route: str
) -> tuple[Case, Meeting]:
    """The meeting as it is when the calendar invitation is fetched; a disclosure to the person fetching it."""
    async with uow:
        case = await existing(uow, case_id)
        relation = await relation_of(uow, actor, case, now=now)
        await authorise(
            uow,
            actor,
            Permission.DISCLOSE_MEETING_INVITATION,
            case,
            now=now,
            relation=relation,
            recipients=(f"person:{actor.user_id}",),
            justification=f"meeting calendar invitation delivered {route}",
        )
        meeting = await uow.meetings.get(case_id)
        if meeting is None:
            raise NotFound("The meeting has not been scheduled yet.")
        await uow.commit()
        return case, meeting


async def agenda_pack_source(
    *, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime, route: str
) -> AgendaPackSource:
    async with uow:
        case = await existing(uow, case_id)
        await authorise(
            uow,
            actor,
            Permission.DISCLOSE_AGENDA_PACK,
            case,
            now=now,
            recipients=(f"person:{actor.user_id}",),
            justification=f"agenda pack delivered {route}",
        )
        meeting = await uow.meetings.get(case_id)
        if meeting is None:
            raise NotFound("The meeting has not been scheduled yet.")
        latest = await uow.parameters.latest(case_id)
        parameters = latest.parameters if latest else None
        chronology = merge(
            await uow.chronology.list(case_id), parameters=parameters, lock=await uow.chronology.lock_of(case_id)
        )
        source = AgendaPackSource(case, parameters, chronology, meeting, await uow.partners.invitations(case_id))
        await uow.commit()
        return source


async def set_online_meeting(
    *, uow: UnitOfWork, case_id: int, join_url: str, online_meeting_id: str, revision: int, now: datetime
) -> bool:
    """Keep the Teams meeting Rapid Debrief created for this revision of the plan; False if the plan moved on."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, SYSTEM, Permission.SET_ONLINE_MEETING, case, now=now)
        meeting = await uow.meetings.get(case_id)
        if meeting is None or meeting.revision != revision:
            return False
        meeting.join_url, meeting.online_meeting_id = join_url, online_meeting_id
        meeting.version += 1
        await uow.meetings.save(meeting)
        uow.outbox.add(OutboundMessage(MessageKind.MEETING_CARD, case_id, Audience.CASE_THREAD))
        await uow.commit()
        return True


async def _eligible(
    uow: UnitOfWork, case: Case, review_team: Mapping[str, Person], now: datetime
) -> dict[str, tuple[Person, str]]:
    assert case.id is not None
    return eligible_attendees(
        case,
        invitations=await uow.partners.invitations(case.id),
        contributors=await uow.contributors.list(case.id),
        review_team=review_team,
        now=now,
    )


def eligible_attendees(
    case: Case,
    *,
    invitations: Sequence[PartnerInvitation],
    contributors: Sequence[Contributor],
    review_team: Mapping[str, Person],
    now: datetime,
) -> dict[str, tuple[Person, str]]:
    """The review team, the SIO, contributors and partners whose access is current: nobody else is invited."""
    found: dict[str, tuple[Person, str]] = {}
    for invitation in invitations:
        if invitation.has_access(now):
            found[invitation.contact.user_id] = (invitation.contact, f"Partner · {invitation.agency}")
    for contributor in contributors:
        found[contributor.person.user_id] = (contributor.person, "Contributor")
    sio = case.nomination.sio
    found[sio.user_id] = (sio, "SIO")
    for user_id, person in review_team.items():
        found[user_id] = (person, "Review team")
    if case.lead_reviewer is not None:
        found[case.lead_reviewer.user_id] = (case.lead_reviewer, "Lead reviewer")
    return found
