"""The log lines operations read: JSON one object a line, tokens and secrets redacted whatever the record carries,
exceptions as their type and frames (no local values, no message), and the correlation ids at hand."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.logs import ACTIVITY_ID, REDACTED, REQUEST_ID, configure_logging, redact

# Fictional: a well-formed JWT with a made-up payload and signature.
JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJhdWQiOiJmaWN0aW9uYWwtYm90IiwiaXNzIjoiaHR0cHM6Ly9pZHAuZXhhbXBsZS50ZXN0In0"
    ".c2lnbmF0dXJlLW9mLWEtZmljdGlvbmFsLXRva2VuLW5vdC1hLXJlYWwtb25l"
)
SECRET = "Fict1onal~Secret.Value-42"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """The root logger writing JSON into a buffer, as `python -m bot` sets it up; put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line parsed as JSON (a line that is not fails the test)."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"token {JWT} refused", "token [redacted] refused"),
        (f"Authorization: Bearer {JWT}", "Authorization: [redacted]"),
        ("{'Authorization': 'Basic ZmljdGlvbmFsOnNlY3JldA=='}", "{'Authorization': '[redacted]'}"),
        (f"sent with bearer {SECRET} to the connector", "sent with bearer [redacted] to the connector"),
        (
            f"POST https://login.example.test/token?client_id=abc&client_secret={SECRET}&scope=x",
            "POST https://login.example.test/token?client_id=abc&client_secret=[redacted]&scope=x",
        ),
        (f"connect failed password={SECRET} user=debrief", "connect failed password=[redacted] user=debrief"),
        (
            f"postgresql+asyncpg://debrief:{SECRET}@db.example.test:5432/debrief unreachable",
            "postgresql+asyncpg://debrief:[redacted]@db.example.test:5432/debrief unreachable",
        ),
        ("GET /documents/Zx8_fictional-Link-Token9 410", "GET /documents/[redacted] 410"),
        (
            "a.b.c abcdefghijklmnopqr.stuvwxyzABCDEFGHIJ.KLMNOPQRSTUVWXYZ0",
            "a.b.c [redacted]",
        ),
    ],
)
def test_tokens_and_secrets_are_redacted(text: str, kept: str) -> None:
    assert redact(text) == kept


@pytest.mark.parametrize(
    "ordinary",
    [
        "the action round found 3",
        "https://graph.microsoft.com/v1.0/groups returned 429",
        "outbox message 12: send failed with HTTP 503 (attempt 2)",
        "bot.outbox.Dispatcher._deliver",
        "RD-2026-0001 closed",
    ],
)
def test_ordinary_lines_are_left_alone(ordinary: str) -> None:
    assert redact(ordinary) == ordinary


def test_a_jwt_in_the_message_or_in_its_arguments_comes_out_redacted(output: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    log.warning(f"token {JWT} was refused")
    log.warning("token %s was refused", JWT)
    log.warning("headers %s", {"Authorization": f"Bearer {JWT}"})
    text = output.getvalue()
    assert JWT not in text
    assert JWT.split(".")[1] not in text and JWT.split(".")[2] not in text  # no part of it either
    messages = [line["message"] for line in lines(output)]
    assert messages[:2] == [f"token {REDACTED} was refused"] * 2
    assert REDACTED in messages[2]


def test_each_line_is_a_json_object_with_time_level_logger_and_message(output: io.StringIO) -> None:
    logging.getLogger("bot.outbox").info("outbox message %s sent", 7)
    logging.getLogger("storage").warning('two\nlines and "quotes" and a tab\t')
    logging.getLogger("aiohttp.server").error("non-ASCII stays readable: Ünïcode")
    parsed = lines(output)
    assert len(parsed) == 3  # the embedded newline did not split a record
    first = parsed[0]
    assert first["level"] == "INFO" and first["logger"] == "bot.outbox" and first["message"] == "outbox message 7 sent"
    stamp = datetime.fromisoformat(first["time"])
    assert stamp.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60
    assert parsed[1]["message"] == 'two\nlines and "quotes" and a tab\t'
    assert parsed[2]["level"] == "ERROR" and "Ünïcode" in parsed[2]["message"]
    assert "exception" not in first and "request_id" not in first and "activity_id" not in first


class CaseStoreError(Exception):
    """Stands for a driver error whose message carries a statement's parameters."""


def _read_case(summary: str) -> None:
    reference = "CR/100200/26"  # a local value: must not be logged
    try:
        raise KeyError(reference)
    except KeyError as missing:
        raise CaseStoreError(f"INSERT failed [parameters: ({summary!r}, {reference!r})]") from missing


def test_an_exception_logs_its_type_and_frames_without_values_or_message(output: io.StringIO) -> None:
    summary = "Victim seen at the fictional address on Larkspur Road"
    try:
        _read_case(summary)
    except CaseStoreError:
        logging.getLogger("bot.app").exception("turn failed: %s", "CaseStoreError")
    [line] = lines(output)
    assert line["message"] == "turn failed: CaseStoreError"
    exception = line["exception"]
    assert exception["type"] == f"{__name__}.CaseStoreError"
    trace = exception["traceback"]
    assert trace.startswith("Traceback (most recent call last):")
    assert "in _read_case" in trace and "in test_an_exception_logs_its_type" in trace
    assert "The above exception was the direct cause of the following exception:" in trace
    assert trace.index("KeyError") < trace.index(f"{__name__}.CaseStoreError")  # the cause first, as Python does
    for content in ("Larkspur", "CR/100200/26"):
        assert content not in output.getvalue()


SOURCE_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmaWN0aW9uYWwifQ.ZmljdGlvbmFs"  # fictional


def _refuse() -> None:
    raise PermissionError("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmaWN0aW9uYWwifQ.ZmljdGlvbmFs")


def test_a_token_in_a_tracebacks_source_line_is_redacted(output: io.StringIO) -> None:
    try:
        _refuse()
    except PermissionError:
        logging.getLogger("bot").error("failed", exc_info=True)
    trace = lines(output)[0]["exception"]["traceback"]
    assert "in _refuse" in trace
    assert f'raise PermissionError("{REDACTED}")' in trace  # the line is there, its token is not
    assert SOURCE_TOKEN not in output.getvalue()


def test_the_request_and_activity_ids_are_on_the_lines_logged_while_they_are_set(output: io.StringIO) -> None:
    request = REQUEST_ID.set("req-0123456789")
    activity = ACTIVITY_ID.set("1700000000001")
    try:
        logging.getLogger("bot.handler").info("turn")
    finally:
        ACTIVITY_ID.reset(activity)
        REQUEST_ID.reset(request)
    logging.getLogger("bot.handler").info("after")
    during, after = lines(output)
    assert (during["request_id"], during["activity_id"]) == ("req-0123456789", "1700000000001")
    assert "request_id" not in after and "activity_id" not in after


def test_the_text_format_is_todays_and_redacted_too() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("text", stream=stream)
    try:
        logging.getLogger("bot").warning("token %s", JWT)
        try:
            raise ValueError("with " + JWT)
        except ValueError:
            logging.getLogger("bot").exception("failed")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)
    text = stream.getvalue()
    assert JWT not in text
    first = text.splitlines()[0]
    assert first.endswith(" WARNING bot: token [redacted]")
    with pytest.raises(json.JSONDecodeError):
        json.loads(first)  # not JSON: a person reads these
