"""Step 4 of the practice: partner agencies take part by invitation, case by case, and see only what they need.

The lead reviewer approves a partner summary (the only case text partners see) and invites named contacts of
agencies in scope. A contact accepts (acknowledging the handling conditions), declines (optionally saying
why) or delegates to a colleague in the same agency, who gets a fresh invitation. An unanswered invitation
expires; an accepted one gives access until a set date. These are the records and their rules; the service
functions that use them live in debrief/partnership.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from debrief import clocks
from debrief.errors import InvalidInput
from debrief.model import LONDON, Person

INVITATION_ANSWER_WORKING_DAYS = 5
"""Default: an invitation not answered within five working days expires."""
ACCESS_DAYS = 60
"""Default: an accepted partner's access ends sixty days after they accept (or when the case closes)."""
MAX_SUMMARY = 3000
MIN_SUMMARY = 40
MAX_REASON = 1000
MAX_AGREEMENT = 200
DEFAULT_AGREEMENT = "Local multi-agency information-sharing agreement for safeguarding and homicide prevention"


class InvitationStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DELEGATED = "delegated"

    @property
    def label(self) -> str:
        return {
            InvitationStatus.INVITED: "Invited",
            InvitationStatus.ACCEPTED: "Accepted",
            InvitationStatus.DECLINED: "Declined",
            InvitationStatus.DELEGATED: "Delegated",
        }[self]


@dataclass(frozen=True)
class PartnerSummary:
    """The only text about the case that partners see; approved by the lead reviewer, revised as a new version."""

    text: str
    approved_by: Person
    approved_at: datetime
    revision: int = 1


@dataclass
class PartnerInvitation:
    case_id: int
    agency: str
    contact: Person
    invited_by: Person
    invited_at: datetime
    answer_by: date
    agreement: str
    """The information-sharing agreement the sharing falls under, shown on the invitation."""
    id: int | None = None
    status: InvitationStatus = InvitationStatus.INVITED
    answered_at: datetime | None = None
    decline_reason: str | None = None
    delegated_to: Person | None = None
    access_until: datetime | None = None
    version: int = 1
    delegated_from_id: int | None = None

    def expired(self, now: datetime) -> bool:
        """Unanswered after its answer date: it can no longer be accepted."""
        return self.status is InvitationStatus.INVITED and now.astimezone(LONDON).date() > self.answer_by

    def holds_a_place(self, now: datetime) -> bool:
        """Open (not expired) or accepted with access: the contact is not invited to the case again."""
        if self.status is InvitationStatus.ACCEPTED:
            return self.has_access(now)
        return self.status is InvitationStatus.INVITED and not self.expired(now)

    def has_access(self, now: datetime) -> bool:
        return self.status is InvitationStatus.ACCEPTED and self.access_until is not None and now < self.access_until

    def accept(self, *, now: datetime, acknowledged: bool) -> None:
        self._require_open(now, "acknowledged")
        if not acknowledged:
            raise InvalidInput(
                {
                    "acknowledged": "Tick to confirm you will handle this as OFFICIAL-SENSITIVE under the agreement "
                    "named above, and share it with no one else."
                }
            )
        self.status = InvitationStatus.ACCEPTED
        self.answered_at = now
        self.access_until = now + timedelta(days=ACCESS_DAYS)
        self.version += 1

    def decline(self, *, now: datetime, reason: str | None) -> None:
        self._require_open(now, "declineReason")
        reason = (reason or "").strip() or None
        if reason is not None and len(reason) > MAX_REASON:
            raise InvalidInput({"declineReason": f"Keep the reason to {MAX_REASON} characters or fewer."})
        self.status = InvitationStatus.DECLINED
        self.answered_at = now
        self.decline_reason = reason
        self.version += 1

    def delegate(self, *, now: datetime, to: Person, same_agency: bool) -> PartnerInvitation:
        """Pass the invitation to a colleague in the same agency: they get a fresh one, with a fresh answer date."""
        self._require_open(now, "delegateTo")
        if to.user_id == self.contact.user_id:
            raise InvalidInput({"delegateTo": "Choose a colleague other than yourself."})
        if not same_agency:
            raise InvalidInput({"delegateTo": f"Choose a colleague in {self.agency}: invitations are to agencies."})
        self.status = InvitationStatus.DELEGATED
        self.answered_at = now
        self.delegated_to = to
        self.version += 1
        return PartnerInvitation(
            case_id=self.case_id,
            agency=self.agency,
            contact=to,
            invited_by=self.invited_by,
            invited_at=now,
            answer_by=answer_by(now),
            agreement=self.agreement,
            delegated_from_id=self.id,
        )

    def _require_open(self, now: datetime, field_name: str) -> None:
        if self.status is not InvitationStatus.INVITED:
            raise InvalidInput({field_name: f"This invitation has already been answered: {self.status.label.lower()}."})
        if self.expired(now):
            raise InvalidInput(
                {
                    field_name: f"This invitation expired on {self.answer_by:%-d %B %Y}. Ask the lead reviewer for "
                    "a new one if you can still help."
                }
            )


def answer_by(invited_at: datetime) -> date:
    return clocks.add_working_days(invited_at.astimezone(LONDON).date(), INVITATION_ANSWER_WORKING_DAYS)


def parse_summary(raw: object) -> str:
    text = "\n".join(line.rstrip() for line in raw.strip().splitlines()) if isinstance(raw, str) else ""
    if len(text) < MIN_SUMMARY:
        raise InvalidInput(
            {
                "partnerSummary": "Write a short summary for partners: what happened, by role only (for example "
                "Victim A), and what the debrief asks of them. No names, no witness accounts."
            }
        )
    if len(text) > MAX_SUMMARY:
        raise InvalidInput({"partnerSummary": f"Keep the partner summary to {MAX_SUMMARY} characters or fewer."})
    return text
