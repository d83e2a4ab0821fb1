"""The debrief meeting: the card in the case thread, and its files (calendar invitation, agenda pack) one to one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from microsoft_teams.cards.core import (
    Action,
    AdaptiveCard,
    CardElement,
    Choice,
    ChoiceSetInput,
    Container,
    DateInput,
    OpenUrlAction,
    ShowCardAction,
    TextBlock,
    TextInput,
    TimeInput,
)

from cards.common import (
    CARD_VERSION,
    Card,
    actions,
    build,
    facts,
    field_error,
    field_value,
    heading,
    notice,
    paragraph,
    verb,
    when,
)
from debrief.meetings import DEFAULT_DURATION_MINUTES, MAX_LOCATION, MEETING_WORKING_DAYS, Meeting
from debrief.model import LONDON, Case, Person

OPEN_MEETING_VERB = "meeting.open"
SCHEDULE_MEETING_VERB = "meeting.schedule"
RECORD_ATTENDANCE_VERB = "meeting.attendance.record"
MEETING_CALENDAR_VERB = "meeting.calendar"
AGENDA_PACK_VERB = "meeting.agenda_pack"

DURATIONS = (60, 90, 120)
"""The lengths offered on the form, in minutes (a meeting already set to another length keeps it as a choice)."""
DEFAULT_TIME = "10:00"

_PURPOSE = (
    "At the debrief meeting the attendees look at the incident together and find the learning: what could prevent "
    "future harm, not who is at fault."
)


def meeting_card(
    case: Case,
    meeting: Meeting | None,
    *,
    eligible: Mapping[str, tuple[Person, str]],
    suggested: date,
    now: datetime,
    message: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """The meeting form until it is scheduled; then its details, the files, changes, and attendance afterwards.

    `eligible` maps user ids to the person and their part in the debrief ("Review team", "SIO", "Contributor",
    "Partner · Probation Service"), in the order they should be listed.
    """
    errors = errors or {}
    values = values or {}
    data = {"caseId": case.id}
    body: list[CardElement] = [heading(f"Debrief meeting for {case.case_number}"), paragraph(_PURPOSE)]
    if message:
        body.append(notice(message, good=not errors))

    if meeting is None:
        if errors:
            count = len(errors)
            body.append(
                notice(f"Please check {count} field{'s' if count != 1 else ''} below. Nothing is scheduled yet.")
            )
        body.append(
            Container(
                separator=True,
                items=[
                    *_plan_form(None, eligible=eligible, suggested=suggested, now=now, errors=errors, values=values),
                    actions(verb("Schedule the meeting", SCHEDULE_MEETING_VERB, data, style="positive")),
                ],
            )
        )
        return build(*body, fallback_text=f"{case.case_number}: schedule the debrief meeting")

    started = now >= meeting.starts_at
    ended = now >= meeting.ends_at
    where = meeting.location or ("Online (Microsoft Teams)" if meeting.join_url else "Not set")
    body += [
        facts(
            [
                ("When", f"{when(meeting.starts_at)} to {meeting.ends_at.astimezone(LONDON):%H:%M} (UK time)"),
                ("Length", duration_text(meeting.duration_minutes)),
                ("Where", where),
                ("Organiser", meeting.scheduled_by.name),
            ]
        ),
        paragraph(f"**Attendees ({len(meeting.attendees)})**\n\n" + _people(meeting.attendees, eligible)),
    ]
    if meeting.join_url and not ended:
        body.append(actions(OpenUrlAction(title="Join the Teams meeting", url=meeting.join_url, style="positive")))
    files: list[Action] = []
    if not ended:
        files.append(verb("Calendar invitation (.ics)", MEETING_CALENDAR_VERB, data))
    files.append(verb("Agenda pack", AGENDA_PACK_VERB, data))
    body.append(
        Container(
            separator=True,
            items=[
                paragraph("Each file is sent to you one to one, not posted here: it is need-to-know.", subtle=True),
                actions(*files),
            ],
        )
    )

    if not started:
        if errors:
            body.append(notice('Under "Change date or attendees": ' + " ".join(errors.values())))
        body.append(
            actions(
                ShowCardAction(
                    title="Change date or attendees",
                    card=AdaptiveCard(
                        version=CARD_VERSION,
                        body=[
                            *_plan_form(
                                meeting, eligible=eligible, suggested=suggested, now=now, errors=errors, values=values
                            ),
                            paragraph("Everyone invited is sent the updated calendar invitation.", subtle=True),
                        ],
                        actions=[verb("Save the changes", SCHEDULE_MEETING_VERB, data, style="positive")],
                    ),
                )
            )
        )
    elif meeting.attended is None:
        attendee_ids = [p.user_id for p in meeting.attendees]
        others = [(uid, p) for uid, (p, _) in eligible.items() if uid not in set(attendee_ids)]
        choices = [Choice(title=_label(p, eligible), value=p.user_id) for p in meeting.attendees] + [
            Choice(title=_label(p, eligible), value=uid) for uid, p in others
        ]
        body.append(
            Container(
                separator=True,
                items=[
                    paragraph("**Record attendance**"),
                    paragraph(
                        "Untick anyone who did not attend, and tick anyone who came without an invitation. The record "
                        "of attendance is kept and may be disclosed.",
                        subtle=True,
                    ),
                    ChoiceSetInput(
                        id="attended",
                        label="Who attended? (the lead reviewer only)",
                        is_multi_select=True,
                        style="expanded",
                        choices=choices,
                        value=field_value(values, "attended") or ",".join(attendee_ids) or None,
                    ),
                    *field_error(errors.get("attended")),
                    actions(verb("Record attendance", RECORD_ATTENDANCE_VERB, data, style="positive")),
                ],
            )
        )
    else:
        by = meeting.attendance_recorded_by.name if meeting.attendance_recorded_by is not None else "the lead reviewer"
        at = f" on {when(meeting.attendance_recorded_at)}" if meeting.attendance_recorded_at is not None else ""
        body.append(
            Container(
                separator=True,
                style="good",
                items=[
                    TextBlock(
                        text=f"**Attendance recorded by {by}{at}:** " + ", ".join(p.name for p in meeting.attended),
                        wrap=True,
                    )
                ],
            )
        )
    return build(*body, fallback_text=f"{case.case_number}: the debrief meeting on {when(meeting.starts_at)}")


def _plan_form(
    meeting: Meeting | None,
    *,
    eligible: Mapping[str, tuple[Person, str]],
    suggested: date,
    now: datetime,
    errors: Mapping[str, str],
    values: Mapping[str, object],
) -> list[CardElement]:
    """The date, time, length, place and attendees: empty but for the suggestion, or prefilled to change them."""

    def value(name: str, default: str | None) -> str | None:
        return field_value(values, name) or default

    if meeting is not None:
        local = meeting.starts_at.astimezone(LONDON)
        day, at, length = local.date().isoformat(), f"{local:%H:%M}", meeting.duration_minutes
        chosen = ",".join(p.user_id for p in meeting.attendees if p.user_id in eligible) or None
    else:
        day, at, length, chosen = suggested.isoformat(), DEFAULT_TIME, DEFAULT_DURATION_MINUTES, None
    lengths = sorted({*DURATIONS, length})
    people = [Choice(title=_label(p, eligible), value=uid) for uid, (p, _) in eligible.items()]
    attendees: list[CardElement] = (
        [
            ChoiceSetInput(
                id="attendeeIds",
                label="Attendees",
                is_multi_select=True,
                style="expanded",
                choices=people,
                value=value("attendeeIds", chosen),
            )
        ]
        if people
        else [paragraph("Nobody is part of the debrief yet to invite.", subtle=True)]
    )
    return [
        DateInput(
            id="meetingDate",
            label="Date",
            min=now.astimezone(LONDON).date().isoformat(),
            value=value("meetingDate", day),
        ),
        *field_error(errors.get("meetingDate")),
        TextBlock(
            text=f"Suggested: {suggested:%a %d %b %Y}, within {MEETING_WORKING_DAYS} working days of the incident",
            wrap=True,
            size="Small",
            is_subtle=True,
            spacing="None",
        ),
        TimeInput(id="meetingTime", label="Start time (UK, 24-hour)", value=value("meetingTime", at)),
        *field_error(errors.get("meetingTime")),
        ChoiceSetInput(
            id="durationMinutes",
            label="Length",
            style="compact",
            choices=[Choice(title=duration_text(m), value=str(m)) for m in lengths],
            value=value("durationMinutes", str(length)),
        ),
        *field_error(errors.get("durationMinutes")),
        TextInput(
            id="location",
            label="Where (optional, for anyone attending in person)",
            placeholder="For example a meeting room; the Teams link is added for you",
            max_length=MAX_LOCATION,
            value=value("location", meeting.location if meeting is not None else None),
        ),
        *field_error(errors.get("location")),
        *attendees,
        *field_error(errors.get("attendeeIds")),
    ]


def _label(person: Person, eligible: Mapping[str, tuple[Person, str]]) -> str:
    role = eligible.get(person.user_id)
    return f"{person.name} · {role[1]}" if role is not None else person.name


def _people(people: tuple[Person, ...], eligible: Mapping[str, tuple[Person, str]]) -> str:
    if not people:
        return "None"
    return "\n".join(f"- {_label(p, eligible)}" for p in people)


# --- The files, one to one ---------------------------------------------------------------------------------------


def meeting_file_on_its_way(case: Case, *, what: str) -> Card:
    """The answer in the case thread: the file goes to the person who asked, not to the channel."""
    return build(
        heading(f"{case.case_number}: the {what}"),
        paragraph(f"The {what} is being sent to you in a personal chat. It is not posted here: it is need-to-know."),
        fallback_text=f"{case.case_number}: the {what} is on its way to your personal chat",
    )


def meeting_file_link(case: Case, *, what: str, url: str, expires_at: datetime) -> Card:
    """The personal message with a one-time link to the calendar invitation or the agenda pack."""
    expiry = expires_at.astimezone(LONDON).strftime("%H:%M")
    return build(
        heading(f"{what[:1].upper()}{what[1:]} for {case.case_number} is ready"),
        paragraph(f"The link works once and expires at {expiry} (UK time). Ask for a new one if it has expired."),
        notice(
            "The file is OFFICIAL-SENSITIVE. Do not forward it, and store it only in locations approved for this case."
        ),
        actions(OpenUrlAction(title="Download", url=url, style="positive")),
        fallback_text=f"The {what} for {case.case_number} is ready to download",
    )


def duration_text(minutes: int) -> str:
    """'1 hour', '1 hour 30 minutes', '45 minutes'."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minutes")
    return " ".join(parts)
