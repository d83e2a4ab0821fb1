"""Connector calls over one shared aiohttp session instead of `requests` in the default thread pool.

Stock msrest sends every Bot Connector call with `requests` in `run_in_executor`: a new TCP connection each
time and at most min(32, cores + 4) calls in flight, so a slow connector caps the whole bot
(architecture.md, "Performance facts"). `AiohttpConnectorSender` is a drop-in msrest driver (the SDK installs
its own driver the same way for streaming, in `CloudAdapter._create_streaming_connector_client`) that keeps
what the stock driver gives callers:

- the credentials policy still signs a `requests.Session` before every call, so the bot's token is fetched
  and refreshed by the credentials exactly as before; the sender copies that session's headers;
- transient failures (connection errors, 408, 500, 502, 503, 504) are retried twice with jittered backoff,
  as msrest's urllib3 retry did; 429 and other errors are not retried here;
- failures surface as msrest exceptions: a connection error as `ClientRequestError`, an HTTP error as the
  operation's `HttpOperationError` whose `.response` is a `requests.Response` as before, with `.status_code`
  and case-insensitive `.headers` (the outbox reads Retry-After from them);
- timeout, TLS verification, client certificates, redirects and proxies (explicit, or from HTTP(S)_PROXY /
  NO_PROXY when `use_env_settings`) follow the msrest configuration.

`ReplySerializer` writes the same JSON as msrest's serializer for a reply, without rebuilding a card that
is already plain JSON.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, cast
from urllib.parse import urlsplit

import aiohttp
import requests
from botframework.connector.aiohttp_bf_pipeline import AsyncBfPipeline
from msrest.exceptions import ClientRequestError
from msrest.serialization import Serializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_abc import AsyncClientResponse
from msrest.universal_http.async_requests import AsyncRequestsClientResponse, AsyncRequestsHTTPSender
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

log = logging.getLogger(__name__)

# Headers requests would add on its own that aiohttp manages itself.
_DROPPED_SESSION_HEADERS = frozenset({"connection", "content-length", "host", "transfer-encoding"})


@dataclass(frozen=True)
class TransientRetry:
    """Retries inside one connector call: short, because a turn is waiting for it."""

    attempts: int = 3
    base_s: float = 0.2
    cap_s: float = 2.0
    statuses: frozenset[int] = frozenset({408, 500, 502, 503, 504})

    def delay(self, retry: int, retry_after: str | None) -> float | None:
        """Seconds before retry number `retry` (1-based); None when Retry-After asks for longer than `cap_s`."""
        backoff = random.uniform(self.base_s / 2, self.base_s * 2 ** (retry - 1))
        wanted = retry_after_seconds(retry_after)
        if wanted is None:
            return min(backoff, self.cap_s)
        if wanted > self.cap_s:
            return None  # the caller (the outbox, or the person) is better placed to wait that long
        return max(backoff, wanted)


def retry_after_seconds(raw: str | None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds to wait, or None when absent or unreadable."""
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


class SharedHttp:
    """The process's one aiohttp session (per event loop) for every connector client, made on first use."""

    def __init__(self, *, limit: int = 256, keepalive_s: float = 30.0) -> None:
        self._limit = limit
        self._keepalive_s = keepalive_s
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._env_proxies: dict[str, str] | None = None

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = aiohttp.TCPConnector(limit=self._limit, keepalive_timeout=self._keepalive_s)
            # trust_env stays off: proxies are chosen per request from the msrest configuration below.
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=True)
            self._loop = loop
        return self._session

    def env_proxy(self, url: str) -> str | None:
        """The proxy HTTP(S)_PROXY / NO_PROXY name for `url`, read once, as requests' trust_env would."""
        if self._env_proxies is None:
            self._env_proxies = urllib.request.getproxies_environment()
        parts = urlsplit(url)
        bypass = cast(Any, urllib.request).proxy_bypass_environment  # public, but missing from typeshed
        if not self._env_proxies or bypass(parts.hostname or "", self._env_proxies):
            return None
        return self._env_proxies.get(parts.scheme) or self._env_proxies.get("all")

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def _requests_response(raw: aiohttp.ClientResponse, body: bytes, elapsed: timedelta) -> requests.Response:
    """The answer as a fully read `requests.Response`, the type msrest and its callers were written against
    (HttpOperationError.response is this object: .status_code, case-insensitive .headers, .text)."""
    response = requests.Response()
    response.status_code = raw.status
    response.headers = CaseInsensitiveDict(raw.headers)
    response.reason = raw.reason or ""
    response.url = str(raw.url)
    response.encoding = get_encoding_from_headers(response.headers)
    response.elapsed = elapsed
    response._content = body
    response._content_consumed = True
    return response


