"""Step 5 of the practice, its output: learning points, recommendations and actions, and the SIO's sign-off.

After the meeting the lead reviewer records what was learnt (by theme: a gap, or good practice), what is
recommended (in force, or through a partnership route) and the actions that follow (each owned, due, and
described without personal data: action cards go to their owners, who may not know the case). Nothing is
circulated until the SIO approves the learning and actions document. These are the records and their rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from debrief import clocks
from debrief.errors import InvalidInput
from debrief.fields import choice
from debrief.model import LONDON, Person
from debrief.parameters import SUBJECT_ROLES
from debrief.themes import DEFAULT_THEMES

MAX_TEXT = 2000
MIN_TEXT = 10
MAX_ACTION = 500
MAX_DUE_WORKING_DAYS = 260
MAX_COMMENT = 2000
_SUBJECT = re.compile(rf"\b(?:{'|'.join(SUBJECT_ROLES)}) (?:[A-Z]|[1-9][0-9]?)\b")


class LearningKind(StrEnum):
    GAP = "gap"
    GOOD_PRACTICE = "good_practice"

    @property
    def label(self) -> str:
        return "Gap" if self is LearningKind.GAP else "Good practice"


class Route(StrEnum):
    """Where a recommendation or action is taken forward: in the force, or through partnership arrangements."""

    IN_FORCE = "in_force"
    PARTNERSHIP = "partnership"

    @property
    def label(self) -> str:
        return "In force" if self is Route.IN_FORCE else "Partnership route"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ActionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    COMPLETE = "complete"
    NOT_DOING = "not_doing"

    @property
    def label(self) -> str:
        return {
            ActionStatus.NOT_STARTED: "Not started",
            ActionStatus.IN_PROGRESS: "In progress",
            ActionStatus.BLOCKED: "Blocked",
            ActionStatus.COMPLETE: "Complete",
            ActionStatus.NOT_DOING: "Not doing",
        }[self]


class SignOffState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"

    @property
    def label(self) -> str:
        return {
            SignOffState.REQUESTED: "Waiting for the SIO",
            SignOffState.APPROVED: "Approved by the SIO",
            SignOffState.CHANGES_REQUESTED: "Changes requested by the SIO",
        }[self]


@dataclass
class LearningPoint:
    case_id: int
    theme: str
    kind: LearningKind
    text: str
    recorded_by: Person
    recorded_at: datetime
    id: int | None = None
    version: int = 1


@dataclass
class Recommendation:
    case_id: int
    text: str
    route: Route
    recorded_by: Person
    recorded_at: datetime
    id: int | None = None
    version: int = 1


@dataclass
class Action:
    case_id: int
    description: str
    owner: Person
    due: date
    priority: Priority
    theme: str
    route: Route
    created_by: Person
    created_at: datetime
    id: int | None = None
    status: ActionStatus = ActionStatus.NOT_STARTED
    version: int = 1
    status_note: str | None = None
    """Why it is blocked or not being done, or the evidence that it is complete."""
    status_changed_by: Person | None = None
    status_changed_at: datetime | None = None

    @property
    def final(self) -> bool:
        return self.status in (ActionStatus.COMPLETE, ActionStatus.NOT_DOING)


@dataclass(frozen=True)
class SignOff:
    """One request for the SIO's sign-off, and their answer, for one version of the outcome."""

    outcome_version: int
    state: SignOffState
    requested_by: Person
    requested_at: datetime
    answered_by: Person | None = None
    answered_at: datetime | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Outcome:
    """Everything the debrief produced, as it stands; `version` goes up with every change to any of it."""

    learning: tuple[LearningPoint, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    actions: tuple[Action, ...] = ()
    version: int = 0
    sign_off: SignOff | None = None
    circulated_at: datetime | None = field(default=None)

    @property
    def approved(self) -> bool:
        """Approved for the version as it stands: any later change needs the SIO again."""
        s = self.sign_off
        return s is not None and s.state is SignOffState.APPROVED and s.outcome_version == self.version

    @property
    def awaiting_sign_off(self) -> bool:
        s = self.sign_off
        return s is not None and s.state is SignOffState.REQUESTED and s.outcome_version == self.version

    @property
    def empty(self) -> bool:
        return not (self.learning or self.recommendations or self.actions)

    def sign_off_refusal(self) -> str | None:
        """Why the SIO cannot be asked about the outcome as it stands, or None when they can: there must be
        something recorded, and the SIO asked about this version at most never."""
        if self.empty:
            return "Record the learning and actions before asking the SIO to sign them off."
        s = self.sign_off
        if s is None or s.outcome_version != self.version:
            return None
        return {
            SignOffState.REQUESTED: "The SIO has already been asked about this version.",
            SignOffState.APPROVED: "The SIO has already approved the learning and actions as they stand.",
            SignOffState.CHANGES_REQUESTED: "The SIO asked for changes to this version: make them, then ask again.",
        }[s.state]


def _text(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return "\n".join(line.rstrip() for line in value.strip().splitlines()) if isinstance(value, str) else ""


def _require_text(text: str, name: str, what: str, errors: dict[str, str], *, longest: int = MAX_TEXT) -> None:
    if len(text) < MIN_TEXT:
        errors[name] = f"Write the {what} (at least {MIN_TEXT} characters)."
    elif len(text) > longest:
        errors[name] = f"Keep the {what} to {longest} characters or fewer."


def parse_learning_point(form: Mapping[str, object]) -> tuple[str, LearningKind, str]:
    """(theme, kind, text) from the outcome card's learning fields."""
    errors: dict[str, str] = {}
    theme = _text(form, "learningTheme")
    if theme not in DEFAULT_THEMES:
        errors["learningTheme"] = "Choose the theme from the list."
    kind = choice(LearningKind, _text(form, "learningKind"))
    if kind is None:
        errors["learningKind"] = "Say whether this is a gap or good practice."
    text = _text(form, "learningText")
    _require_text(text, "learningText", "learning point", errors)
    if errors:
        raise InvalidInput(errors)
    assert kind is not None
    return theme, kind, text


def parse_recommendation(form: Mapping[str, object]) -> tuple[str, Route]:
    errors: dict[str, str] = {}
    text = _text(form, "recommendationText")
    _require_text(text, "recommendationText", "recommendation", errors)
    route = choice(Route, _text(form, "recommendationRoute"))
    if route is None:
        errors["recommendationRoute"] = "Say whether this is taken forward in force or through a partnership route."
    if errors:
        raise InvalidInput(errors)
    assert route is not None
    return text, route


@dataclass(frozen=True)
class ActionPlan:
    description: str
    owner: Person
    due: date
    priority: Priority
    theme: str
    route: Route


def parse_action(
    form: Mapping[str, object], *, owners: Mapping[str, Person], people: Iterable[Person], today: date
) -> ActionPlan:
    """An action as the lead reviewer typed it. Its description must carry no personal data: no subject by role
    and letter, and no one's name from the directory."""
    errors: dict[str, str] = {}
    description = _text(form, "actionDescription")
    _require_text(description, "actionDescription", "action", errors, longest=MAX_ACTION)
    if "actionDescription" not in errors:
        if _SUBJECT.search(description):
            errors["actionDescription"] = (
                "Describe the action without the people in the case (no 'Victim A' and the like): the owner "
                "sees it without the case."
            )
        elif named := [p.name for p in people if p.name and p.name.lower() in description.lower()]:
            errors["actionDescription"] = f"Leave names out of the action ({named[0]!r}): say what is to be done."
    owner = owners.get(_text(form, "actionOwnerId"))
    if owner is None:
        errors["actionOwnerId"] = "Choose the owner from the list."
    raw_days = form.get("actionDueWorkingDays")
    try:
        # Input.Number may arrive as text or as a number, depending on the client.
        days = (
            int(raw_days)
            if isinstance(raw_days, int | float) and not isinstance(raw_days, bool)
            else int(_text(form, "actionDueWorkingDays"))
        )
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DUE_WORKING_DAYS:
        errors["actionDueWorkingDays"] = f"Give the time allowed in working days, between 1 and {MAX_DUE_WORKING_DAYS}."
    priority = choice(Priority, _text(form, "actionPriority"))
    if priority is None:
        errors["actionPriority"] = "Choose the priority: high, medium or low."
    theme = _text(form, "actionTheme")
    if theme not in DEFAULT_THEMES:
        errors["actionTheme"] = "Choose the theme from the list."
    route = choice(Route, _text(form, "actionRoute"))
    if route is None:
        errors["actionRoute"] = "Say whether the action is taken forward in force or through a partnership route."
    if errors:
        raise InvalidInput(errors)
    assert owner is not None and priority is not None and route is not None
    return ActionPlan(
        description=description,
        owner=owner,
        due=clocks.add_working_days(today, days),
        priority=priority,
        theme=theme,
        route=route,
    )


def parse_comment(raw: object) -> str:
    text = "\n".join(line.rstrip() for line in raw.strip().splitlines()) if isinstance(raw, str) else ""
    if len(text) < MIN_TEXT:
        raise InvalidInput({"signOffComment": "Say what should change, so the lead reviewer can act on it."})
    if len(text) > MAX_COMMENT:
        raise InvalidInput({"signOffComment": f"Keep the comment to {MAX_COMMENT} characters or fewer."})
    return text


def local_today(now: datetime) -> date:
    return now.astimezone(LONDON).date()
