"""A fake unit of work: the process's rules tested without a database (cosmicpython's pattern)."""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Self

from debrief.actions import ActionRequest, RequestState
from debrief.audit import AuditEntry, AuditFilter, AuditRecord
from debrief.chronology import ChronologyEntry, ChronologyLock
from debrief.consent import ConsentRecord
from debrief.contributors import Contributor
from debrief.digests import Digest, DigestKind
from debrief.disclosure import DocumentDelivery, EntryVersion, Kept, OutcomeRecord, Removal
from debrief.errors import ConcurrentChange, DuplicateIncident
from debrief.learning import Action, ActionStatus, LearningPoint, Outcome, Recommendation, SignOff, SignOffState
from debrief.meetings import Meeting
from debrief.messages import OutboundMessage
from debrief.model import Case, CaseErased, CaseStatus, Person
from debrief.oversight import ActionRecord, ActionTally, CaseMilestones, TallyBy, ThemeTally
from debrief.parameters import ParametersRevision
from debrief.partners import InvitationStatus, PartnerInvitation, PartnerSummary
from debrief.retention import Holding, HoldingKind, RetentionDecision, holdings_of


class FakeCases:
    def __init__(self) -> None:
        self.stored: dict[int, Case] = {}
        self._counters: dict[int, int] = {}

    async def get(self, case_id: int) -> Case | None:
        case = self.stored.get(case_id)
        return _unless_erased(copy.deepcopy(case)) if case else None

    async def get_by_number(self, case_number: str) -> Case | None:
        found = next((c for c in self.stored.values() if c.case_number == case_number), None)
        return _unless_erased(copy.deepcopy(found)) if found else None

    async def get_by_reference(self, incident_reference: str) -> Case | None:
        return next(
            (copy.deepcopy(c) for c in self.stored.values() if c.nomination.incident_reference == incident_reference),
            None,
        )

    async def add(self, case: Case) -> Case:
        if (existing := await self.get_by_reference(case.nomination.incident_reference)) is not None:
            raise DuplicateIncident(case.nomination.incident_reference, existing.case_number)
        year = case.nominated_at.year
        self._counters[year] = self._counters.get(year, 0) + 1
        case.case_number = f"RD-{year}-{self._counters[year]:04d}"
        case.id = len(self.stored) + 1
        self.stored[case.id] = copy.deepcopy(case)
        return case

    async def save(self, case: Case) -> None:
        """Like storage: only from the version stored, which it counts up."""
        assert case.id is not None
        stored = self.stored.get(case.id)
        if stored is None or stored.version != case.version:
            raise ConcurrentChange(f"case {case.case_number} changed while this action ran")
        case.version += 1
        self.stored[case.id] = copy.deepcopy(case)


def _unless_erased(case: Case) -> Case:
    """Like storage: an erased case is never read as a Case."""
    if case.erased_at is not None:
        raise CaseErased(case.case_number, case.erased_at)
    return case


class FakeParameters:
    def __init__(self) -> None:
        self.revisions: dict[int, list[ParametersRevision]] = {}

    async def latest(self, case_id: int) -> ParametersRevision | None:
        kept = self.revisions.get(case_id)
        return kept[-1] if kept else None

    async def add(self, case_id: int, revision: ParametersRevision) -> None:
        self.revisions.setdefault(case_id, []).append(revision)


class FakeConsents:
    def __init__(self) -> None:
        self.records: dict[int, list[ConsentRecord]] = {}

    async def latest(self, case_id: int) -> ConsentRecord | None:
        kept = self.records.get(case_id)
        return kept[-1] if kept else None

    async def add(self, case_id: int, record: ConsentRecord) -> None:
        self.records.setdefault(case_id, []).append(record)


class FakeContributors:
    def __init__(self) -> None:
        self.invited: dict[int, list[Contributor]] = {}

    async def list(self, case_id: int) -> list[Contributor]:
        """In the order the real repository gives: by invitation time, then name."""
        return sorted(self.invited.get(case_id, []), key=lambda c: (c.invited_at, c.person.name))

    async def add(self, case_id: int, contributor: Contributor) -> None:
        self.invited.setdefault(case_id, []).append(contributor)

    async def cases_of(self, user_id: str) -> builtins.list[int]:
        found = [
            (c.invited_at, case_id) for case_id, cs in self.invited.items() for c in cs if c.person.user_id == user_id
        ]
        return [case_id for _, case_id in sorted(found, reverse=True)]

    async def awaiting(self, *, deadline_from: date) -> builtins.list[tuple[int, Contributor]]:
        return [
            (case_id, c)
            for case_id in sorted(self.invited)
            for c in self.invited[case_id]
            if c.deadline >= deadline_from
        ]


