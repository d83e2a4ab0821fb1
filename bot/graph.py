"""Microsoft Graph, as the bot needs it: the app's own token (msal, client credentials), two reads and two writes.

* `group_users(group_id)`: the users in an Entra ID group, nested groups included
  (`GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user`);
* `guest_users()`: every guest account of the tenant (`GET /v1.0/users?$filter=userType eq 'Guest'`), so that a
  guest who is in none of the configured groups is still known to be a guest;
* `post_json(path, body)` and `patch_json(path, body)`: a JSON object sent, a JSON object answered (the Teams
  online meetings of bot/online_meetings.py).

The reads follow `@odata.nextLink` paging. 429 and 503/504 are retried after `Retry-After` seconds (or an
exponential backoff when there is none), a bounded number of times and never waiting longer than a cap; a 401
`InvalidAuthenticationToken` (the token expired or was revoked) drops msal's cached token and retries once with a
fresh one; anything else is a GraphError with the status, Graph's error code and (when Graph asked for one) the
Retry-After seconds. Writes follow the same rules with two differences: a POST, which is not idempotent, is retried
only when Graph cannot have acted on it (429, 503, or a connection that was never made), and a write is not sent
again sooner than Graph asked: a Retry-After longer than the cap is a GraphError for the caller to retry later
(the outbox dispatcher does, without holding up other messages). Tokens never appear in logs or in errors.

msal's calls block (requests), so they run in a worker thread. msal keeps the token in its in-memory cache and
returns it until shortly before it expires. The authority is the one the settings name and nothing else: instance
discovery (a call to login.microsoftonline.com to learn aliases of the authority) is turned off, which also lets
tests point the authority at a local server.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import ssl
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import msal
import requests
from requests.adapters import HTTPAdapter
from yarl import URL

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
"""Client credentials ask for the app's application permissions on Graph as a whole."""
USER_FIELDS = ("id", "displayName", "userType", "companyName", "mail", "department")
PAGE_SIZE = 999
"""The largest page Graph serves for directory objects."""
MAX_PAGES = 1000
GUESTS_FILTER = quote("userType eq 'Guest'", safe="")
RETRIED_STATUSES = frozenset({429, 503, 504})
NOT_ACTED_ON = frozenset({429, 503})
"""Answers after which Graph has not acted on a request, so that even a POST may be sent again."""


