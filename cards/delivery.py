"""What the case thread is told when Teams refuses a one-to-one message because its recipient blocked the bot."""

from __future__ import annotations

from cards.common import Card, build, heading, notice, paragraph
from debrief.messages import MessageKind
from debrief.model import Case

WHAT_WAS_SENT: dict[MessageKind, str] = {
    MessageKind.TRIAGE_OUTCOME: "the review team's answer to their nomination",
    MessageKind.CONSENT_REQUESTED: "the request for their consent to collect the chronology",
    MessageKind.CONTRIBUTOR_INVITED: "their invitation to add to the chronology",
    MessageKind.CONTRIBUTION_REMINDER: "a reminder that their contributions to the chronology are due",
    MessageKind.CONTRIBUTION_REMINDER_DUE_TODAY: "a reminder that their contributions to the chronology are due today",
    MessageKind.PARTNER_INVITED: "their invitation to take part as a partner",
    MessageKind.PARTNER_INVITATION_REMINDER: "a reminder to answer their partner invitation",
    MessageKind.SIGN_OFF_REQUESTED: "the request to sign off the learning and actions",
    MessageKind.OUTCOME_CIRCULATED: "the approved learning and actions",
    MessageKind.ACTION_ASSIGNED: "an action assigned to them",
    MessageKind.CHRONOLOGY_DOCUMENT: "the chronology document they asked for",
    MessageKind.AGENDA_PACK: "the agenda pack they asked for",
    MessageKind.MEETING_INVITATION_FILE: "the calendar invitation they asked for",
    MessageKind.LEARNING_DOCUMENT: "the learning and actions document they asked for",
}
"""Each one-to-one message, in plain words, as "{name} has not received …" continues."""


def what_was_sent(kind: MessageKind | None) -> str:
    return WHAT_WAS_SENT.get(kind, "a one-to-one message") if kind is not None else "a one-to-one message"


def delivery_blocked(case: Case, *, person: str, blocked: MessageKind | None) -> Card:
    """A note in the case thread for the lead reviewer: who did not get what, and what to do. Nothing of the
    case beyond its number (the thread may be read by more people than the message was meant for)."""
    lead = case.lead_reviewer.name if case.lead_reviewer else "Lead reviewer"
    return build(
        heading(f"{case.case_number}: a message could not be delivered"),
        notice(
            f"{person} has not received {what_was_sent(blocked)}: they have blocked or removed Rapid Debrief in "
            "Teams, so it cannot message them."
        ),
        paragraph(
            f"{lead}: please ask them to unblock Rapid Debrief (or add it again from Apps in Teams), or contact them "
            "directly. Rapid Debrief will not try to send this message again."
        ),
        fallback_text=f"{case.case_number}: a message to {person} could not be delivered",
    )