class FakeChronology:
    """Entries as they stand (`stored`) and every version ever written (`history`), like the real repository:
    a save must come from the stored version, or it is a ConcurrentChange."""

    def __init__(self) -> None:
        self.stored: dict[int, ChronologyEntry] = {}
        self.history: list[ChronologyEntry] = []
        self.locks: dict[int, ChronologyLock] = {}
        self.changes: dict[tuple[int, int], tuple[Person, datetime]] = {}
        """(entry id, version) -> who wrote that version and when (as the real history keeps them)."""

    async def list(self, case_id: int, *, contributor_id: str | None = None) -> list[ChronologyEntry]:
        return [
            copy.deepcopy(e)
            for _, e in sorted(self.stored.items())
            if e.case_id == case_id and (contributor_id is None or e.contributor.user_id == contributor_id)
        ]

    async def get(self, entry_id: int) -> ChronologyEntry | None:
        entry = self.stored.get(entry_id)
        return copy.deepcopy(entry) if entry else None

    async def add(self, entry: ChronologyEntry) -> ChronologyEntry:
        entry.id = max(self.stored, default=0) + 1
        entry.version = 1
        self.stored[entry.id] = copy.deepcopy(entry)
        self.history.append(copy.deepcopy(entry))
        self.changes[(entry.id, 1)] = (entry.contributor, entry.recorded_at)
        return entry

    async def save(self, entry: ChronologyEntry, *, by: Person, at: datetime) -> None:
        assert entry.id is not None
        current = self.stored.get(entry.id)
        if current is None or current.version != entry.version - 1:
            raise ConcurrentChange(f"chronology entry {entry.id} changed while this action ran")
        self.stored[entry.id] = copy.deepcopy(entry)
        self.history.append(copy.deepcopy(entry))
        self.changes[(entry.id, entry.version)] = (by, at)

    def versions(self, entry_id: int) -> builtins.list[ChronologyEntry]:
        """Every version of one entry, oldest first (for tests)."""
        return [e for e in self.history if e.id == entry_id]

    async def contributors_with_entries(self, case_id: int) -> set[str]:
        return {e.contributor.user_id for e in self.stored.values() if e.case_id == case_id}

    async def lock_of(self, case_id: int) -> ChronologyLock | None:
        return self.locks.get(case_id)

    async def lock(self, case_id: int, lock: ChronologyLock) -> None:
        if case_id in self.locks:
            raise ConcurrentChange(f"the chronology of case {case_id} was locked while this action ran")
        self.locks[case_id] = lock


class FakeReminders:
    def __init__(self) -> None:
        self.records: dict[tuple[int, str, str], datetime] = {}
        """(case id, user id, reminder) -> when it was sent."""

    async def sent(self, case_id: int) -> set[tuple[str, str]]:
        return {(user_id, reminder) for (c, user_id, reminder) in self.records if c == case_id}

    async def add(self, case_id: int, user_id: str, reminder: str, sent_at: datetime) -> None:
        key = (case_id, user_id, reminder)
        if key in self.records:
            raise ConcurrentChange(f"a reminder of case {case_id} was recorded while this action ran")
        self.records[key] = sent_at


class FakePartners:
    """Summaries by revision and invitations as they stand, like the real repository: a second summary of the same
    revision, or a save that does not come from the stored version, is a ConcurrentChange."""

    def __init__(self) -> None:
        self.summaries: dict[int, list[PartnerSummary]] = {}
        self.stored: dict[int, PartnerInvitation] = {}

    async def summary(self, case_id: int) -> PartnerSummary | None:
        kept = self.summaries.get(case_id)
        return max(kept, key=lambda s: s.revision) if kept else None

    async def add_summary(self, case_id: int, summary: PartnerSummary) -> None:
        kept = self.summaries.setdefault(case_id, [])
        if any(s.revision == summary.revision for s in kept):
            raise ConcurrentChange(f"the partner summary of case {case_id} changed while this action ran")
        kept.append(summary)

    async def invitations(self, case_id: int) -> builtins.list[PartnerInvitation]:
        return [copy.deepcopy(i) for _, i in sorted(self.stored.items()) if i.case_id == case_id]

    async def invitations_of(self, user_id: str) -> builtins.list[PartnerInvitation]:
        found = [i for i in self.stored.values() if i.contact.user_id == user_id]
        return [copy.deepcopy(i) for i in sorted(found, key=lambda i: (i.invited_at, i.id or 0), reverse=True)]

    async def get_invitation(self, invitation_id: int) -> PartnerInvitation | None:
        invitation = self.stored.get(invitation_id)
        return copy.deepcopy(invitation) if invitation else None

    async def add_invitation(self, invitation: PartnerInvitation) -> PartnerInvitation:
        invitation.id = max(self.stored, default=0) + 1
        self.stored[invitation.id] = copy.deepcopy(invitation)
        return invitation

    async def save_invitation(self, invitation: PartnerInvitation) -> None:
        assert invitation.id is not None
        current = self.stored.get(invitation.id)
        if current is None or current.version != invitation.version - 1:
            raise ConcurrentChange(f"partner invitation {invitation.id} changed while this action ran")
        self.stored[invitation.id] = copy.deepcopy(invitation)

    async def awaiting_answer(self, *, answer_by_from: date) -> builtins.list[PartnerInvitation]:
        found = [
            i for i in self.stored.values() if i.status is InvitationStatus.INVITED and i.answer_by >= answer_by_from
        ]
        return [copy.deepcopy(i) for i in sorted(found, key=lambda i: (i.case_id, i.id or 0))]


