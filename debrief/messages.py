"""What the process wants said to whom. The outbox stores these with the change; the bot renders and sends them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MessageKind(StrEnum):
    TRIAGE_REQUESTED = "triage.requested"
    """Start a thread in the review team's channel with the triage card."""
    TRIAGE_CARD_CHANGED = "triage.card_changed"
    """Show the triage card's new state to everyone in the thread."""
    TRIAGE_OUTCOME = "triage.outcome"
    """Tell the nominator what the review team decided, or what more it needs."""
    PARAMETERS_CARD = "parameters.card"
    """Post (or bring up to date) the parameters card in the case thread."""
    CONSENT_REQUESTED = "consent.requested"
    """Ask the SIO, one to one, for consent to collect the chronology."""
    CONSENT_RECORDED = "consent.recorded"
    """Tell the case thread what the SIO answered."""
    CONTRIBUTORS_CARD = "contributors.card"
    """Post (or bring up to date) the card in the case thread that invites contributors."""
    CONTRIBUTOR_INVITED = "contributor.invited"
    """Ask an officer, one to one, to add what they know to the chronology."""
    CONTRIBUTION_REMINDER = "contribution.reminder"
    """Remind an invited officer who has added nothing yet that contributions are due."""
    CONTRIBUTION_REMINDER_DUE_TODAY = "contribution.reminder.due_today"
    """The same reminder, on the day contributions are due."""
    PARTNERS_CARD = "partners.card"
    """Post (or bring up to date) the partners card in the case thread."""
    PARTNER_INVITED = "partner.invited"
    """Invite a partner contact, one to one (the newest invitation of that person to the case)."""
    PARTNER_INVITATION_REMINDER = "partner.invitation.reminder"
    """Remind a partner contact that their invitation awaits an answer."""
    MEETING_CARD = "meeting.card"
    """Post (or bring up to date) the debrief meeting card in the case thread."""
    ONLINE_MEETING = "meeting.online"
    """Create (or move) the Teams online meeting through Microsoft Graph, where it is configured."""
    MEETING_INVITATION_FILE = "meeting.invitation_file"
    """Send the meeting's calendar invitation (.ics), one to one, to the person who asked."""
    AGENDA_PACK = "meeting.agenda_pack"
    """Send the agenda pack (Word), one to one, to the member of the review team who asked."""
    OUTCOME_CARD = "outcome.card"
    """Post (or bring up to date) the learning and actions card in the case thread."""
    SIGN_OFF_REQUESTED = "outcome.sign_off.requested"
    """Ask the SIO, one to one, to sign off the learning and actions for circulation."""
    CHANGES_REQUESTED = "outcome.changes_requested"
    """Tell the case thread what the SIO wants changed."""
    OUTCOME_CIRCULATED = "outcome.circulated"
    """Send an attendee, one to one, the approved learning and actions."""
    LEARNING_DOCUMENT = "outcome.document"
    """Send the learning and actions document, one to one, to the person who asked."""
    ACTION_CARD = "action.card"
    """Post (or bring up to date, everywhere it was sent) the card of one action (`subject_id`)."""
    ACTION_ASSIGNED = "action.assigned"
    """Send an action's card, one to one, to its owner."""
    ACTION_REMINDER = "action.reminder"
    """Remind an action's owner, one to one, that it is due soon, due today or overdue (`subject_id`)."""
    ACTION_ESCALATED = "action.escalated"
    """Tell the working group's channel that an action (`subject_id`) is overdue, for them to follow up."""
    CHRONOLOGY_DOCUMENT = "chronology.document"
    """Send the Word chronology, one to one, to the member of the review team who asked for it."""
    RETENTION_REVIEW_DUE = "retention.review_due"
    """Send an information manager, one to one, the retention card of a case whose review has fallen due."""
    DELIVERY_BLOCKED = "delivery.blocked"
    """Tell the case thread (the lead reviewer) that a one-to-one message could not be delivered because its
    recipient has blocked or removed the bot; `person_id` is that recipient. Never sent one to one."""
    WEEKLY_DIGEST = "digest.weekly"
    """The working group's weekly digest (`subject_id` is the digest; no case): overdue actions, cases waiting."""
    BOARD_SUMMARY = "digest.board_summary"
    """The board's quarterly summary (`subject_id` is the digest; no case): aggregated, anonymised figures only."""


class Audience(StrEnum):
    REVIEW_TEAM_CHANNEL = "review_team_channel"
    TRIAGE_THREAD = "triage_thread"
    CASE_THREAD = "case_thread"
    """A reply in the case's thread (the thread its triage card started)."""
    PERSON = "person"
    ACTIONS_THREAD = "actions_thread"
    """A reply in the case's actions thread (a post of its own in the review team's channel)."""
    WORKING_GROUP_CHANNEL = "working_group_channel"
    """A post of its own in the working group's channel (DEBRIEF_WORKING_GROUP_CHANNEL_ID)."""
    BOARD_CHANNEL = "board_channel"
    """A post of its own in the homicide prevention board's channel (DEBRIEF_BOARD_CHANNEL_ID)."""


@dataclass(frozen=True)
class OutboundMessage:
    kind: MessageKind
    case_id: int | None
    """The case it is about; None only for a message about no one case (a digest)."""
    audience: Audience
    person_id: str | None = None
    subject_id: int | None = None
    """What the message is about within the case, where the kind needs it (an action's id), or the digest."""
