"""A local stand-in for the Microsoft identity platform and the few Microsoft Graph endpoints the directory reads.

Neither can be reached from the test machine, so this server speaks them as their documentation describes:

* the identity platform (what msal asks of it for client credentials):
  - `GET /{tenant}/v2.0/.well-known/openid-configuration`: the tenant's OpenID configuration (msal reads it when the
    application is built, to find the token endpoint); an unknown tenant is HTTP 400 `invalid_tenant` (AADSTS90002);
  - `POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, `client_id`, `client_secret` and
    `scope=https://graph.microsoft.com/.default`: `{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in":
    3599, "access_token": ...}`; a wrong secret is HTTP 401 `invalid_client` (AADSTS7000215), a wrong scope HTTP 400
    `invalid_scope`, another grant HTTP 400 `unsupported_grant_type`.
* Microsoft Graph v1.0:
  - `GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user`: the users in a group, nested groups flattened;
  - `GET /v1.0/users?$filter=userType eq 'Guest'`: the tenant's guests;
  both honour `$select` (plus `id`, which Graph always returns) and `$top` (1 to 999; more is HTTP 400
  `Request_UnsupportedQuery`) and page with an absolute `@odata.nextLink` carrying an opaque `$skiptoken`, at most
  `max_page_size` items a page (Graph may serve fewer items than `$top` asks for). A missing or unknown token is HTTP
  401 `InvalidAuthenticationToken` ("Access token is empty." / "Lifetime validation failed, the token is expired.")
  with a `WWW-Authenticate` header; an unknown group HTTP 404 `Request_ResourceNotFound`.
  - `POST /v1.0/users/{userId}/onlineMeetings` (app-only "Create onlineMeeting"): a JSON onlineMeeting with
    `startDateTime`, `endDateTime` (ISO 8601; without them Graph starts now and lasts an hour) and `subject`;
    `201 Created` with the onlineMeeting: `id` (base64 of `1*{organiser}*0**{chat thread}`, as Graph's are),
    `joinWebUrl`, `startDateTime`/`endDateTime` in UTC, `subject`, `participants.organizer`, `chatInfo`,
    `joinMeetingIdSettings`;
  - `PATCH /v1.0/users/{userId}/onlineMeetings/{meetingId}` ("Update onlineMeeting"): changes the properties given
    (the start and end only together, as documented); `200 OK` with the whole onlineMeeting; an id the organiser
    has no meeting under is HTTP 404 `NotFound`.
  With application permissions Graph also needs a Teams application access policy granting the app for the
  organiser (`user ID specified in the request path`): `no_access_policy()` (or `access_policy` naming only some
  users) answers HTTP 403 `General` "No application access policy found for this app." like a tenant without one.
  An organiser who is not a member user of the tenant is HTTP 404 `NotFound` (Graph's exact words for that are not
  documented; this is an assumption). POST and PATCH bodies are kept in the request log.

Tests steer it: `throttle()` answers the next Graph requests 429 (or 503) with `Retry-After`, `fail()` answers them
with an error until `heal()`, `expire_tokens()` makes every token issued so far expired, `tokens_born_expired`
makes new ones useless too. It counts what it was asked (`token_requests`, `discovery_requests`, `graph_requests`),
and keeps the online meetings made (`online_meetings`, by id).

msal accepts only an https authority, so the server speaks TLS with a certificate from a throw-away certificate
authority (`ca_file`: the bot is told to trust it with DEBRIEF_GRAPH_CA_FILE). It runs its own event loop in a
thread, since msal's requests block the thread they run in. Every person in it is fictional.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import ipaddress
import json
import secrets
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.jwks import APP_PASSWORD
from tests.support.people import BOT_ID, CASEY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TENANT, TOM

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MAX_TOP = 999
MEMBERS, USER_CAST = "transitiveMembers", "microsoft.graph.user"
DEFAULT_PAGE = 100
"""Graph's page size for directory objects when $top is not given."""

