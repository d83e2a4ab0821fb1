"""What the working group and the homicide prevention board oversee: is the process rapid, and is learning acted on.

The board sees figures only (no case numbers, no action text, no names); the working group and the review team
also see actions case by case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class StepTimeliness:
    """One step of the process (e.g. "Nomination to triage decision"): how long it took, in working days."""

    step: str
    target_working_days: int
    cases: int
    """Cases that have completed the step."""
    median_working_days: float | None
    within_target: int
    waiting: int
    """Cases that reached the step's start but have not completed it yet."""


@dataclass(frozen=True)
class UnitActions:
    unit: str
    open: int
    overdue: int
    done: int


@dataclass(frozen=True)
class ThemeCount:
    period: str
    """A quarter, e.g. "2026 Q3"."""
    theme: str
    count: int


@dataclass(frozen=True)
class ActionLine:
    """One action as the working group sees it: which case, what, whose unit, where it stands. No personal data."""

    case_number: str
    action_id: int
    description: str
    unit: str
    theme: str
    priority: str
    status: str
    due: date
    working_days_overdue: int
    """0 unless the action is past its due date and not done."""


@dataclass(frozen=True)
class OversightFigures:
    as_of: date
    cases_by_status: tuple[Count, ...]
    timeliness: tuple[StepTimeliness, ...]
    actions_by_status: tuple[Count, ...]
    actions_by_unit: tuple[UnitActions, ...]
    actions_by_theme: tuple[Count, ...]
    overdue_actions: int
    themes_over_time: tuple[ThemeCount, ...]
    actions_by_case: tuple[ActionLine, ...] | None
    """None for those who see figures only (the board)."""
