"""The debrief meeting as a calendar invitation (.ics, iCalendar RFC 5545 with iTIP's METHOD:REQUEST, RFC 5546).

A pure function: `render_meeting_invitation` takes the case number, the meeting, its organiser and when the file
is produced, and returns the bytes of a VCALENDAR with one VEVENT. It is handed one to one to whoever asks, who
adds it to their calendar; a changed meeting (new date, time or attendees) is sent again with the same UID and
a higher SEQUENCE (`Meeting.revision - 1`), so calendar clients replace the old entry instead of adding a second.

A calendar entry is seen by more people than the case is (delegates, shared calendars, phones), so the
invitation carries no case content: the summary is "Rapid debrief meeting: <case number>", the description
has the handling marking and the Teams link only, and CLASS:CONFIDENTIAL asks clients to show others no more
than "busy". No names of subjects, no incident details, no operation name; not even the attendee list (below).

Choices that calendar clients decide:

- Times are in UK time with TZID=Europe/London and its VTIMEZONE, written here with the two yearly rules
  (last Sunday of March and of October, the UK's rule since 1996): the form Outlook itself writes, valid for
  every future year. icalendar's own `Calendar.add_missing_timezones()` (7.3) writes a list of dates that
  ends in 2038 and puts the spring change an hour late (02:00 where RFC 5545 wants the onset in the old
  offset, 01:00), so it is not used.
- ORGANIZER: RFC 5546 requires one in a REQUEST, and clients use it to see that the person opening the file
  is an attendee, not the organiser who may send updates. We know the organiser's name but not their mail
  address, so it is the name (CN) with an address in the reserved `.invalid` domain (RFC 2606, RFC 6761): no
  mail system can deliver to it, so an "Accept" a client sends fails in the sender's own mail system and never
  reaches a stranger's mailbox, and nobody could mistake it for a real address.
- ATTENDEE: none. Each needs a calendar address, and we have no mail addresses (only directory ids and
  names); an invented address per person would put made-up addresses against real officers and partners in
  calendars (and in a disclosable record), and the list of who is invited to a debrief for a case is itself
  need-to-know. The attendees are in the meeting card and the agenda pack. RFC 5546 expects at least one
  ATTENDEE in a REQUEST; without one, a client is expected to add the event to the calendar of whoever opens
  the file (and replace it when a higher SEQUENCE arrives), which is all this file is for. This has been
  checked against the RFCs and by parsing with icalendar, not yet in Outlook, Teams or a phone. When the
  directory gives mail addresses (Microsoft Graph), ATTENDEE entries with CN and those addresses can be added.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Conference, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from debrief.meetings import Meeting
from debrief.model import LONDON, Person
from documents.word import MARKING

PRODID = "-//Rapid Debrief//Debrief meeting invitation//EN"
DEFAULT_LOCATION = "Microsoft Teams meeting"
NO_REPLY = "mailto:no-reply@rapid-debrief.invalid"
"""The organiser's calendar address: we know no real one (see the module's notes)."""
TZID = "Europe/London"


def meeting_uid(case_number: str) -> str:
    """One per case: every revision of the meeting is the same calendar entry, updated."""
    return f"{case_number}-debrief-meeting@rapid-debrief"


def summary(case_number: str) -> str:
    return f"Rapid debrief meeting: {case_number}"


def render_meeting_invitation(*, case_number: str, meeting: Meeting, organiser: Person, produced_at: datetime) -> bytes:
    """The meeting as an iCalendar invitation (text/calendar; METHOD:REQUEST), in UK time, with no case content."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    calendar.add_component(london_timezone())

    event = Event()
    event.add("uid", meeting_uid(case_number))
    event.add("sequence", max(0, meeting.revision - 1))
    event.add("dtstamp", _utc(produced_at))
    event.add("dtstart", _utc(meeting.starts_at).astimezone(LONDON))
    event.add("dtend", _utc(meeting.ends_at).astimezone(LONDON))
    event.add("summary", summary(case_number))
    event.add("description", description(case_number, meeting.join_url))
    event.add("location", meeting.location or DEFAULT_LOCATION)
    if meeting.join_url:
        # RFC 7986: clients that know CONFERENCE offer a "join" button; the others read the description.
        event.conferences = [Conference(meeting.join_url, feature="VIDEO", label="Microsoft Teams meeting")]
    organizer = vCalAddress(NO_REPLY)
    organizer.params["CN"] = organiser.name
    event.add("organizer", organizer)
    event.add("class", "CONFIDENTIAL")
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def description(case_number: str, join_url: str | None) -> str:
    """The handling marking and how to join; never anything about the case."""
    lines = [f"{MARKING}. Rapid debrief meeting for case {case_number}."]
    if join_url:
        lines.append(f"Join the meeting in Microsoft Teams: {join_url}")
    lines.append(
        "This invitation deliberately holds no case details: please keep them out of calendar entries, and do "
        "not forward it. The record of who attends is potentially disclosable (CPIA 1996)."
    )
    return "\n".join(lines)


def london_timezone() -> Timezone:
    """VTIMEZONE for Europe/London: GMT, and BST from 01:00 GMT on the last Sunday of March to 01:00 GMT
    (02:00 BST) on the last Sunday of October. Each DTSTART is the change's local time in the offset before it."""
    summer = TimezoneDaylight()
    summer.add("dtstart", datetime(1996, 3, 31, 1, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    summer.add("tzoffsetfrom", timedelta(0))
    summer.add("tzoffsetto", timedelta(hours=1))
    summer.add("tzname", "BST")
    winter = TimezoneStandard()
    winter.add("dtstart", datetime(1996, 10, 27, 2, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    winter.add("tzoffsetfrom", timedelta(hours=1))
    winter.add("tzoffsetto", timedelta(0))
    winter.add("tzname", "GMT")
    timezone = Timezone()
    timezone.add("tzid", TZID)
    timezone.add_component(summer)
    timezone.add_component(winter)
    return timezone


def _utc(value: datetime) -> datetime:
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(UTC)