# Fictional group object ids of the demo tenant.
REVIEW_TEAM_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c001"
SIO_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c002"
WORKING_GROUP_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c003"
BOARD_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c004"
INFORMATION_MANAGER_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c005"
ADMINISTRATOR_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c006"
PARTNERS_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c007"
OFFICERS_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c008"
REVIEW_ASSISTANTS_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c009"
"""Nested in the review team's group: Casey Holt is on the review team through it."""

# Fictional people who are not in infra/directory.dev.toml.
SAM = "00000000-0000-4000-8000-0000000000b1"
"""DSupt Sam Reid: the working group's chair, also on the board."""
ALEX = "00000000-0000-4000-8000-0000000000b2"
"""Alex Moss: the information manager."""
RILEY = "00000000-0000-4000-8000-0000000000b3"
"""Riley Shaw: the service's administrator."""
JO = "00000000-0000-4000-8000-0000000000b4"
"""Jo Price, a guest from an NHS trust, whose mail domain names her agency (no companyName)."""
DEVON = "00000000-0000-4000-8000-0000000000b5"
"""Devon Hart, a guest from a housing association, in no group at all."""
CASSIE = "00000000-0000-4000-8000-0000000000b6"
"""Cassie Ward, a guest wrongly placed in the review team's group (and the partner group)."""


