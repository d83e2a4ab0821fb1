"""The connector sender's own retry timing: short backoff for a waiting turn, Retry-After as a floor, and
long Retry-After left to the caller (the outbox) rather than held inside a turn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from bot.http_sender import TransientRetry


def test_backoff_grows_and_stays_short() -> None:
    retry = TransientRetry()
    for attempt in (1, 2):
        for _ in range(50):
            delay = retry.delay(attempt, None)
            assert delay is not None
            assert retry.base_s / 2 <= delay <= min(retry.cap_s, retry.base_s * 2 ** (attempt - 1))


def test_retry_after_is_a_floor() -> None:
    assert TransientRetry().delay(1, "1.5") == 1.5


def test_retry_after_longer_than_the_cap_is_left_to_the_caller() -> None:
    assert TransientRetry(cap_s=2.0).delay(1, "30") is None


def test_retry_after_as_an_http_date() -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert TransientRetry(cap_s=2.0).delay(1, soon) is None
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=60), usegmt=True)
    delay = TransientRetry().delay(1, past)
    assert delay is not None and delay <= TransientRetry().base_s


def test_an_unreadable_retry_after_falls_back_to_backoff() -> None:
    delay = TransientRetry().delay(1, "soon, please")
    assert delay is not None and delay <= TransientRetry().base_s
