"""Partners and the meeting through the real HTTP edge: the invitation reaches the partner one to one, their
answer is a card press, and the meeting's files come by single-use link."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import unquote

import aiohttp
import docx
import icalendar

from debrief import clocks
from debrief.model import Person
from storage import tables as t
from tests.integration.http.test_nomination_over_http import _until, count, post
from tests.support import activities
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.connector import LocalConnector
from tests.support.people import MORGAN, OWEN, PRIYA

SUMMARY = "Victim A was injured at home; the debrief asks what probation knew of Suspect B's risk last year."


def sent_to(connector: LocalConnector, person: Any, text: str) -> list[Any]:
    return [
        r for r in connector.sent() if text in card_text(r.body) and f"personal-{person.user_id}" in unquote(r.path)
    ]


async def press(bot: RunningBot, connector: LocalConnector, person: Any, verb: str, data: dict[str, Any]) -> Any:
    status, body = await post(bot, activities.execute(person, verb, data, service_url=connector.url))
    assert status == 200
    return body


async def test_a_partner_is_invited_answers_and_the_meetings_files_come_by_link(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            for person in (MORGAN, OWEN, PRIYA):
                await post(bot, activities.message(person, "hello", service_url=connector.url))
            await a_case_collecting_its_chronology(uow=bot.services.uow, now=bot.services.now())

            approved = await press(
                bot, connector, OWEN, "partners.summary.approve", {"caseId": 1, "partnerSummary": SUMMARY}
            )
            assert "Partner summary approved (revision 1)." in card_text(approved)
            invited = await press(bot, connector, OWEN, "partners.invite", {"caseId": 1, "contactIds": MORGAN.user_id})
            assert "Invited: Morgan Lee (Probation Service) (Probation Service)." in card_text(invited)

            title = "Rapid debrief RD-2026-0001: invitation to Probation Service"
            await _until(lambda: bool(sent_to(connector, MORGAN, title)))
            invitation = card_text(sent_to(connector, MORGAN, title)[0].body)
            assert SUMMARY in invitation and "CR/100200/26" not in invitation and "North District" not in invitation

            refused = await press(
                bot, connector, MORGAN, "partners.invitation.accept", {"caseId": 1, "invitationId": 1}
            )
            assert "Tick to confirm" in card_text(refused)
            accepted = await press(
                bot,
                connector,
                MORGAN,
                "partners.invitation.accept",
                {"caseId": 1, "invitationId": 1, "acknowledged": "true"},
            )
            assert "You accepted." in card_text(accepted)
            elsewhere = await press(
                bot, connector, PRIYA, "partners.invitation.accept", {"caseId": 1, "invitationId": 1}
            )
            assert "Only the person this invitation was sent to can answer it." in card_text(elsewhere)

            plan = {
                "caseId": 1,
                "meetingDate": clocks.add_working_days(bot.services.today(), 3).isoformat(),
                "meetingTime": "10:00",
                "durationMinutes": "90",
                "attendeeIds": f"{OWEN.user_id},{MORGAN.user_id}",
            }
            scheduled = await press(bot, connector, OWEN, "meeting.schedule", plan)
            assert "The meeting is scheduled." in card_text(scheduled)
            assert await count(bot, t.meetings) == 1

            files: dict[str, bytes] = {}
            for verb, ready in (("meeting.agenda_pack", "Agenda pack"), ("meeting.calendar", "Calendar invitation")):
                asker = OWEN if verb == "meeting.agenda_pack" else MORGAN
                await press(bot, connector, asker, verb, {"caseId": 1})
                await _until(lambda: bool(sent_to(connector, asker, f"{ready} for RD-2026-0001 is ready")))  # noqa: B023
                body = str(sent_to(connector, asker, f"{ready} for RD-2026-0001 is ready")[0].body)
                link = re.search(r"/documents/[A-Za-z0-9_\-]+", body)
                assert link is not None
                async with aiohttp.ClientSession() as session, session.get(f"{bot.url}{link.group(0)}") as response:
                    assert response.status == 200
                    files[ready] = await response.read()
            pack = docx.Document(io.BytesIO(files["Agenda pack"]))
            assert "OFFICIAL-SENSITIVE" in " ".join(p.text for p in pack.sections[0].header.paragraphs)
            assert "Morgan Lee" in "\n".join(p.text for p in pack.paragraphs)
            [event] = icalendar.Calendar.from_ical(files["Calendar invitation"]).walk("VEVENT")
            assert "RD-2026-0001" in str(event["SUMMARY"])

            partner_pack = await press(bot, connector, MORGAN, "meeting.agenda_pack", {"caseId": 1})
            assert "Only the review team can ask for the agenda pack." in card_text(partner_pack)


async def test_a_partner_passes_the_invitation_to_a_colleague_in_the_same_agency(sqlite_url: str) -> None:
    robin = Person("00000000-0000-4000-8000-0000000000c7", "Robin Shaw (Probation Service)")
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            for person in (MORGAN, robin):
                await post(bot, activities.message(person, "hello", service_url=connector.url))
            await a_case_collecting_its_chronology(uow=bot.services.uow, now=bot.services.now())
            await press(bot, connector, OWEN, "partners.summary.approve", {"caseId": 1, "partnerSummary": SUMMARY})
            await press(bot, connector, OWEN, "partners.invite", {"caseId": 1, "contactIds": MORGAN.user_id})
            title = "Rapid debrief RD-2026-0001: invitation to Probation Service"
            await _until(lambda: bool(sent_to(connector, MORGAN, title)))

            passed = await press(
                bot,
                connector,
                MORGAN,
                "partners.invitation.delegate",
                {"caseId": 1, "invitationId": 1, "delegateTo": robin.user_id},
            )
            assert "You passed this invitation to Robin Shaw (Probation Service)" in card_text(passed)
            await _until(lambda: bool(sent_to(connector, robin, title)))
            assert SUMMARY in card_text(sent_to(connector, robin, title)[0].body)
            accepted = await press(
                bot,
                connector,
                robin,
                "partners.invitation.accept",
                {"caseId": 1, "invitationId": 2, "acknowledged": "true"},
            )
            assert "You accepted." in card_text(accepted)