class FakeMeetings:
    """One meeting per case, as it stands; a save must come from the stored version, or it is a ConcurrentChange."""

    def __init__(self) -> None:
        self.stored: dict[int, Meeting] = {}

    async def get(self, case_id: int) -> Meeting | None:
        meeting = self.stored.get(case_id)
        return copy.deepcopy(meeting) if meeting else None

    async def add(self, meeting: Meeting) -> None:
        if meeting.case_id in self.stored:
            raise ConcurrentChange(f"the meeting of case {meeting.case_id} changed while this action ran")
        self.stored[meeting.case_id] = copy.deepcopy(meeting)

    async def save(self, meeting: Meeting) -> None:
        current = self.stored.get(meeting.case_id)
        if current is None or current.version != meeting.version - 1:
            raise ConcurrentChange(f"the meeting of case {meeting.case_id} changed while this action ran")
        self.stored[meeting.case_id] = copy.deepcopy(meeting)


class FakeActions:
    """Actions after circulation, on the outcome fake's records, refusing stale versions like the real one."""

    def __init__(self, outcomes: FakeOutcomes) -> None:
        self._outcomes = outcomes

    async def get(self, action_id: int) -> Action | None:
        action = self._outcomes.actions.get(action_id)
        if action is None or ("action", action_id) in self._outcomes.removed:
            return None
        return copy.deepcopy(action)

    async def open(self) -> list[Action]:
        """Circulated actions still to do, on any case, soonest due first."""
        found = [
            copy.deepcopy(action)
            for action_id, action in self._outcomes.actions.items()
            if ("action", action_id) not in self._outcomes.removed
            and not action.final
            and (circulated := self._outcomes.circulated.get(action.case_id)) is not None
            and action.created_at <= circulated
        ]
        return sorted(found, key=lambda a: (a.due, a.id or 0))

    async def save(self, action: Action) -> None:
        assert action.id is not None
        stored = self._outcomes.actions.get(action.id)
        if stored is None or stored.version != action.version - 1:
            raise ConcurrentChange(f"action {action.id} changed while this action ran")
        self._outcomes.actions[action.id] = copy.deepcopy(action)

    async def requests(self, action_id: int) -> list[ActionRequest]:
        return [copy.deepcopy(r) for _, r in sorted(self._outcomes.requests.items()) if r.action_id == action_id]

    async def add_request(self, request: ActionRequest) -> ActionRequest:
        waiting = [r for r in self._outcomes.requests.values() if r.action_id == request.action_id]
        if any(r.state is RequestState.PENDING for r in waiting) and request.state is RequestState.PENDING:
            raise ConcurrentChange(f"a request about action {request.action_id} was made meanwhile")
        made = replace(request, id=max(self._outcomes.requests, default=0) + 1)
        assert made.id is not None
        self._outcomes.requests[made.id] = made
        return made

    async def save_request(self, request: ActionRequest) -> None:
        assert request.id is not None
        stored = self._outcomes.requests.get(request.id)
        if stored is None or stored.state is not RequestState.PENDING:
            raise ConcurrentChange(f"request {request.id} was decided meanwhile")
        self._outcomes.requests[request.id] = request


