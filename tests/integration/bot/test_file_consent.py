"""The Word chronology through Teams' file consent flow, over the real HTTP edge.

The review team member who asks for the document gets a file consent card in their personal chat; accepting it
makes the bot PUT the .docx to the upload URL Teams gives (here a real HTTP server on loopback that records what
it receives, standing in for the OneDrive upload session) and post a file info card. Teams itself, OneDrive and
the consent card's buttons cannot be exercised here: the invokes are shaped as Teams documents them.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import docx
from sqlalchemy import select

from bot.file_consent import FILE_CONSENT_CARD, FILE_INFO_CARD
from debrief.model import Person
from storage import tables as t
from tests.integration.http.test_chronology_over_http import collecting_case
from tests.integration.http.test_nomination_over_http import _until, count, post
from tests.support import activities
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.cards import card_text
from tests.support.connector import LocalConnector, Recorded
from tests.support.forms import chronology_entry_form
from tests.support.people import JORDAN, OWEN, PRIYA

FILE_CONSENT = {"DEBRIEF_DOCUMENT_DELIVERY": "file_consent"}
DISCLOSE = "case.chronology.document.disclose"


@dataclass
class Upload:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class UploadEndpoint:
    """A stand-in for a OneDrive upload session: records every PUT and answers `status`."""

    status: int = 201
    uploads: list[Upload] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def received(self) -> list[Upload]:
        with self.lock:
            return list(self.uploads)


@contextmanager
def upload_endpoint(status: int = 201) -> Iterator[UploadEndpoint]:
    endpoint = UploadEndpoint(status=status)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with endpoint.lock:
                endpoint.uploads.append(Upload(self.path, dict(self.headers.items()), body))
            payload = json.dumps({"id": "01FICTIONALDRIVEITEM", "size": len(body)}).encode()
            self.send_response(endpoint.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    """Real time, moved on by the test when it needs an offer to have expired."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


def _attachments(record: Recorded, content_type: str) -> list[dict[str, Any]]:
    return [a for a in record.body.get("attachments") or [] if a.get("contentType") == content_type]


def _personal(connector: LocalConnector, person: Person) -> list[Recorded]:
    return connector.sent(path_contains=f"personal-{person.user_id}")


async def consent_card_for(connector: LocalConnector, person: Person) -> dict[str, Any]:
    """The file consent card the dispatcher sent to `person`'s personal chat, once it has arrived."""

    def cards() -> list[dict[str, Any]]:
        return [a for r in _personal(connector, person) for a in _attachments(r, FILE_CONSENT_CARD)]

    await _until(lambda: bool(cards()))
    [card] = cards()
    return card


def texts_to(connector: LocalConnector, person: Person) -> list[str]:
    return [str(r.body.get("text") or "") for r in _personal(connector, person)]


def file_consent_invoke(
    person: Person,
    action: str,
    context: Any,
    *,
    service_url: str,
    upload_url: str | None = None,
) -> dict[str, Any]:
    """A `fileConsent/invoke` as Teams sends it when `person` presses Allow or Decline on the card."""
    activity = activities.message(person, "", service_url=service_url)
    del activity["text"]
    value: dict[str, Any] = {"type": "fileUpload", "action": action, "context": context}
    if upload_url is not None:
        value["uploadInfo"] = {
            "contentUrl": "https://force.example/personal/owen/Documents/Applications/RD-2026-0001-chronology.docx",
            "name": "RD-2026-0001-chronology.docx",
            "uploadUrl": upload_url,
            "uniqueId": "1150D938-8870-4044-9F2C-000000000001",
            "fileType": "docx",
            "etag": "1",
        }
    activity.update({"type": "invoke", "name": "fileConsent/invoke", "replyToId": "1", "value": value})
    return activity


async def disclosures(bot: RunningBot) -> list[tuple[str, ...]]:
    async with bot.services.engine.connect() as connection:
        rows = (
            await connection.execute(select(t.audit_log.c.recipients).where(t.audit_log.c.action == DISCLOSE))
        ).all()
    return [tuple(r.recipients) for r in rows]


