"""Who is looking at the dashboard tab: Teams single sign-on, validated here, and the directory's roles.

A Teams tab asks Teams for an Entra ID access token for this app (`microsoftTeams.authentication.getAuthToken()`)
and sends it with every request as `Authorization: Bearer <token>`. Nothing in it is believed until it is checked:

* signed with RS256 by a key Entra ID publishes (the JWKS named by the tenant's OpenID metadata; fetched with
  aiohttp, kept for a day, fetched again when a token names a key we have not seen, at most once a minute);
* issued by `https://login.microsoftonline.com/<tenant>/v2.0` for a tenant the bot allows (`tid` too);
* for this app: `aud` is the app id or its app id URI (api://<public host>/<app id>);
* current: `exp` and `nbf`, with two minutes' leeway for clocks that differ;
* delegated to the tab: `scp` includes `access_as_user`.

The person is the token's `oid`; their roles and name come from the directory, never from the token. Tokens are
never logged. In anonymous development mode there is no Entra ID: `DevelopmentSignIn` lets whoever runs the bot
on their own machine pick a fictional person from the development directory instead (clearly labelled on the page).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
import jwt

from bot.directory import Directory
from debrief.model import Person
from debrief.permissions import Actor, Role

log = logging.getLogger(__name__)

SCOPE = "access_as_user"
"""The delegated permission the app registration exposes for Teams to ask for on the tab's behalf."""
LEEWAY_S = 120
KEYS_MAX_AGE_S = 24 * 3600.0
"""Entra ID rolls its signing keys over weeks, announcing new ones in the JWKS well before using them."""
REFETCH_AFTER_S = 60.0
"""An unknown key id fetches the keys again, but not more often than this: a stream of made-up key ids must not
turn the bot into a load on the identity provider."""
FETCH_TIMEOUT_S = 10.0
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

NOT_SIGNED_IN = (
    "You are not signed in. Open the oversight dashboard from the Oversight tab of Rapid Debrief in Teams, which "
    "signs you in."
)
NOT_VALID = (
    "Your sign-in could not be checked, so nothing is shown. Close the tab and open it again; if this keeps "
    "happening, tell the service desk."
)
EXPIRED = "Your sign-in has expired. Reload the tab to sign in again."
OTHER_ORGANISATION = (
    "Your sign-in is from an organisation that does not use this Rapid Debrief service. Open it from your own "
    "force's Teams."
)
NO_SCOPE = (
    "Your sign-in does not give the dashboard access to Rapid Debrief (the access_as_user permission is missing). "
    "Reload the tab; if this keeps happening, ask the service desk to check the app's single sign-on set-up."
)
UNAVAILABLE = (
    "Sign-in cannot be checked just now because Microsoft's sign-in service did not answer. Try again in a minute."
)


class SignInRefused(Exception):
    """The request does not come from someone we can trust: HTTP 401. The message is plain, never the token."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        """For the log: what was wrong, in a few words, with nothing from the token."""


class SignInUnavailable(Exception):
    """The signing keys could not be read (and none are known): HTTP 503, try again later."""


@dataclass(frozen=True)
class TabUser:
    """Who a valid token (or the development sign-in) says is there; roles are looked up separately."""

    tenant_id: str
    user_id: str
    token_name: str | None = None
    """The token's `name` claim: shown only if the directory has no name for them."""


class KeySource(Protocol):
    """Where the identity provider's public keys come from (SigningKeys reads them over HTTP)."""

    async def key(self, kid: str) -> Any | None: ...

    async def close(self) -> None: ...


class TabSignIn(Protocol):
    async def user(self, authorization: str | None) -> TabUser:
        """The person behind an Authorization header; raises SignInRefused or SignInUnavailable."""
        ...

    async def close(self) -> None: ...


def actor_for(user: TabUser, directory: Directory) -> Actor:
    """The person as the process sees them: the directory's roles and name (the token's name only as a fallback)."""
    name = directory.name_for(user.user_id) or user.token_name or "Unknown user"
    return Actor(tenant_id=user.tenant_id, user_id=user.user_id, name=name, roles=directory.roles_for(user.user_id))


def _fetchable(url: str) -> bool:
    """https, or http to this machine only (tests' local identity provider)."""
    parts = urlsplit(url)
    return bool(parts.hostname) and (
        parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"))
    )


