"""A local Entra ID for the dashboard tab's single sign-on: OpenID metadata, a JWKS, and access tokens signed with it.

The bot reads the metadata named by DEBRIEF_SSO_METADATA_URL with aiohttp, so the provider could live on any loop;
it runs in a thread (like tests/support/jwks.py's) so that the same provider serves an in-process bot, a bot in
another process and a browser test alike. Tokens carry what Teams' getAuthToken() gives a tab: a v2.0 access token
for the app (aud = the app id), from the force's tenant (iss, tid), for one person (oid, name), with the scope the
app exposes (scp = access_as_user). Every argument of `token()` exists to make one of those wrong.
"""

from __future__ import annotations

import enum
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from debrief.model import Person
from tests.support.bot_server import development_env
from tests.support.people import BOT_ID, OTHER_TENANT, TENANT

KID = "entra-test-key-1"
PUBLIC_HOST = "debrief.example.test"
APP_ID_URI = f"api://{PUBLIC_HOST}/{BOT_ID}"
APP_PASSWORD = "fictional-test-secret-not-a-real-password"
OTHER_APP_ID = "00000000-0000-4000-8000-0000000000ff"


def issuer(tenant: str = TENANT) -> str:
    return f"https://login.microsoftonline.com/{tenant}/v2.0"


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": kid, "use": "sig", "kty": "RSA"})
    return jwk


class BadToken(enum.Enum):
    """Ways the tab's Authorization header can be wrong; each must be refused with HTTP 401."""

    NO_HEADER = "no Authorization header"
    NOT_A_JWT = "Bearer not-a-jwt"
    BASIC_SCHEME = "Basic scheme"
    DEVELOPMENT_SCHEME = "the development sign-in's header, outside development"
    BAD_SIGNATURE = "signed with a key the provider does not publish"
    UNKNOWN_KID = "a key id the provider does not publish"
    HS256 = "HS256-signed"
    UNSIGNED = "alg none"
    WRONG_AUDIENCE = "for another app"
    WRONG_ISSUER = "issued by someone else"
    ISSUER_OF_ANOTHER_TENANT = "issuer of another tenant than its tid"
    OTHER_TENANT = "from a tenant that is not allowed"
    V1_ISSUER = "a v1.0 issuer (sts.windows.net)"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet valid"
    NO_SCOPE = "without the access_as_user scope"
    OTHER_SCOPE = "for another scope only"
    NO_OID = "without an oid"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class EntraTokens:
    """The signing keys of a (fictional) Entra ID and tokens signed with them; no server (see LocalEntra)."""

    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=lambda: {KID: _new_key()})
    """Published keys by key id; publish() adds one (a key rollover)."""
    untrusted_key: rsa.RSAPrivateKey = field(default_factory=_new_key)

    def public_keys(self) -> dict[str, Any]:
        """The published keys as the bot holds them once read from the JWKS."""
        return {kid: key.public_key() for kid, key in self.keys.items()}

    def publish(self, kid: str) -> rsa.RSAPrivateKey:
        """A new signing key in the JWKS, as Entra ID announces one before it signs with it."""
        key = _new_key()
        self.keys[kid] = key
        return key

    def token(
        self,
        person: Person | str,
        *,
        tenant: str = TENANT,
        iss: str | None = None,
        audience: str = BOT_ID,
        scope: str | None = "access_as_user",
        kid: str = KID,
        key: rsa.RSAPrivateKey | None = None,
        lifetime_s: int = 3600,
        starts_in_s: int = 0,
        extra: Mapping[str, Any] | None = None,
        without: tuple[str, ...] = (),
    ) -> str:
        """An access token as Teams' getAuthToken() would hand the tab."""
        user_id, name = (person, None) if isinstance(person, str) else (person.user_id, person.name)
        now = int(time.time()) + starts_in_s
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": iss or issuer(tenant),
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + lifetime_s,
            "azp": "5e3ce6c0-2b1f-4285-8d4b-75ee78787346",  # Teams on the web (a public client id)
            "name": name or "Someone",
            "oid": user_id,
            "preferred_username": "someone@force.example",
            "scp": scope,
            "sub": secrets.token_urlsafe(16),
            "tid": tenant,
            "ver": "2.0",
        }
        claims.update(extra or {})
        for claim in (*without, *(("scp",) if scope is None else ())):
            claims.pop(claim, None)
        return jwt.encode(claims, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})

    def header(self, person: Person | str, **token_args: Any) -> str:
        return f"Bearer {self.token(person, **token_args)}"

    def bad_header(self, bad: BadToken, person: Person) -> str | None:
        """The Authorization header for `bad` (None: no header at all)."""
        match bad:
            case BadToken.NO_HEADER:
                return None
            case BadToken.NOT_A_JWT:
                return "Bearer not-a-jwt"
            case BadToken.BASIC_SCHEME:
                return "Basic eHl6OnBhc3N3b3Jk"
            case BadToken.DEVELOPMENT_SCHEME:
                return f"Development {person.user_id}"
            case BadToken.BAD_SIGNATURE:
                return self.header(person, key=self.untrusted_key)
            case BadToken.UNKNOWN_KID:
                return self.header(person, kid="rotated-away", key=self.untrusted_key)
            case BadToken.HS256:
                claims = jwt.decode(self.token(person), options={"verify_signature": False})
                return "Bearer " + jwt.encode(claims, secrets.token_bytes(64), algorithm="HS256", headers={"kid": KID})
            case BadToken.UNSIGNED:
                claims = jwt.decode(self.token(person), options={"verify_signature": False})
                return "Bearer " + jwt.encode(claims, None, algorithm="none", headers={"kid": KID})
            case BadToken.WRONG_AUDIENCE:
                return self.header(person, audience=OTHER_APP_ID)
            case BadToken.WRONG_ISSUER:
                return self.header(person, iss="https://login.someone-else.test/v2.0")
            case BadToken.ISSUER_OF_ANOTHER_TENANT:
                return self.header(person, iss=issuer(OTHER_TENANT))
            case BadToken.OTHER_TENANT:
                return self.header(person, tenant=OTHER_TENANT)
            case BadToken.V1_ISSUER:
                return self.header(person, iss=f"https://sts.windows.net/{TENANT}/")
            case BadToken.EXPIRED:
                return self.header(person, starts_in_s=-7200, lifetime_s=3600)  # expired an hour ago
            case BadToken.NOT_YET_VALID:
                return self.header(person, starts_in_s=3600)
            case BadToken.NO_SCOPE:
                return self.header(person, scope=None)
            case BadToken.OTHER_SCOPE:
                return self.header(person, scope="User.Read")
            case BadToken.NO_OID:
                return self.header(person, without=("oid",))
        raise AssertionError(bad)


