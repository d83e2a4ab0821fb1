"""The meeting cards: scheduling, changing, the files one to one, and the record of attendance."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cards.common import Card
from cards.meetings import (
    AGENDA_PACK_VERB,
    MEETING_CALENDAR_VERB,
    OPEN_MEETING_VERB,
    RECORD_ATTENDANCE_VERB,
    SCHEDULE_MEETING_VERB,
    duration_text,
    meeting_card,
    meeting_file_link,
    meeting_file_on_its_way,
)
from debrief import clocks
from debrief.meetings import Meeting, suggested_date
from debrief.model import LONDON, CaseStatus
from tests.support.cards import buttons, card_text, elements, folded, inputs
from tests.support.people import CASEY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM
from tests.unit.cards.card_gallery import NOW, a_case, a_meeting, eligible_people, every_card

CASE = a_case(CaseStatus.ACCEPTED)
SUGGESTED = suggested_date(CASE, today=NOW.date())
JOIN = "https://teams.example.invalid/l/meetup-join/abc"


def card_for(meeting: Meeting | None, now: datetime = NOW, **kwargs: Any) -> Card:
    return meeting_card(CASE, meeting, eligible=eligible_people(), suggested=SUGGESTED, now=now, **kwargs)


def test_the_verbs_are_the_agreed_strings() -> None:
    assert (OPEN_MEETING_VERB, SCHEDULE_MEETING_VERB, RECORD_ATTENDANCE_VERB) == (
        "meeting.open",
        "meeting.schedule",
        "meeting.attendance.record",
    )
    assert (MEETING_CALENDAR_VERB, AGENDA_PACK_VERB) == ("meeting.calendar", "meeting.agenda_pack")


# --- Scheduling --------------------------------------------------------------------------------------------------


def test_the_meeting_form_suggests_a_date_within_ten_working_days() -> None:
    card = card_for(None)
    incident_day = CASE.nomination.incident_at.astimezone(LONDON).date()
    assert SUGGESTED == clocks.add_working_days(incident_day, 10) == date(2026, 12, 4)
    found = inputs(card)
    assert found["meetingDate"]["type"] == "Input.Date"
    assert found["meetingDate"]["value"] == "2026-12-04"
    assert found["meetingDate"]["min"] == NOW.astimezone(LONDON).date().isoformat()
    assert "Suggested: Fri 04 Dec 2026, within 10 working days of the incident" in card_text(card)


def test_the_meeting_form_has_every_field_with_its_default() -> None:
    card = card_for(None)
    found = inputs(card)
    assert set(found) == {"meetingDate", "meetingTime", "durationMinutes", "location", "attendeeIds"}
    assert all(field.get("label") for field in found.values())
    assert found["meetingTime"]["type"] == "Input.Time" and found["meetingTime"]["value"] == "10:00"
    assert [c["value"] for c in found["durationMinutes"]["choices"]] == ["60", "90", "120"]
    assert found["durationMinutes"]["value"] == "90"
    assert "optional" in found["location"]["label"] and "value" not in found["location"]
    attendees = found["attendeeIds"]
    assert attendees["isMultiSelect"] is True and attendees["style"] == "expanded"
    titles = [c["title"] for c in attendees["choices"]]
    assert titles[0] == f"{OWEN.name} · Review team"
    assert f"{RUTH.name} · SIO" in titles and f"{MORGAN.name} · Partner · Probation Service" in titles
    assert buttons(card)["Schedule the meeting"]["data"] == {"verb": SCHEDULE_MEETING_VERB, "caseId": 1}


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong() -> None:
    card = card_for(
        None,
        errors={"meetingDate": "Choose a working day.", "attendeeIds": "Choose the attendees."},
        values={"meetingDate": "2026-12-05", "meetingTime": "09:30", "durationMinutes": "60", "attendeeIds": ""},
    )
    found = inputs(card)
    assert (found["meetingDate"]["value"], found["meetingTime"]["value"], found["durationMinutes"]["value"]) == (
        "2026-12-05",
        "09:30",
        "60",
    )
    text = card_text(card)
    assert "Choose a working day." in text and "Choose the attendees." in text
    assert "Please check 2 fields below. Nothing is scheduled yet." in text


def test_a_scheduled_meeting_shows_its_details_in_uk_time() -> None:
    summer = a_meeting(starts_at=datetime(2027, 6, 15, 9, 0, tzinfo=UTC), join_url=JOIN)
    card = card_for(summer)
    text = card_text(card)
    assert "Tue 15 Jun 2027, 10:00 to 11:30 (UK time)" in text  # 09:00 UTC is 10:00 BST
    assert "1 hour 30 minutes" in text
    assert "Conference room 2, Northgate police station" in text
    assert OWEN.name in text  # the organiser
    assert "**Attendees (5)**" in text
    assert f"- {MORGAN.name} · Partner · Probation Service" in text
    join = elements(card, "Action.OpenUrl")
    assert [(a["title"], a["url"]) for a in join] == [("Join the Teams meeting", JOIN)]
    found = buttons(card)
    assert found["Calendar invitation (.ics)"]["data"] == {"verb": MEETING_CALENDAR_VERB, "caseId": 1}
    assert found["Agenda pack"]["data"] == {"verb": AGENDA_PACK_VERB, "caseId": 1}
    assert "sent to you one to one" in text


def test_without_a_teams_link_there_is_no_join_button() -> None:
    assert elements(card_for(a_meeting()), "Action.OpenUrl") == []


def test_the_date_and_attendees_can_be_changed_until_the_meeting_starts() -> None:
    meeting = a_meeting(join_url=JOIN)
    card = card_for(meeting)
    change = folded(card)["Change date or attendees"]
    found = inputs(change)
    assert found["meetingDate"]["value"] == "2026-12-04"
    assert found["meetingTime"]["value"] == "10:00"
    assert found["durationMinutes"]["value"] == "90"
    assert found["location"]["value"] == meeting.location
    assert found["attendeeIds"]["value"].split(",") == [p.user_id for p in meeting.attendees]
    assert [a["verb"] for a in change["actions"]] == [SCHEDULE_MEETING_VERB]
    assert "attended" not in inputs(card)
    started = card_for(meeting, meeting.starts_at)
    assert folded(started) == {}


def test_an_unusual_length_is_kept_as_a_choice() -> None:
    meeting = replace(a_meeting(), duration_minutes=45)
    found = inputs(folded(card_for(meeting))["Change date or attendees"])["durationMinutes"]
    assert [c["value"] for c in found["choices"]] == ["45", "60", "90", "120"] and found["value"] == "45"
    assert (
        duration_text(45) == "45 minutes"
        and duration_text(60) == "1 hour"
        and duration_text(150) == ("2 hours 30 minutes")
    )


def test_errors_in_the_folded_change_form_are_shown_where_they_can_be_seen() -> None:
    card = card_for(
        a_meeting(), errors={"meetingDate": "The meeting must be in the future."}, values={"meetingDate": "2026-11-01"}
    )
    assert 'Under "Change date or attendees": The meeting must be in the future.' in card_text(card)
    change = folded(card)["Change date or attendees"]
    assert inputs(change)["meetingDate"]["value"] == "2026-11-01"
    assert "The meeting must be in the future." in card_text(change)


# --- Attendance --------------------------------------------------------------------------------------------------


def test_attendance_is_recorded_after_the_meeting_starts() -> None:
    meeting = a_meeting()
    before = card_for(meeting, meeting.starts_at - timedelta(minutes=1))
    assert "attended" not in inputs(before) and "Record attendance" not in buttons(before)

    during = card_for(meeting, meeting.starts_at + timedelta(minutes=5))
    attended = inputs(during)["attended"]
    assert attended["isMultiSelect"] is True and attended["label"]
    assert attended["value"].split(",") == [p.user_id for p in meeting.attendees]
    offered = [c["value"] for c in attended["choices"]]
    assert offered[:5] == [p.user_id for p in meeting.attendees]
    assert set(offered[5:]) == {CASEY.user_id, TOM.user_id}  # people who came without an invitation
    assert buttons(during)["Record attendance"]["data"] == {"verb": RECORD_ATTENDANCE_VERB, "caseId": 1}
    assert "may be disclosed" in card_text(during)

    meeting.record_attendance((OWEN, RUTH, MORGAN), by=PRIYA, now=meeting.ends_at)
    after = card_for(meeting, meeting.ends_at + timedelta(hours=1))
    text = card_text(after)
    assert (
        f"Attendance recorded by {PRIYA.name} on Fri 04 Dec 2026, 11:30:** {OWEN.name}, {RUTH.name}, {MORGAN.name}"
        in (text)
    )
    assert "attended" not in inputs(after) and "Record attendance" not in buttons(after)
    assert JORDAN.name in text  # still listed as invited


def test_attendance_errors_keep_what_was_ticked() -> None:
    meeting = a_meeting()
    card = card_for(
        meeting,
        meeting.starts_at,
        errors={"attended": "Tick everyone who attended."},
        values={"attended": OWEN.user_id},
    )
    assert inputs(card)["attended"]["value"] == OWEN.user_id
    assert "Tick everyone who attended." in card_text(card)


def test_after_the_meeting_only_the_agenda_pack_is_offered() -> None:
    meeting = a_meeting(join_url=JOIN)
    card = card_for(meeting, meeting.ends_at)
    assert "Calendar invitation (.ics)" not in buttons(card)
    assert "Agenda pack" in buttons(card)
    assert elements(card, "Action.OpenUrl") == []


# --- The files, one to one ---------------------------------------------------------------------------------------


def test_the_files_go_one_to_one_with_a_single_use_link() -> None:
    on_its_way = card_text(meeting_file_on_its_way(CASE, what="agenda pack"))
    assert "The agenda pack is being sent to you in a personal chat" in on_its_way
    url = "https://debrief.example.invalid/documents/once/def456"
    card = meeting_file_link(CASE, what="calendar invitation", url=url, expires_at=NOW + timedelta(minutes=10))
    text = card_text(card)
    assert "Calendar invitation for RD-2026-0001 is ready" in text
    assert "works once and expires at 10:10 (UK time)" in text
    assert "OFFICIAL-SENSITIVE" in text and "Do not forward it" in text
    assert [(a["title"], a["url"]) for a in elements(card, "Action.OpenUrl")] == [("Download", url)]


def test_cards_stay_under_28_kb() -> None:
    for name, card in every_card().items():
        if name.startswith("meeting"):
            assert len(json.dumps(card, separators=(",", ":")).encode()) < 28_000, name
