"""Card verbs of the debrief meeting: schedule it, record who attended, and ask for its files."""

from __future__ import annotations

from typing import Any

from bot.verbs import VerbCall, case_id_of, message_card, verb
from cards.common import Card
from cards.meetings import (
    AGENDA_PACK_VERB,
    MEETING_CALENDAR_VERB,
    OPEN_MEETING_VERB,
    RECORD_ATTENDANCE_VERB,
    SCHEDULE_MEETING_VERB,
    meeting_card,
    meeting_file_on_its_way,
)
from debrief import meetings
from debrief.errors import Forbidden, InvalidInput
from debrief.meetings import MeetingView, suggested_date
from debrief.messages import MessageKind

CHECK_MESSAGE = "Nothing has been saved: please check the highlighted fields."
FILES = {MessageKind.MEETING_INVITATION_FILE: "calendar invitation", MessageKind.AGENDA_PACK: "agenda pack"}


def _card(call: VerbCall, view: MeetingView, **kwargs: Any) -> Card:
    s = call.services
    return meeting_card(
        view.case,
        view.meeting,
        eligible=view.eligible,
        suggested=suggested_date(view.case, today=s.today()),
        now=s.now(),
        **kwargs,
    )


async def _current(call: VerbCall) -> MeetingView:
    s = call.services
    return await meetings.get_meeting(
        uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), review_team=s.review_team(), now=s.now()
    )


async def _replay(call: VerbCall, case_id: int | None) -> Card:
    return _card(call, await _current(call), message="This was already received.")


@verb(OPEN_MEETING_VERB)
async def open_meeting(call: VerbCall) -> Card:
    return _card(call, await _current(call))


@verb(SCHEDULE_MEETING_VERB, replay=_replay)
async def schedule_meeting(call: VerbCall) -> Card:
    s = call.services
    try:
        view = await meetings.schedule_meeting(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id_of(call.data),
            form=call.data,
            review_team=s.review_team(),
            now=s.now(),
        )
    except InvalidInput as invalid:
        return _card(call, await _current(call), message=CHECK_MESSAGE, errors=invalid.field_errors, values=call.data)
    return _card(call, view, message="The meeting is scheduled. Attendees can add it to their calendars.")


@verb(RECORD_ATTENDANCE_VERB, replay=_replay)
async def record_attendance(call: VerbCall) -> Card:
    s = call.services
    try:
        view = await meetings.record_attendance(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id_of(call.data),
            attended_ids=call.data.get("attended"),
            review_team=s.review_team(),
            now=s.now(),
        )
    except InvalidInput as invalid:
        return _card(call, await _current(call), message=CHECK_MESSAGE, errors=invalid.field_errors, values=call.data)
    return _card(call, view, message="Attendance recorded. It is kept with the debrief's record.")


async def _file(call: VerbCall, kind: MessageKind) -> Card:
    s = call.services
    try:
        case = await meetings.request_meeting_file(
            uow=s.uow(call.activity_key), actor=call.actor, case_id=case_id_of(call.data), kind=kind, now=s.now()
        )
    except InvalidInput as invalid:
        return message_card("Not yet", next(iter(invalid.field_errors.values()), "Nothing was sent."))
    try:
        # The person pressing stays on the meeting card (it is theirs to use again), told where the file is going.
        return _card(call, await _current(call), message=f"The {FILES[kind]} is being sent to you in a personal chat.")
    except Forbidden:
        return meeting_file_on_its_way(case, what=FILES[kind])  # an attendee who is not on the review team


@verb(MEETING_CALENDAR_VERB)
async def calendar_invitation(call: VerbCall) -> Card:
    return await _file(call, MessageKind.MEETING_INVITATION_FILE)


@verb(AGENDA_PACK_VERB)
async def agenda_pack(call: VerbCall) -> Card:
    return await _file(call, MessageKind.AGENDA_PACK)
