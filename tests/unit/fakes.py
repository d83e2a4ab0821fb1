"""A fake unit of work: the process's rules tested without a database (cosmicpython's pattern)."""

from __future__ import annotations

import copy
from typing import Self

from debrief.audit import AuditRecord
from debrief.consent import ConsentRecord
from debrief.contributors import Contributor
from debrief.errors import DuplicateIncident
from debrief.messages import OutboundMessage
from debrief.model import Case
from debrief.parameters import ParametersRevision


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
        return (self.revisions.get(case_id) or [None])[-1]

    async def add(self, case_id: int, revision: ParametersRevision) -> None:
        self.revisions.setdefault(case_id, []).append(revision)


class FakeConsents:
    def __init__(self) -> None:
        self.records: dict[int, list[ConsentRecord]] = {}

    async def latest(self, case_id: int) -> ConsentRecord | None:
        return (self.records.get(case_id) or [None])[-1]

    async def add(self, case_id: int, record: ConsentRecord) -> None:
        self.records.setdefault(case_id, []).append(record)


class FakeContributors:
    def __init__(self) -> None:
        self.invited: dict[int, list[Contributor]] = {}

    async def list(self, case_id: int) -> list[Contributor]:
        return list(self.invited.get(case_id, []))

    async def add(self, case_id: int, contributor: Contributor) -> None:
        self.invited.setdefault(case_id, []).append(contributor)


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
        self.audit = FakeAuditLog()
        self.outbox = FakeOutbox()
        self.committed_audit: list[AuditRecord] = []
        self.committed_messages: list[OutboundMessage] = []
        self.processed: list[int | None] = []
        self._mark: list[int | None] = []
        self._snapshot: dict[int, Case] = {}

    async def __aenter__(self) -> Self:
        self._snapshot = copy.deepcopy(self.cases.stored)
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

    async def commit_refusal(self) -> None:
        refusals = [self._resolve(r, None) for r, _ in self.audit.pending]
        await self.rollback()
        self.committed_audit += refusals

    async def rollback(self) -> None:
        self.cases.stored = copy.deepcopy(self._snapshot)
        self._clear()

    def _clear(self) -> None:
        self.audit.pending.clear()
        self.outbox.pending.clear()
        self._mark = []

    @staticmethod
    def _resolve(record: AuditRecord, case: Case | None) -> AuditRecord:
        if record.case_id is None and case is not None and case.id is not None:
            return AuditRecord(**{**record.__dict__, "case_id": case.id})
        return record