class AiohttpConnectorSender(AsyncRequestsHTTPSender):  # type: ignore[misc]
    """msrest driver that sends over `SharedHttp`; see the module docstring for what it keeps."""

    def __init__(self, config: Any, http: SharedHttp, retry: TransientRetry | None = None) -> None:
        super().__init__(config)
        self._http = http
        self._retry = retry or TransientRetry()
        self._ssl_contexts: dict[tuple[Any, Any], ssl.SSLContext | bool] = {}

    async def send(self, request: ClientRequest, **kwargs: Any) -> AsyncClientResponse:  # type: ignore[override]
        if request.files or kwargs.get("stream_upload"):
            return await super().send(request, **kwargs)  # multipart uploads: the stock path handles them
        options: dict[str, Any] = self._configure_send(request, **kwargs)
        signed: requests.Session = (
            options.pop("session", None) or self.session
        )  # the requests.Session the credentials signed
        headers = {k: v for k, v in signed.headers.items() if k.lower() not in _DROPPED_SESSION_HEADERS}
        headers.update(options.get("headers") or {})
        timeout: Any = options.get("timeout")
        if isinstance(timeout, tuple):
            connect_s, read_s = timeout
        else:
            connect_s = read_s = timeout
        request_options: dict[str, Any] = {
            "headers": headers,
            "data": options.get("data"),
            "allow_redirects": bool(options.get("allow_redirects", True)),
            "max_redirects": int(signed.max_redirects or 10),
            "timeout": aiohttp.ClientTimeout(total=None, sock_connect=connect_s, sock_read=read_s),
            "ssl": self._ssl(options.get("verify", True), options.get("cert")),
            "proxy": self._proxy(request.url, options.get("proxies")),
        }
        return await self._send_with_retries(request, request_options)

    async def _send_with_retries(self, request: ClientRequest, options: Mapping[str, Any]) -> AsyncClientResponse:
        retry = self._retry
        for attempt in range(1, retry.attempts + 1):
            last = attempt == retry.attempts
            try:
                started = time.monotonic()
                async with self._http.session().request(request.method, request.url, **options) as raw:
                    body = await raw.read()
                elapsed = timedelta(seconds=time.monotonic() - started)
                response = AsyncRequestsClientResponse(request, _requests_response(raw, body, elapsed))
            except (aiohttp.ClientError, TimeoutError) as error:
                if last:
                    raise ClientRequestError("Error occurred in request.", inner_exception=error) from error
                log.info("connector call failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(retry.delay(attempt, None) or 0.0)
                continue
            if last or response.status_code not in retry.statuses:
                return response
            delay = retry.delay(attempt, response.headers.get("Retry-After"))
            if delay is None:
                return response
            log.info("connector answered %s; retrying in %.2fs", response.status_code, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _ssl(self, verify: Any, cert: Any) -> ssl.SSLContext | bool:
        if verify is True and not cert:
            return True
        key = (verify, cert)
        context = self._ssl_contexts.get(key)
        if context is None:
            if verify is False and not cert:
                context = False
            else:
                made = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
                if verify is False:
                    made.check_hostname = False
                    made.verify_mode = ssl.CERT_NONE
                if cert:
                    certfile, keyfile = cert if isinstance(cert, tuple) else (cert, None)
                    made.load_cert_chain(certfile, keyfile)
                context = made
            self._ssl_contexts[key] = context
        return context

    def _proxy(self, url: str, proxies: Mapping[str, str] | None) -> str | None:
        if proxies:
            parts = urlsplit(url)
            for key in (f"{parts.scheme}://{parts.hostname}", parts.scheme, "all"):
                if key in proxies:
                    return proxies[key]
        if self.config.proxies.use_env_settings:
            return self._http.env_proxy(url)
        return None


_JSON_LEAVES = frozenset({str, int, float, bool, type(None)})


def _plain_json(value: Any) -> bool:
    """True when `value` is already JSON as msrest would write it: exact dicts (str keys), lists and scalars."""
    kind = type(value)
    if kind in _JSON_LEAVES:
        return True
    if kind is dict:
        return all(type(key) is str and _plain_json(item) for key, item in value.items())
    if kind is list:
        return all(_plain_json(item) for item in value)
    return False


class ReplySerializer(Serializer):  # type: ignore[misc]
    """msrest's serializer, except that a card already in plain JSON is passed through, not rebuilt.

    An attachment's content is typed `object`, and msrest copies such a value element by element (about half
    of the CPU of serialising a reply with a card). A plain JSON tree comes out of that copy unchanged, so it
    is used as it is; anything else (models, dates, decimals, subclasses of dict) still goes through msrest.
    """

    def serialize_object(self, attr: Any, **kwargs: Any) -> Any:
        if type(attr) in (dict, list) and _plain_json(attr):
            return attr
        return super().serialize_object(attr, **kwargs)


def use_shared_session(client: Any, http: SharedHttp) -> Any:
    """Make a ConnectorClient send over `http`: rebuild its pipeline around `AiohttpConnectorSender` (the
    credentials and user agent stay) and give its operation groups the `ReplySerializer`."""
    config = client.config
    config.driver = AiohttpConnectorSender(config, http)
    config.sender = None
    config.pipeline = AsyncBfPipeline(config)
    serializer = ReplySerializer(client._serialize.dependencies)
    client._serialize = serializer
    for group in (client.conversations, client.attachments):
        group._serialize = serializer
    return client