async def a_document_offered_to_owen(bot: RunningBot, connector: LocalConnector) -> dict[str, Any]:
    """RD-2026-0001 with one chronology entry; Owen, the lead reviewer, asks for the Word document."""
    thread = await collecting_case(bot, connector)
    await post(
        bot,
        activities.execute(
            JORDAN, "chronology.entry.add", {"caseId": 1, **chronology_entry_form()}, service_url=connector.url
        ),
    )
    _, asked = await post(
        bot,
        activities.execute(OWEN, "chronology.document", {"caseId": 1}, service_url=connector.url, conversation=thread),
    )
    assert "personal chat" in card_text(asked)
    return await consent_card_for(connector, OWEN)


@contextmanager
def a_bot_world(status: int = 201) -> Iterator[tuple[LocalConnector, UploadEndpoint]]:
    with LocalConnector() as connector, upload_endpoint(status) as onedrive:
        yield connector, onedrive


async def test_the_requester_gets_a_file_consent_card_not_a_link(sqlite_url: str) -> None:
    with a_bot_world() as (connector, _):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT)) as bot:
            card = await a_document_offered_to_owen(bot, connector)
            assert card["name"] == "RD-2026-0001-chronology.docx"
            content = card["content"]
            assert "OFFICIAL-SENSITIVE" in content["description"]
            assert content["sizeInBytes"] > 0
            context = content["acceptContext"]
            assert content["declineContext"] == context
            # Only a token and whom it is for: no case content, and the token itself is not what is stored.
            assert set(context) == {"kind", "token", "for"} and context["for"] == OWEN.user_id
            async with bot.services.engine.connect() as connection:
                stored = (await connection.execute(select(t.document_links.c.token_hash))).scalars().all()
            assert len(stored) == 1 and context["token"] not in stored[0]
            assert not any("/documents/" in json.dumps(r.body) for r in _personal(connector, OWEN))
            assert await disclosures(bot) == []  # nothing disclosed until the person accepts


async def test_accepting_saves_the_word_chronology_to_the_requesters_onedrive_and_shows_it(sqlite_url: str) -> None:
    with a_bot_world() as (connector, onedrive):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT)) as bot:
            card = await a_document_offered_to_owen(bot, connector)
            accept = file_consent_invoke(
                OWEN,
                "accept",
                card["content"]["acceptContext"],
                service_url=connector.url,
                upload_url=f"{onedrive.url}/upload-session/fictional-secret",
            )
            status, _ = await post(bot, accept)
            assert status == 200

            [upload] = onedrive.received()
            size = len(upload.body)
            assert upload.path == "/upload-session/fictional-secret"
            assert upload.headers["Content-Length"] == str(size)
            assert upload.headers["Content-Range"] == f"bytes 0-{size - 1}/{size}"
            assert "Authorization" not in upload.headers
            document = docx.Document(io.BytesIO(upload.body))
            assert "RD-2026-0001" in "\n".join(p.text for p in document.paragraphs)
            assert any("OFFICIAL-SENSITIVE" in p.text for p in document.sections[0].header.paragraphs)

            infos = [a for r in _personal(connector, OWEN) for a in _attachments(r, FILE_INFO_CARD)]
            [info] = infos
            assert info["name"] == "RD-2026-0001-chronology.docx"
            assert info["contentUrl"].endswith("/RD-2026-0001-chronology.docx")
            assert info["content"] == {"uniqueId": "1150D938-8870-4044-9F2C-000000000001", "fileType": "docx"}
            assert await disclosures(bot) == [(f"person:{OWEN.user_id}",)]