def _user(
    user_id: str,
    name: str,
    user_type: str | None = "Member",
    company: str | None = None,
    mail: str | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    return {
        "id": user_id,
        "displayName": name,
        "userType": user_type,
        "companyName": company,
        "mail": mail,
        "department": department,
        "userPrincipalName": f"{user_id}@force.example" if user_type == "Member" else f"{user_id}#EXT#@force.example",
        "jobTitle": None,
    }


def demo_users() -> dict[str, dict[str, Any]]:
    """The development directory's people as Entra ID would hold them, plus a few more for the rules."""
    people = [
        _user(JORDAN.user_id, JORDAN.name, mail="jordan.ellis@force.example", department="Neighbourhood Policing"),
        _user(PRIYA.user_id, PRIYA.name, mail="priya.natt@force.example", department="Public Protection Unit"),
        _user(OWEN.user_id, OWEN.name, mail="owen.marsh@force.example", department="Public Protection Unit"),
        _user(CASEY.user_id, CASEY.name, user_type=None, mail="casey.holt@force.example"),  # an old account: null
        _user(RUTH.user_id, RUTH.name, mail="ruth.okafor@force.example"),
        _user(TOM.user_id, TOM.name, mail="tom.baird@force.example", department="Force Control Room"),
        _user(MORGAN.user_id, "Morgan Lee", "Guest", company="probation service", mail="morgan.lee@probation.example"),
        _user(SAM, "DSupt Sam Reid", mail="sam.reid@force.example"),
        _user(ALEX, "Alex Moss", mail="alex.moss@force.example"),
        _user(RILEY, "Riley Shaw", mail="riley.shaw@force.example"),
        _user(JO, "Jo Price", "Guest", mail="jo.price@mh.nhs.example"),
        _user(DEVON, "Devon Hart", "Guest", company="Northtown Homes", mail="devon.hart@homes.example"),
        _user(CASSIE, "Cassie Ward", "Guest", company="Housing", mail="cassie.ward@homes.example"),
    ]
    return {p["id"]: p for p in people}


def demo_groups() -> dict[str, list[str]]:
    """Members by group; a member that is a group id is a nested group."""
    return {
        REVIEW_TEAM_GROUP: [PRIYA.user_id, OWEN.user_id, REVIEW_ASSISTANTS_GROUP, CASSIE],
        REVIEW_ASSISTANTS_GROUP: [CASEY.user_id],
        SIO_GROUP: [RUTH.user_id],
        WORKING_GROUP_GROUP: [SAM],
        BOARD_GROUP: [SAM],
        INFORMATION_MANAGER_GROUP: [ALEX],
        ADMINISTRATOR_GROUP: [RILEY],
        PARTNERS_GROUP: [MORGAN.user_id, JO, CASSIE],
        OFFICERS_GROUP: [JORDAN.user_id, TOM.user_id],
    }


PARTNER_DOMAINS = "nhs.example=NHS mental health trust,probation.example=Probation Service"


@dataclass
class GraphRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int
    at: float
    """time.monotonic() when the request arrived."""
    authorization: str | None
    body: Any = None
    """The JSON a POST or PATCH sent (None for a GET)."""


@dataclass
class _Fault:
    status: int
    code: str
    message: str
    retry_after: str | None


@dataclass
class GraphServer:
    """State and steering; the HTTP side runs in `serve()`."""

    tenant: str = TENANT
    client_id: str = BOT_ID
    client_secret: str = APP_PASSWORD
    users: dict[str, dict[str, Any]] = field(default_factory=demo_users)
    groups: dict[str, list[str]] = field(default_factory=demo_groups)
    max_page_size: int = MAX_TOP
    token_lifetime_s: int = 3599
    tokens_born_expired: bool = False
    url: str = ""
    ca_file: Path = Path()
    token_requests: int = 0
    discovery_requests: int = 0
    graph_requests: list[GraphRequest] = field(default_factory=list)
    issued_tokens: list[str] = field(default_factory=list)
    online_meetings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Online meetings made through the API, by id (each with its organiser's id under `_organiser`)."""
    access_policy: set[str] | None = None
    """Organisers the Teams application access policy grants the app for; None: granted tenant-wide (-Global)."""
    _valid_tokens: dict[str, float] = field(default_factory=dict)
    _faults: list[_Fault] = field(default_factory=list)
    _outage: _Fault | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- addresses, as the bot's settings take them -----------------------------------------------------------

    @property
    def authority_url(self) -> str:
        return f"{self.url}/{self.tenant}"

    def env(self, **extra: str) -> dict[str, str]:
        """The settings that point a bot at this server, with the demo tenant's groups."""
        env = {
            "DEBRIEF_DIRECTORY": "graph",
            "DEBRIEF_GRAPH_AUTHORITY_URL": self.authority_url,
            "DEBRIEF_GRAPH_URL": self.url,
            "DEBRIEF_GRAPH_CA_FILE": str(self.ca_file),
            "DEBRIEF_GRAPH_GROUP_REVIEW_TEAM": REVIEW_TEAM_GROUP,
            "DEBRIEF_GRAPH_GROUP_SIO": SIO_GROUP,
            "DEBRIEF_GRAPH_GROUP_WORKING_GROUP": WORKING_GROUP_GROUP,
            "DEBRIEF_GRAPH_GROUP_BOARD": BOARD_GROUP,
            "DEBRIEF_GRAPH_GROUP_INFORMATION_MANAGER": INFORMATION_MANAGER_GROUP,
            "DEBRIEF_GRAPH_GROUP_ADMINISTRATOR": ADMINISTRATOR_GROUP,
            "DEBRIEF_GRAPH_GROUP_PARTNERS": PARTNERS_GROUP,
            "DEBRIEF_GRAPH_GROUP_OFFICERS": OFFICERS_GROUP,
            "DEBRIEF_GRAPH_PARTNER_DOMAINS": PARTNER_DOMAINS,
        }
        env.update(extra)
        return env

    # --- steering ---------------------------------------------------------------------------------------------

    def throttle(self, times: int = 1, *, retry_after: int | None = 1, status: int = 429) -> None:
        """The next `times` Graph requests are throttled (429 TooManyRequests, or 503 serviceNotAvailable)."""
        code, message = (
            ("TooManyRequests", "Too many requests, please retry after some time.")
            if status == 429
            else ("serviceNotAvailable", "The service is temporarily unavailable.")
        )
        with self._lock:
            for _ in range(times):
                self._faults.append(_Fault(status, code, message, None if retry_after is None else str(retry_after)))

    def fail(self, status: int = 403, code: str = "Authorization_RequestDenied", message: str = "") -> None:
        """Every Graph request fails like this until heal()."""
        with self._lock:
            self._outage = _Fault(status, code, message or "Insufficient privileges to complete the operation.", None)

    def heal(self) -> None:
        with self._lock:
            self._outage = None
            self._faults.clear()

    def expire_tokens(self) -> None:
        """Every token issued so far has expired (as after an hour, or after the app's consent was revoked)."""
        with self._lock:
            self._valid_tokens.clear()

    def no_access_policy(self) -> None:
        """No application access policy grants the app for anyone: app-only online meeting calls get HTTP 403."""
        with self._lock:
            self.access_policy = set()

    def online_meeting_requests(self) -> list[GraphRequest]:
        with self._lock:
            return [r for r in self.graph_requests if "/onlineMeetings" in r.path]

    def graph_paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.graph_requests]

    def requests(self) -> list[GraphRequest]:
        with self._lock:
            return list(self.graph_requests)

    # --- the identity platform --------------------------------------------------------------------------------

    async def _openid_configuration(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        with self._lock:
            self.discovery_requests += 1
        if tenant != self.tenant:
            return _aad_error(
                400,
                "invalid_tenant",
                f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the "
                "correct tenant ID and are signing into the correct cloud.",
            )
        base = f"{self.url}/{tenant}"
        return web.json_response(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{self.url}/{tenant}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{self.url}/{tenant}/v2.0",
                "request_uri_parameter_supported": False,
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        form = await request.post()
        with self._lock:
            self.token_requests += 1
        if tenant != self.tenant:
            return _aad_error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return _aad_error(
                400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type."
            )
        if form.get("client_id") != self.client_id:
            return _aad_error(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found in the directory.",
            )
        if form.get("client_secret") != self.client_secret:
            return _aad_error(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                "in the request is the client secret value, not the client secret ID.",
            )
        if form.get("scope") != GRAPH_SCOPE:
            return _aad_error(
                400,
                "invalid_scope",
                f"AADSTS1002012: The provided value for scope {form.get('scope')} "
                "is not valid. Client credential flows must have a scope value with /.default suffixed.",
            )
        token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(48) + "." + secrets.token_urlsafe(32)
        with self._lock:
            self.issued_tokens.append(token)
            if not self.tokens_born_expired:
                self._valid_tokens[token] = time.time() + self.token_lifetime_s
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime_s,
                "ext_expires_in": self.token_lifetime_s,
                "access_token": token,
            }
        )

    # --- Microsoft Graph --------------------------------------------------------------------------------------

    async def _graph(self, request: web.Request) -> web.Response:
        query = {k: v for k, v in request.query.items()}
        authorization = request.headers.get("Authorization")
        body: Any = None
        if request.method in ("POST", "PATCH"):
            try:
                body = await request.json() if request.content_type == "application/json" else _NOT_JSON
            except ValueError:
                body = _NOT_JSON
        response = self._graph_answer(request, query, authorization, body)
        response.headers["request-id"] = str(uuid.uuid4())
        if client_request_id := request.headers.get("client-request-id"):
            response.headers["client-request-id"] = client_request_id
        with self._lock:
            self.graph_requests.append(
                GraphRequest(
                    request.method,
                    request.path,
                    query,
                    response.status,
                    time.monotonic(),
                    authorization,
                    None if body is _NOT_JSON else body,
                )
            )
        return response

    def _graph_answer(
        self, request: web.Request, query: dict[str, str], authorization: str | None, body: Any = None
    ) -> web.Response:
        token = authorization[len("Bearer ") :] if authorization and authorization.startswith("Bearer ") else ""
        if not token:
            return _unauthenticated("Access token is empty.")
        with self._lock:
            expires = self._valid_tokens.get(token)
            valid = expires is not None and expires > time.time()
            fault = (self._outage or (self._faults.pop(0) if self._faults else None)) if valid else None
        if not valid:
            return _unauthenticated("Lifetime validation failed, the token is expired.")
        if fault is not None:
            response = _graph_error(fault.status, fault.code, fault.message)
            if fault.retry_after is not None:
                response.headers["Retry-After"] = fault.retry_after
            return response

        # Split the path as sent, then decode each segment: an id may hold an encoded "/".
        parts = [unquote(part) for part in request.rel_url.raw_path.strip("/").split("/")]
        if parts[:2] == ["v1.0", "users"] and len(parts) in (4, 5) and parts[3] == "onlineMeetings":
            return self._online_meeting(request.method, parts[2].lower(), parts[4] if len(parts) == 5 else None, body)
        if request.method != "GET":
            return _graph_error(405, "Request_BadRequest", f"The {request.method} method is not supported here.")
        if (
            parts[:2] == ["v1.0", "groups"]
            and len(parts) == 5
            and parts[3:] == ["transitiveMembers", "microsoft.graph.user"]
        ):
            group_id = parts[2].lower()
            if group_id not in self.groups:
                return _graph_error(
                    404,
                    "Request_ResourceNotFound",
                    f"Resource '{group_id}' does not exist or one of its queried reference-property objects are not "
                    "present.",
                )
            items = [self.users[u] for u in self._transitive_users(group_id)]
        elif parts == ["v1.0", "users"]:
            if query.get("$filter") != "userType eq 'Guest'":
                return _graph_error(400, "Request_UnsupportedQuery", "Unsupported query.")
            items = [u for u in self.users.values() if (u.get("userType") or "") == "Guest"]
        else:
            return _graph_error(400, "BadRequest", f"Resource not found for the segment '{parts[-1]}'.")
        return self._page(request, query, items)

    def _online_meeting(self, method: str, organiser: str, meeting_id: str | None, body: Any) -> web.Response:
        """Create onlineMeeting (POST on the collection), createOrGet (POST on .../createOrGet, keyed by the
        required externalId: 201 when made, 200 with the one already made) and Update onlineMeeting (PATCH)."""
        create_or_get = method == "POST" and meeting_id == "createOrGet"
        if create_or_get:
            meeting_id = None
        if (method, meeting_id is None) not in (("POST", True), ("PATCH", False)):
            return _graph_error(405, "BadRequest", f"The {method} method is not supported on this resource.")
        with self._lock:
            granted = self.access_policy is None or organiser in self.access_policy
        if not granted:
            return _graph_error(403, "General", "No application access policy found for this app.")
        user = self.users.get(organiser)
        if user is None or (user.get("userType") or "Member") != "Member":
            return _graph_error(404, "NotFound", f"User '{organiser}' was not found.")
        if not isinstance(body, dict):
            return _graph_error(400, "BadRequest", "The request body is not a JSON object.")
        changes: dict[str, Any] = {}
        if "subject" in body:
            if not isinstance(body["subject"], str):
                return _graph_error(400, "BadRequest", "The subject must be a string.")
            changes["subject"] = body["subject"]
        given = [name for name in ("startDateTime", "endDateTime") if name in body]
        if method == "PATCH" and len(given) == 1:
            return _graph_error(
                400, "BadRequest", "Adjusting the start or end requires both startDateTime and endDateTime."
            )
        times: dict[str, dt.datetime] = {}
        for name in given:
            moment = _graph_datetime(body[name])
            if moment is None:
                return _graph_error(400, "BadRequest", f"The value of {name} is not a valid DateTime.")
            times[name] = moment
        if method == "POST":
            start = times.get("startDateTime", dt.datetime.now(dt.UTC))
            times = {"startDateTime": start, "endDateTime": times.get("endDateTime", start + dt.timedelta(hours=1))}
        if times and times["endDateTime"] <= times["startDateTime"]:
            return _graph_error(400, "BadRequest", "The endDateTime must be after the startDateTime.")
        changes.update({name: f"{moment:%Y-%m-%dT%H:%M:%S}.0000000Z" for name, moment in times.items()})

        with self._lock:
            if create_or_get:
                external_id = body.get("externalId")
                if not isinstance(external_id, str) or not external_id:
                    return _graph_error(400, "BadRequest", "The externalId is required.")
                made = next(
                    (
                        m
                        for m in self.online_meetings.values()
                        if m["_organiser"] == organiser and m.get("externalId") == external_id
                    ),
                    None,
                )
                if made is not None:
                    return web.json_response(self._online_meeting_json(made), status=200)
                changes["externalId"] = external_id
            if method == "POST":
                meeting = self._new_online_meeting(organiser)
                meeting.update({"subject": None, **changes})
                self.online_meetings[meeting["id"]] = meeting
                return web.json_response(self._online_meeting_json(meeting), status=201)
            assert meeting_id is not None
            existing = self.online_meetings.get(meeting_id)
            if existing is None or existing["_organiser"] != organiser:
                return _graph_error(404, "NotFound", "The online meeting was not found.")
            existing.update(changes)
            return web.json_response(self._online_meeting_json(existing), status=200)

    def _new_online_meeting(self, organiser: str) -> dict[str, Any]:
        thread = f"19:meeting_{secrets.token_urlsafe(36)}@thread.v2"
        meeting_id = base64.b64encode(f"1*{organiser}*0**{thread}".encode()).decode()
        context = quote(json.dumps({"Tid": self.tenant, "Oid": organiser}, separators=(",", ":")), safe="")
        return {
            "_organiser": organiser,
            "id": meeting_id,
            "creationDateTime": f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%S.%f}0Z",
            "joinWebUrl": f"https://teams.microsoft.com/l/meetup-join/{quote(thread, safe='')}/0?context={context}",
            "chatInfo": {"threadId": thread, "messageId": "0", "replyChainMessageId": None},
            "joinMeetingIdSettings": {
                "isPasscodeRequired": True,
                "joinMeetingId": str(secrets.randbelow(10**12)).zfill(12),
                "passcode": secrets.token_urlsafe(6),
            },
        }

    def _online_meeting_json(self, meeting: dict[str, Any]) -> dict[str, Any]:
        organiser = meeting["_organiser"]
        return {
            "@odata.context": f"{self.url}/v1.0/$metadata#users('{organiser}')/onlineMeetings/$entity",
            **{k: v for k, v in meeting.items() if not k.startswith("_")},
            "participants": {
                "organizer": {
                    "upn": self.users[organiser].get("userPrincipalName"),
                    "role": "presenter",
                    "identity": {
                        "user": {
                            "id": organiser,
                            "displayName": None,
                            "tenantId": self.tenant,
                            "identityProvider": "AAD",
                        }
                    },
                },
                "attendees": [],
            },
        }

    def _transitive_users(self, group_id: str) -> list[str]:
        found: list[str] = []
        seen_groups = {group_id}
        pending = list(self.groups[group_id])
        while pending:
            member = pending.pop(0)
            if member in self.groups:
                if member not in seen_groups:
                    seen_groups.add(member)
                    pending.extend(self.groups[member])
            elif member in self.users and member not in found:
                found.append(member)
        return found

    def _page(self, request: web.Request, query: dict[str, str], items: list[dict[str, Any]]) -> web.Response:
        try:
            top = int(query.get("$top", DEFAULT_PAGE))
        except ValueError:
            return _graph_error(400, "Request_BadRequest", f"Invalid page size specified: '{query.get('$top')}'.")
        if not 1 <= top <= MAX_TOP:
            return _graph_error(
                400,
                "Request_UnsupportedQuery",
                f"Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.",
            )
        offset = 0
        if skiptoken := query.get("$skiptoken"):
            try:
                offset = int(json.loads(base64.urlsafe_b64decode(skiptoken.encode()))["offset"])
            except (ValueError, KeyError, TypeError):
                return _graph_error(400, "Directory_ExpiredPageToken", "The specified page token value has expired.")
        size = min(top, self.max_page_size)
        selected = [s.strip() for s in query.get("$select", "").split(",") if s.strip()]
        page = [self._selected(item, selected) for item in items[offset : offset + size]]
        body: dict[str, Any] = {
            "@odata.context": f"{self.url}/v1.0/$metadata#users({','.join(selected)})",
            "value": page,
        }
        if offset + size < len(items):
            token = base64.urlsafe_b64encode(json.dumps({"offset": offset + size, "n": secrets.token_hex(4)}).encode())
            next_query = {k: v for k, v in query.items() if k != "$skiptoken"}
            next_query["$skiptoken"] = token.decode()
            encoded = urlencode(next_query, safe="$,'", quote_via=quote)
            body["@odata.nextLink"] = f"{self.url}{request.path}?{encoded}"
        return web.json_response(body)

    @staticmethod
    def _selected(item: dict[str, Any], selected: list[str]) -> dict[str, Any]:
        if not selected:
            # Without $select Graph returns a default set, which does not include companyName or userType.
            return {k: item[k] for k in ("id", "displayName", "mail", "userPrincipalName", "jobTitle")}
        return {"id": item["id"], **{k: item.get(k) for k in selected}}