class FakeOutcomes:
    """Items as they stand (a removed one is kept in `removed`), one version per case and the sign-offs, like the
    real repository: a change counted from a version that moved, a second request about the same version or an
    answer to a request already answered is a ConcurrentChange."""

    def __init__(self) -> None:
        self.learning: dict[int, LearningPoint] = {}
        self.recommendations: dict[int, Recommendation] = {}
        self.actions: dict[int, Action] = {}
        self.removed: dict[tuple[str, int], tuple[Person, datetime]] = {}
        """(kind, item id) -> who removed it and when."""
        self.versions: dict[int, int] = {}
        self.sign_offs: dict[tuple[int, int], SignOff] = {}
        """(case id, outcome version) -> the request and its answer."""
        self.circulated: dict[int, datetime] = {}
        self.requests: dict[int, ActionRequest] = {}
        """Requests about actions (FakeActions keeps them here, so they roll back with the rest)."""

    def kept(self) -> tuple[dict[Any, Any], ...]:
        """Everything it holds, for the unit of work's snapshot and rollback."""
        return (
            self.learning,
            self.recommendations,
            self.actions,
            self.removed,
            self.versions,
            self.sign_offs,
            self.circulated,
            self.requests,
        )

    async def get(self, case_id: int) -> Outcome:
        if case_id not in self.versions and case_id not in self.circulated:
            return Outcome()
        sign_offs = [s for (c, _), s in self.sign_offs.items() if c == case_id]
        return Outcome(
            learning=self._current("learning", case_id),
            recommendations=self._current("recommendation", case_id),
            actions=self._current("action", case_id),
            version=self.versions.get(case_id, 0),
            sign_off=max(sign_offs, key=lambda s: s.outcome_version) if sign_offs else None,
            circulated_at=self.circulated.get(case_id),
        )

    def _current(self, kind: str, case_id: int) -> tuple[Any, ...]:
        return tuple(
            copy.deepcopy(item)
            for item_id, item in sorted(self._items(kind).items())
            if item.case_id == case_id and (kind, item_id) not in self.removed
        )

    async def add_learning_point(self, point: LearningPoint) -> LearningPoint:
        point.id = max(self.learning, default=0) + 1
        self.learning[point.id] = copy.deepcopy(point)
        return point

    async def add_recommendation(self, recommendation: Recommendation) -> Recommendation:
        recommendation.id = max(self.recommendations, default=0) + 1
        self.recommendations[recommendation.id] = copy.deepcopy(recommendation)
        return recommendation

    async def add_action(self, action: Action) -> Action:
        action.id = max(self.actions, default=0) + 1
        self.actions[action.id] = copy.deepcopy(action)
        return action

    async def remove(self, case_id: int, kind: str, item_id: int, *, by: Person, at: datetime) -> bool:
        item = self._items(kind).get(item_id)
        if item is None or item.case_id != case_id or (kind, item_id) in self.removed:
            return False
        self.removed[(kind, item_id)] = (by, at)
        return True

    def _items(self, kind: str) -> dict[int, Any]:
        if kind == "learning":
            return self.learning
        if kind == "recommendation":
            return self.recommendations
        if kind == "action":
            return self.actions
        raise ValueError(f"no such kind of outcome item: {kind!r}")

    async def advance(self, case_id: int, *, from_version: int) -> int:
        if self.versions.get(case_id, 0) != from_version:
            raise ConcurrentChange(f"the outcome of case {case_id} changed while this action ran")
        self.versions[case_id] = from_version + 1
        return from_version + 1

    async def add_sign_off(self, case_id: int, sign_off: SignOff) -> None:
        key = (case_id, sign_off.outcome_version)
        if key in self.sign_offs:
            raise ConcurrentChange(f"the sign-off of case {case_id} changed while this action ran")
        self.sign_offs[key] = sign_off

    async def answer_sign_off(self, case_id: int, sign_off: SignOff) -> None:
        key = (case_id, sign_off.outcome_version)
        asked = self.sign_offs.get(key)
        if asked is None or asked.state is not SignOffState.REQUESTED:
            raise ConcurrentChange(f"the sign-off of case {case_id} was answered while this action ran")
        # Only the answer is written: the request stays as it was asked.
        self.sign_offs[key] = SignOff(
            outcome_version=asked.outcome_version,
            state=sign_off.state,
            requested_by=asked.requested_by,
            requested_at=asked.requested_at,
            answered_by=sign_off.answered_by,
            answered_at=sign_off.answered_at,
            comment=sign_off.comment,
        )

    async def mark_circulated(self, case_id: int, at: datetime) -> None:
        self.circulated[case_id] = at


