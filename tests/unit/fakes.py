"""A fake unit of work: the process's rules tested without a database (cosmicpython's pattern)."""

from __future__ import annotations

import builtins
import copy
from datetime import date, datetime
from typing import Any, Self

from debrief.audit import AuditRecord
from debrief.chronology import ChronologyEntry, ChronologyLock
from debrief.consent import ConsentRecord
from debrief.contributors import Contributor
from debrief.errors import ConcurrentChange, DuplicateIncident
from debrief.meetings import Meeting
from debrief.messages import OutboundMessage
from debrief.model import Case, Person
from debrief.parameters import ParametersRevision
from debrief.partners import InvitationStatus, PartnerInvitation, PartnerSummary


class FakeCases:
    def __init__(self) -> None:
        self.stored: dict[int, Case] = {}
        self._counters: dict[int, int] = {}

    async def get(self, case_id: int) -> Case | None:
        case = self.stored.get(case_id)
        return copy.deepcopy(case) if case else None

    async def get_by_number(self, case_number: str) -> Case | None:
        return next((copy.deepcopy(c) for c in self.stored.values() if c.case_number == case_number), None)

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
        assert case.id is not None
        self.stored[case.id] = copy.deepcopy(case)


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
        return list(self.invited.get(case_id, []))

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
        return entry

    async def save(self, entry: ChronologyEntry, *, by: Person, at: datetime) -> None:
        assert entry.id is not None
        current = self.stored.get(entry.id)
        if current is None or current.version != entry.version - 1:
            raise ConcurrentChange(f"chronology entry {entry.id} changed while this action ran")
        self.stored[entry.id] = copy.deepcopy(entry)
        self.history.append(copy.deepcopy(entry))

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


class FakeAuditLog:
    def __init__(self) -> None:
        self.pending: list[tuple[AuditRecord, Case | None]] = []

    def add(self, record: AuditRecord, *, case: Case | None = None) -> None:
        self.pending.append((record, case))


class FakeOutbox:
    def __init__(self) -> None:
        self.pending: list[OutboundMessage] = []

    def add(self, message: OutboundMessage) -> None:
        self.pending.append(message)


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
        self.audit = FakeAuditLog()
        self.outbox = FakeOutbox()
        self.committed_audit: list[AuditRecord] = []
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
            (c.stored, c.history, c.locks, self.reminders.records, p.summaries, p.stored, self.meetings.stored)
        )

    def _restore_repositories(self, state: tuple[Any, ...]) -> None:
        """In place, so a test holding `uow.chronology.history` (or `uow.partners.stored`, `uow.meetings.stored`)
        sees what the rollback left."""
        stored, history, locks, reminders, summaries, invitations, meetings = copy.deepcopy(state)
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

    def _clear(self) -> None:
        self.audit.pending.clear()
        self.outbox.pending.clear()
        self._mark = []

    @staticmethod
    def _resolve(record: AuditRecord, case: Case | None) -> AuditRecord:
        if record.case_id is None and case is not None and case.id is not None:
            return AuditRecord(**{**record.__dict__, "case_id": case.id})
        return record