class GraphError(Exception):
    """Microsoft Graph (or the identity platform) refused or could not be reached. Never carries a token."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str = "",
        request_id: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after
        """Seconds Graph asked the caller to wait before trying again (429, 503), when it said."""
        detail = f": {message}" if message else ""
        where = f" (request-id {request_id})" if request_id else ""
        super().__init__(f"HTTP {status} {code}{detail}{where}" if status else f"{code}{detail}")


@dataclass(frozen=True)
class GraphUser:
    """A user as the directory reads it; `user_type` is "Member", "Guest" or "" (Graph may say null)."""

    id: str
    display_name: str
    user_type: str
    company_name: str | None
    mail: str | None
    department: str | None = None
    """The user's unit, as Entra ID records it (for counting actions by owner's unit)."""

    @property
    def is_guest(self) -> bool:
        return self.user_type.casefold() == "guest"

    @classmethod
    def from_graph(cls, raw: dict[str, Any]) -> GraphUser | None:
        user_id = raw.get("id")
        if not isinstance(user_id, str) or not user_id:
            return None

        def text(name: str) -> str | None:
            value = raw.get(name)
            return value.strip() if isinstance(value, str) and value.strip() else None

        return cls(
            id=user_id.lower(),
            display_name=text("displayName") or "",
            user_type=text("userType") or "",
            company_name=text("companyName"),
            mail=text("mail"),
            department=text("department"),
        )


Sleep = Callable[[float], Awaitable[None]]


class GraphClient:
    """One app registration's view of one tenant's directory. Create it anywhere; it connects on first use."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        authority_url: str,
        graph_url: str = "https://graph.microsoft.com",
        ca_file: Path | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 4,
        max_retry_wait_s: float = 60.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._authority_url = authority_url.rstrip("/")
        self._graph_url = graph_url.rstrip("/")
        self._ca_file = ca_file
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self._max_retry_wait_s = max_retry_wait_s
        self._sleep = sleep
        self._app: msal.ConfidentialClientApplication | None = None
        self._token_lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never the secret
        return f"GraphClient(client_id={self._client_id!r}, graph_url={self._graph_url!r})"

    # --- the reads ------------------------------------------------------------------------------------------

    async def group_users(self, group_id: str) -> list[GraphUser]:
        """Everyone in the group, through nested groups too; users only (devices, apps and groups are left out)."""
        url = (
            f"{self._graph_url}/v1.0/groups/{quote(group_id, safe='')}/transitiveMembers/microsoft.graph.user"
            f"?$select={','.join(USER_FIELDS)}&$top={PAGE_SIZE}"
        )
        return await self._users(url)

    async def guest_users(self) -> list[GraphUser]:
        """Every guest account in the tenant (userType eq 'Guest' is a filter Graph supports without $count)."""
        url = f"{self._graph_url}/v1.0/users?$filter={GUESTS_FILTER}&$select={','.join(USER_FIELDS)}&$top={PAGE_SIZE}"
        return await self._users(url)

    # --- the writes -----------------------------------------------------------------------------------------

    async def post_json(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        max_retries: int | None = None,
        max_retry_wait_s: float | None = None,
    ) -> dict[str, Any]:
        """POST a JSON object to `path` (from /v1.0/, its segments already quoted); Graph's answer (200 or 201).

        Not idempotent: sent again only after 429, 503 or a connection that was never made. `max_retries` and
        `max_retry_wait_s` override the client's for this call (a caller that must not wait long passes small ones)."""
        return await self._request(
            "POST",
            self._write_url(path),
            body,
            idempotent=False,
            max_retries=max_retries,
            max_retry_wait_s=max_retry_wait_s,
        )

    async def patch_json(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        max_retries: int | None = None,
        max_retry_wait_s: float | None = None,
    ) -> dict[str, Any]:
        """PATCH `path` with a JSON object (the same body twice has the same effect, so it is retried like a read);
        Graph's answer (200, or 204 as an empty object)."""
        return await self._request(
            "PATCH",
            self._write_url(path),
            body,
            idempotent=True,
            max_retries=max_retries,
            max_retry_wait_s=max_retry_wait_s,
        )

    def _write_url(self, path: str) -> str:
        if not path.startswith("/v1.0/") or "?" in path or "#" in path:
            raise ValueError("a Graph path starts with /v1.0/ and has no query")
        return f"{self._graph_url}{path}"

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- paging, retries, tokens ----------------------------------------------------------------------------

    async def _users(self, url: str) -> list[GraphUser]:
        users: list[GraphUser] = []
        for raw in await self._collection(url):
            if isinstance(raw, dict) and (user := GraphUser.from_graph(raw)) is not None:
                users.append(user)
        return users

    async def _collection(self, url: str) -> list[Any]:
        items: list[Any] = []
        next_url: str | None = url
        pages = 0
        while next_url is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise GraphError(0, "TooManyPages", f"more than {MAX_PAGES} pages")
            page = await self._get(next_url)
            value = page.get("value")
            if not isinstance(value, list):
                raise GraphError(200, "UnexpectedResponse", "a collection without a value")
            items.extend(value)
            link = page.get("@odata.nextLink")
            if link is None:
                next_url = None
            elif isinstance(link, str) and link.startswith(f"{self._graph_url}/"):
                next_url = link
            else:  # the token goes only where Graph lives
                raise GraphError(200, "UnexpectedNextLink", "a next page outside the Graph address")
        return items

    async def _get(self, url: str) -> dict[str, Any]:
        return await self._request("GET", url)

    async def _request(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None = None,
        *,
        idempotent: bool = True,
        max_retries: int | None = None,
        max_retry_wait_s: float | None = None,
    ) -> dict[str, Any]:
        session = self._http()
        retries = self._max_retries if max_retries is None else max_retries
        cap = self._max_retry_wait_s if max_retry_wait_s is None else max_retry_wait_s
        writing = method != "GET"
        token_renewed = False
        attempt = 0
        while True:
            token = await self._token()
            headers = {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "client-request-id": str(uuid.uuid4()),
            }
            try:
                async with session.request(
                    method, URL(url, encoded=True), headers=headers, json=body, allow_redirects=False
                ) as response:
                    status = response.status
                    retry_after = response.headers.get("Retry-After")
                    request_id = response.headers.get("request-id")
                    answer = await _json(response)
            except (aiohttp.ClientError, TimeoutError) as error:
                never_sent = isinstance(error, aiohttp.ClientConnectorError)
                if attempt < retries and (idempotent or never_sent):
                    attempt += 1
                    await self._sleep(self._backoff(attempt, cap))
                    continue
                raise GraphError(0, "Unreachable", type(error).__name__) from None
            if status in (200, 201) and isinstance(answer, dict):
                return answer
            if status == 204 and writing:
                return {}
            code, message = _graph_error(answer)
            asked = _seconds(retry_after)
            retried = RETRIED_STATUSES if idempotent else NOT_ACTED_ON
            if status in retried and attempt < retries and not (writing and asked is not None and asked > cap):
                attempt += 1
                wait = self._wait(retry_after, attempt, cap)
                log.info("Microsoft Graph answered %s %s; retrying in %.1f s", status, code, wait)
                await self._sleep(wait)
                continue
            if status == 401 and code == "InvalidAuthenticationToken" and not token_renewed:
                token_renewed = True
                log.info("Microsoft Graph refused the app's token (%s); getting a new one", code)
                await self._forget_token()
                continue
            raise GraphError(
                status,
                code or "UnexpectedResponse",
                message,
                request_id,
                retry_after=asked if status in RETRIED_STATUSES else None,
            )

    def _wait(self, retry_after: str | None, attempt: int, cap: float) -> float:
        """Retry-After seconds (what Graph sends) capped; an exponential backoff when there is none."""
        asked = _seconds(retry_after)
        if asked is not None:
            return min(asked, cap)
        return self._backoff(attempt, cap)

    def _backoff(self, attempt: int, cap: float) -> float:
        return min(cap, 2.0 ** (attempt - 1)) * random.uniform(0.8, 1.0)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            context = ssl.create_default_context(cafile=str(self._ca_file) if self._ca_file else None)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=context, limit=8),
                timeout=aiohttp.ClientTimeout(total=self._timeout_s, connect=min(10.0, self._timeout_s)),
            )
        return self._session

    async def _token(self) -> str:
        async with self._token_lock:
            return await asyncio.to_thread(self._acquire_token)

    async def _forget_token(self) -> None:
        async with self._token_lock:
            await asyncio.to_thread(self._remove_cached_token)

    def _msal(self) -> msal.ConfidentialClientApplication:
        """Built on first use, in the worker thread: msal reads the authority's OpenID configuration right away."""
        if self._app is None:
            try:
                self._app = msal.ConfidentialClientApplication(
                    self._client_id,
                    client_credential=self._client_secret,
                    authority=self._authority_url,
                    instance_discovery=False,
                    http_client=_IdentitySession(ca_file=self._ca_file, timeout_s=self._timeout_s),
                    token_cache=msal.TokenCache(),
                )
            except ValueError as error:  # msal's words for an authority it cannot use; no secret in them
                raise GraphError(0, "AuthorityUnavailable", str(error).splitlines()[0][:300]) from None
            except Exception as error:  # noqa: BLE001 - requests' connection errors, and whatever else msal raises
                raise GraphError(0, "AuthorityUnreachable", type(error).__name__) from None
        return self._app

    def _acquire_token(self) -> str:
        app = self._msal()
        try:
            result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        except Exception as error:  # noqa: BLE001 - connection errors from requests
            raise GraphError(0, "AuthorityUnreachable", type(error).__name__) from None
        token = result.get("access_token") if isinstance(result, dict) else None
        if isinstance(token, str) and token:
            return token
        error_code = str(result.get("error", "no_token")) if isinstance(result, dict) else "no_token"
        description = str(result.get("error_description", "")) if isinstance(result, dict) else ""
        # Entra ID's descriptions name the AADSTS error and carry trace ids, never the secret or a token.
        raise GraphError(0, error_code, description.splitlines()[0][:300] if description else "")

    def _remove_cached_token(self) -> None:
        if self._app is None:
            return
        remove = getattr(self._app, "remove_tokens_for_client", None)
        if callable(remove):  # msal 1.23 and later
            remove()
        else:  # an older msal: a new application starts with an empty cache
            self._app = None