class FakeDisclosure:
    """Read only, from the other fakes' records, like the real repository; `deliveries` stands in for the document
    links (made outside the unit of work), for a test to fill."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.deliveries: dict[int, list[DocumentDelivery]] = {}

    async def parameter_revisions(self, case_id: int) -> list[ParametersRevision]:
        return list(self._uow.parameters.revisions.get(case_id, []))

    async def consents(self, case_id: int) -> list[ConsentRecord]:
        return list(self._uow.consents.records.get(case_id, []))

    async def partner_summaries(self, case_id: int) -> list[PartnerSummary]:
        return sorted(self._uow.partners.summaries.get(case_id, []), key=lambda s: s.revision)

    async def entry_versions(self, case_id: int) -> list[EntryVersion]:
        chronology = self._uow.chronology
        kept = sorted((e for e in chronology.history if e.case_id == case_id), key=lambda e: (e.id or 0, e.version))
        return [EntryVersion(copy.deepcopy(e), *chronology.changes[(e.id or 0, e.version)]) for e in kept]

    async def outcome_items(self, case_id: int) -> OutcomeRecord:
        outcomes = self._uow.outcomes

        def kept(kind: str) -> tuple[Kept[Any], ...]:
            removed = {i: Removal(*at) for (k, i), at in outcomes.removed.items() if k == kind}
            items = sorted(outcomes._items(kind).items())
            return tuple(Kept(copy.deepcopy(item), removed.get(i)) for i, item in items if item.case_id == case_id)

        return OutcomeRecord(
            learning=kept("learning"),
            recommendations=kept("recommendation"),
            actions=kept("action"),
            sign_offs=tuple(s for (c, _), s in sorted(outcomes.sign_offs.items()) if c == case_id),
        )

    async def document_deliveries(self, case_id: int) -> list[DocumentDelivery]:
        return list(self.deliveries.get(case_id, []))

    async def audit_records(self, case_id: int) -> list[AuditRecord]:
        return [r for r in self._uow.committed_audit if r.case_id == case_id]

    async def case_id(self, case_number: str) -> int | None:
        return next((i for i, c in self._uow.cases.stored.items() if c.case_number == case_number), None)


class FakeRetention:
    """Closure and review queries, retention history and erasure over the other fakes' records, like the real
    repository: a second notice for the same review date, or erasing a case that changed, is a ConcurrentChange."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.decided: dict[int, list[RetentionDecision]] = {}
        self.notices: dict[tuple[int, date], datetime] = {}

    def kept(self) -> tuple[dict[Any, Any], ...]:
        return (self.decided, self.notices)

    async def closing_candidates(self) -> builtins.list[int]:
        found = []
        for case_id, case in sorted(self._uow.cases.stored.items()):
            if case.closed_at is not None or case.erased_at is not None:
                continue
            if case.status in (CaseStatus.DECLINED, CaseStatus.MERGED):
                found.append(case_id)
            elif case.status is CaseStatus.ACCEPTED:
                outcome = await self._uow.outcomes.get(case_id)
                if outcome.approved and all(a.final for a in outcome.actions):
                    found.append(case_id)
        return found

    async def due_for_review(self, *, today: date) -> builtins.list[int]:
        due = [
            (case.review_due, case_id)
            for case_id, case in self._uow.cases.stored.items()
            if case.closed_at is not None
            and case.erased_at is None
            and case.review_due is not None
            and case.review_due <= today
            and (case_id, case.review_due) not in self.notices
        ]
        return [case_id for _, case_id in sorted(due)]

    async def add_notice(self, case_id: int, review_due: date, sent_at: datetime) -> None:
        if (case_id, review_due) in self.notices:
            raise ConcurrentChange(f"the review card of case {case_id} was sent while this action ran")
        self.notices[(case_id, review_due)] = sent_at

    async def decisions(self, case_id: int) -> builtins.list[RetentionDecision]:
        return list(self.decided.get(case_id, []))

    async def add_decision(self, case_id: int, decision: RetentionDecision) -> None:
        self.decided.setdefault(case_id, []).append(decision)

    def _rows(self, case_id: int) -> dict[HoldingKind, builtins.list[tuple[dict[Any, Any] | builtins.list[Any], Any]]]:
        """Where each kind of the case's content lives in the fakes: (container, key or item) pairs."""
        u = self._uow
        outcomes = u.outcomes
        action_ids = {i for i, a in outcomes.actions.items() if a.case_id == case_id}
        in_dicts: dict[HoldingKind, tuple[dict[Any, Any], builtins.list[Any]]] = {
            HoldingKind.CHRONOLOGY_ENTRIES: (
                u.chronology.stored,
                [i for i, e in u.chronology.stored.items() if e.case_id == case_id],
            ),
            HoldingKind.CHRONOLOGY_LOCK: (u.chronology.locks, [case_id] if case_id in u.chronology.locks else []),
            HoldingKind.PARTNER_INVITATIONS: (
                u.partners.stored,
                [i for i, p in u.partners.stored.items() if p.case_id == case_id],
            ),
            HoldingKind.MEETING: (u.meetings.stored, [case_id] if case_id in u.meetings.stored else []),
            HoldingKind.OUTCOME: (
                outcomes.versions,
                [case_id] if case_id in outcomes.versions or case_id in outcomes.circulated else [],
            ),
            HoldingKind.LEARNING_POINTS: (
                outcomes.learning,
                [i for i, p in outcomes.learning.items() if p.case_id == case_id],
            ),
            HoldingKind.RECOMMENDATIONS: (
                outcomes.recommendations,
                [i for i, r in outcomes.recommendations.items() if r.case_id == case_id],
            ),
            HoldingKind.ACTIONS: (outcomes.actions, sorted(action_ids)),
            HoldingKind.ACTION_REQUESTS: (
                outcomes.requests,
                [i for i, r in outcomes.requests.items() if r.action_id in action_ids],
            ),
            HoldingKind.SIGN_OFFS: (outcomes.sign_offs, [k for k in outcomes.sign_offs if k[0] == case_id]),
            HoldingKind.REMINDERS: (u.reminders.records, [k for k in u.reminders.records if k[0] == case_id]),
        }
        rows: dict[HoldingKind, builtins.list[tuple[dict[Any, Any] | builtins.list[Any], Any]]] = {
            kind: [(container, key) for key in keys] for kind, (container, keys) in in_dicts.items()
        }
        by_case: dict[HoldingKind, dict[int, Any]] = {
            HoldingKind.PARAMETERS: u.parameters.revisions,
            HoldingKind.CONSENTS: u.consents.records,
            HoldingKind.CONTRIBUTORS: u.contributors.invited,
            HoldingKind.PARTNER_SUMMARIES: u.partners.summaries,
        }
        for kind, kept in by_case.items():
            rows[kind] = [(kept[case_id], item) for item in kept.get(case_id, [])]
        rows[HoldingKind.CHRONOLOGY_VERSIONS] = [
            (u.chronology.history, e) for e in u.chronology.history if e.case_id == case_id
        ]
        return rows

    async def holdings(self, case_id: int) -> tuple[Holding, ...]:
        case = self._uow.cases.stored[case_id]
        counts = {kind: len(found) for kind, found in self._rows(case_id).items()}
        counts[HoldingKind.NOMINATION] = 1
        counts[HoldingKind.TRIAGE_DECISIONS] = len(case.decisions)
        return holdings_of(counts)

    async def erase(self, case: Case, *, at: datetime) -> tuple[Holding, ...]:
        assert case.id is not None
        stored = self._uow.cases.stored.get(case.id)
        if stored is None or stored.version != case.version or stored.erased_at is not None or stored.legal_hold:
            raise ConcurrentChange(f"case {case.case_number} changed while it was being erased")
        erased = await self.holdings(case.id)
        for found in self._rows(case.id).values():
            for container, key in found:
                if isinstance(container, dict):
                    del container[key]
                else:
                    container.remove(key)
        case.version += 1
        case.erased_at = at
        # The tombstone: the fake keeps Case objects, so it blanks their text as the real one overwrites columns.
        blank = Person("[erased]", "[erased]")
        self._uow.cases.stored[case.id] = replace(
            stored,
            nomination=replace(
                stored.nomination,
                incident_reference=f"[erased] {stored.case_number}",
                operation_name=None,
                policing_area="[erased]",
                scope_reason="[erased]",
                sio=blank,
            ),
            nominator=blank,
            lead_reviewer=None,
            decisions=[],
            erased_at=at,
            version=case.version,
        )
        return erased


