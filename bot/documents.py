"""GET /documents/{token}: the single-use, short-lived link that delivers a Word document to the person who asked.

The link is the fallback for clients without Teams' file consent flow (the Agents Playground). Its token is
random, stored only as a hash, works once and expires within minutes; the person it was made for must still
be allowed to receive the document when it is fetched, and the fetch is audited as a disclosure to them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

from aiohttp import web

from bot.services import Services
from debrief import verification
from debrief.errors import Forbidden, NotFound
from debrief.model import Person
from debrief.permissions import Actor
from documents.chronology import render_chronology
from storage.document_links import create_link, redeem_link

log = logging.getLogger(__name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHRONOLOGY = "chronology"
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,100}")
GONE = (
    "This link has already been used or has expired. Links to debrief documents work once, for a few minutes.\n"
    "Ask for the document again in the case's thread."
)


async def new_chronology_link(services: Services, *, case_id: int, person_id: str) -> tuple[str, str]:
    """A fresh link for `person_id` to fetch the case's Word chronology: (url, path)."""
    person = Person(person_id, services.directory.name_for(person_id) or "")
    token = await create_link(
        services.engine,
        case_id=case_id,
        kind=CHRONOLOGY,
        requester=person,
        now=services.now(),
        lifetime=timedelta(minutes=services.settings.document_link_minutes),
    )
    path = f"/documents/{token}"
    return f"{services.settings.public_url}{path}", path


def document_route(services: Services) -> web.RouteDef:
    async def fetch(request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
        if not _TOKEN.fullmatch(token):
            return web.Response(status=404, text="There is no document at this address.", headers=headers)
        link = await redeem_link(services.engine, token=token, now=services.now())
        if link is None:
            return web.Response(status=410, text=GONE, headers=headers)
        # Roles as they are now, not when the link was made: someone who has left the team gets nothing.
        requester = link.requester
        actor = Actor(
            tenant_id=services.settings.home_tenant,
            user_id=requester.user_id,
            name=requester.name,
            roles=services.directory.roles_for(requester.user_id),
        )
        try:
            found = await verification.chronology_for_document(
                uow=services.uow(), actor=actor, case_id=link.case_id, now=services.now()
            )
        except (Forbidden, NotFound) as refused:
            return web.Response(status=403, text=str(refused), headers=headers)
        content = await asyncio.to_thread(
            render_chronology,
            case=found.case,
            chronology=found.chronology,
            produced_for=link.requester,
            produced_at=services.now(),
        )
        filename = f"{found.case.case_number}-chronology.docx"
        log.info("chronology document delivered for case %s", link.case_id)
        return web.Response(
            body=content,
            content_type=DOCX,
            headers={**headers, "Content-Disposition": f'attachment; filename="{filename}"'},
        )

    return web.get("/documents/{token}", fetch)
