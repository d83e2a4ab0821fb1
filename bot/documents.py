"""GET /documents/{token}: the single-use, short-lived link that delivers a document to the person who asked.

The link is the fallback for clients without Teams' file consent flow (the Agents Playground); bot/file_consent.py
is the flow in Teams, and both use the same tokens and the same render-and-authorise step here. Its token is
random, stored only as a hash, works once and expires within minutes; the person it was made for must still
be allowed to receive the document when it is fetched, and the fetch is audited as a disclosure to them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from aiohttp import web

from bot.services import Services
from debrief import disclosure, meetings, outcomes, verification
from debrief.errors import Forbidden, NotFound
from debrief.model import Person
from debrief.permissions import Actor
from documents.agenda import render_agenda_pack
from documents.calendar import render_meeting_invitation
from documents.chronology import render_chronology
from documents.disclosure import bundle_filename, render_disclosure_bundle
from documents.learning import render_learning_document
from storage.document_links import RedeemedLink, create_link, redeem_link

log = logging.getLogger(__name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ICS = "text/calendar"
ZIP = "application/zip"


class DocumentKind(StrEnum):
    """What a single-use token delivers."""

    CHRONOLOGY = "chronology"
    AGENDA_PACK = "agenda_pack"
    MEETING_INVITATION = "meeting_invitation"
    LEARNING = "learning"
    DISCLOSURE_BUNDLE = "disclosure_bundle"

    @property
    def label(self) -> str:
        return {
            DocumentKind.CHRONOLOGY: "Word chronology",
            DocumentKind.AGENDA_PACK: "agenda pack",
            DocumentKind.MEETING_INVITATION: "calendar invitation",
            DocumentKind.LEARNING: "learning and actions document",
            DocumentKind.DISCLOSURE_BUNDLE: "disclosure bundle",
        }[self]

    def filename(self, case_number: str) -> str:
        return {
            DocumentKind.CHRONOLOGY: f"{case_number}-chronology.docx",
            DocumentKind.AGENDA_PACK: f"{case_number}-agenda-pack.docx",
            DocumentKind.MEETING_INVITATION: f"{case_number}-debrief-meeting.ics",
            DocumentKind.LEARNING: f"{case_number}-learning-and-actions.docx",
            DocumentKind.DISCLOSURE_BUNDLE: bundle_filename(case_number),
        }[self]

    @property
    def content_type(self) -> str:
        return {DocumentKind.MEETING_INVITATION: ICS, DocumentKind.DISCLOSURE_BUNDLE: ZIP}.get(self, DOCX)


CHRONOLOGY = DocumentKind.CHRONOLOGY.value
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,100}")
GONE = (
    "This link has already been used or has expired. Links to debrief documents work once, for a few minutes.\n"
    "Ask for the document again in the case's thread."
)


@dataclass(frozen=True)
class RenderedDocument:
    """A document rendered for the person who asked, after they were authorised (and audited) again."""

    case_id: int
    case_number: str
    filename: str
    content: bytes
    content_type: str = DOCX


def well_formed_token(token: str) -> bool:
    return bool(_TOKEN.fullmatch(token))


def chronology_filename(case_number: str) -> str:
    return DocumentKind.CHRONOLOGY.filename(case_number)


async def new_token(services: Services, *, case_id: int, person_id: str, kind: DocumentKind) -> str:
    """A fresh single-use token for `person_id` to receive one document of the case (only its hash is stored)."""
    person = Person(person_id, services.directory.name_for(person_id) or "")
    return await create_link(
        services.engine,
        case_id=case_id,
        kind=kind.value,
        requester=person,
        now=services.now(),
        lifetime=timedelta(minutes=services.settings.document_link_minutes),
    )


async def new_chronology_token(services: Services, *, case_id: int, person_id: str) -> str:
    return await new_token(services, case_id=case_id, person_id=person_id, kind=DocumentKind.CHRONOLOGY)


async def new_link(services: Services, *, case_id: int, person_id: str, kind: DocumentKind) -> str:
    """A fresh link for `person_id` to fetch one document of the case."""
    token = await new_token(services, case_id=case_id, person_id=person_id, kind=kind)
    return f"{services.settings.public_url}/documents/{token}"


async def new_chronology_link(services: Services, *, case_id: int, person_id: str) -> tuple[str, str]:
    """A fresh link for `person_id` to fetch the case's Word chronology: (url, path)."""
    url = await new_link(services, case_id=case_id, person_id=person_id, kind=DocumentKind.CHRONOLOGY)
    return url, url.removeprefix(services.settings.public_url)


