"""What can go wrong in the process, in terms a user can be told."""

from __future__ import annotations

from collections.abc import Mapping


class DebriefError(Exception):
    """Base for errors the edge turns into a plain message for the user."""


class InvalidInput(DebriefError):
    """One or more fields are wrong; each message says what is wrong and how to fix it."""

    def __init__(self, field_errors: Mapping[str, str]) -> None:
        self.field_errors = dict(field_errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.field_errors.items()))


class Forbidden(DebriefError):
    """The actor may not do this; the refusal has already been audited."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class NotFound(DebriefError):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class DuplicateIncident(DebriefError):
    """The incident already has a case: no second case is opened."""

    def __init__(self, incident_reference: str, case_number: str) -> None:
        self.incident_reference = incident_reference
        self.case_number = case_number
        super().__init__(f"{incident_reference} already has case {case_number}")


class AlreadyProcessed(DebriefError):
    """The same Teams activity was delivered again; its first delivery already took effect."""

    def __init__(self, case_id: int | None) -> None:
        self.case_id = case_id
        super().__init__("activity already processed")


class ConcurrentChange(DebriefError):
    """Someone else changed the case between our read and our write; the edge retries the whole action."""
