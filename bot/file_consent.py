"""Teams' file consent flow: a requested Word document saved to the requester's own OneDrive, from their personal chat.

1. The dispatcher sends the requester, in their personal chat, a file consent card (`consent_card`). Its accept
   and decline contexts carry a single-use token made like a document link's (storage/document_links.py): only its
   hash is stored, it works once and expires after DEBRIEF_DOCUMENT_LINK_MINUTES. The context holds no case
   content, only the token and whom it is for.
2. Teams shows the card; the person's answer arrives as a `fileConsent/invoke` (`answer_file_consent`):
   - accept: the token is redeemed (once, before expiry, by the person it was made for), the person is authorised
     again with their roles as they are now and the read is audited as a disclosure to them
     (bot/documents.py `render_for_requester`), the document is rendered and PUT to the upload URL Teams gave
     (a OneDrive upload session in their own OneDrive), and a file info card is posted so they can open it;
   - decline: the token is spent, nothing is rendered or sent.
   Anything a client can send is answered 200 with a plain message, or 400 when the invoke is malformed.

The upload URL is a pre-authorised secret: it is never logged, and no Authorization header goes with it.
Only the Teams client can do this; the Agents Playground cannot, so development uses links (bot/settings.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from bot.documents import DocumentKind, new_token, render_for_requester, well_formed_token
from bot.identity import actor_for
from bot.services import Services
from debrief.errors import Forbidden, NotFound
from storage.document_links import redeem_link

log = logging.getLogger(__name__)

INVOKE_NAME = "fileConsent/invoke"
FILE_CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
CONTEXT_KIND = "chronology"
SIZE_ESTIMATE_BYTES = 50_000
"""What the consent card says the file will take: a chronology is about 40 kB plus a little per entry. The exact
size would need the chronology read (a disclosure) before the person has even accepted."""
UPLOAD_TIMEOUT_S = 10.0
"""Teams wants the invoke answered within about 15 s; the render takes about 1 s for 5,000 entries."""

DECLINED = "No file was sent. Ask for the document again in the case's thread if you need it."
GONE = (
    "That file offer has already been used or has expired, so no file was sent. Offers work once, for a few "
    "minutes: ask for the document again in the case's thread."
)
NOT_YOURS = "That file was offered to someone else, so nothing was sent."
UPLOAD_FAILED = (
    "The document could not be saved to your OneDrive, so no file was sent. Please ask for it again in the "
    "case's thread."
)
FAILED = "Something went wrong and no file was sent. Please ask for the document again in the case's thread."


@dataclass(frozen=True)
class UploadInfo:
    """Where Teams asks the bot to put the file: `upload_url` is a secret, never logged."""

    upload_url: str
    content_url: str
    name: str
    unique_id: str
    file_type: str


@dataclass(frozen=True)
class ConsentAnswer:
    action: Literal["accept", "decline"]
    token: str
    for_user: str
    upload: UploadInfo | None


async def consent_card(
    services: Services,
    *,
    case_id: int,
    case_number: str,
    person_id: str,
    kind: DocumentKind = DocumentKind.CHRONOLOGY,
) -> Activity:
    """The file consent card offering `person_id` one of the case's Word documents (a fresh token each time)."""
    token = await new_token(services, case_id=case_id, person_id=person_id, kind=kind)
    minutes = services.settings.document_link_minutes
    context = {"kind": CONTEXT_KIND, "token": token, "for": person_id}
    attachment = Attachment(
        content_type=FILE_CONSENT_CARD,
        name=kind.filename(case_number),
        content={
            "description": (
                f"The {kind.label} for {case_number}, for you only. OFFICIAL-SENSITIVE: it is saved to your "
                f"own OneDrive; do not forward or share it, and keep it only where this case's material may be "
                f"stored. Accept within {minutes} minutes."
            ),
            "sizeInBytes": SIZE_ESTIMATE_BYTES,
            "acceptContext": context,
            "declineContext": context,
        },
    )
    return MessageFactory.attachment(attachment)


