"""The disclosure bundle through the real HTTP edge: asked for in a one-to-one chat by case number, delivered to the
information manager alone by a single-use link (opened as a zip), refused to everyone else, and audited."""

from __future__ import annotations

import asyncio
import io
import json
import re
import zipfile
from typing import Any

import aiohttp
import jsonschema
from sqlalchemy import select

from bot.file_consent import FILE_CONSENT_CARD
from debrief.permissions import REFUSALS, Permission
from storage import tables as t
from tests.integration.bot.test_file_consent import file_consent_invoke, upload_endpoint
from tests.integration.http.test_nomination_over_http import post
from tests.support import activities
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.cards import card_text
from tests.support.connector import LocalConnector
from tests.support.people import JORDAN, OWEN, Person
from tests.unit.cards.test_cards_against_schema import SCHEMA_FILE
from tests.unit.debrief.test_disclosure import ALEX, JO, PRODUCED, a_whole_debrief
from tests.unit.documents.test_disclosure_archive import assert_schedule_matches_archive, open_bundle

PRODUCE = Permission.PRODUCE_DISCLOSURE_BUNDLE


async def say(bot: RunningBot, connector: LocalConnector, person: Person, text: str, **conversation: Any) -> str:
    """What the bot answered, in words (a card's text, or a plain message), to `text` from `person`."""
    before = len(connector.sent())
    await post(bot, activities.message(person, text, service_url=connector.url, **conversation))
    async with asyncio.timeout(5):
        while len(connector.sent()) == before:
            await asyncio.sleep(0.02)
    return " ".join(card_text(r.body) for r in connector.sent()[before:])


async def produced_records(bot: RunningBot) -> list[tuple[str, str, str | None]]:
    log = t.audit_log.c
    async with bot.services.engine.connect() as connection:
        found = await connection.execute(
            select(log.actor_id, log.outcome, log.justification).where(log.action == PRODUCE.action).order_by(log.id)
        )
        return [tuple(row) for row in found]  # type: ignore[misc]


async def test_the_information_manager_downloads_the_bundle_once_and_an_officer_is_refused(sqlite_url: str) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url), clock=lambda: PRODUCED, run_dispatcher=False) as bot:
            await a_whole_debrief(bot.services.uow)

            offered = await say(bot, connector, ALEX, "disclosure RD-2026-0001")
            assert "Disclosure bundle for RD-2026-0001 is ready" in offered and "OFFICIAL-SENSITIVE" in offered
            link = re.search(r"/documents/[A-Za-z0-9_\-]+", str(connector.sent()[-1].body))
            assert link is not None
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{bot.url}{link.group(0)}") as response:
                    assert response.status == 200
                    assert response.headers["Content-Type"] == "application/zip"
                    assert 'filename="RD-2026-0001-disclosure-bundle.zip"' in response.headers["Content-Disposition"]
                    assert response.headers["Cache-Control"] == "no-store"
                    archive = await response.read()
                async with session.get(f"{bot.url}{link.group(0)}") as again:
                    assert again.status == 410
            opened = open_bundle(archive)
            assert_schedule_matches_archive(opened)
            assert "records/chronology-entries.csv" in opened.names
            assert zipfile.ZipFile(io.BytesIO(archive)).testzip() is None

            refused = await say(bot, connector, JORDAN, "disclosure RD-2026-0001")
            assert refused == REFUSALS[PRODUCE]
            assert "Only the information manager or a disclosure officer" in await say(
                bot, connector, OWEN, "disclosure RD-2026-0001"
            )

            records = await produced_records(bot)
            assert [(who, outcome) for who, outcome, _ in records] == [
                (ALEX.user_id, "granted"),
                (ALEX.user_id, "granted"),
                (JORDAN.user_id, "refused"),
                (OWEN.user_id, "refused"),
            ]
            assert "delivered by single-use link" in str(records[1][2])


async def test_the_command_is_one_to_one_by_case_number_and_offered_in_help_to_those_who_may_use_it(
    sqlite_url: str,
) -> None:
    with LocalConnector() as connector:
        async with running_bot(development_env(sqlite_url), clock=lambda: PRODUCED, run_dispatcher=False) as bot:
            assert "disclosure RD-2026-0001" in await say(bot, connector, JO, "help")
            [help_card] = connector.sent()[-1].body["attachments"]
            validator = jsonschema.Draft6Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
            error = jsonschema.exceptions.best_match(validator.iter_errors(help_card["content"]))
            assert error is None, error.message
            assert "disclosure RD-2026-0001" not in await say(bot, connector, JORDAN, "help")
            assert "There is no case RD-2026-0099" in await say(bot, connector, JO, "disclosure RD-2026-0099")
            assert "Type **disclosure** and the case number" in await say(bot, connector, JO, "disclosure")
            in_a_channel = await say(
                bot,
                connector,
                JO,
                "<at>Rapid Debrief</at> disclosure RD-2026-0001",
                conversation=activities.review_thread(),
            )
            assert "one-to-one chat" in in_a_channel
            assert await produced_records(bot) == []


async def test_in_teams_the_bundle_is_offered_as_a_file_and_saved_to_the_requesters_onedrive(sqlite_url: str) -> None:
    env = development_env(sqlite_url, DEBRIEF_DOCUMENT_DELIVERY="file_consent")
    with LocalConnector() as connector, upload_endpoint() as onedrive:
        async with running_bot(env, clock=lambda: PRODUCED, run_dispatcher=False) as bot:
            await a_whole_debrief(bot.services.uow)
            await say(bot, connector, JO, "disclosure RD-2026-0001")
            [offer] = connector.sent()[-1].body["attachments"]
            assert offer["contentType"] == FILE_CONSENT_CARD and offer["name"] == "RD-2026-0001-disclosure-bundle.zip"
            assert "OFFICIAL-SENSITIVE" in offer["content"]["description"]
            assert [(who, outcome) for who, outcome, _ in await produced_records(bot)] == [(JO.user_id, "granted")]

            accept = file_consent_invoke(
                JO, "accept", offer["content"]["acceptContext"], service_url=connector.url, upload_url=onedrive.url
            )
            status, _ = await post(bot, accept)
            assert status == 200
            [upload] = onedrive.received()
            assert_schedule_matches_archive(open_bundle(upload.body))
            delivered = (await produced_records(bot))[1:]
            assert [(who, outcome) for who, outcome, _ in delivered] == [(JO.user_id, "granted")]
            assert "to their OneDrive by file consent" in str(delivered[0][2])
