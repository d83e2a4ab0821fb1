"""A local identity provider for the Bot Framework channel: OpenID metadata, a JWKS and tokens signed with it.

botbuilder validates inbound tokens against the OpenID metadata named by TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
and TO_BOT_FROM_CHANNEL_TOKEN_ISSUER, so a test that points those at this provider exercises the SDK's real
JWT validation without reaching Microsoft.

Two facts shape this module:

* botbuilder fetches the metadata with blocking `requests` calls on the event loop, so the server runs in its
  own thread (a server on the test's loop would deadlock).
* botbuilder caches the metadata and keys for the whole process, keyed by URL, and never refetches within a
  day. So there is one provider per process (`identity_provider()`), started once and never stopped, and it
  serves every key any test needs from the start.
"""

from __future__ import annotations

import enum
import functools
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from botframework.connector.auth import MicrosoftAppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from msrest.authentication import Authentication

from tests.support.bot_server import development_env
from tests.support.people import BOT_ID, TENANT

ISSUER = "https://channel.identity.debrief.test"
"""The fictional issuer of channel tokens; the bot is configured to trust only this one."""
TRUSTED_KID = "debrief-channel-key"
"""The key Teams would sign with: endorsed for msteams."""
WEBCHAT_KID = "no-endorse"
"""A genuine key of the provider whose endorsements do not include msteams."""
APP_PASSWORD = "fictional-test-secret-not-a-real-password"
OTHER_APP_ID = "00000000-0000-4000-8000-0000000000ff"
"""A fictional app id that is not this bot's."""


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey, kid: str, endorsements: list[str]) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": kid, "use": "sig", "alg": "RS256", "endorsements": endorsements})
    return jwk


class Forgery(enum.Enum):
    """Ways a token (or Authorization header) can be wrong; each must be refused with HTTP 401."""

    NO_HEADER = "no Authorization header"
    NOT_A_JWT = "Bearer not-a-jwt"
    BASIC_SCHEME = "Basic scheme"
    BAD_SIGNATURE = "signed with a key the provider does not publish"
    UNKNOWN_KID = "kid the provider does not publish"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet valid"
    WRONG_ISSUER = "wrong issuer"
    WRONG_AUDIENCE = "audience is another app"
    SERVICE_URL_MISMATCH = "serviceurl claim is another service"
    NO_SERVICE_URL = "no serviceurl claim"
    NO_MSTEAMS_ENDORSEMENT = "key not endorsed for msteams"
    HS256 = "HS256-signed"


