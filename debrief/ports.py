"""What the process needs from storage, as protocols; storage/ implements them, tests fake them."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol, Self

from debrief.audit import AuditEntry, AuditFilter, AuditRecord
from debrief.messages import OutboundMessage
from debrief.model import Case, Person

if TYPE_CHECKING:
    from debrief.actions import ActionRequest
    from debrief.chronology import ChronologyEntry, ChronologyLock
    from debrief.consent import ConsentRecord
    from debrief.contributors import Contributor
    from debrief.digests import Digest, DigestKind
    from debrief.disclosure import DocumentDelivery, EntryVersion, OutcomeRecord
    from debrief.learning import Action, LearningPoint, Outcome, Recommendation, SignOff
    from debrief.meetings import Meeting
    from debrief.oversight import ActionRecord, ActionTally, CaseMilestones, TallyBy, ThemeTally
    from debrief.parameters import ParametersRevision
    from debrief.partners import PartnerInvitation, PartnerSummary
    from debrief.retention import Holding, RetentionDecision


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


class DisclosureRepository(Protocol):
    """Read only: what a disclosure bundle needs beyond what the working repositories return (earlier revisions,
    every version, removed items, deliveries and the audit trail)."""

    async def parameter_revisions(self, case_id: int) -> list[ParametersRevision]:
        """Every revision of the parameters, oldest first."""
        ...

    async def consents(self, case_id: int) -> list[ConsentRecord]:
        """Every answer of the SIO, oldest first."""
        ...

    async def partner_summaries(self, case_id: int) -> list[PartnerSummary]:
        """Every approved revision of the partner summary, oldest first."""
        ...

    async def entry_versions(self, case_id: int) -> list[EntryVersion]:
        """Every version of every chronology entry of the case (withdrawn ones too), by entry then version."""
        ...

    async def outcome_items(self, case_id: int) -> OutcomeRecord:
        """Every learning point, recommendation and action (removed ones too, with who removed them and when), in
        the order added, and every request for the SIO's sign-off, oldest first."""
        ...

    async def document_deliveries(self, case_id: int) -> list[DocumentDelivery]:
        """Every single-use link or file offer made for one of the case's documents, in the order made."""
        ...

    async def audit_records(self, case_id: int) -> list[AuditRecord]:
        """Every audit record of the case, in the order written."""
        ...

    async def case_id(self, case_number: str) -> int | None:
        """The id of the case with this number, its content erased or not (an erased case's bundle still holds its
        audit trail)."""
        ...


class OversightRepository(Protocol):
    """Read only, light columns: what the oversight figures count (dates, statuses, themes, owners' ids), never case
    text or names beyond an action's own description."""

    async def milestones(self) -> list[CaseMilestones]:
        """Every case (erased ones as their tombstone), with the dates each step was reached, by case id."""
        ...

    async def action_tallies(self, *, today: date, by: TallyBy) -> builtins.list[ActionTally]:
        """Circulated, current actions of cases not erased, counted by status and owner (or theme), with how many of
        each are overdue (not final and due before `today`)."""
        ...

    async def action_records(self, *, open_only: bool) -> builtins.list[ActionRecord]:
        """Circulated, current actions of cases not erased (only those not final, if `open_only`), by case and id."""
        ...

    async def learning_tallies(self, *, starts: builtins.list[datetime]) -> builtins.list[ThemeTally]:
        """Agreed learning points (current, and recorded before their outcome was circulated) of cases not erased, by
        theme and period: period i runs from starts[i] up to starts[i + 1] (the last one without end); points
        before starts[0] are not counted."""
        ...


class DigestRepository(Protocol):
    """The digests sent, one per kind and period (a unique key): recorded with their outbox row."""

    async def add(self, digest: Digest) -> Digest:
        """Record a digest, giving it its id; one already recorded for its kind and period is a ConcurrentChange."""
        ...

    async def get(self, digest_id: int) -> Digest | None: ...

    async def find(self, kind: DigestKind, period: str) -> Digest | None: ...


class RetentionRepository(Protocol):
    """Closure, review and erasure of cases (MoPI), and each case's retention history."""

    async def closing_candidates(self) -> builtins.list[int]:
        """Cases not closed (nor erased) that may have finished: declined or merged at triage, or accepted with
        the learning and actions approved as they stand and no action still to do."""
        ...

    async def due_for_review(self, *, today: date) -> builtins.list[int]:
        """Closed cases, not erased, whose review date has come and whose card has not yet gone out for that date."""
        ...

    async def add_notice(self, case_id: int, review_due: date, sent_at: datetime) -> None:
        """Record that the review card went out for this review date; a second time is a ConcurrentChange."""
        ...

    async def decisions(self, case_id: int) -> builtins.list[RetentionDecision]:
        """The case's retention history, oldest first."""
        ...

    async def add_decision(self, case_id: int, decision: RetentionDecision) -> None: ...

    async def holdings(self, case_id: int) -> tuple[Holding, ...]:
        """What is held about the case, by kind and count (never content)."""
        ...

    async def erase(self, case: Case, *, at: datetime) -> tuple[Holding, ...]:
        """Remove the case's content everywhere, leaving its tombstone (number, status, dates) and its audit trail;
        returns what was removed, by kind and count. ConcurrentChange unless the case is still at `case.version`,
        not erased and not held (its version is then counted up)."""
        ...


class AuditLog(Protocol):
    """Append-only and hash-chained (storage chains each record onto the one before at commit)."""

    def add(self, record: AuditRecord, *, case: Case | None = None) -> None:
        """Queue a record for this transaction; a new case's id is filled in when the case is stored."""
        ...

    async def search(
        self, where: AuditFilter, *, offset: int = 0, limit: int | None = None
    ) -> builtins.list[AuditEntry]:
        """Committed records that match, newest first, each with its case's number."""
        ...

    async def count(self, where: AuditFilter) -> int: ...

    async def case_id(self, case_number: str) -> int | None:
        """The id of the case with this number, erased or not (the log outlives a case's content)."""
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
    def disclosure(self) -> DisclosureRepository: ...

    @property
    def retention(self) -> RetentionRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def oversight(self) -> OversightRepository: ...

    @property
    def digests(self) -> DigestRepository: ...

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