async def test_a_second_accept_of_the_same_card_uploads_nothing(sqlite_url: str) -> None:
    with a_bot_world() as (connector, onedrive):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT)) as bot:
            context = (await a_document_offered_to_owen(bot, connector))["content"]["acceptContext"]
            upload_url = f"{onedrive.url}/upload-session/one"
            accept = file_consent_invoke(OWEN, "accept", context, service_url=connector.url, upload_url=upload_url)
            assert (await post(bot, accept))[0] == 200
            again = file_consent_invoke(OWEN, "accept", context, service_url=connector.url, upload_url=upload_url)
            assert (await post(bot, again))[0] == 200

            assert len(onedrive.received()) == 1
            assert any("already been used or has expired" in text for text in texts_to(connector, OWEN))
            assert await disclosures(bot) == [(f"person:{OWEN.user_id}",)]


async def test_someone_else_accepting_the_requesters_card_gets_nothing(sqlite_url: str) -> None:
    with a_bot_world() as (connector, onedrive):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT)) as bot:
            context = (await a_document_offered_to_owen(bot, connector))["content"]["acceptContext"]
            upload_url = f"{onedrive.url}/upload-session/priyas"
            # Priya is on the review team too, but the offer was made to Owen.
            stolen = file_consent_invoke(PRIYA, "accept", context, service_url=connector.url, upload_url=upload_url)
            assert (await post(bot, stolen))[0] == 200
            assert onedrive.received() == []
            assert await disclosures(bot) == []
            assert any("offered to someone else" in text for text in texts_to(connector, PRIYA))
            relabelled = file_consent_invoke(
                PRIYA, "accept", {**context, "for": PRIYA.user_id}, service_url=connector.url, upload_url=upload_url
            )
            assert (await post(bot, relabelled))[0] == 200
            assert onedrive.received() == []
            assert await disclosures(bot) == []


async def test_the_requester_can_still_accept_after_someone_else_was_refused(sqlite_url: str) -> None:
    with a_bot_world() as (connector, onedrive):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT)) as bot:
            context = (await a_document_offered_to_owen(bot, connector))["content"]["acceptContext"]
            stolen = file_consent_invoke(
                PRIYA, "accept", context, service_url=connector.url, upload_url=f"{onedrive.url}/priyas"
            )
            await post(bot, stolen)
            own = file_consent_invoke(
                OWEN, "accept", context, service_url=connector.url, upload_url=f"{onedrive.url}/owens"
            )
            assert (await post(bot, own))[0] == 200
            assert [u.path for u in onedrive.received()] == ["/owens"]


async def test_declining_sends_nothing_and_spends_the_offer(sqlite_url: str) -> None:
    with a_bot_world() as (connector, onedrive):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT)) as bot:
            card = (await a_document_offered_to_owen(bot, connector))["content"]
            decline = file_consent_invoke(OWEN, "decline", card["declineContext"], service_url=connector.url)
            status, _ = await post(bot, decline)
            assert status == 200
            assert any("No file was sent" in text for text in texts_to(connector, OWEN))
            async with bot.services.engine.connect() as connection:
                used = (await connection.execute(select(t.document_links.c.used_at))).scalar_one()
            assert used is not None

            late = file_consent_invoke(
                OWEN, "accept", card["acceptContext"], service_url=connector.url, upload_url=f"{onedrive.url}/late"
            )
            assert (await post(bot, late))[0] == 200
            assert onedrive.received() == []
            assert await disclosures(bot) == []


async def test_an_expired_offer_uploads_nothing(sqlite_url: str) -> None:
    clock = Clock()
    with a_bot_world() as (connector, onedrive):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT), clock=clock) as bot:
            context = (await a_document_offered_to_owen(bot, connector))["content"]["acceptContext"]
            clock.shift = timedelta(minutes=bot.services.settings.document_link_minutes, seconds=1)
            accept = file_consent_invoke(
                OWEN, "accept", context, service_url=connector.url, upload_url=f"{onedrive.url}/expired"
            )
            assert (await post(bot, accept))[0] == 200
            assert onedrive.received() == []
            assert await disclosures(bot) == []
            assert any("already been used or has expired" in text for text in texts_to(connector, OWEN))