class _IdentitySession(requests.Session):
    """msal's HTTP client: a requests session with a timeout and, in tests, the local certificate authority.

    msal's own `verify=` option sets the session's default, which requests lets REQUESTS_CA_BUNDLE override
    (psf/requests#3829), so the CA file is passed with every request instead."""

    def __init__(self, *, ca_file: Path | None, timeout_s: float) -> None:
        super().__init__()
        self._ca_file = str(ca_file) if ca_file else None
        self._timeout_s = timeout_s
        adapter = HTTPAdapter(max_retries=1)  # what msal mounts on its own session: one retry on connection errors
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self._timeout_s)
        if self._ca_file is not None:
            kwargs["verify"] = self._ca_file
        response: requests.Response = super().request(method, url, *args, **kwargs)
        return response


def _seconds(retry_after: str | None) -> float | None:
    """Retry-After as Graph sends it (whole seconds); None when absent or not a number."""
    if retry_after is None:
        return None
    try:
        seconds = float(retry_after.strip())
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def _graph_error(body: Any) -> tuple[str, str]:
    """Graph's `{"error": {"code": ..., "message": ...}}`."""
    if isinstance(body, dict) and isinstance(error := body.get("error"), dict):
        code = error.get("code")
        message = error.get("message")
        return (code if isinstance(code, str) else "", message[:300] if isinstance(message, str) else "")
    return "", ""
