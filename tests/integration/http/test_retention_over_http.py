"""Retention through the real HTTP edge: the scheduler closes a declined case, sends the information manager its
review card once when the review falls due, and the information manager erases it from the card; a member of the
review team is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from debrief import nominations, triage
from debrief.model import NominationRules, Person, TriageOutcome
from debrief.permissions import Role
from storage import tables as t
from tests.integration.http.test_nomination_over_http import _until, post
from tests.integration.http.test_partners_over_http import press, sent_to
from tests.support import activities
from tests.support.bot_server import development_env, running_bot
from tests.support.cards import buttons, card_text
from tests.support.connector import LocalConnector
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN, OWEN, PRIYA, actor

ALEX = Person("00000000-0000-4000-8000-0000000000d2", "Alex Rowan (information manager)")
DUE_CARD = "The retention review of RD-2026-0001 is due"
RATIONALE = "No continued policing purpose: the nomination was declined and nothing links to it."


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_the_information_manager_erases_a_case_from_its_review_card_and_the_review_team_is_refused(
    sqlite_url: str,
) -> None:
    clock = Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday 26 November 2026
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url, DEBRIEF_SCHEDULER_INTERVAL_S="1"), clock=clock) as bot:
            s = bot.services
            for person in (ALEX, OWEN):
                await post(bot, activities.message(person, "hello", service_url=connector.url))
            case = await nominations.nominate(
                uow=s.uow(),
                actor=actor(JORDAN),
                form=nomination_form(),
                now=clock(),
                rules=NominationRules(),
                sios=DIRECTORY.people_with(Role.SIO),
            )
            assert case.id is not None
            await triage.triage(
                uow=s.uow(),
                actor=actor(PRIYA),
                case_id=case.id,
                request=triage.TriageRequest(
                    outcome=TriageOutcome.DECLINE, reason="Outside scope: no earlier contact."
                ),
                review_team=DIRECTORY.people_with(Role.REVIEW_TEAM),
                now=clock(),
            )

            async def closed() -> bool:
                async with s.engine.connect() as connection:
                    found = await connection.execute(select(t.cases.c.review_due).where(t.cases.c.id == case.id))
                    return found.scalar_one() is not None

            async with asyncio.timeout(10):
                while not await closed():
                    await asyncio.sleep(0.1)
            assert sent_to(connector, ALEX, DUE_CARD) == []

            clock.now = datetime(2032, 11, 26, 10, 0, tzinfo=UTC)  # Friday: the review falls due
            await _until(lambda: bool(sent_to(connector, ALEX, DUE_CARD)))
            await asyncio.sleep(2.5)  # two more scheduler rounds: sent once
            [due] = sent_to(connector, ALEX, DUE_CARD)
            assert sent_to(connector, OWEN, DUE_CARD) == []
            card = due.body["attachments"][0]["content"]
            assert "CR/100200/26" not in card_text(card) and "Operation Kestrel" not in card_text(card)
            version = buttons(card)["Erase the case"]["data"]["version"]

            await post(bot, activities.message(ALEX, "retention rd-2026-0001", service_url=connector.url))
            await _until(lambda: bool(sent_to(connector, ALEX, "Retention review: RD-2026-0001: review due now")))
            await post(bot, activities.message(OWEN, "retention RD-2026-0001", service_url=connector.url))
            await _until(lambda: bool(sent_to(connector, OWEN, "Only the information manager manages the retention")))

            data = {"caseId": case.id, "version": version, "eraseRationale": RATIONALE, "eraseConfirmed": "true"}
            refused = await press(bot, connector, OWEN, "retention.erase", data)
            assert "Only the information manager can erase a case." in card_text(refused)
            unconfirmed = await press(bot, connector, ALEX, "retention.erase", {**data, "eraseConfirmed": "false"})
            assert "Nothing has been saved" in card_text(unconfirmed) and "Tick to confirm" in card_text(unconfirmed)

            erased = await press(bot, connector, ALEX, "retention.erase", data)
            text = card_text(erased)
            assert "Erased. Only the case number, its dates, the decisions and the audit trail are kept." in text
            assert "Erased: nomination: 1; triage decisions: 1" in text and buttons(erased) == {}

            again = await press(bot, connector, ALEX, "retention.open", {"caseId": case.id})
            assert "RD-2026-0001 was erased on 26 November 2032" in card_text(again)
            async with s.engine.connect() as connection:
                row = (await connection.execute(select(t.cases).where(t.cases.c.id == case.id))).one()
                refusals = (
                    (
                        await connection.execute(
                            select(t.audit_log.c.action).where(
                                t.audit_log.c.actor_id == OWEN.user_id, t.audit_log.c.outcome == "refused"
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            assert row.incident_reference == "[erased] RD-2026-0001" and row.scope_reason == "[erased]"
            assert row.erased_at is not None and row.status == "declined"
            assert refusals == ["case.retention.read", "case.retention.erase"]