class SigningKeys:
    """The identity provider's public keys by key id, read from its OpenID metadata and JWKS, and kept in memory."""

    def __init__(
        self,
        metadata_url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_age_s: float = KEYS_MAX_AGE_S,
        refetch_after_s: float = REFETCH_AFTER_S,
        timeout_s: float = FETCH_TIMEOUT_S,
    ) -> None:
        self.metadata_url = metadata_url
        self._clock = clock
        self._max_age_s = max_age_s
        self._refetch_after_s = refetch_after_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._keys: dict[str, Any] | None = None
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0
        """How many times the keys were read (tests check the cache with it)."""

    async def key(self, kid: str) -> Any | None:
        """The public key `kid` names, or None if the provider does not publish it."""
        async with self._lock:  # one fetch at a time; those waiting then find the keys it read
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at > self._max_age_s
            unknown = self._keys is None or kid not in self._keys
            may_fetch = self._tried_at is None or now - self._tried_at >= self._refetch_after_s
            if stale or (unknown and may_fetch):
                await self._refresh()
            if self._keys is None:
                raise SignInUnavailable(UNAVAILABLE)
            return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._tried_at = self._clock()
        try:
            keys = await self._read()
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as error:
            # Keep the keys we had: a short outage of the provider must not sign everyone out.
            log.warning("tab sign-in: cannot read the signing keys from %s (%s)", self.metadata_url, error)
            return
        self._keys = keys
        self._fetched_at = self._tried_at
        self.fetches += 1

    async def _read(self) -> dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        async with self._session.get(self.metadata_url) as response:
            response.raise_for_status()
            metadata = json.loads(await response.text())
        jwks_uri = str(metadata["jwks_uri"])
        if not _fetchable(jwks_uri):
            raise ValueError("the metadata's jwks_uri is not an https address")
        async with self._session.get(jwks_uri) as response:
            response.raise_for_status()
            jwks = json.loads(await response.text())
        keys: dict[str, Any] = {}
        for jwk in jwks["keys"]:
            if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig" or not jwk.get("kid"):
                continue
            try:
                keys[str(jwk["kid"])] = jwt.PyJWK(jwk, algorithm="RS256").key
            except jwt.PyJWTError:
                log.warning("tab sign-in: key %s of the JWKS is not a usable RSA key; ignored", jwk.get("kid"))
        return keys

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class TeamsSso:
    """Validates the tab's Entra ID access tokens (see the module's docstring for every check)."""

    def __init__(self, keys: KeySource, *, app_id: str, app_id_uri: str, allowed_tenants: frozenset[str]) -> None:
        self._keys = keys
        self._audiences = [a for a in (app_id, app_id_uri) if a]
        self._tenants = frozenset(t.lower() for t in allowed_tenants)

    async def user(self, authorization: str | None) -> TabUser:
        token = _bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise SignInRefused(NOT_VALID, "not a JWT") from None
        if header.get("alg") != "RS256":
            raise SignInRefused(NOT_VALID, "not RS256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise SignInRefused(NOT_VALID, "no key id")
        key = await self._keys.key(kid)
        if key is None:
            raise SignInRefused(NOT_VALID, "a key the provider does not publish")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._audiences,
                leeway=LEEWAY_S,
                options={"require": ["exp", "nbf", "iss", "aud", "tid", "oid"]},
            )
        except jwt.ExpiredSignatureError:
            raise SignInRefused(EXPIRED, "expired") from None
        except jwt.ImmatureSignatureError:
            raise SignInRefused(NOT_VALID, "not yet valid") from None
        except jwt.InvalidAudienceError:
            raise SignInRefused(NOT_VALID, "for another app") from None
        except jwt.PyJWTError as error:
            raise SignInRefused(NOT_VALID, type(error).__name__) from None
        return self._user(claims)

    def _user(self, claims: Mapping[str, Any]) -> TabUser:
        tenant = str(claims["tid"]).lower()
        if tenant not in self._tenants:
            raise SignInRefused(OTHER_ORGANISATION, "a tenant that is not allowed")
        if claims["iss"] != f"https://login.microsoftonline.com/{tenant}/v2.0":
            raise SignInRefused(NOT_VALID, "an issuer that is not the tenant's v2.0 issuer")
        scopes = claims.get("scp")
        if not isinstance(scopes, str) or SCOPE not in scopes.split():
            raise SignInRefused(NO_SCOPE, "without the access_as_user scope")
        user_id = str(claims["oid"]).lower()
        if not _GUID.fullmatch(user_id):
            raise SignInRefused(NOT_VALID, "an oid that is not an object id")
        name = claims.get("name")
        return TabUser(tenant_id=tenant, user_id=user_id, token_name=name if isinstance(name, str) else None)

    async def close(self) -> None:
        await self._keys.close()


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise SignInRefused(NOT_SIGNED_IN, "no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SignInRefused(NOT_SIGNED_IN, "not a bearer token")
    return token.strip()


DEVELOPMENT_SCHEME = "Development"


@dataclass(frozen=True)
class DevelopmentPerson:
    person: Person
    roles: frozenset[Role]


class DevelopmentSignIn:
    """Anonymous development mode only (no app id, so no Entra ID): pick a person from the development directory.

    The page asks whoever runs `make run` which fictional person to be and sends `Authorization: Development <id>`.
    It proves nothing, exactly like the anonymous bot itself, and exists only in that mode: with an app id the
    routes that offer it are not there and this scheme is refused like any other bad header.
    """

    def __init__(self, directory: Directory, *, tenant_id: str) -> None:
        self._directory = directory
        self._tenant_id = tenant_id

    def people(self) -> list[DevelopmentPerson]:
        """Everyone the directory lists, by name: whom the development sign-in offers."""
        found: dict[str, Person] = {}
        for role in Role:
            found.update(self._directory.people_with(role))
        found.update(self._directory.officers())
        return sorted(
            (DevelopmentPerson(p, self._directory.roles_for(uid)) for uid, p in found.items()),
            key=lambda d: d.person.name,
        )

    async def user(self, authorization: str | None) -> TabUser:
        if not authorization:
            raise SignInRefused(NOT_SIGNED_IN, "no Authorization header")
        scheme, _, user_id = authorization.strip().partition(" ")
        listed = {d.person.user_id for d in self.people()}
        if scheme != DEVELOPMENT_SCHEME or user_id.strip() not in listed:
            raise SignInRefused(
                "Choose who you are from the development sign-in (development mode has no Teams sign-in).",
                "not a development sign-in",
            )
        return TabUser(tenant_id=self._tenant_id, user_id=user_id.strip())

    async def close(self) -> None:
        return None