def parse_answer(value: Any, *, allow_http: bool) -> ConsentAnswer | None:
    """The person's answer, or None when the invoke is not one of ours or is malformed."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    context = value.get("context")
    if action not in ("accept", "decline") or not isinstance(context, dict):
        return None
    token, for_user = context.get("token"), context.get("for")
    if context.get("kind") != CONTEXT_KIND or not isinstance(token, str) or not well_formed_token(token):
        return None
    if not isinstance(for_user, str) or not for_user:
        return None
    if action == "decline":
        return ConsentAnswer("decline", token, for_user, None)
    upload = _upload_info(value.get("uploadInfo"), allow_http=allow_http)
    return ConsentAnswer("accept", token, for_user, upload) if upload is not None else None


def _upload_info(raw: Any, *, allow_http: bool) -> UploadInfo | None:
    if not isinstance(raw, dict):
        return None
    fields = {key: raw.get(key) for key in ("uploadUrl", "contentUrl", "name", "uniqueId", "fileType")}
    upload_url, content_url, name = fields["uploadUrl"], fields["contentUrl"], fields["name"]
    if not (isinstance(upload_url, str) and isinstance(content_url, str) and isinstance(name, str) and name):
        return None
    schemes = ("https", "http") if allow_http else ("https",)
    if urlsplit(upload_url).scheme not in schemes or not urlsplit(upload_url).hostname:
        return None
    unique_id, file_type = fields["uniqueId"], fields["fileType"]
    return UploadInfo(
        upload_url=upload_url,
        content_url=content_url,
        name=name,
        unique_id=unique_id if isinstance(unique_id, str) else "",
        file_type=file_type if isinstance(file_type, str) and file_type else "docx",
    )


async def answer_file_consent(services: Services, turn_context: TurnContext) -> InvokeResponse:
    """The person accepted or declined a file consent card: 200 whatever happened, 400 when malformed."""
    activity = turn_context.activity
    answer = parse_answer(activity.value, allow_http=services.settings.development)
    if answer is None:
        return InvokeResponse(
            status=400, body={"code": "BadRequest", "message": "Rapid Debrief did not understand this file answer."}
        )
    actor = actor_for(activity, services.directory)
    if actor is None or actor.user_id != answer.for_user:
        # Nothing is stored: the token stays unspent for the person it was made for.
        log.warning("refused a file consent answer from someone the file was not offered to")
        await _say(turn_context, NOT_YOURS)
        return _ok()
    try:
        await _act_on(services, turn_context, answer, actor.user_id)
    except Exception:
        log.exception("a file consent answer failed")
        await _say(turn_context, FAILED)
    return _ok()


async def _act_on(services: Services, turn_context: TurnContext, answer: ConsentAnswer, user_id: str) -> None:
    link = await redeem_link(services.engine, token=answer.token, now=services.now(), requester_id=user_id)
    upload = answer.upload
    if answer.action == "decline" or upload is None:
        await _say(turn_context, DECLINED)
        return
    if link is None:
        await _say(turn_context, GONE)
        return
    try:
        document = await render_for_requester(services, link, route="to their OneDrive by file consent")
    except (Forbidden, NotFound) as refused:
        await _say(turn_context, f"No file was sent: {refused}")
        return
    if not await upload_file(upload.upload_url, document.content):
        await _say(turn_context, UPLOAD_FAILED)
        return
    log.info("%s saved to the requester's OneDrive for case %s", link.kind, document.case_id)
    try:
        label = DocumentKind(link.kind).label
        await turn_context.send_activity(file_info_card(upload, case_number=document.case_number, label=label))
    except Exception:  # noqa: BLE001 - the file is in their OneDrive; only the card pointing to it is missing
        log.warning("the file info card for case %s could not be sent", document.case_id)


async def upload_file(upload_url: str, content: bytes) -> bool:
    """PUT the whole file to a OneDrive upload session in one request; True when it was stored."""
    size = len(content)
    headers = {"Content-Length": str(size), "Content-Range": f"bytes 0-{size - 1}/{size}"}
    timeout = aiohttp.ClientTimeout(total=UPLOAD_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, trust_env=True) as session,
            session.put(upload_url, data=content, headers=headers, allow_redirects=False) as response,
        ):
            status = response.status
    except Exception as error:  # noqa: BLE001 - any failure is a failed upload, reported to the person
        # Never the error's text: aiohttp puts the URL, a secret, into it.
        log.warning("saving a document to OneDrive failed: %s", type(error).__name__)
        return False
    if status not in (200, 201):
        log.warning("saving a document to OneDrive was answered with HTTP %s", status)
        return False
    return True


def file_info_card(upload: UploadInfo, *, case_number: str, label: str) -> Activity:
    """The message that shows the saved file, for the person to open from their OneDrive."""
    attachment = Attachment(
        content_type=FILE_INFO_CARD,
        content_url=upload.content_url,
        name=upload.name,
        content={"uniqueId": upload.unique_id, "fileType": upload.file_type},
    )
    return MessageFactory.attachment(
        attachment,
        text=(
            f"The {label} for {case_number} is saved in your OneDrive. It is OFFICIAL-SENSITIVE: do not forward "
            "or share it, and keep it only where this case's material may be stored."
        ),
    )


async def _say(turn_context: TurnContext, text: str) -> None:
    try:
        await turn_context.send_activity(MessageFactory.text(text))
    except Exception:  # noqa: BLE001 - the invoke is still answered; the person can ask again
        log.warning("could not send a file consent reply")


def _ok() -> InvokeResponse:
    return InvokeResponse(status=200)
