"""A nomination and its triage through the real HTTP edge (development mode: no tokens)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import aiohttp
from sqlalchemy import func, select

from debrief.contributors import contribution_deadline
from storage import tables as t
from storage.conversations import case_thread
from tests.support import activities
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.cards import card_text
from tests.support.connector import LocalConnector
from tests.support.forms import accept_data, nomination_form, parameters_form
from tests.support.people import JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM


async def post(bot: RunningBot, activity: dict[str, Any]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(bot.messages_url, json=activity) as response:
        body = await response.json(content_type=None) if response.content_length else None
        return response.status, body


async def count(bot: RunningBot, table: Any) -> int:
    async with bot.services.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_the_same_nomination_delivered_three_times_opens_one_case(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            activity = activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
            answers = [await post(bot, activity) for _ in range(3)]
            assert [status for status, _ in answers] == [200, 200, 200]
            for _, body in answers:
                assert "RD-2026-0001" in card_text(body)
            assert await count(bot, t.cases) == 1
            assert await count(bot, t.processed_activities) == 1


async def test_concurrent_replays_of_a_nomination_open_one_case(database_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(database_url)) as bot:
            activity = activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
            answers = await asyncio.gather(*(post(bot, activity) for _ in range(5)))
            assert all(status == 200 for status, _ in answers)
            assert await count(bot, t.cases) == 1


async def test_an_invoke_answers_200_with_the_card(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            status, body = await post(bot, activities.execute(JORDAN, "nomination.open", {}, service_url=connector.url))
            assert status == 200
            assert body["statusCode"] == 200
            assert body["type"] == "application/vnd.microsoft.card.adaptive"
            assert body["value"]["type"] == "AdaptiveCard"
            assert body["value"]["version"] == "1.5"


async def test_a_bad_nomination_comes_back_with_its_values_and_stores_nothing(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            form = nomination_form(incidentDate="2099-01-01", scopeReason="")
            status, body = await post(
                bot, activities.execute(JORDAN, "nomination.submit", form, service_url=connector.url)
            )
            assert status == 200
            text = card_text(body)
            assert "The incident date cannot be in the future." in text
            assert "Say briefly why this incident is in scope" in text
            assert "CR/100200/26" in text  # what the officer typed is still there
            assert await count(bot, t.cases) == 0
            assert await count(bot, t.outbox) == 0


async def test_a_nomination_reaches_the_review_team_and_triage_reaches_the_nominator(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            await post(bot, activities.message(JORDAN, "hello", service_url=connector.url))
            await post(
                bot, activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
            )
            await _until(lambda: new_threads(connector))
            thread = new_threads(connector)[-1]
            assert thread.body["channelData"]["channel"]["id"].startswith("19:homicide-prevention-review-team")
            assert "Triage RD-2026-0001" in card_text(thread.body)

            refused_status, refused = await post(
                bot,
                activities.execute(
                    RUTH,
                    "triage.accept",
                    accept_data(1),
                    service_url=connector.url,
                    conversation=activities.review_thread(),
                ),
            )
            assert refused_status == 200
            assert "Only members of the review team" in card_text(refused)

            status, accepted = await post(
                bot,
                activities.execute(
                    PRIYA,
                    "triage.accept",
                    accept_data(1),
                    service_url=connector.url,
                    conversation=activities.review_thread(),
                ),
            )
            assert status == 200
            assert "Accepted by DS Priya Natt" in card_text(accepted)
            await _until(lambda: any("will have a rapid debrief" in card_text(r.body) for r in connector.sent()))
            outcome = next(r for r in connector.sent() if "will have a rapid debrief" in card_text(r.body))
            assert f"personal-{JORDAN.user_id}" in unquote(outcome.path)
            await _until(lambda: [r for r in connector.sent() if r.method == "PUT"])

            async with bot.services.engine.connect() as connection:
                audit = (
                    await connection.execute(
                        select(t.audit_log.c.actor_id, t.audit_log.c.action, t.audit_log.c.outcome).order_by(
                            t.audit_log.c.id
                        )
                    )
                ).all()
            assert (RUTH.user_id, "case.triage", "refused") in audit
            assert (PRIYA.user_id, "case.triage", "granted") in audit


async def nominated_and_accepted(bot: RunningBot, connector: LocalConnector) -> dict[str, Any]:
    """Jordan nominates RD-2026-0001 and Priya accepts it with Owen as lead; returns the case thread."""
    await post(bot, activities.message(JORDAN, "hello", service_url=connector.url))
    await post(bot, activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url))
    thread = activities.review_thread()
    await post(
        bot, activities.execute(PRIYA, "triage.accept", accept_data(1), service_url=connector.url, conversation=thread)
    )
    return thread


def new_threads(connector: LocalConnector) -> list[Any]:
    return [r for r in connector.sent() if r.path.rstrip("/").endswith("/v3/conversations")]


async def _until(predicate: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)


async def test_a_triage_press_delivered_three_times_decides_once(database_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(database_url), run_dispatcher=False) as bot:
            await post(
                bot, activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
            )
            press = activities.execute(
                PRIYA,
                "triage.accept",
                accept_data(1),
                service_url=connector.url,
                conversation=activities.review_thread(),
            )
            answers = [await post(bot, press) for _ in range(3)]
            assert all("Accepted by DS Priya Natt" in card_text(body) for _, body in answers)
            assert not any("had already been decided" in card_text(body) for _, body in answers)
            assert await count(bot, t.triage_decisions) == 1
            assert await count(bot, t.outbox) == 5  # triage request; card update, outcome, parameters, consent


async def test_the_nominator_answers_a_question_and_the_triage_card_shows_it(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            await post(bot, activities.message(JORDAN, "hello", service_url=connector.url))
            await post(
                bot, activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
            )
            question = {"verb": "triage.request_information", "caseId": 1, "question": "Was MARAC involved?"}
            _, asked = await post(
                bot,
                activities.execute(
                    PRIYA,
                    question["verb"],
                    question,
                    service_url=connector.url,
                    conversation=activities.review_thread(),
                ),
            )
            assert "asked the nominator for more information" in card_text(asked)
            await _until(lambda: any("Before deciding" in card_text(r.body) for r in connector.sent()))

            answer = {"caseId": 1, "answer": "Yes: a MARAC referral was made in March."}
            status, sent = await post(
                bot,
                activities.execute(JORDAN, "nomination.answer_information_request", answer, service_url=connector.url),
            )
            assert status == 200
            assert "your answer on RD-2026-0001 is with the review team" in card_text(sent)
            await _until(
                lambda: any(
                    r.method == "PUT" and "a MARAC referral was made" in card_text(r.body) for r in connector.sent()
                )
            )

            _, refused = await post(
                bot,
                activities.execute(PRIYA, "nomination.answer_information_request", answer, service_url=connector.url),
            )
            assert "Only the officer who nominated this case" in card_text(refused)


async def test_the_lead_reviewer_sets_parameters_in_the_case_thread(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            thread = await nominated_and_accepted(bot, connector)
            await _until(lambda: any("No parameters yet" in card_text(r.body) for r in connector.sent()))
            posted = next(r for r in connector.sent() if "No parameters yet" in card_text(r.body))
            assert posted.method == "POST" and "messageid=" in unquote(posted.path)  # a reply in the case thread

            data = {"caseId": 1, **parameters_form()}
            _, refused = await post(
                bot, activities.execute(PRIYA, "parameters.set", data, service_url=connector.url, conversation=thread)
            )
            assert "Only the lead reviewer" in card_text(refused)
            status, saved = await post(
                bot, activities.execute(OWEN, "parameters.set", data, service_url=connector.url, conversation=thread)
            )
            assert status == 200
            assert "Saved as revision 1." in card_text(saved)
            await _until(
                lambda: any(r.method == "PUT" and "Victim A, Suspect B" in card_text(r.body) for r in connector.sent())
            )


async def test_the_sio_is_asked_for_consent_and_the_case_thread_hears_the_answer(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            await post(bot, activities.message(JORDAN, "hello", service_url=connector.url))
            await post(bot, activities.message(RUTH, "hello", service_url=connector.url))
            await post(
                bot, activities.execute(JORDAN, "nomination.submit", nomination_form(), service_url=connector.url)
            )
            await post(
                bot,
                activities.execute(
                    PRIYA,
                    "triage.accept",
                    accept_data(1),
                    service_url=connector.url,
                    conversation=activities.review_thread(),
                ),
            )
            asked = "may the debrief collect its chronology"
            await _until(lambda: any(asked in card_text(r.body) for r in connector.sent()))
            request = next(r for r in connector.sent() if asked in card_text(r.body))
            assert f"personal-{RUTH.user_id}" in unquote(request.path)  # one to one with the SIO

            _, refused = await post(
                bot, activities.execute(OWEN, "consent.give", {"caseId": 1}, service_url=connector.url)
            )
            assert "Only the SIO named on this case" in card_text(refused)
            _, empty = await post(
                bot,
                activities.execute(
                    RUTH, "consent.not_yet", {"caseId": 1, "notYetReason": ""}, service_url=connector.url
                ),
            )
            assert "Say why not yet." in card_text(empty)
            status, given = await post(
                bot,
                activities.execute(
                    RUTH,
                    "consent.give_with_conditions",
                    {"caseId": 1, "conditions": "Route questions via the SIO."},
                    service_url=connector.url,
                ),
            )
            assert status == 200
            assert "Consent given with conditions by DCI Ruth Okafor" in card_text(given)
            await _until(
                lambda: any(
                    "SIO consent" in card_text(r.body)
                    and "Route questions via the SIO." in card_text(r.body)
                    and "messageid=" in unquote(r.path)
                    for r in connector.sent()
                )
            )


async def test_after_consent_the_lead_reviewer_invites_officers_who_hear_one_to_one(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            await post(bot, activities.message(TOM, "hello", service_url=connector.url))
            thread = await nominated_and_accepted(bot, connector)
            await post(
                bot,
                activities.execute(
                    OWEN,
                    "parameters.set",
                    {"caseId": 1, **parameters_form()},
                    service_url=connector.url,
                    conversation=thread,
                ),
            )
            invite = {"caseId": 1, "contributorIds": f"{JORDAN.user_id},{TOM.user_id}"}
            _, early = await post(
                bot,
                activities.execute(OWEN, "contributors.invite", invite, service_url=connector.url, conversation=thread),
            )
            assert "waits for the SIO's consent" in card_text(early)

            await post(
                bot,
                activities.execute(
                    RUTH,
                    "consent.give_with_conditions",
                    {"caseId": 1, "conditions": "Route questions via the SIO."},
                    service_url=connector.url,
                ),
            )
            await _until(
                lambda: any("Chronology contributors for RD-2026-0001" in card_text(r.body) for r in connector.sent())
            )
            status, invited = await post(
                bot,
                activities.execute(OWEN, "contributors.invite", invite, service_url=connector.url, conversation=thread),
            )
            assert status == 200
            assert "Invited: PC Jordan Ellis, Insp Tom Baird." in card_text(invited)

            def invitation_to(person: Any) -> Any:
                return next(
                    (
                        r
                        for r in connector.sent()
                        if "Could you help the rapid debrief" in card_text(r.body)
                        and f"personal-{person.user_id}" in unquote(r.path)
                    ),
                    None,
                )

            await _until(lambda: invitation_to(TOM) is not None and invitation_to(JORDAN) is not None)
            text = card_text(invitation_to(TOM).body)
            assert "Victim A, Suspect B" in text  # the parameters they need
            assert "Route questions via the SIO." in text  # the SIO's conditions
            assert f"{contribution_deadline(datetime.now(UTC)):%a %d %b %Y}" in text  # five working days from now
            assert "North District" not in text and "DASH" not in text  # and nothing more of the case


def mention(person: Any) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": f"<at>{person.name}</at>",
        "mentioned": {"id": f"29:{person.user_id}", "name": person.name},
    }


async def test_officers_mentioned_in_the_case_thread_are_invited(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        for person in (JORDAN, TOM, MORGAN):
            connector.state.members[f"29:{person.user_id}"] = {
                "id": f"29:{person.user_id}",
                "name": person.name,
                "aadObjectId": person.user_id,
            }
        async with running_bot(development_env(sqlite_url)) as bot:
            thread = await nominated_and_accepted(bot, connector)
            await _until(lambda: bool(new_threads(connector)))
            await asyncio.sleep(0.2)  # the dispatcher saves where the thread is right after Teams creates it
            saved = await case_thread(bot.services.engine, case_id=1, purpose="triage")
            assert saved is not None
            thread = {"id": saved.conversation_id, "conversationType": "channel", "isGroup": True}
            await post(bot, activities.execute(RUTH, "consent.give", {"caseId": 1}, service_url=connector.url))
            await _until(lambda: any("Chronology contributors for RD-" in card_text(r.body) for r in connector.sent()))

            async def say(text: str, *people: Any) -> str:
                before = len(connector.sent())
                message = activities.message(OWEN, text, service_url=connector.url, conversation=thread)
                message["entities"] = [
                    {
                        "type": "mention",
                        "text": "<at>Rapid Debrief</at>",
                        "mentioned": {"id": message["recipient"]["id"], "name": "Rapid Debrief"},
                    },
                    *(mention(p) for p in people),
                ]
                await post(bot, message)
                await _until(
                    lambda: any(
                        "Chronology contributors" in card_text(r.body)
                        for r in connector.sent()[before:]
                        if r.method == "POST"
                    )
                )
                return card_text(
                    next(
                        r.body
                        for r in connector.sent()[before:]
                        if r.method == "POST" and "Chronology contributors" in card_text(r.body)
                    )
                )

            partner = await say("<at>Rapid Debrief</at> invite <at>Morgan Lee</at>", MORGAN)
            assert "Choose officers from the list." in partner
            invited = await say(
                "<at>Rapid Debrief</at> invite <at>PC Jordan Ellis</at> <at>Insp Tom Baird</at>", JORDAN, TOM
            )
            assert "Invited: PC Jordan Ellis, Insp Tom Baird." in invited
