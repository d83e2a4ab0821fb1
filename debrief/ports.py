"""What the process needs from storage, as protocols; storage/ implements them, tests fake them."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol, Self

from debrief.audit import AuditRecord
from debrief.messages import OutboundMessage
from debrief.model import Case, Person

if TYPE_CHECKING:
    from debrief.actions import ActionRequest
    from debrief.chronology import ChronologyEntry, ChronologyLock
    from debrief.consent import ConsentRecord
    from debrief.contributors import Contributor
    from debrief.learning import Action, LearningPoint, Outcome, Recommendation, SignOff
    from debrief.meetings import Meeting
    from debrief.parameters import ParametersRevision
    from debrief.partners import PartnerInvitation, PartnerSummary


class CaseRepository(Protocol):
    async def get(self, case_id: int) -> Case | None: ...

    async def get_by_number(self, case_number: str) -> Case | None: ...

    async def get_by_reference(self, incident_reference: str) -> Case | None: ...

    async def add(self, case: Case) -> Case:
        """Store a new case, giving it its id and its case number (RD-<year>-<sequence>).

        Raises DuplicateIncident if the incident already has a case: one case per incident reference.
        """
        ...

    async def save(self, case: Case) -> None: ...


class ParametersRepository(Protocol):
    async def latest(self, case_id: int) -> ParametersRevision | None: ...

    async def add(self, case_id: int, revision: ParametersRevision) -> None:
        """Keep a new revision; earlier revisions are never changed."""
        ...


class ConsentRepository(Protocol):
    async def latest(self, case_id: int) -> ConsentRecord | None: ...

    async def add(self, case_id: int, record: ConsentRecord) -> None: ...


class ContributorRepository(Protocol):
    async def list(self, case_id: int) -> list[Contributor]: ...

    async def add(self, case_id: int, contributor: Contributor) -> None: ...

    async def cases_of(self, user_id: str) -> builtins.list[int]:
        """The cases this officer has been invited to contribute to, newest invitation first."""
        ...

    async def awaiting(self, *, deadline_from: date) -> builtins.list[tuple[int, Contributor]]:
        """(case id, contributor) for every invitation whose deadline is on or after `deadline_from`."""
        ...


class PartnerRepository(Protocol):
    async def summary(self, case_id: int) -> PartnerSummary | None:
        """The latest approved partner summary."""
        ...

    async def add_summary(self, case_id: int, summary: PartnerSummary) -> None:
        """Keep a new revision; a second writer of the same revision is a ConcurrentChange."""
        ...

    async def invitations(self, case_id: int) -> builtins.list[PartnerInvitation]:
        """Every invitation of the case, oldest first (answered, delegated and expired ones too)."""
        ...

    async def invitations_of(self, user_id: str) -> builtins.list[PartnerInvitation]:
        """Every invitation this person has had, on any case, newest first."""
        ...

    async def get_invitation(self, invitation_id: int) -> PartnerInvitation | None: ...

    async def add_invitation(self, invitation: PartnerInvitation) -> PartnerInvitation:
        """Store a new invitation, giving it its id."""
        ...

    async def save_invitation(self, invitation: PartnerInvitation) -> None:
        """Write its new state; ConcurrentChange if it changed since it was read (its version)."""
        ...

    async def awaiting_answer(self, *, answer_by_from: date) -> builtins.list[PartnerInvitation]:
        """Unanswered invitations whose answer date is on or after `answer_by_from` (for reminders)."""
        ...


class MeetingRepository(Protocol):
    async def get(self, case_id: int) -> Meeting | None:
        """The case's debrief meeting (one per case)."""
        ...

    async def add(self, meeting: Meeting) -> None:
        """A second meeting for the same case is a ConcurrentChange."""
        ...

    async def save(self, meeting: Meeting) -> None:
        """Write its new state; ConcurrentChange if it changed since it was read (its version)."""
        ...