class FakeAuditLog:
    """Searches what its unit of work committed (ids count from 1 in commit order), as the database would."""

    def __init__(self, committed: Callable[[], list[AuditRecord]] = list, cases: FakeCases | None = None) -> None:
        self.pending: list[tuple[AuditRecord, Case | None]] = []
        self._committed = committed
        self._cases = cases if cases is not None else FakeCases()

    def add(self, record: AuditRecord, *, case: Case | None = None) -> None:
        self.pending.append((record, case))

    async def search(self, where: AuditFilter, *, offset: int = 0, limit: int | None = None) -> list[AuditEntry]:
        numbers = {case_id: case.case_number for case_id, case in self._cases.stored.items()}
        found = [
            AuditEntry(index, record, numbers.get(record.case_id) if record.case_id is not None else None)
            for index, record in enumerate(self._committed(), start=1)
            if where.matches(record)
        ][::-1]
        return found[offset:] if limit is None else found[offset : offset + limit]

    async def count(self, where: AuditFilter) -> int:
        return sum(1 for record in self._committed() if where.matches(record))

    async def case_id(self, case_number: str) -> int | None:
        return next((i for i, case in self._cases.stored.items() if case.case_number == case_number), None)


class FakeOutbox:
    def __init__(self) -> None:
        self.pending: list[OutboundMessage] = []

    def add(self, message: OutboundMessage) -> None:
        self.pending.append(message)