_NOT_JSON = object()
"""A POST or PATCH body that is not JSON."""


def _graph_datetime(value: Any) -> dt.datetime | None:
    """Graph's DateTime: ISO 8601, with Z or an offset (none is UTC); any number of fractional digits."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    whole, dot, rest = text.partition(".")
    if dot:  # Graph sends seven fractional digits; Python reads up to six
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{whole}.{rest[: min(digits, 6)]}{rest[digits:]}" if digits else whole + rest
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _aad_error(status: int, error: str, description: str) -> web.Response:
    trace = uuid.uuid4()
    return web.json_response(
        {
            "error": error,
            "error_description": f"{description}\r\nTrace ID: {trace}\r\nCorrelation ID: {uuid.uuid4()}\r\n"
            f"Timestamp: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%SZ}",
            "error_codes": [int(description[6:].split(":")[0])] if description.startswith("AADSTS") else [],
            "timestamp": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%SZ}",
            "trace_id": str(trace),
        },
        status=status,
    )


def _graph_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {
            "error": {
                "code": code,
                "message": message,
                "innerError": {"date": f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%S}", "request-id": str(uuid.uuid4())},
            }
        },
        status=status,
    )


def _unauthenticated(message: str) -> web.Response:
    response = _graph_error(401, "InvalidAuthenticationToken", message)
    response.headers["WWW-Authenticate"] = (
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
        'client_id="00000003-0000-0000-c000-000000000000"'
    )
    return response


# --- TLS ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Certificates:
    ca_file: Path
    cert_file: Path
    key_file: Path


@functools.cache
def _certificates() -> _Certificates:
    """A throw-away certificate authority and a certificate it signs for 127.0.0.1 and localhost."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Rapid Debrief test CA (fictional)")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="debrief-graph-tls-"))
    files = _Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


# --- running it -----------------------------------------------------------------------------------------------


@contextmanager
def graph_server(**state: Any) -> Iterator[GraphServer]:
    """A fresh server (demo tenant, demo groups) on a loopback port, in its own thread, for one test."""
    server = GraphServer(**state)
    certificates = _certificates()
    server.ca_file = certificates.ca_file
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)

    app = web.Application()
    app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", server._openid_configuration)
    app.router.add_post("/{tenant}/oauth2/v2.0/token", server._token)
    app.router.add_get("/v1.0/{tail:.*}", server._graph)
    app.router.add_post("/v1.0/{tail:.*}", server._graph)
    app.router.add_patch("/v1.0/{tail:.*}", server._graph)

    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    started = threading.Event()
    port: list[int] = []

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="local-graph", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the local Graph server did not start")
    server.url = f"https://127.0.0.1:{port[0]}"
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
