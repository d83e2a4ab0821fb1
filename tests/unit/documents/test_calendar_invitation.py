"""The debrief meeting's calendar invitation (.ics), parsed back with icalendar as a calendar client would.

The invitation may sit in calendars that more people see than the case: it must hold the time (in UK time), a
stable identity that later revisions update, the handling marking and the Teams link, and nothing about the
case.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Timezone

from debrief.meetings import Meeting
from debrief.model import LONDON, Person
from documents.calendar import london_timezone, render_meeting_invitation
from tests.support.people import JORDAN, MORGAN, OWEN, RUTH
from tests.unit.cards.card_gallery import a_case

CASE_NUMBER = "RD-2026-0001"
PRODUCED_AT = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)
JOIN_URL = "https://teams.microsoft.com/l/meetup-join/fictional-meeting-0001"


def a_meeting(**fields: object) -> Meeting:
    values: dict[str, object] = {
        "case_id": 1,
        "starts_at": datetime(2026, 12, 8, 10, 0, tzinfo=LONDON),
        "duration_minutes": 90,
        "attendees": (OWEN, RUTH, JORDAN, MORGAN),
        "scheduled_by": OWEN,
        "scheduled_at": PRODUCED_AT,
        "location": None,
        "join_url": JOIN_URL,
    }
    values.update(fields)
    return Meeting(**values)  # type: ignore[arg-type]


def invitation(meeting: Meeting | None = None, *, organiser: Person = OWEN) -> bytes:
    return render_meeting_invitation(
        case_number=CASE_NUMBER, meeting=meeting or a_meeting(), organiser=organiser, produced_at=PRODUCED_AT
    )


def parsed(data: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    events = calendar.events
    assert len(events) == 1
    return calendar, events[0]


def test_a_calendar_with_one_meeting_request() -> None:
    calendar, event = parsed(invitation())
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "REQUEST"
    assert str(calendar["PRODID"]).startswith("-//Rapid Debrief//")
    assert event["SUMMARY"] == f"Rapid debrief meeting: {CASE_NUMBER}"
    assert event["CLASS"] == "CONFIDENTIAL"
    assert event.decoded("DTSTAMP") == PRODUCED_AT


def test_the_times_are_in_uk_time_with_their_timezone() -> None:
    data = invitation()
    calendar, event = parsed(data)
    assert b"DTSTART;TZID=Europe/London:20261208T100000\r\n" in data  # GMT in December
    assert b"DTEND;TZID=Europe/London:20261208T113000\r\n" in data
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert event.start == datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)
    assert event.end - event.start == timedelta(minutes=90)


def test_a_summer_meeting_is_in_british_summer_time() -> None:
    summer = a_meeting(starts_at=datetime(2027, 6, 15, 8, 30, tzinfo=UTC), duration_minutes=60)
    data = invitation(summer)
    _, event = parsed(data)
    assert b"DTSTART;TZID=Europe/London:20270615T093000\r\n" in data
    assert isinstance(event.start, datetime) and isinstance(event.end, datetime)
    assert event.start.astimezone(UTC) == datetime(2027, 6, 15, 8, 30, tzinfo=UTC)
    assert event.end.astimezone(UTC) == datetime(2027, 6, 15, 9, 30, tzinfo=UTC)


def test_the_timezone_in_the_file_agrees_with_the_uk_clock_every_year_around_each_change() -> None:
    """Read as a client that does not know Europe/London would read it: from the VTIMEZONE alone."""
    calendar, _ = parsed(invitation())
    timezone = calendar.walk("VTIMEZONE")[0]
    assert isinstance(timezone, Timezone)
    assert timezone.to_ical() == london_timezone().to_ical()
    from_file = timezone.to_tz(lookup_tzid=False)
    for year in range(2025, 2046):
        for month in (3, 10):
            last_sunday = max(date(year, month, d) for d in range(25, 32) if date(year, month, d).weekday() == 6)
            change = datetime(year, month, last_sunday.day, 1, 0, tzinfo=UTC)
            for minutes in range(-90, 91, 30):
                moment = change + timedelta(minutes=minutes)
                assert moment.astimezone(from_file).utcoffset() == moment.astimezone(LONDON).utcoffset(), moment
        for midseason in (datetime(year, 1, 15, 12, tzinfo=UTC), datetime(year, 7, 15, 12, tzinfo=UTC)):
            assert midseason.astimezone(from_file).utcoffset() == midseason.astimezone(LONDON).utcoffset()


def test_the_uid_stays_the_same_and_the_sequence_rises_when_the_meeting_is_revised() -> None:
    _, first = parsed(invitation(a_meeting(revision=1)))
    _, moved = parsed(invitation(a_meeting(revision=2, starts_at=datetime(2026, 12, 9, 14, 0, tzinfo=LONDON))))
    _, again = parsed(invitation(a_meeting(revision=3)))
    assert first["UID"] == moved["UID"] == again["UID"] == f"{CASE_NUMBER}-debrief-meeting@rapid-debrief"
    assert [first["SEQUENCE"], moved["SEQUENCE"], again["SEQUENCE"]] == [0, 1, 2]
    assert moved.start == datetime(2026, 12, 9, 14, 0, tzinfo=LONDON)
    _, other_case = parsed(
        render_meeting_invitation(
            case_number="RD-2026-0002", meeting=a_meeting(), organiser=OWEN, produced_at=PRODUCED_AT
        )
    )
    assert other_case["UID"] != first["UID"]


def test_the_same_meeting_gives_the_same_file() -> None:
    assert invitation() == invitation()


def test_the_description_has_the_marking_and_the_join_link_and_the_location_defaults_to_teams() -> None:
    _, event = parsed(invitation())
    description = str(event["DESCRIPTION"])
    assert description.startswith("OFFICIAL-SENSITIVE.")
    assert f"Join the meeting in Microsoft Teams: {JOIN_URL}" in description
    assert event["LOCATION"] == "Microsoft Teams meeting"
    assert [str(c.uri) for c in event.conferences] == [JOIN_URL]


def test_a_meeting_room_is_the_location_and_no_link_means_none_is_offered() -> None:
    _, event = parsed(invitation(a_meeting(location="Room 2.14, Northgate police station", join_url=None)))
    assert event["LOCATION"] == "Room 2.14, Northgate police station"
    assert "http" not in str(event["DESCRIPTION"])
    assert "CONFERENCE" not in event


def test_the_organiser_is_named_with_an_address_that_can_never_receive_mail() -> None:
    _, event = parsed(invitation())
    organizer = event["ORGANIZER"]
    assert organizer.params["CN"] == "DS Owen Marsh"
    assert str(organizer).startswith("mailto:") and str(organizer).endswith(".invalid")


def test_the_invitation_holds_no_case_detail_and_no_attendee_list() -> None:
    case = a_case()
    nomination = case.nomination
    text = invitation().decode("utf-8")
    unfolded = text.replace("\r\n ", "")
    for detail in (
        nomination.incident_reference,
        nomination.operation_name or "Operation",
        nomination.policing_area,
        nomination.scope_reason,
        nomination.sio.name,
        nomination.offence_type.label,
        "Victim",
        "Suspect",
        "homicide",
        RUTH.name,
        JORDAN.name,
        MORGAN.name,
    ):
        assert detail.lower() not in unfolded.lower(), detail
    assert "ATTENDEE" not in unfolded, "no mail addresses are known: see documents/calendar.py"


def test_the_file_is_well_formed_icalendar_text() -> None:
    data = invitation(a_meeting(location="A room with a very long description " * 4))
    lines = data.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2] == b"END:VCALENDAR" and lines[-1] == b""
    assert all(len(line) <= 75 for line in lines), "lines are folded at 75 octets"
