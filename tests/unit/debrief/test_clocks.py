"""Working days in England and Wales, and the deadlines they give."""

from __future__ import annotations

from datetime import UTC, date, datetime

from debrief.clocks import add_working_days, is_working_day, next_working_day
from debrief.triage import triage_due


def test_christmas_and_the_substitute_boxing_day_are_skipped() -> None:
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_a_weekend_deadline_moves_to_monday() -> None:
    assert next_working_day(date(2026, 11, 28)) == date(2026, 11, 30)


def test_easter_monday_2027_is_not_a_working_day() -> None:
    assert not is_working_day(date(2027, 3, 29))
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)  # Good Friday and Easter Monday skipped


def test_an_ordinary_thursday_is_followed_by_friday() -> None:
    assert add_working_days(date(2026, 11, 26), 1) == date(2026, 11, 27)


def test_triage_is_due_one_working_day_after_a_friday_evening_nomination() -> None:
    assert triage_due(datetime(2026, 11, 27, 22, 0, tzinfo=UTC)) == date(2026, 11, 30)
