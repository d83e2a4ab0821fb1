"""Logging for operations: one JSON object per line on stderr (or today's text lines in development), every record
passed through a redaction filter, and a correlation id (the HTTP request's, and the Bot Framework activity's) so the
lines of one request can be found together.

The code avoids logging case content and tokens in the first place; the redaction here is belt and braces for what
slips through (a library's error message, an exception's text). Exceptions are logged as their type and a traceback
of frames only: no local values, and in JSON not the exception's message, which can carry a statement's bound
parameters (case content) from the database driver.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from aiohttp import web
from botbuilder.core import Middleware, TurnContext

from bot.settings import LogFormat

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""Today's development format."""

REDACTED = "[redacted]"

REQUEST_ID: ContextVar[str | None] = ContextVar("debrief_request_id", default=None)
"""The HTTP request being handled: the caller's X-Request-Id when it is a plain id, else one made up here."""
ACTIVITY_ID: ContextVar[str | None] = ContextVar("debrief_activity_id", default=None)
"""The Bot Framework activity whose turn is running."""

_B64 = r"[A-Za-z0-9_-]"
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # An Authorization header's value, whatever its scheme, as a header line, a dict's repr or a keyword.
    (
        re.compile(r"""(?i)(\bauthorization['"]?\s*[:=]\s*['"]?)(?:(?:bearer|basic|negotiate)\s+)?[^\s,;'"}]+"""),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{REDACTED}"),
    # A JWT (its header is JSON, so base64url "eyJ…"), or any three long base64url parts joined by dots.
    (re.compile(rf"\beyJ{_B64}*\.{_B64}+\.{_B64}*"), REDACTED),
    (re.compile(rf"\b{_B64}{{16,}}\.{_B64}{{16,}}\.{_B64}{{16,}}"), REDACTED),
    # Secrets as query parameters or key=value text.
    (
        re.compile(
            r"(?i)\b(client_secret|client_assertion|password|passwd|pwd|access_token|refresh_token|id_token)"
            r"(\s*[=:]\s*)([^&\s'\",;]+)"
        ),
        rf"\1\2{REDACTED}",
    ),
    # The password in a URL's user information (a database URL).
    (re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@"), rf"\1{REDACTED}@"),
    # A single-use document link's token.
    (re.compile(r"(/documents/)[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),
)


def redact(text: str) -> str:
    """`text` with anything that looks like a token, an Authorization value or a password replaced."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """On the handler, so it sees every record (a logger's filter misses records propagated from its children):
    the message is formatted with its arguments and redacted, so neither a token in the message nor one in an
    argument gets out."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record: log what there is rather than lose it
            message = f"{record.msg!s} (could not format the arguments)"
        record.msg = redact(message)
        record.args = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_CAUSED = "\nThe above exception was the direct cause of the following exception:\n\n"
_DURING = "\nDuring handling of the above exception, another exception occurred:\n\n"


def exception_type(error: BaseException) -> str:
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def traceback_without_values(error: BaseException) -> str:
    """The frames of `error` and of the exceptions it was raised from or while handling, oldest first, with each
    exception's type and never its message or any local value."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts: list[str] = []
    for exc in reversed(chain):
        if parts:
            parts.append(_CAUSED if exc.__cause__ is not None else _DURING)
        frames = "".join(traceback.extract_tb(exc.__traceback__).format())
        parts.append(f"Traceback (most recent call last):\n{frames}{exception_type(exc)}\n")
    return "".join(parts).rstrip("\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the correlation ids at hand, and for
    an exception its type and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if (request_id := REQUEST_ID.get()) is not None:
            entry["request_id"] = request_id
        if (activity_id := ACTIVITY_ID.get()) is not None:
            entry["activity_id"] = activity_id
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["exception"] = {"type": exception_type(error), "traceback": redact(traceback_without_values(error))}
        if record.stack_info:
            entry["stack"] = redact(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RedactingTextFormatter(logging.Formatter):
    """Today's text lines, redacted as a whole (the traceback included)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(log_format: LogFormat, *, stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Replace the root logger's handlers with one on stderr in `log_format`, redacting every record."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else RedactingTextFormatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)


# --- correlation ---------------------------------------------------------------------------------------------------

_PLAIN_ID = re.compile(r"[A-Za-z0-9._:-]{8,100}")
_QUIET_ROUTES = frozenset({"/healthz", "/metrics"})
"""Polled by probes and scrapers: their request lines are logged at debug level only."""
access_log = logging.getLogger("bot.access")


def route_template(request: web.Request) -> str:
    """The route as registered (`/documents/{token}`), never the raw path, which may carry a token."""
    resource = getattr(request.match_info.route, "resource", None)
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def request_context(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Give the request an id (the caller's X-Request-Id when it is a plain id, such as the ingress's), echo it,
    and log one line for it with its route template, status and duration (instead of aiohttp's access log, whose
    raw path would carry a document link's token)."""
    offered = request.headers.get("X-Request-Id", "")
    request_id = offered if _PLAIN_ID.fullmatch(offered) else uuid.uuid4().hex
    token = REQUEST_ID.set(request_id)
    activity = ACTIVITY_ID.set(None)  # set by ActivityCorrelation during a turn; cleared with the request
    started = time.perf_counter()
    status = 500
    try:
        try:
            response = await handler(request)
        except web.HTTPException as http_error:
            status = http_error.status
            http_error.headers["X-Request-Id"] = request_id
            raise
        status = response.status
        if not response.prepared:
            response.headers["X-Request-Id"] = request_id
        return response
    finally:
        route = route_template(request)
        access_log.log(
            logging.DEBUG if route in _QUIET_ROUTES else logging.INFO,
            "%s %s %s %.3fs",
            request.method,
            route,
            status,
            time.perf_counter() - started,
        )
        ACTIVITY_ID.reset(activity)
        REQUEST_ID.reset(token)


class ActivityCorrelation(Middleware):  # type: ignore[misc]
    """Bot Framework middleware: the activity's id is in every line logged during its turn. When the turn fails the
    id stays set, so the adapter's turn error handler (called after the middleware) logs it too; the HTTP edge
    (request_context) clears it with the request."""

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        activity_id = getattr(context.activity, "id", None)
        token = ACTIVITY_ID.set(str(activity_id)[:128] if activity_id else None)
        await logic()
        ACTIVITY_ID.reset(token)
