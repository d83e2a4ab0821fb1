"""The dashboard tab's HTTP side: the page, its static files, and the views and exports it fetches with a token.

GET /tab/dashboard is the page Teams shows in the "Oversight" tab. It signs in (Teams SSO; the development sign-in
in anonymous development mode), then fetches, with `Authorization` on every request:

    GET /tab/api/me                        who you are, which views and exports your roles allow (403: none)
    GET /tab/api/figures                   the figures and charts (board, working group, review team)
    GET /tab/api/actions                   open actions case by case (working group, review team)
    GET /tab/api/exports/{kind}?format=    an oversight export, xlsx or csv
    POST /tab/api/audit                    the information manager's search: JSON {case_number, person, category,
                                           from, to, page} (in the body, so no access log keeps who was searched for)
    POST /tab/api/audit/export             the same filters and {format: xlsx or csv}: the records as a file

Every read goes through a service function, which authorises and audits it (deny by default); this edge only says
who is asking. No case data is cached anywhere: every response is `no-store`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.directory import Directory
from bot.services import Services
from bot.settings import Settings
from bot.sso import (
    DevelopmentSignIn,
    SigningKeys,
    SignInRefused,
    SignInUnavailable,
    TabSignIn,
    TeamsSso,
    actor_for,
)
from bot.tab.views import actions_view, audit_view, figures_view
from debrief import audit_search, oversight
from debrief.errors import Forbidden, InvalidInput
from debrief.exports import ExportFormat, ExportTable
from debrief.oversight import OversightExport
from debrief.permissions import Actor, Permission, is_allowed
from documents import tables

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
ROOT = Path(__file__).resolve().parents[2]
TEAMS_SDK = ROOT / "node_modules" / "@microsoft" / "teams-js" / "dist" / "umd" / "MicrosoftTeams.min.js"
"""The Teams JavaScript SDK, installed from npm (package.json) and served from here: no CDN, works offline."""
SDK_PATH = "/tab/static/MicrosoftTeams.min.js"

FRAME_ANCESTORS = (
    "'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft "
    "https://*.microsoft365.com https://*.office.com https://outlook.office.com https://outlook.office365.com"
)
"""The hosts that may show the tab in a frame: Teams, and the Microsoft 365 and Outlook hosts that run Teams apps."""
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    f"base-uri 'none'; form-action 'none'; frame-ancestors {FRAME_ANCESTORS}"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
NO_STORE = {
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

NO_VIEW = (
    "The oversight dashboard is for the homicide prevention board, the rapid debrief working group and the review "
    "team (and its audit log for the information manager). Ask the rapid debrief working group if you need access: "
    "they can have you added to the right group."
)
STATIC_FILES = {
    "dashboard.js": "application/javascript",
    "dashboard.css": "text/css",
}
EXPORT_LABELS = {
    OversightExport.CASES: "Cases",
    OversightExport.ACTIONS: "All actions",
    OversightExport.THEMES: "Themes by quarter",
    OversightExport.TIMELINESS: "Timeliness",
}
EXPORT_VIEWS = {
    OversightExport.CASES: "figures",
    OversightExport.ACTIONS: "actions",
    OversightExport.THEMES: "figures",
    OversightExport.TIMELINESS: "figures",
}
VIEWS = (
    ("figures", Permission.READ_OVERSIGHT),
    ("actions", Permission.READ_ACTIONS_BY_CASE),
    ("audit", Permission.READ_AUDIT_LOG),
)


def sign_in_for(settings: Settings, directory: Directory) -> TabSignIn:
    """Teams SSO with the settings' keys and audiences; the development sign-in only in anonymous development mode."""
    if settings.anonymous:
        return DevelopmentSignIn(directory, tenant_id=settings.home_tenant)
    return TeamsSso(
        SigningKeys(settings.sso_metadata_url),
        app_id=settings.app_id,
        app_id_uri=settings.sso_app_id_uri,
        allowed_tenants=settings.allowed_tenants,
    )


def _json(status: int, body: object, **headers: str) -> web.Response:
    return web.json_response(
        body, status=status, headers={**NO_STORE, "Content-Security-Policy": API_POLICY, **headers}
    )


