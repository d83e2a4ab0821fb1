"""The log DPA 2018 Part 3 s62 asks for: who did what to which case, when, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AuditCategory(StrEnum):
    """The s62 processing operations; every audit record is one of them."""

    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"


class AuditOutcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


@dataclass(frozen=True)
class AuditRecord:
    """One logged operation. Never holds case content: identifiers and the action only."""

    at: datetime
    actor_id: str
    actor_name: str
    action: str
    category: AuditCategory
    outcome: AuditOutcome
    case_id: int | None = None
    justification: str | None = None
    recipients: tuple[str, ...] = ()
