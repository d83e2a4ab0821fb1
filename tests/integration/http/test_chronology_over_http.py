"""The chronology through the real HTTP edge: entries from cards and from the message action, verification,
the lock, and the Word document by single-use link (opened with python-docx)."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Awaitable
from typing import Any

import aiohttp
import docx
from sqlalchemy import select

from storage import tables as t
from storage.conversations import case_thread
from tests.integration.http.test_nomination_over_http import _until, count, nominated_and_accepted, post
from tests.support import activities
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.connector import LocalConnector
from tests.support.forms import chronology_entry_form, parameters_form
from tests.support.jwks import LocalAppCredentialsFactory, authenticated_env, identity_provider
from tests.support.people import JORDAN, OWEN, PRIYA, RUTH, TOM


async def collecting_case(bot: RunningBot, connector: LocalConnector) -> dict[str, Any]:
    """RD-2026-0001 accepted (Owen leads), parameters set, the SIO consented, Jordan and Tom invited."""
    for person in (JORDAN, TOM, PRIYA, OWEN):
        await post(bot, activities.message(person, "hello", service_url=connector.url))
    thread = await nominated_and_accepted(bot, connector)

    async def press(person: Any, verb: str, data: dict[str, Any], conversation: Any = None) -> tuple[int, Any]:
        return await post(
            bot, activities.execute(person, verb, data, service_url=connector.url, conversation=conversation)
        )

    await press(OWEN, "parameters.set", {"caseId": 1, **parameters_form()}, thread)
    await press(RUTH, "consent.give_with_conditions", {"caseId": 1, "conditions": "No contact with witnesses."})
    status, invited = await press(
        OWEN, "contributors.invite", {"caseId": 1, "contributorIds": f"{JORDAN.user_id},{TOM.user_id}"}, thread
    )
    assert status == 200 and "Invited:" in card_text(invited)
    return thread


def message_action(person: Any, name: str, value: dict[str, Any], *, service_url: str) -> dict[str, Any]:
    activity = activities.message(person, "", service_url=service_url)
    activity.update({"type": "invoke", "name": name, "value": value})
    del activity["text"]
    return activity


async def test_an_officer_adds_two_entries_after_a_bad_one_that_stored_nothing(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            await collecting_case(bot, connector)
            add = activities.execute
            _, form = await post(bot, add(JORDAN, "chronology.entry.open", {"caseId": 1}, service_url=connector.url))
            assert "No contact with witnesses." in card_text(form)  # the SIO's conditions travel with the form

            bad = chronology_entry_form(eventTime="9pm", subjects="Jane Example")
            status, refused = await post(
                bot, add(JORDAN, "chronology.entry.add", {"caseId": 1, **bad}, service_url=connector.url)
            )
            assert status == 200
            assert "HH:MM" in card_text(refused) and "parameters" in card_text(refused)
            assert await count(bot, t.chronology_entries) == 0

            for form_data in (chronology_entry_form(), chronology_entry_form(eventDate="2026-04-02")):
                _, saved = await post(
                    bot, add(JORDAN, "chronology.entry.add", {"caseId": 1, **form_data}, service_url=connector.url)
                )
                assert "Add another" in card_text(saved)
            assert await count(bot, t.chronology_entries) == 2

            _, toms = await post(bot, add(TOM, "chronology.entries.mine", {"caseId": 1}, service_url=connector.url))
            assert "Victim A called 999" not in card_text(toms)  # Jordan's entries are Jordan's


async def test_a_teams_message_becomes_an_entry_through_the_message_action(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            await collecting_case(bot, connector)
            payload = {
                "body": {"contentType": "html", "content": "<p>Suspect B was seen near the address &amp; left.</p>"}
            }
            fetch = {"commandId": "addToChronology", "commandContext": "message", "messagePayload": payload}
            status, opened = await post(
                bot, message_action(TOM, "composeExtension/fetchTask", fetch, service_url=connector.url)
            )
            assert status == 200
            card = opened["task"]["value"]["card"]["content"]
            assert "Suspect B was seen near the address & left." in card_text(card)
            assert all(a.get("type") != "Action.Execute" for a in _actions(card))

            data = {
                "verb": "chronology.entry.add",
                "caseId": 1,
                **chronology_entry_form(summary="Suspect B was seen near the address & left."),
            }
            submit = {"commandId": "addToChronology", "commandContext": "message", "data": data}
            status, answer = await post(
                bot, message_action(TOM, "composeExtension/submitAction", submit, service_url=connector.url)
            )
            assert status == 200
            assert answer["task"]["type"] == "message" and "RD-2026-0001" in answer["task"]["value"]
            async with bot.services.engine.connect() as connection:
                stored = (await connection.execute(select(t.chronology_entries))).one()
            assert stored.contributor_id == TOM.user_id and stored.summary.startswith("Suspect B was seen")

            status, nobody = await post(
                bot, message_action(PRIYA, "composeExtension/fetchTask", fetch, service_url=connector.url)
            )
            assert status == 200 and "no chronology open" in nobody["task"]["value"]


def _actions(card: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(card, dict):
        if str(card.get("type", "")).startswith("Action."):
            found.append(card)
        for value in card.values():
            found.extend(_actions(value))
    elif isinstance(card, list):
        for value in card:
            found.extend(_actions(value))
    return found


async def test_the_lead_reviewer_verifies_locks_and_downloads_the_word_chronology_once(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            thread = await collecting_case(bot, connector)
            act = activities.execute
            for when in ("2026-03-14", "2026-05-02"):
                form = chronology_entry_form(eventDate=when)
                await post(bot, act(JORDAN, "chronology.entry.add", {"caseId": 1, **form}, service_url=connector.url))

            def lead(verb: str, data: dict[str, Any]) -> Awaitable[tuple[int, Any]]:
                return post(bot, act(OWEN, verb, {"caseId": 1, **data}, service_url=connector.url, conversation=thread))

            _, page = await lead("chronology.view", {"page": 1})
            assert "No recorded contact" in card_text(page)
            _, early = await lead("chronology.lock", {})
            assert "not yet verified" in card_text(early)
            for entry_id in (1, 2):
                _, reviewed = await lead(
                    "chronology.entry.review.save",
                    {"entryId": entry_id, "page": 1, "verified": "true", "themes": "Coercive control"},
                )
                assert f"Entry {entry_id} verified" in card_text(reviewed)
            _, locked = await lead("chronology.lock", {})
            assert "locked" in card_text(locked)
            _, too_late = await post(
                bot,
                act(
                    JORDAN, "chronology.entry.add", {"caseId": 1, **chronology_entry_form()}, service_url=connector.url
                ),
            )
            assert "locked" in card_text(too_late)

            _, asked = await lead("chronology.document", {})
            assert "personal chat" in card_text(asked)
            link = await _document_link(connector, OWEN)
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{bot.url}{link}") as response:
                    assert response.status == 200
                    assert response.headers["Cache-Control"] == "no-store"
                    document = docx.Document(io.BytesIO(await response.read()))
                async with session.get(f"{bot.url}{link}") as again:
                    assert again.status == 410
                    assert "already been used or has expired" in await again.text()
                async with session.get(f"{bot.url}/documents/not-a-token") as odd:
                    assert odd.status == 404
            text = "\n".join(p.text for p in document.paragraphs)
            assert "OFFICIAL-SENSITIVE" in " ".join(p.text for p in document.sections[0].header.paragraphs)
            assert "RD-2026-0001" in text

            async with bot.services.engine.connect() as connection:
                disclosures = (
                    await connection.execute(
                        select(t.audit_log.c.recipients).where(
                            t.audit_log.c.action == "case.chronology.document.disclose"
                        )
                    )
                ).all()
            assert [tuple(r.recipients) for r in disclosures] == [(f"person:{OWEN.user_id}",)]


async def _document_link(connector: LocalConnector, person: Any) -> str:
    found: list[str] = []

    def sent_link() -> bool:
        for record in connector.sent():
            if f"personal-{person.user_id}" not in record.path:
                continue
            match = re.search(r"/documents/[A-Za-z0-9_\-]+", str(record.body))
            if match:
                found.append(match.group(0))
                return True
        return False

    await _until(sent_link)
    return found[0]


async def test_an_entry_needs_a_real_channel_token_in_production(sqlite_url: str) -> None:
    provider = identity_provider()
    with LocalConnector() as connector:
        env = authenticated_env(sqlite_url, provider)
        async with running_bot(env, credentials_factory=LocalAppCredentialsFactory(), run_dispatcher=False) as bot:
            await a_case_collecting_its_chronology(uow=bot.services.uow, now=bot.services.now())
            add = activities.execute(
                JORDAN, "chronology.entry.add", {"caseId": 1, **chronology_entry_form()}, service_url=connector.url
            )
            async with aiohttp.ClientSession() as session:
                async with session.post(bot.messages_url, json=add) as unsigned:
                    assert unsigned.status == 401
                assert await count(bot, t.chronology_entries) == 0
                headers = {"Authorization": provider.header(connector.url)}
                async with session.post(bot.messages_url, json=add, headers=headers) as signed:
                    assert signed.status == 200
                    assert "Added to the chronology" in card_text(await signed.json())
            assert await count(bot, t.chronology_entries) == 1


async def test_the_case_thread_answers_chronology_and_document_commands(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url)) as bot:
            await collecting_case(bot, connector)
            saved = None
            async with asyncio.timeout(10):  # the dispatcher saves the thread right after Teams creates it
                while saved is None:
                    saved = await case_thread(bot.services.engine, case_id=1, purpose="triage")
                    await asyncio.sleep(0.05)
            thread = {"id": saved.conversation_id, "conversationType": "channel", "isGroup": True}

            async def say(text: str, conversation: dict[str, Any]) -> str:
                before = len(connector.sent())
                message = activities.message(OWEN, f"<at>Rapid Debrief</at> {text}", service_url=connector.url)
                message["conversation"] = {**conversation, "tenantId": message["conversation"]["tenantId"]}
                await post(bot, message)
                await _until(lambda: len(connector.sent()) > before)
                return " ".join(card_text(r.body) or str(r.body) for r in connector.sent()[before:])

            assert "Chronology for RD-2026-0001" in await say("chronology", thread)
            assert "personal chat" in await say("document", thread)
            elsewhere = activities.review_thread("999")
            assert "in a case's thread" in await say("chronology", elsewhere)