class FakeOversight:
    """Read only, from the other fakes' records, counting what the real repository's queries count."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def milestones(self) -> builtins.list[CaseMilestones]:
        uow = self._uow
        found = []
        for case_id, case in sorted(uow.cases.stored.items()):
            erased = case.erased_at is not None
            nomination = case.nomination
            consents = [r.at for r in uow.consents.records.get(case_id, []) if r.answer.allows_collection]
            meeting = uow.meetings.stored.get(case_id)
            decided = [d.decided_at for d in case.decisions if d.outcome.is_final]
            approved = [
                s.answered_at
                for (c, _), s in uow.outcomes.sign_offs.items()
                if c == case_id and s.state is SignOffState.APPROVED and s.answered_at is not None
            ]
            found.append(
                CaseMilestones(
                    case_id=case_id,
                    case_number=case.case_number,
                    status=case.status,
                    nominated_at=case.nominated_at,
                    incident_at=None if erased else nomination.incident_at,
                    offence_type=None if erased else nomination.offence_type,
                    context=None if erased else nomination.context,
                    harm=None if erased else nomination.harm,
                    policing_area=None if erased else nomination.policing_area,
                    triaged_at=None if erased else min(decided, default=None),
                    consent_at=None if erased else min(consents, default=None),
                    meeting_at=None if erased or meeting is None else meeting.starts_at,
                    signed_off_at=None if erased else min(approved, default=None),
                    circulated_at=None if erased else uow.outcomes.circulated.get(case_id),
                    closed_at=case.closed_at,
                    erased_at=case.erased_at,
                )
            )
        return found

    def _given(self, kind: str) -> builtins.list[Any]:
        """Current items of a kind recorded before their case's outcome was circulated, of cases not erased."""
        outcomes, cases = self._uow.outcomes, self._uow.cases.stored
        stamp = "created_at" if kind == "action" else "recorded_at"
        return [
            item
            for item_id, item in sorted(outcomes._items(kind).items())
            if (kind, item_id) not in outcomes.removed
            and (circulated := outcomes.circulated.get(item.case_id)) is not None
            and getattr(item, stamp) <= circulated
            and cases[item.case_id].erased_at is None
        ]

    async def action_tallies(self, *, today: date, by: TallyBy) -> builtins.list[ActionTally]:
        counts: dict[tuple[ActionStatus, str], list[int]] = {}
        for action in self._given("action"):
            group = action.owner.user_id if by is TallyBy.OWNER else action.theme
            tally = counts.setdefault((action.status, group), [0, 0])
            tally[0] += 1
            tally[1] += not action.final and action.due < today
        return [ActionTally(*key, count, late) for key, (count, late) in sorted(counts.items())]

    async def action_records(self, *, open_only: bool) -> builtins.list[ActionRecord]:
        cases = self._uow.cases.stored
        return [
            ActionRecord(
                cases[a.case_id].case_number,
                a.id,
                a.description,
                a.owner.user_id,
                a.theme,
                a.priority,
                a.route,
                a.status,
                a.due,
            )
            for a in sorted(self._given("action"), key=lambda a: (a.case_id, a.id))
            if not (open_only and a.final)
        ]

    async def learning_tallies(self, *, starts: builtins.list[datetime]) -> builtins.list[ThemeTally]:
        counts: dict[tuple[int, str], int] = {}
        for point in self._given("learning"):
            if not starts or point.recorded_at < starts[0]:
                continue
            period = next((i for i, start in enumerate(starts[1:]) if point.recorded_at < start), len(starts) - 1)
            counts[(period, point.theme)] = counts.get((period, point.theme), 0) + 1
        return [ThemeTally(period, theme, count) for (period, theme), count in sorted(counts.items())]