async def render_for_requester(services: Services, link: RedeemedLink, *, route: str) -> RenderedDocument:
    """The document a redeemed token is for, rendered for the person it was made for.

    Their roles are read as they are now, not as they were when the token was made: someone who has left the
    review team gets nothing. Reading the case is audited as a disclosure to them. Raises Forbidden or
    NotFound when they may not have it (the refusal is audited too).
    """
    try:
        kind = DocumentKind(link.kind)
    except ValueError:
        raise NotFound("There is no such document.") from None
    requester = link.requester
    actor = Actor(
        tenant_id=services.settings.home_tenant,
        user_id=requester.user_id,
        name=requester.name,
        roles=services.directory.roles_for(requester.user_id),
    )
    now = services.now()
    match kind:
        case DocumentKind.CHRONOLOGY:
            found = await verification.chronology_for_document(
                uow=services.uow(), actor=actor, case_id=link.case_id, now=now, route=route
            )
            case = found.case
            content = await asyncio.to_thread(
                render_chronology, case=case, chronology=found.chronology, produced_for=requester, produced_at=now
            )
        case DocumentKind.AGENDA_PACK:
            source = await meetings.agenda_pack_source(
                uow=services.uow(), actor=actor, case_id=link.case_id, now=now, route=route
            )
            case = source.case
            content = await asyncio.to_thread(
                render_agenda_pack,
                case=case,
                parameters=source.parameters,
                chronology=source.chronology,
                meeting=source.meeting,
                partners=source.partners,
                produced_for=requester,
                produced_at=now,
            )
        case DocumentKind.LEARNING:
            found_outcome = await outcomes.outcome_for_document(
                uow=services.uow(), actor=actor, case_id=link.case_id, now=now, route=route
            )
            case = found_outcome.case
            content = await asyncio.to_thread(
                render_learning_document,
                case=case,
                outcome=found_outcome.outcome,
                meeting=found_outcome.meeting,
                produced_for=requester,
                produced_at=now,
            )
        case DocumentKind.DISCLOSURE_BUNDLE:
            found_bundle = await disclosure.bundle(
                uow=services.uow(), actor=actor, now=now, case_id=link.case_id, route=route
            )
            case = found_bundle.case
            content = await asyncio.to_thread(render_disclosure_bundle, found_bundle)
        case DocumentKind.MEETING_INVITATION:
            case, meeting = await meetings.meeting_for_invitation(
                uow=services.uow(), actor=actor, case_id=link.case_id, now=now, route=route
            )
            content = render_meeting_invitation(
                case_number=case.case_number, meeting=meeting, organiser=meeting.scheduled_by, produced_at=now
            )
    number = case.case_number
    return RenderedDocument(link.case_id, number, kind.filename(number), content, kind.content_type)


def document_route(services: Services) -> web.RouteDef:
    async def fetch(request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
        if not well_formed_token(token):
            return web.Response(status=404, text="There is no document at this address.", headers=headers)
        link = await redeem_link(services.engine, token=token, now=services.now())
        if link is None:
            return web.Response(status=410, text=GONE, headers=headers)
        try:
            document = await render_for_requester(services, link, route="by single-use link")
        except (Forbidden, NotFound) as refused:
            return web.Response(status=403, text=str(refused), headers=headers)
        log.info("a document was delivered by link for case %s", document.case_id)
        return web.Response(
            body=document.content,
            content_type=document.content_type,
            headers={**headers, "Content-Disposition": f'attachment; filename="{document.filename}"'},
        )

    return web.get("/documents/{token}", fetch)