@dataclass
class LocalEntra(EntraTokens):
    """OpenID metadata and a JWKS on a loopback port, in a thread, serving the keys tokens are signed with."""

    server: ThreadingHTTPServer | None = None
    fetches: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/{TENANT}/v2.0/.well-known/openid-configuration"

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


def start_local_entra() -> LocalEntra:
    """A provider of its own (keys, port and fetch log), stopped with stop()."""
    entra = LocalEntra()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            entra.fetches.append(self.path)
            base = f"http://{self.headers.get('Host', '127.0.0.1')}"
            if self.path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
                body: dict[str, Any] = {
                    "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
                    "authorization_endpoint": f"{base}/{TENANT}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/{TENANT}/oauth2/v2.0/token",
                    "jwks_uri": f"{base}/{TENANT}/discovery/v2.0/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            elif self.path == f"/{TENANT}/discovery/v2.0/keys":
                body = {"keys": [_jwk(key, kid) for kid, key in list(entra.keys.items())]}
            else:
                self.send_error(404)
                return
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="local-entra-id", daemon=True).start()
    entra.server = server
    return entra


def tab_env(database_url: str, entra: LocalEntra, **extra: str) -> dict[str, str]:
    """Production-like settings (an app id, so the tab needs a real token) that trust only `entra`'s keys."""
    env = development_env(database_url)
    del env["DEBRIEF_ENVIRONMENT"]
    del env["DEBRIEF_DEV_BOT_ID"]
    env.update(
        {
            "MicrosoftAppId": BOT_ID,
            "MicrosoftAppPassword": APP_PASSWORD,
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": TENANT,
            "DEBRIEF_PUBLIC_URL": f"https://{PUBLIC_HOST}",
            "DEBRIEF_SSO_METADATA_URL": entra.metadata_url,
        }
    )
    env.update(extra)
    return env