@dataclass
class IdentityProvider:
    """OpenID metadata and a JWKS on a loopback port, in a thread, plus the keys to sign tokens."""

    server: ThreadingHTTPServer
    thread: threading.Thread
    trusted_key: rsa.RSAPrivateKey
    webchat_key: rsa.RSAPrivateKey
    untrusted_key: rsa.RSAPrivateKey
    fetches: list[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/keys"

    @property
    def issuer(self) -> str:
        return ISSUER

    def token(
        self,
        service_url: str | None,
        *,
        issuer: str = ISSUER,
        audience: str = BOT_ID,
        kid: str | None = TRUSTED_KID,
        key: rsa.RSAPrivateKey | None = None,
        algorithm: str = "RS256",
        hmac_secret: bytes | None = None,
        lifetime_s: int = 3600,
        starts_in_s: int = 0,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """A channel token as the Bot Framework would send it; every argument exists to make it wrong."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "nbf": now + starts_in_s - 60,
            "iat": now + starts_in_s - 60,
            "exp": now + starts_in_s + lifetime_s,
        }
        if service_url is not None:
            claims["serviceurl"] = service_url
        claims.update(extra or {})
        headers = {"kid": kid} if kid is not None else {}
        if algorithm.startswith("HS"):
            return jwt.encode(claims, hmac_secret or secrets.token_bytes(64), algorithm=algorithm, headers=headers)
        return jwt.encode(claims, key or self.trusted_key, algorithm=algorithm, headers=headers)

    def header(self, service_url: str, **token_args: Any) -> str:
        """A valid Authorization header for an activity whose serviceUrl is `service_url`."""
        return f"Bearer {self.token(service_url, **token_args)}"

    def forged_header(self, forgery: Forgery, service_url: str) -> str | None:
        """The Authorization header for `forgery` (None: send no header at all)."""
        match forgery:
            case Forgery.NO_HEADER:
                return None
            case Forgery.NOT_A_JWT:
                return "Bearer not-a-jwt"
            case Forgery.BASIC_SCHEME:
                return "Basic xyz"
            case Forgery.BAD_SIGNATURE:
                return self.header(service_url, key=self.untrusted_key)
            case Forgery.UNKNOWN_KID:
                return self.header(service_url, kid="rotated-away")
            case Forgery.EXPIRED:
                return self.header(service_url, starts_in_s=-7200, lifetime_s=3600)  # expired an hour ago
            case Forgery.NOT_YET_VALID:
                return self.header(service_url, starts_in_s=7200)
            case Forgery.WRONG_ISSUER:
                return self.header(service_url, issuer="https://someone-else.identity.test")
            case Forgery.WRONG_AUDIENCE:
                return self.header(service_url, audience=OTHER_APP_ID)
            case Forgery.SERVICE_URL_MISMATCH:
                return self.header("https://smba.elsewhere.test/teams/")
            case Forgery.NO_SERVICE_URL:
                return f"Bearer {self.token(None)}"
            case Forgery.NO_MSTEAMS_ENDORSEMENT:
                return self.header(service_url, kid=WEBCHAT_KID, key=self.webchat_key)
            case Forgery.HS256:
                return self.header(service_url, algorithm="HS256")
        raise AssertionError(forgery)


def _start() -> IdentityProvider:
    trusted, webchat, untrusted = _new_rsa_key(), _new_rsa_key(), _new_rsa_key()
    keys = {"keys": [_jwk(trusted, TRUSTED_KID, ["msteams"]), _jwk(webchat, WEBCHAT_KID, ["webchat"])]}
    fetches: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            fetches.append(self.path)
            base = f"http://{self.headers.get('Host', '127.0.0.1')}"  # the loopback address it was asked on
            if self.path == "/.well-known/openid-configuration":
                body: dict[str, Any] = {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{base}/authorize",
                    "jwks_uri": f"{base}/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                }
            elif self.path == "/keys":
                body = keys
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
    thread = threading.Thread(target=server.serve_forever, name="local-identity-provider", daemon=True)
    thread.start()
    return IdentityProvider(server, thread, trusted, webchat, untrusted, fetches)


@functools.cache
def identity_provider() -> IdentityProvider:
    """The process's one provider: botbuilder caches metadata per URL for the life of the process."""
    return _start()


class LocalAppCredentialsFactory(ServiceClientCredentialsFactory):
    """Authentication ON for `app_id`, but outbound calls carry no token, so nothing reaches Microsoft's login."""

    def __init__(self, app_id: str = BOT_ID) -> None:
        self.app_id = app_id

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        if app_id != self.app_id:
            raise PermissionError(f"no credentials for app {app_id!r}")
        credentials: Authentication = MicrosoftAppCredentials.empty()
        return credentials


def authenticated_env(database_url: str, provider: IdentityProvider, **extra: str) -> dict[str, str]:
    """Production-like settings (an app id, so tokens are required) that trust only `provider`."""
    env = development_env(database_url)
    del env["DEBRIEF_ENVIRONMENT"]
    del env["DEBRIEF_DEV_BOT_ID"]
    env.update(
        {
            "MicrosoftAppId": BOT_ID,
            "MicrosoftAppPassword": APP_PASSWORD,
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": TENANT,
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": provider.metadata_url,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": provider.issuer,
            "DEBRIEF_PUBLIC_URL": "https://debrief.example.test",
        }
    )
    env.update(extra)
    return env
