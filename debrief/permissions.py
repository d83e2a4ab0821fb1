"""The one choke point: may this person do this, and the audit record that says they did (or tried).

Deny by default: an action with no rule is refused. Every service function calls `authorise` before it
reads case content or changes anything, inside the same unit of work as the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

from debrief.audit import AuditCategory, AuditOutcome, AuditRecord
from debrief.errors import Forbidden

if TYPE_CHECKING:
    from debrief.model import Case
    from debrief.ports import UnitOfWork


class Role(StrEnum):
    OFFICER = "officer"
    REVIEW_TEAM = "review_team"
    SIO = "sio"
    WORKING_GROUP = "working_group"
    BOARD = "board"
    INFORMATION_MANAGER = "information_manager"
    ADMINISTRATOR = "administrator"
    PARTNER = "partner"


@dataclass(frozen=True)
class Actor:
    """A person acting through Teams, with the roles the directory gives them."""

    tenant_id: str
    user_id: str
    name: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles


SYSTEM = Actor(tenant_id="", user_id="system", name="Rapid Debrief", roles=frozenset())


Rule = Callable[[Actor, "Case | None"], bool]


def _is_officer(actor: Actor, case: Case | None) -> bool:
    return actor.has(Role.OFFICER)


def _is_review_team(actor: Actor, case: Case | None) -> bool:
    return actor.has(Role.REVIEW_TEAM)


def _may_read_case(actor: Actor, case: Case | None) -> bool:
    if actor.has(Role.REVIEW_TEAM):
        return True
    return case is not None and case.is_about(actor.user_id)


def _is_nominator(actor: Actor, case: Case | None) -> bool:
    return case is not None and case.nominator.user_id == actor.user_id


def _is_lead_reviewer(actor: Actor, case: Case | None) -> bool:
    return case is not None and case.lead_reviewer is not None and case.lead_reviewer.user_id == actor.user_id


def _is_sio(actor: Actor, case: Case | None) -> bool:
    return case is not None and case.nomination.sio.user_id == actor.user_id


def _system_only(actor: Actor, case: Case | None) -> bool:
    return actor is SYSTEM


class Permission(Enum):
    """Each thing a person can do to a case, the s62 category it is logged under, and who may do it."""

    NOMINATE = ("case.nominate", AuditCategory.COLLECTION, _is_officer)
    READ_CASE = ("case.read", AuditCategory.CONSULTATION, _may_read_case)
    TRIAGE = ("case.triage", AuditCategory.ALTERATION, _is_review_team)
    SET_PARAMETERS = ("case.parameters.set", AuditCategory.ALTERATION, _is_lead_reviewer)
    INVITE_CONTRIBUTORS = ("case.contributors.invite", AuditCategory.ALTERATION, _is_lead_reviewer)
    GIVE_CONSENT = ("case.consent.record", AuditCategory.ALTERATION, _is_sio)
    ANSWER_INFORMATION_REQUEST = ("case.information.provide", AuditCategory.COLLECTION, _is_nominator)
    SEND_CASE_MESSAGE = ("case.message.send", AuditCategory.DISCLOSURE, _system_only)

    def __init__(self, action: str, category: AuditCategory, rule: Rule) -> None:
        self.action = action
        self.category = category
        self.rule = rule


REFUSALS: dict[Permission, str] = {
    Permission.NOMINATE: "Only officers of the force can nominate a case.",
    Permission.READ_CASE: "You can only see cases you nominated, lead as SIO, or review as the review team.",
    Permission.TRIAGE: "Only members of the review team can triage a nomination. Nothing has changed.",
    Permission.ANSWER_INFORMATION_REQUEST: "Only the officer who nominated this case can answer the review team's "
    "question.",
    Permission.SET_PARAMETERS: "Only the lead reviewer of this case can set its parameters.",
    Permission.INVITE_CONTRIBUTORS: "Only the lead reviewer of this case can invite contributors.",
    Permission.GIVE_CONSENT: "Only the SIO named on this case can give or withhold consent.",
    Permission.SEND_CASE_MESSAGE: "Only Rapid Debrief itself sends case messages.",
}


def is_allowed(actor: Actor, permission: Permission, case: Case | None = None) -> bool:
    return permission.rule(actor, case)


async def authorise(
    uow: UnitOfWork,
    actor: Actor,
    permission: Permission,
    case: Case | None = None,
    *,
    now: datetime,
    justification: str | None = None,
    recipients: tuple[str, ...] = (),
) -> None:
    """Allow or refuse, and audit either way; a refusal is committed on its own, then raised."""
    allowed = is_allowed(actor, permission, case)
    uow.audit.add(
        AuditRecord(
            at=now,
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=permission.action,
            category=permission.category,
            outcome=AuditOutcome.GRANTED if allowed else AuditOutcome.REFUSED,
            case_id=case.id if case is not None else None,
            justification=justification,
            recipients=recipients,
        ),
        case=case,
    )
    if not allowed:
        await uow.commit_refusal()
        raise Forbidden(REFUSALS[permission])