class FakeDigests:
    """The digests sent, one per kind and period, like the real repository's unique key."""

    def __init__(self) -> None:
        self.stored: dict[int, Digest] = {}

    def kept(self) -> tuple[dict[Any, Any], ...]:
        return (self.stored,)

    async def add(self, digest: Digest) -> Digest:
        if any(d.kind is digest.kind and d.period == digest.period for d in self.stored.values()):
            raise ConcurrentChange(f"the {digest.kind.label} for {digest.period} was recorded meanwhile")
        made = replace(digest, id=max(self.stored, default=0) + 1)
        assert made.id is not None
        self.stored[made.id] = made
        return made

    async def get(self, digest_id: int) -> Digest | None:
        return self.stored.get(digest_id)

    async def find(self, kind: DigestKind, period: str) -> Digest | None:
        return next((d for d in self.stored.values() if d.kind is kind and d.period == period), None)


class FakeUnitOfWork:
    """Keeps what was committed apart from what was only added, as a real transaction would."""

    def __init__(self) -> None:
        self.cases = FakeCases()
        self.parameters = FakeParameters()
        self.consents = FakeConsents()
        self.contributors = FakeContributors()
        self.chronology = FakeChronology()
        self.reminders = FakeReminders()
        self.partners = FakePartners()
        self.meetings = FakeMeetings()
        self.outcomes = FakeOutcomes()
        self.actions = FakeActions(self.outcomes)
        self.retention = FakeRetention(self)
        self.disclosure = FakeDisclosure(self)
        self.oversight = FakeOversight(self)
        self.digests = FakeDigests()
        self.outbox = FakeOutbox()
        self.committed_audit: list[AuditRecord] = []
        self.audit = FakeAuditLog(lambda: self.committed_audit, self.cases)
        self.committed_messages: list[OutboundMessage] = []
        self.processed: list[int | None] = []
        self._mark: list[int | None] = []
        self._snapshot: dict[int, Case] = {}
        self._repositories_snapshot = self._repositories_state()

    async def __aenter__(self) -> Self:
        self._snapshot = copy.deepcopy(self.cases.stored)
        self._repositories_snapshot = self._repositories_state()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.rollback()

    def mark_processed(self, case_id: int | None) -> None:
        self._mark = [case_id]

    async def commit(self) -> None:
        self.committed_audit += [self._resolve(r, c) for r, c in self.audit.pending]
        self.committed_messages += self.outbox.pending
        self.processed += self._mark
        self._clear()
        self._snapshot = copy.deepcopy(self.cases.stored)
        self._repositories_snapshot = self._repositories_state()

    async def commit_refusal(self) -> None:
        refusals = [self._resolve(r, None) for r, _ in self.audit.pending]
        await self.rollback()
        self.committed_audit += refusals

    async def rollback(self) -> None:
        self.cases.stored = copy.deepcopy(self._snapshot)
        self._restore_repositories(self._repositories_snapshot)
        self._clear()

    def _repositories_state(self) -> tuple[Any, ...]:
        c, p = self.chronology, self.partners
        return copy.deepcopy(
            (
                (c.stored, c.history, c.locks, self.reminders.records, p.summaries, p.stored, self.meetings.stored),
                self.outcomes.kept(),
                self.retention.kept(),
                self.digests.kept(),
            )
        )

    def _restore_repositories(self, state: tuple[Any, ...]) -> None:
        """In place, so a test holding `uow.chronology.history` (or `uow.partners.stored`, `uow.meetings.stored`,
        `uow.outcomes.actions` and the like) sees what the rollback left."""
        before, outcomes, retention, digests = copy.deepcopy(state)
        stored, history, locks, reminders, summaries, invitations, meetings = before
        self.chronology.stored.clear()
        self.chronology.stored.update(stored)
        self.chronology.history[:] = history
        self.chronology.locks.clear()
        self.chronology.locks.update(locks)
        self.reminders.records.clear()
        self.reminders.records.update(reminders)
        self.partners.summaries.clear()
        self.partners.summaries.update(summaries)
        self.partners.stored.clear()
        self.partners.stored.update(invitations)
        self.meetings.stored.clear()
        self.meetings.stored.update(meetings)
        for kept, restored in zip(
            (*self.outcomes.kept(), *self.retention.kept(), *self.digests.kept()),
            (*outcomes, *retention, *digests),
            strict=True,
        ):
            kept.clear()
            kept.update(restored)

    def _clear(self) -> None:
        self.audit.pending.clear()
        self.outbox.pending.clear()
        self._mark = []

    @staticmethod
    def _resolve(record: AuditRecord, case: Case | None) -> AuditRecord:
        if record.case_id is None and case is not None and case.id is not None:
            return AuditRecord(**{**record.__dict__, "case_id": case.id})
        return record