class OutcomeRepository(Protocol):
    """The debrief's output: learning points, recommendations and actions, with one version number per case that
    goes up with every change (the SIO signs off one version), the sign-offs, and when it was circulated."""

    async def get(self, case_id: int) -> Outcome:
        """Everything current (removed items are kept but not returned), the version and the latest sign-off."""
        ...

    async def add_learning_point(self, point: LearningPoint) -> LearningPoint: ...

    async def add_recommendation(self, recommendation: Recommendation) -> Recommendation: ...

    async def add_action(self, action: Action) -> Action: ...

    async def remove(self, case_id: int, kind: str, item_id: int, *, by: Person, at: datetime) -> bool:
        """Take an item ("learning", "recommendation" or "action") out of the outcome; it is kept as removed.
        False if there is no such current item."""
        ...

    async def advance(self, case_id: int, *, from_version: int) -> int:
        """Count a change: the version goes from `from_version` to the next; ConcurrentChange if it moved meanwhile."""
        ...

    async def add_sign_off(self, case_id: int, sign_off: SignOff) -> None:
        """Ask the SIO about one version; asking twice about the same version is a ConcurrentChange."""
        ...

    async def answer_sign_off(self, case_id: int, sign_off: SignOff) -> None:
        """Record the SIO's answer to the request for `sign_off.outcome_version`; ConcurrentChange if answered."""
        ...

    async def mark_circulated(self, case_id: int, at: datetime) -> None: ...


class ActionRepository(Protocol):
    """Actions after circulation: their status (kept on the same records the outcome holds) and the requests
    the working group decides."""

    async def get(self, action_id: int) -> Action | None:
        """A current (not removed) action."""
        ...

    async def open(self) -> builtins.list[Action]:
        """Every action its owner has been given and still has to do, on any case, soonest due first: current (not
        removed), not complete or "not doing", and circulated (recorded before its case's outcome was last
        circulated)."""
        ...

    async def save(self, action: Action) -> None:
        """Write its status, note, who/when and due date; ConcurrentChange unless stored at `action.version - 1`."""
        ...

    async def requests(self, action_id: int) -> builtins.list[ActionRequest]:
        """Every request about the action, oldest first."""
        ...

    async def add_request(self, request: ActionRequest) -> ActionRequest:
        """Store a pending request; a second pending request for the same action is a ConcurrentChange."""
        ...

    async def save_request(self, request: ActionRequest) -> None:
        """Record the decision on a pending request; ConcurrentChange if it was decided meanwhile."""
        ...


class ReminderRepository(Protocol):
    async def sent(self, case_id: int) -> set[tuple[str, str]]:
        """(user id, reminder) pairs already sent for the case."""
        ...

    async def add(self, case_id: int, user_id: str, reminder: str, sent_at: datetime) -> None:
        """Record a reminder; the same one twice is a ConcurrentChange (another instance sent it)."""
        ...


class ChronologyRepository(Protocol):
    async def list(self, case_id: int, *, contributor_id: str | None = None) -> list[ChronologyEntry]:
        """Every entry of the case (withdrawn ones too), or only one contributor's."""
        ...

    async def get(self, entry_id: int) -> ChronologyEntry | None: ...

    async def add(self, entry: ChronologyEntry) -> ChronologyEntry:
        """Store a new entry, giving it its id; its first version is kept in the entry's history."""
        ...

    async def save(self, entry: ChronologyEntry, *, by: Person, at: datetime) -> None:
        """Write the entry's new version and keep it in the history (who changed it, when); ConcurrentChange if
        another change won."""
        ...

    async def contributors_with_entries(self, case_id: int) -> set[str]:
        """Who has added at least one entry (withdrawn ones count: they took part)."""
        ...

    async def lock_of(self, case_id: int) -> ChronologyLock | None: ...

    async def lock(self, case_id: int, lock: ChronologyLock) -> None:
        """Lock the chronology for good; a second lock is a ConcurrentChange."""
        ...


class AuditLog(Protocol):
    def add(self, record: AuditRecord, *, case: Case | None = None) -> None:
        """Queue a record for this transaction; a new case's id is filled in when the case is stored."""
        ...


class Outbox(Protocol):
    def add(self, message: OutboundMessage) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: the change, its audit records, its outbound messages and the activity it answers."""

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def parameters(self) -> ParametersRepository: ...

    @property
    def consents(self) -> ConsentRepository: ...

    @property
    def contributors(self) -> ContributorRepository: ...

    @property
    def chronology(self) -> ChronologyRepository: ...

    @property
    def reminders(self) -> ReminderRepository: ...

    @property
    def partners(self) -> PartnerRepository: ...

    @property
    def meetings(self) -> MeetingRepository: ...

    @property
    def outcomes(self) -> OutcomeRepository: ...

    @property
    def actions(self) -> ActionRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def outbox(self) -> Outbox: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    def mark_processed(self, case_id: int | None) -> None:
        """Record that the activity being answered has taken effect, so a replay has no second effect."""
        ...

    async def commit(self) -> None: ...

    async def commit_refusal(self) -> None:
        """Commit only the audit records (a refused attempt); never the activity mark."""
        ...

    async def rollback(self) -> None: ...