async def test_an_upload_refused_by_onedrive_gets_a_plain_message_and_the_invoke_still_succeeds(
    sqlite_url: str,
) -> None:
    with a_bot_world(status=500) as (connector, onedrive):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT)) as bot:
            context = (await a_document_offered_to_owen(bot, connector))["content"]["acceptContext"]
            accept = file_consent_invoke(
                OWEN, "accept", context, service_url=connector.url, upload_url=f"{onedrive.url}/broken"
            )
            status, _ = await post(bot, accept)
            assert status == 200
            assert len(onedrive.received()) == 1
            assert any("could not be saved to your OneDrive" in text for text in texts_to(connector, OWEN))
            assert not any(_attachments(r, FILE_INFO_CARD) for r in _personal(connector, OWEN))


async def test_an_unreachable_upload_address_gets_the_same_plain_message(sqlite_url: str) -> None:
    with a_bot_world() as (connector, _):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT)) as bot:
            context = (await a_document_offered_to_owen(bot, connector))["content"]["acceptContext"]
            nowhere = "http://127.0.0.1:9/upload-session/closed-port"
            accept = file_consent_invoke(OWEN, "accept", context, service_url=connector.url, upload_url=nowhere)
            assert (await post(bot, accept))[0] == 200
            assert any("could not be saved to your OneDrive" in text for text in texts_to(connector, OWEN))


def _malformed(context: dict[str, Any]) -> list[Callable[[dict[str, Any]], None]]:
    def value(v: Any) -> Callable[[dict[str, Any]], None]:
        return lambda activity: activity.update({"value": v})

    def upload_without(key: str) -> Callable[[dict[str, Any]], None]:
        return lambda activity: activity["value"]["uploadInfo"].pop(key)

    return [
        value("accept"),
        value({"action": "maybe", "context": context}),
        value({"action": "accept", "context": "a-token"}),
        value({"action": "accept", "context": {**context, "token": "short"}}),
        value({"action": "accept", "context": {**context, "kind": "minutes"}}),
        value({"action": "decline", "context": {**context, "for": ""}}),
        value({"action": "accept", "context": context}),
        upload_without("uploadUrl"),
        upload_without("contentUrl"),
        lambda activity: activity["value"]["uploadInfo"].update({"uploadUrl": "file:///etc/passwd"}),
    ]


async def test_a_malformed_file_answer_is_a_bad_request_not_a_server_error(sqlite_url: str) -> None:
    with a_bot_world() as (connector, onedrive):
        async with running_bot(development_env(sqlite_url, **FILE_CONSENT)) as bot:
            context = (await a_document_offered_to_owen(bot, connector))["content"]["acceptContext"]
            upload_url = f"{onedrive.url}/upload-session/odd"
            for spoil in _malformed(context):
                activity = file_consent_invoke(
                    OWEN, "accept", context, service_url=connector.url, upload_url=upload_url
                )
                spoil(activity)
                status, body = await post(bot, activity)
                assert status == 400, activity["value"]
                assert body["code"] == "BadRequest"
            assert onedrive.received() == []
            assert await count(bot, t.document_links) == 1
            async with bot.services.engine.connect() as connection:
                used = (await connection.execute(select(t.document_links.c.used_at))).scalar_one()
            assert used is None  # nothing malformed spent the offer


async def test_with_link_delivery_the_requester_still_gets_a_single_use_link(sqlite_url: str) -> None:
    with a_bot_world() as (connector, _):
        env = development_env(sqlite_url, DEBRIEF_DOCUMENT_DELIVERY="link")
        async with running_bot(env) as bot:
            thread = await collecting_case(bot, connector)
            await post(
                bot,
                activities.execute(
                    OWEN, "chronology.document", {"caseId": 1}, service_url=connector.url, conversation=thread
                ),
            )
            await _until(lambda: any("/documents/" in json.dumps(r.body) for r in _personal(connector, OWEN)))
            assert not any(_attachments(r, FILE_CONSENT_CARD) for r in _personal(connector, OWEN))
