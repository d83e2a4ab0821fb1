"""Reading card fields as Teams sends them (every value a string): dates, times, choices and multi-selects."""

from __future__ import annotations

import re
from datetime import date, time
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?")


def parse_date(raw: str) -> date | None:
    """An ISO date (Input.Date sends YYYY-MM-DD); None when empty or not a date."""
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def parse_time(raw: str) -> time | None:
    """A 24-hour time, HH:MM (Input.Time may add seconds)."""
    match = _TIME.fullmatch(raw)
    return time(int(match.group(1)), int(match.group(2))) if match else None


def choice(enum: type[E], raw: str) -> E | None:
    try:
        return enum(raw)
    except ValueError:
        return None


def choices(raw: object) -> list[str]:
    """A multi-select ChoiceSet sends its values comma-separated in one string."""
    if not isinstance(raw, str):
        return []
    return [part.strip() for part in raw.split(",") if part.strip()]
