"""The one choke point: may this person do this, and the audit record that says they did (or tried).

Deny by default: an action with no rule is refused. Every service function calls `authorise` before it
reads case content or changes anything, inside the same unit of work as the change.
"""

from __future__ import annotations

from collections.abc import Callable, Set
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
    DISCLOSURE_OFFICER = "disclosure_officer"
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


@dataclass(frozen=True)
class Relation:
    """What some rules need beyond the case: is the actor invited to it, and whose entry is being touched."""

    contributor: bool = False
    entry_owner_id: str | None = None
    partner_agency: str | None = None
    """Set when the actor is a partner contact who accepted an invitation to this case and still has access."""
    invited_contact: bool = False
    """The actor is the contact of the partner invitation being read or answered."""
    attendee: bool = False
    """The actor is invited to the case's debrief meeting."""
    action_owner_id: str | None = None
    """Whose action is being read or updated."""


NO_RELATION = Relation()
Rule = Callable[[Actor, "Case | None", Relation], bool]


def _is_officer(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return actor.has(Role.OFFICER)


def _is_review_team(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return actor.has(Role.REVIEW_TEAM)


def _may_read_case(actor: Actor, case: Case | None, relation: Relation) -> bool:
    if actor.has(Role.REVIEW_TEAM):
        return True
    return case is not None and case.is_about(actor.user_id)


def _is_nominator(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and case.nominator.user_id == actor.user_id


def _is_lead_reviewer(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and case.lead_reviewer is not None and case.lead_reviewer.user_id == actor.user_id


def _is_sio(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and case.nomination.sio.user_id == actor.user_id


def _system_only(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return actor is SYSTEM


def _is_contributor_or_review_team(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and (relation.contributor or actor.has(Role.REVIEW_TEAM))


def _may_contribute(actor: Actor, case: Case | None, relation: Relation) -> bool:
    """Invited officers, the review team, and partners whose access to this case is current."""
    return _is_contributor_or_review_team(actor, case, relation) or (
        case is not None and relation.partner_agency is not None
    )


def _owns_entry(actor: Actor, case: Case | None, relation: Relation) -> bool:
    """Their own entry, while they still take part (a partner whose access has ended may not touch it)."""
    return relation.entry_owner_id == actor.user_id and _may_contribute(actor, case, relation)


def _is_partner_of_case_or_review_team(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and (relation.partner_agency is not None or actor.has(Role.REVIEW_TEAM))


def _is_invited_contact(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and relation.invited_contact


def _is_attendee_or_review_team(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and (relation.attendee or actor.has(Role.REVIEW_TEAM))


def _is_review_team_or_sio(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return _is_review_team(actor, case, relation) or _is_sio(actor, case, relation)


def _may_have_learning_document(actor: Actor, case: Case | None, relation: Relation) -> bool:
    """The review team and the SIO; the meeting's attendees too, once the SIO has approved it (checked there)."""
    return _is_review_team_or_sio(actor, case, relation) or (case is not None and relation.attendee)


def _owns_action_or_working_group(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and (relation.action_owner_id == actor.user_id or actor.has(Role.WORKING_GROUP))


def _may_see_action(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return _owns_action_or_working_group(actor, case, relation) or actor.has(Role.REVIEW_TEAM)


def _is_working_group(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return actor.has(Role.WORKING_GROUP)


def _oversees(actor: Actor, case: Case | None, relation: Relation) -> bool:
    """The board, the working group and the review team see the process as a whole."""
    return bool(actor.roles & {Role.BOARD, Role.WORKING_GROUP, Role.REVIEW_TEAM})


def _oversees_actions_by_case(actor: Actor, case: Case | None, relation: Relation) -> bool:
    """The board sees figures only; the working group and the review team may see which case an action is on."""
    return bool(actor.roles & {Role.WORKING_GROUP, Role.REVIEW_TEAM})


def manages_retention(roles: Set[Role]) -> bool:
    """The information manager reviews retention, places legal holds and reads the audit log (also what the help
    card offers them)."""
    return Role.INFORMATION_MANAGER in roles


def produces_disclosure_bundles(roles: Set[Role]) -> bool:
    return bool(roles & {Role.INFORMATION_MANAGER, Role.DISCLOSURE_OFFICER})


def _is_information_manager(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return manages_retention(actor.roles)


def _may_produce_disclosure_bundle(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and produces_disclosure_bundles(actor.roles)


def _is_information_manager_for_case(actor: Actor, case: Case | None, relation: Relation) -> bool:
    return case is not None and manages_retention(actor.roles)


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
    SCHEDULE_REMINDER = ("case.reminder.schedule", AuditCategory.ALTERATION, _system_only)
    ADD_CHRONOLOGY_ENTRY = ("case.chronology.entry.add", AuditCategory.COLLECTION, _may_contribute)
    READ_OWN_ENTRIES = ("case.chronology.entries.own", AuditCategory.CONSULTATION, _may_contribute)
    READ_OWN_ENTRY = ("case.chronology.entry.own", AuditCategory.CONSULTATION, _owns_entry)
    EDIT_CHRONOLOGY_ENTRY = ("case.chronology.entry.edit", AuditCategory.ALTERATION, _owns_entry)
    WITHDRAW_CHRONOLOGY_ENTRY = ("case.chronology.entry.withdraw", AuditCategory.ALTERATION, _owns_entry)
    READ_CHRONOLOGY = ("case.chronology.read", AuditCategory.CONSULTATION, _is_review_team)
    REVIEW_CHRONOLOGY_ENTRY = ("case.chronology.entry.review", AuditCategory.ALTERATION, _is_lead_reviewer)
    LOCK_CHRONOLOGY = ("case.chronology.lock", AuditCategory.ALTERATION, _is_lead_reviewer)
    REQUEST_CHRONOLOGY_DOCUMENT = ("case.chronology.document.request", AuditCategory.CONSULTATION, _is_review_team)
    DISCLOSE_CHRONOLOGY_DOCUMENT = ("case.chronology.document.disclose", AuditCategory.DISCLOSURE, _is_review_team)
    READ_PARTNERS = ("case.partners.read", AuditCategory.CONSULTATION, _is_review_team)
    APPROVE_PARTNER_SUMMARY = ("case.partners.summary.approve", AuditCategory.ALTERATION, _is_lead_reviewer)
    INVITE_PARTNERS = ("case.partners.invite", AuditCategory.DISCLOSURE, _is_lead_reviewer)
    READ_PARTNER_INVITATION = ("case.partners.invitation.read", AuditCategory.CONSULTATION, _is_invited_contact)
    ANSWER_PARTNER_INVITATION = ("case.partners.invitation.answer", AuditCategory.ALTERATION, _is_invited_contact)
    READ_PARTNER_VIEW = ("case.partners.view", AuditCategory.CONSULTATION, _is_partner_of_case_or_review_team)
    READ_MEETING = ("case.meeting.read", AuditCategory.CONSULTATION, _is_review_team)
    SCHEDULE_MEETING = ("case.meeting.schedule", AuditCategory.ALTERATION, _is_lead_reviewer)
    RECORD_ATTENDANCE = ("case.meeting.attendance.record", AuditCategory.COLLECTION, _is_lead_reviewer)
    REQUEST_MEETING_INVITATION = (
        "case.meeting.invitation.request",
        AuditCategory.CONSULTATION,
        _is_attendee_or_review_team,
    )
    DISCLOSE_MEETING_INVITATION = (
        "case.meeting.invitation.disclose",
        AuditCategory.DISCLOSURE,
        _is_attendee_or_review_team,
    )
    SET_ONLINE_MEETING = ("case.meeting.online.set", AuditCategory.ALTERATION, _system_only)
    READ_OUTCOME = ("case.outcome.read", AuditCategory.CONSULTATION, _is_review_team_or_sio)
    RECORD_OUTCOME = ("case.outcome.record", AuditCategory.COLLECTION, _is_lead_reviewer)
    CHANGE_OUTCOME = ("case.outcome.change", AuditCategory.ALTERATION, _is_lead_reviewer)
    REQUEST_SIGN_OFF = ("case.outcome.sign_off.request", AuditCategory.ALTERATION, _is_lead_reviewer)
    SIGN_OFF = ("case.outcome.sign_off", AuditCategory.ALTERATION, _is_sio)
    REQUEST_LEARNING_DOCUMENT = (
        "case.outcome.document.request",
        AuditCategory.CONSULTATION,
        _may_have_learning_document,
    )
    DISCLOSE_LEARNING_DOCUMENT = (
        "case.outcome.document.disclose",
        AuditCategory.DISCLOSURE,
        _may_have_learning_document,
    )
    READ_ACTION = ("case.action.read", AuditCategory.CONSULTATION, _may_see_action)
    UPDATE_ACTION = ("case.action.update", AuditCategory.ALTERATION, _owns_action_or_working_group)
    DECIDE_ACTION_REQUEST = ("case.action.request.decide", AuditCategory.ALTERATION, _is_working_group)
    REQUEST_AGENDA_PACK = ("case.meeting.agenda_pack.request", AuditCategory.CONSULTATION, _is_review_team)
    DISCLOSE_AGENDA_PACK = ("case.meeting.agenda_pack.disclose", AuditCategory.DISCLOSURE, _is_review_team)
    READ_OVERSIGHT = ("oversight.figures.read", AuditCategory.CONSULTATION, _oversees)
    READ_ACTIONS_BY_CASE = ("oversight.actions.read", AuditCategory.CONSULTATION, _oversees_actions_by_case)
    EXPORT_OVERSIGHT = ("oversight.figures.export", AuditCategory.DISCLOSURE, _oversees)
    EXPORT_ACTIONS_BY_CASE = ("oversight.actions.export", AuditCategory.DISCLOSURE, _oversees_actions_by_case)
    SEND_DIGEST = ("oversight.digest.send", AuditCategory.DISCLOSURE, _system_only)
    READ_AUDIT_LOG = ("audit.read", AuditCategory.CONSULTATION, _is_information_manager)
    EXPORT_AUDIT_LOG = ("audit.export", AuditCategory.DISCLOSURE, _is_information_manager)
    VERIFY_AUDIT_LOG = ("audit.verify", AuditCategory.CONSULTATION, _system_only)
    CLOSE_CASE = ("case.close", AuditCategory.ALTERATION, _system_only)
    READ_RETENTION = ("case.retention.read", AuditCategory.CONSULTATION, _is_information_manager_for_case)
    RETAIN_CASE = ("case.retention.retain", AuditCategory.ALTERATION, _is_information_manager_for_case)
    ERASE_CASE = ("case.retention.erase", AuditCategory.ERASURE, _is_information_manager_for_case)
    PLACE_LEGAL_HOLD = ("case.legal_hold.place", AuditCategory.ALTERATION, _is_information_manager_for_case)
    LIFT_LEGAL_HOLD = ("case.legal_hold.lift", AuditCategory.ALTERATION, _is_information_manager_for_case)
    PRODUCE_DISCLOSURE_BUNDLE = (
        "case.disclosure_bundle.produce",
        AuditCategory.DISCLOSURE,
        _may_produce_disclosure_bundle,
    )

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
    Permission.SCHEDULE_REMINDER: "Only Rapid Debrief itself sends reminders.",
    Permission.ADD_CHRONOLOGY_ENTRY: "Only officers the lead reviewer has invited to this case can add to its "
    "chronology.",
    Permission.READ_OWN_ENTRIES: "Only officers invited to this case can add to or see their entries in its "
    "chronology.",
    Permission.READ_OWN_ENTRY: "You can only open your own chronology entries.",
    Permission.EDIT_CHRONOLOGY_ENTRY: "You can only change your own chronology entries.",
    Permission.WITHDRAW_CHRONOLOGY_ENTRY: "You can only withdraw your own chronology entries.",
    Permission.READ_CHRONOLOGY: "Only the review team can see the whole chronology of a case.",
    Permission.REVIEW_CHRONOLOGY_ENTRY: "Only the lead reviewer of this case can verify its chronology.",
    Permission.LOCK_CHRONOLOGY: "Only the lead reviewer of this case can lock its chronology.",
    Permission.REQUEST_CHRONOLOGY_DOCUMENT: "Only the review team can ask for the chronology document.",
    Permission.DISCLOSE_CHRONOLOGY_DOCUMENT: "Only the review team can receive the chronology document.",
    Permission.READ_PARTNERS: "Only the review team can see who is invited from partner agencies.",
    Permission.APPROVE_PARTNER_SUMMARY: "Only the lead reviewer of this case can approve its partner summary.",
    Permission.INVITE_PARTNERS: "Only the lead reviewer of this case can invite partners.",
    Permission.READ_PARTNER_INVITATION: "This invitation was sent to someone else.",
    Permission.ANSWER_PARTNER_INVITATION: "Only the person this invitation was sent to can answer it.",
    Permission.READ_PARTNER_VIEW: "You do not have access to this case. Partners see a case once they have accepted "
    "an invitation to it, until their access ends.",
    Permission.READ_MEETING: "Only the review team can manage the debrief meeting.",
    Permission.SCHEDULE_MEETING: "Only the lead reviewer of this case can schedule its debrief meeting.",
    Permission.RECORD_ATTENDANCE: "Only the lead reviewer of this case can record who attended.",
    Permission.REQUEST_MEETING_INVITATION: "Only people invited to the meeting can have its calendar invitation.",
    Permission.DISCLOSE_MEETING_INVITATION: "Only people invited to the meeting can have its calendar invitation.",
    Permission.SET_ONLINE_MEETING: "Only Rapid Debrief itself records the Teams meeting it created.",
    Permission.READ_OUTCOME: "Only the review team and the SIO can see the learning and actions before circulation.",
    Permission.RECORD_OUTCOME: "Only the lead reviewer of this case can record its learning and actions.",
    Permission.CHANGE_OUTCOME: "Only the lead reviewer of this case can change its learning and actions.",
    Permission.REQUEST_SIGN_OFF: "Only the lead reviewer of this case can ask the SIO to sign off.",
    Permission.SIGN_OFF: "Only the SIO named on this case can sign off its learning and actions.",
    Permission.REQUEST_LEARNING_DOCUMENT: "The learning and actions document goes to the review team, the SIO and, "
    "once the SIO has approved it, the meeting's attendees.",
    Permission.DISCLOSE_LEARNING_DOCUMENT: "The learning and actions document goes to the review team, the SIO and, "
    "once the SIO has approved it, the meeting's attendees.",
    Permission.READ_ACTION: "Only the action's owner, the working group and the review team can see this action.",
    Permission.UPDATE_ACTION: "Only the action's owner or the rapid debrief working group can change its status.",
    Permission.DECIDE_ACTION_REQUEST: "Only the rapid debrief working group decides requests about actions.",
    Permission.REQUEST_AGENDA_PACK: "Only the review team can ask for the agenda pack.",
    Permission.DISCLOSE_AGENDA_PACK: "Only the review team can receive the agenda pack.",
    Permission.READ_OVERSIGHT: "Only the homicide prevention board, the rapid debrief working group and the review "
    "team can see the oversight dashboard.",
    Permission.READ_ACTIONS_BY_CASE: "Only the rapid debrief working group and the review team can see actions case "
    "by case; the board sees the figures.",
    Permission.EXPORT_OVERSIGHT: "Only the homicide prevention board, the rapid debrief working group and the review "
    "team can export the oversight figures.",
    Permission.EXPORT_ACTIONS_BY_CASE: "Only the rapid debrief working group and the review team can export cases "
    "and actions case by case.",
    Permission.SEND_DIGEST: "Only Rapid Debrief itself sends the digests.",
    Permission.READ_AUDIT_LOG: "Only the information manager can search the audit log.",
    Permission.EXPORT_AUDIT_LOG: "Only the information manager can export the audit log.",
    Permission.VERIFY_AUDIT_LOG: "Only Rapid Debrief itself verifies the audit log.",
    Permission.CLOSE_CASE: "Only Rapid Debrief itself closes a case, once its actions are all done.",
    Permission.READ_RETENTION: "Only the information manager manages the retention of cases.",
    Permission.RETAIN_CASE: "Only the information manager can decide to retain a case.",
    Permission.ERASE_CASE: "Only the information manager can erase a case.",
    Permission.PLACE_LEGAL_HOLD: "Only the information manager can place a legal hold.",
    Permission.LIFT_LEGAL_HOLD: "Only the information manager can lift a legal hold.",
    Permission.PRODUCE_DISCLOSURE_BUNDLE: "Only the information manager or a disclosure officer can produce a "
    "disclosure bundle.",
}


def is_allowed(
    actor: Actor, permission: Permission, case: Case | None = None, relation: Relation = NO_RELATION
) -> bool:
    return permission.rule(actor, case, relation)


async def authorise(
    uow: UnitOfWork,
    actor: Actor,
    permission: Permission,
    case: Case | None = None,
    *,
    now: datetime,
    justification: str | None = None,
    recipients: tuple[str, ...] = (),
    relation: Relation = NO_RELATION,
) -> None:
    """Allow or refuse, and audit either way; a refusal is committed on its own, then raised."""
    allowed = is_allowed(actor, permission, case, relation)
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