def _html(fragment: str) -> web.Response:
    return web.Response(
        text=fragment,
        content_type="text/html",
        charset="utf-8",
        headers={**NO_STORE, "Content-Security-Policy": API_POLICY},
    )


async def _file(table: ExportTable, export_format: ExportFormat, services: Services) -> web.Response:
    """The table as a download; rendered in a thread, as a large workbook takes a while to build."""
    name = tables.filename(table, export_format, on=services.today())
    return web.Response(
        body=await asyncio.to_thread(tables.render, table, export_format),
        headers={
            **NO_STORE,
            "Content-Security-Policy": API_POLICY,
            "Content-Type": tables.content_type(export_format),
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


Handler = Callable[[web.Request, Actor], Awaitable[web.StreamResponse]]


def tab_routes(services: Services, sign_in: TabSignIn) -> list[web.RouteDef]:
    """The page, its files and its API; the development sign-in's list of people only in anonymous mode."""

    def unit_of(user_id: str) -> str | None:
        return services.directory.unit_of(user_id)

    def signed_in(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Who is asking, from the Authorization header: 401 (or 503) before anything else happens."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                user = await sign_in.user(request.headers.get("Authorization"))
            except SignInRefused as refused:
                log.info("dashboard tab: sign-in refused (%s) for %s", refused.reason, request.path)
                scheme = 'Bearer realm="Rapid Debrief"'
                if request.headers.get("Authorization"):
                    scheme += ', error="invalid_token"'
                return _json(401, {"message": refused.message}, **{"WWW-Authenticate": scheme})
            except SignInUnavailable as unavailable:
                return _json(503, {"message": str(unavailable)}, **{"Retry-After": "30"})
            actor = actor_for(user, services.directory)
            try:
                return await handler(request, actor)
            except Forbidden as refused:  # already audited by the service
                return _json(403, {"message": refused.message})

        return wrapped

    development = isinstance(sign_in, DevelopmentSignIn)
    html = (STATIC / "dashboard.html").read_text(encoding="utf-8")  # read once, at start-up
    html = html.replace("{{SIGN_IN}}", "development" if development else "teams")
    html = html.replace("{{SDK_SCRIPT}}", "" if development else f'<script src="{SDK_PATH}" defer></script>\n')
    if not development and not TEAMS_SDK.is_file():
        log.error("dashboard tab: the Teams SDK is missing at %s: run npm install (make run does)", TEAMS_SDK)

    async def page(request: web.Request) -> web.StreamResponse:
        return web.Response(
            text=html,
            content_type="text/html",
            charset="utf-8",
            headers={**NO_STORE, "Content-Security-Policy": PAGE_POLICY},
        )

    async def static(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if name == Path(SDK_PATH).name:
            if not TEAMS_SDK.is_file():
                log.error("dashboard tab: the Teams SDK is missing at %s: run npm install (make run does)", TEAMS_SDK)
                return web.Response(status=404, text="The Teams SDK is not installed on the server.")
            return web.FileResponse(TEAMS_SDK, headers={**headers, "Content-Type": "application/javascript"})
        if name not in STATIC_FILES:
            return web.Response(status=404, text="There is no such file.", headers=headers)
        return web.FileResponse(STATIC / name, headers={**headers, "Content-Type": STATIC_FILES[name]})

    @signed_in
    async def me(request: web.Request, actor: Actor) -> web.StreamResponse:
        views = [view for view, permission in VIEWS if is_allowed(actor, permission)]
        if not views:
            # Ask the service anyway, so that the refusal is audited like any other (it refuses before reading).
            with contextlib.suppress(Forbidden):
                await oversight.figures(uow=services.uow(), actor=actor, now=services.now(), unit_of=unit_of)
            return _json(403, {"message": NO_VIEW})
        exports = [
            {"kind": kind.value, "label": EXPORT_LABELS[kind], "view": EXPORT_VIEWS[kind]}
            for kind in OversightExport
            if is_allowed(actor, kind.permission) and EXPORT_VIEWS[kind] in views
        ]
        return _json(
            200,
            {
                "name": actor.name,
                "views": views,
                "exports": exports,
                "auditExport": is_allowed(actor, Permission.EXPORT_AUDIT_LOG),
            },
        )

    @signed_in
    async def figures(request: web.Request, actor: Actor) -> web.StreamResponse:
        found = await oversight.figures(uow=services.uow(), actor=actor, now=services.now(), unit_of=unit_of)
        return _html(figures_view(found))

    @signed_in
    async def actions(request: web.Request, actor: Actor) -> web.StreamResponse:
        lines = await oversight.actions_by_case(uow=services.uow(), actor=actor, now=services.now(), unit_of=unit_of)
        return _html(actions_view(lines))

    @signed_in
    async def export(request: web.Request, actor: Actor) -> web.StreamResponse:
        try:
            kind = OversightExport(request.match_info["kind"])
        except ValueError:
            return _json(404, {"message": "There is no such export."})
        export_format = _format(request.query.get("format", ""))
        if export_format is None and is_allowed(actor, kind.permission):
            return _json(400, {"message": "Choose the format: format=xlsx (Excel) or format=csv."})
        # Anyone else is refused by the service (and audited), whatever the format.
        table = await oversight.export(uow=services.uow(), actor=actor, now=services.now(), kind=kind, unit_of=unit_of)
        assert export_format is not None
        return await _file(table, export_format, services)

    async def _audit_query(actor: Actor, form: dict[str, str]) -> audit_search.AuditQuery | web.Response:
        """The filters, or 422 with a message per field; someone who may not search is refused (and audited)."""
        try:
            return audit_search.parse_query(form)
        except InvalidInput as bad:
            if not is_allowed(actor, Permission.READ_AUDIT_LOG):
                await audit_search.search(
                    uow=services.uow(), actor=actor, now=services.now(), query=audit_search.AuditQuery()
                )
            return _json(422, {"field_errors": bad.field_errors})

    @signed_in
    async def audit(request: web.Request, actor: Actor) -> web.StreamResponse:
        form = await _form(request)
        query = await _audit_query(actor, form)
        if isinstance(query, web.Response):
            return query
        raw_page = form.get("page", "1")
        page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 1_000_000 else 1
        try:
            found = await audit_search.search(
                uow=services.uow(), actor=actor, now=services.now(), query=query, page=page
            )
        except InvalidInput as bad:
            return _json(422, {"field_errors": bad.field_errors})
        return _html(audit_view(found))

    @signed_in
    async def audit_export(request: web.Request, actor: Actor) -> web.StreamResponse:
        form = await _form(request)
        query = await _audit_query(actor, form)
        if isinstance(query, web.Response):
            return query
        export_format = _format(form.get("format", ""))
        if export_format is None and is_allowed(actor, Permission.EXPORT_AUDIT_LOG):
            return _json(400, {"message": "Choose the format: xlsx (Excel) or csv."})
        try:
            table = await audit_search.export(uow=services.uow(), actor=actor, now=services.now(), query=query)
        except InvalidInput as bad:
            return _json(422, {"field_errors": bad.field_errors})
        assert export_format is not None  # the service refused anyone else
        return await _file(table, export_format, services)

    routes = [
        web.get("/tab/dashboard", page),
        web.get("/tab/static/{name}", static),
        web.get("/tab/api/me", me),
        web.get("/tab/api/figures", figures),
        web.get("/tab/api/actions", actions),
        web.get("/tab/api/exports/{kind}", export),
        web.post("/tab/api/audit", audit),
        web.post("/tab/api/audit/export", audit_export),
    ]
    if isinstance(sign_in, DevelopmentSignIn):
        chooser: DevelopmentSignIn = sign_in

        async def people(request: web.Request) -> web.StreamResponse:
            """Development only: whom the sign-in offers (fictional people of the development directory)."""
            return _json(
                200,
                [
                    {"id": d.person.user_id, "name": d.person.name, "roles": sorted(r.value for r in d.roles)}
                    for d in chooser.people()
                ],
            )

        routes.append(web.get("/tab/dev/people", people))
    return routes


def _format(raw: str) -> ExportFormat | None:
    try:
        return ExportFormat(raw.strip().lower())
    except ValueError:
        return None


async def _form(request: web.Request) -> dict[str, str]:
    """The audit search's filters, sent as a JSON object in the body: never in the address, where access logs and
    proxies would keep the person searched for. Anything that is not text is read as empty."""
    try:
        body = await request.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return {key: value for key, value in body.items() if isinstance(key, str) and isinstance(value, str)}
