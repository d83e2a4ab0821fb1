"""The debrief's outcome through the real HTTP edge: recorded after the meeting, signed off by the SIO one to one,
then circulated to each attendee one to one, each send a disclosure to that person."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import aiohttp
import docx
from sqlalchemy import select

from storage import tables as t
from tests.integration.http.test_nomination_over_http import _until, post
from tests.integration.http.test_partners_over_http import press, sent_to
from tests.support import activities
from tests.support.bot_server import development_env, running_bot
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology, a_meeting_held_in_two_working_days
from tests.support.connector import LocalConnector
from tests.support.forms import action_form
from tests.support.people import JORDAN, OWEN, RUTH, TOM


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_the_outcome_is_signed_off_by_the_sio_and_circulated_to_each_attendee(sqlite_url: str) -> None:
    clock = Clock(datetime.now(UTC))
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url), clock=clock) as bot:
            s = bot.services
            for person in (OWEN, RUTH, JORDAN, TOM):
                await post(bot, activities.message(person, "hello", service_url=connector.url))
            await a_case_collecting_its_chronology(uow=s.uow, now=s.now(), invite=(JORDAN,))
            clock.now = await a_meeting_held_in_two_working_days(
                uow=s.uow,
                now=s.now(),
                case_id=1,
                attendees=(
                    OWEN,
                    RUTH,
                    JORDAN,
                ),
            )

            early = await press(bot, connector, OWEN, "outcome.sign_off.request", {"caseId": 1})
            assert "Record the learning and actions before" in card_text(early)
            action = action_form(1)
            added = await press(bot, connector, OWEN, "outcome.action.add", action)
            assert "Action added." in card_text(added)
            named = await press(
                bot, connector, OWEN, "outcome.action.add", {**action, "actionDescription": "Brief Victim A's family."}
            )
            assert "without the people in the case" in card_text(named)
            asked = await press(bot, connector, OWEN, "outcome.sign_off.request", {"caseId": 1})
            assert "The SIO has been asked" in card_text(asked)

            refused = await press(bot, connector, OWEN, "outcome.sign_off.approve", {"caseId": 1})
            assert "Only the SIO named on this case can sign off" in card_text(refused)
            approved = await press(bot, connector, RUTH, "outcome.sign_off.approve", {"caseId": 1})
            assert "Approved" in card_text(approved)

            await _until(lambda: all(_circulated_to(connector, p) for p in (OWEN, RUTH, JORDAN)))
            async with s.engine.connect() as connection:
                disclosures = (
                    await connection.execute(
                        select(t.audit_log.c.recipients).where(
                            t.audit_log.c.action == "case.message.send", t.audit_log.c.category == "disclosure"
                        )
                    )
                ).all()
            recipients = {r for row in disclosures for r in row.recipients}
            assert {f"person:{p.user_id}" for p in (OWEN, RUTH, JORDAN)} <= recipients

            await press(bot, connector, JORDAN, "outcome.document", {"caseId": 1})
            ready = "Learning and actions document for RD-2026-0001 is ready"
            await _until(lambda: bool(sent_to(connector, JORDAN, ready)))
            link = re.search(r"/documents/[A-Za-z0-9_\-]+", str(sent_to(connector, JORDAN, ready)[0].body))
            assert link is not None
            async with aiohttp.ClientSession() as session, session.get(f"{bot.url}{link.group(0)}") as response:
                assert response.status == 200
                document = docx.Document(io.BytesIO(await response.read()))
            text = "\n".join(p.text for p in document.paragraphs)
            assert "RD-2026-0001" in text and "Approved by the SIO" in text


def _circulated_to(connector: LocalConnector, person: Any) -> bool:
    return any("approved" in card_text(r.body).lower() for r in sent_to(connector, person, "RD-2026-0001"))


async def test_the_owner_completes_an_action_with_evidence_and_every_copy_of_its_card_shows_it(
    sqlite_url: str,
) -> None:
    clock = Clock(datetime.now(UTC))
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url), clock=clock) as bot:
            s = bot.services
            for person in (OWEN, RUTH, TOM):
                await post(bot, activities.message(person, "hello", service_url=connector.url))
            await a_case_collecting_its_chronology(uow=s.uow, now=s.now(), invite=(JORDAN,))
            clock.now = await a_meeting_held_in_two_working_days(
                uow=s.uow,
                now=s.now(),
                case_id=1,
                attendees=(
                    OWEN,
                    RUTH,
                ),
            )
            action = action_form(1)
            await press(bot, connector, OWEN, "outcome.action.add", action)
            await press(bot, connector, OWEN, "outcome.sign_off.request", {"caseId": 1})
            await press(bot, connector, RUTH, "outcome.sign_off.approve", {"caseId": 1})

            heading = "Action 1 for RD-2026-0001"
            await _until(lambda: bool(sent_to(connector, TOM, "is yours")))
            await _until(
                lambda: any(
                    "Actions from the rapid debrief RD-2026-0001" in card_text(r.body) for r in connector.sent()
                )
            )
            await _until(
                lambda: any(heading in card_text(r.body) and "personal-" not in r.path for r in connector.sent())
            )

            refused = await press(
                bot, connector, OWEN, "action.complete", {"caseId": 1, "actionId": 1, "evidence": "x" * 20}
            )
            assert "Only the action's owner or the rapid debrief working group" in card_text(refused)
            no_evidence = await press(
                bot, connector, TOM, "action.complete", {"caseId": 1, "actionId": 1, "evidence": ""}
            )
            assert "evidence" in card_text(no_evidence).lower()
            before = len([r for r in connector.sent() if r.method == "PUT"])
            evidence = "Guidance version 4 published on the intranet and briefed to every call-handling team."
            done = await press(
                bot, connector, TOM, "action.complete", {"caseId": 1, "actionId": 1, "evidence": evidence}
            )
            assert "Marked as complete" in card_text(done) and evidence in card_text(done)

            def updated() -> list[object]:
                return [
                    r
                    for r in connector.sent()
                    if r.method == "PUT" and heading in card_text(r.body) and evidence in card_text(r.body)
                ]

            await _until(lambda: len(updated()) >= 2)  # the actions thread's card and Tom's own
            assert len([r for r in connector.sent() if r.method == "PUT"]) > before
