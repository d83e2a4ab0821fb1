"""The unit of work around one SQLAlchemy session, and the repositories the process sees through it."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time
from typing import Any, Self

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy import case as when_then
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.sqltypes import NullType

from debrief.actions import ActionRequest, RequestKind, RequestState
from debrief.audit import AuditCategory, AuditEntry, AuditFilter, AuditOutcome, AuditRecord, recipient_ids
from debrief.chronology import (
    ChronologyEntry,
    ChronologyLock,
    ContactType,
    EntryContent,
    InformationType,
    Precision,
    Review,
    RiskAssessment,
    RiskGrade,
)
from debrief.consent import ConsentAnswer, ConsentRecord
from debrief.contributors import Contributor
from debrief.digests import Digest, DigestKind
from debrief.disclosure import DocumentDelivery, EntryVersion, Kept, OutcomeRecord, Removal
from debrief.errors import AlreadyProcessed, ConcurrentChange, DuplicateIncident
from debrief.learning import (
    Action,
    ActionStatus,
    LearningKind,
    LearningPoint,
    Outcome,
    Priority,
    Recommendation,
    Route,
    SignOff,
    SignOffState,
)
from debrief.meetings import Meeting
from debrief.messages import OutboundMessage
from debrief.model import (
    LONDON,
    Case,
    CaseErased,
    CaseStatus,
    Harm,
    IncidentContext,
    LegalHold,
    LegalHoldKind,
    Nomination,
    OffenceType,
    Person,
    TriageDecision,
    TriageOutcome,
)
from debrief.oversight import ActionRecord, ActionTally, CaseMilestones, TallyBy, ThemeTally
from debrief.parameters import ParallelProcess, Parameters, ParametersRevision
from debrief.partners import InvitationStatus, PartnerInvitation, PartnerSummary
from debrief.retention import DecisionKind, Holding, HoldingKind, RetentionDecision, holdings_of
from storage import audit_chain
from storage import tables as t
from storage.turn_writes import CURRENT_TURN, TurnWrites

# Built once: compiling a statement per call was a measurable share of a submit's CPU (see make bench).
_INSERT_CASE = insert(t.cases)
_INSERT_DECISION = insert(t.triage_decisions)
_INSERT_OUTBOX = insert(t.outbox)
_INSERT_PROCESSED = insert(t.processed_activities)
_INSERT_PARAMETERS = insert(t.case_parameters)
_INSERT_CONSENT = insert(t.case_consents)
_INSERT_CONTRIBUTOR = insert(t.case_contributors)
_INSERT_ENTRY = insert(t.chronology_entries)
_INSERT_ENTRY_VERSION = insert(t.chronology_entry_versions)
_INSERT_LOCK = insert(t.chronology_locks)
_INSERT_REMINDER = insert(t.contribution_reminders)
_INSERT_PARTNER_SUMMARY = insert(t.partner_summaries)
_INSERT_INVITATION = insert(t.partner_invitations)
_INSERT_MEETING = insert(t.meetings)
_INSERT_OUTCOME = insert(t.case_outcomes)
_INSERT_LEARNING_POINT = insert(t.learning_points)
_INSERT_RECOMMENDATION = insert(t.recommendations)
_INSERT_ACTION = insert(t.actions)
_INSERT_ACTION_REQUEST = insert(t.action_requests)
_INSERT_SIGN_OFF = insert(t.outcome_sign_offs)


def _next_number_statement(dialect: Any) -> Any:
    """An upsert that returns the year's next case number, atomically on both databases."""
    return (
        dialect.insert(t.case_number_counters)
        .values(year=bindparam("year"), last_number=1)
        .on_conflict_do_update(
            index_elements=[t.case_number_counters.c.year],
            set_={"last_number": t.case_number_counters.c.last_number + 1},
        )
        .returning(t.case_number_counters.c.last_number)
    )


_NEXT_NUMBER = {"postgresql": _next_number_statement(postgresql), "sqlite": _next_number_statement(sqlite)}


class SqlUnitOfWork:
    """One transaction. `activity_key` names the Teams activity being answered, for replay protection."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        activity_key: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self.activity_key = activity_key
        self.clock = clock
        """Stamps the rows the unit of work writes itself (outbox, processed activities) with the app's time, the
        time the dispatcher claims due messages by."""
        self._connection: AsyncConnection | None = None
        self._processed_case_id: int | None = None
        self._mark = False
        self.cases = SqlCaseRepository(self)
        self.parameters = SqlParametersRepository(self)
        self.consents = SqlConsentRepository(self)
        self.contributors = SqlContributorRepository(self)
        self.chronology = SqlChronologyRepository(self)
        self.reminders = SqlReminderRepository(self)
        self.partners = SqlPartnerRepository(self)
        self.meetings = SqlMeetingRepository(self)
        self.outcomes = SqlOutcomeRepository(self)
        self.actions = SqlActionRepository(self)
        self.disclosure = SqlDisclosureRepository(self)
        self.retention = SqlRetentionRepository(self)
        self.audit = SqlAuditLog(self)
        self.outbox = SqlOutbox(self)
        self.oversight = SqlOversightRepository(self)
        self.digests = SqlDigestRepository(self)
        self._turn: TurnWrites | None = None

    def _settle(self) -> None:
        """This unit of work is closed: it left nothing uncommitted for the turn it serves."""
        if self._turn is not None:
            self._turn.closed()
            self._turn = None

    async def __aenter__(self) -> Self:
        self._turn = CURRENT_TURN.get()
        if self._turn is not None:
            self._turn.opened()
        try:
            self._connection = await self._engine.connect()
            await self._connection.begin()
        except BaseException:
            self._settle()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._connection is not None
        try:
            if self._connection.in_transaction():
                await self._connection.rollback()
        finally:
            await self._connection.close()
            self._connection = None
            self._settle()

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("use the unit of work inside 'async with'")
        return self._connection

    def mark_processed(self, case_id: int | None) -> None:
        self._mark = True
        self._processed_case_id = case_id

    async def commit(self) -> None:
        """Commit the change with its audit, outbox and activity rows; a re-delivered activity fails here."""
        await self.outbox.flush()
        try:
            if self._mark and self.activity_key:
                await self.connection.execute(
                    _INSERT_PROCESSED,
                    {
                        "activity_key": self.activity_key,
                        "case_id": self._processed_case_id,
                        "processed_at": self.clock(),
                    },
                )
            # The audit records go last: chaining them holds the chain's lock only until the commit just after, and a
            # replayed activity is turned away before it waits for that lock (no deadlock, no gap in the ids).
            await self.audit.flush()
            await self.connection.commit()
        except IntegrityError:
            await self._raise_if_replayed()
            raise

    async def commit_refusal(self) -> None:
        records = self.audit.take()
        await self.connection.rollback()
        await self.connection.begin()
        self.outbox.clear()
        for record, case in records:
            self.audit.add(record, case=case if case is not None and case.id is not None else None)
        await self.audit.flush()
        await self.connection.commit()

    async def rollback(self) -> None:
        await self.connection.rollback()

    async def _raise_if_replayed(self) -> None:
        """After a constraint failure: if a concurrent delivery of the same activity won, say so."""
        await self.connection.rollback()
        if self.activity_key:
            found = await find_processed_activity(self.connection, self.activity_key)
            if found is not None:
                raise AlreadyProcessed(found[0])


async def find_processed_activity(connection: AsyncConnection, activity_key: str) -> tuple[int | None] | None:
    row = (
        await connection.execute(
            select(t.processed_activities.c.case_id).where(t.processed_activities.c.activity_key == activity_key)
        )
    ).first()
    return (row.case_id,) if row is not None else None


class SqlCaseRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def get(self, case_id: int) -> Case | None:
        return await self._one(t.cases.c.id == case_id)

    async def get_by_number(self, case_number: str) -> Case | None:
        return await self._one(t.cases.c.case_number == case_number)

    async def get_by_reference(self, incident_reference: str) -> Case | None:
        return await self._one(t.cases.c.incident_reference == incident_reference)

    async def add(self, case: Case) -> Case:
        """Store a new case; the incident reference is unique, so a second case raises DuplicateIncident."""
        connection = self._uow.connection
        year = case.nominated_at.year
        case.case_number = f"RD-{year}-{await self._next_sequence(year):04d}"
        try:
            result = await connection.execute(_INSERT_CASE, {**_case_row(case), "version": 1})
        except IntegrityError:
            await self._uow._raise_if_replayed()
            existing = await self.get_by_reference(case.nomination.incident_reference)
            if existing is not None:
                raise DuplicateIncident(case.nomination.incident_reference, existing.case_number) from None
            raise
        assert result.inserted_primary_key is not None
        case.id = int(result.inserted_primary_key[0])
        for decision in case.decisions:
            await self._add_decision(case.id, decision)
        return case

    async def save(self, case: Case) -> None:
        """Write the case's new state; fails with ConcurrentChange if it changed since it was read."""
        assert case.id is not None
        version = case.version
        result = await self._uow.connection.execute(
            update(t.cases)
            .where(t.cases.c.id == case.id, t.cases.c.version == version)
            .values(
                status=case.status.value,
                lead_reviewer_id=case.lead_reviewer.user_id if case.lead_reviewer else None,
                lead_reviewer_name=case.lead_reviewer.name if case.lead_reviewer else None,
                merged_into_id=case.merged_into_id,
                version=version + 1,
                **_retention_values(case),
            )
        )
        if result.rowcount != 1:
            raise ConcurrentChange(f"case {case.case_number} changed while this action ran")
        case.version = version + 1
        stored = await self._uow.connection.execute(
            select(func.count()).select_from(t.triage_decisions).where(t.triage_decisions.c.case_id == case.id)
        )
        for decision in case.decisions[stored.scalar_one() :]:
            await self._add_decision(case.id, decision)

    async def _next_sequence(self, year: int) -> int:
        """Allocate the next number for the year atomically: an upsert that returns the new value."""
        connection = self._uow.connection
        statement = _NEXT_NUMBER[connection.dialect.name]
        return int((await connection.execute(statement, {"year": year})).scalar_one())

    async def _add_decision(self, case_id: int, decision: TriageDecision) -> None:
        await self._uow.connection.execute(
            _INSERT_DECISION,
            {
                "case_id": case_id,
                "outcome": decision.outcome.value,
                "decided_by_id": decision.decided_by.user_id,
                "decided_by_name": decision.decided_by.name,
                "decided_at": decision.decided_at,
                "lead_reviewer_id": decision.lead_reviewer.user_id if decision.lead_reviewer else None,
                "lead_reviewer_name": decision.lead_reviewer.name if decision.lead_reviewer else None,
                "reason": decision.reason,
                "merged_into_case_number": decision.merged_into_case_number,
            },
        )

    async def _one(self, condition: Any) -> Case | None:
        connection = self._uow.connection
        row = (await connection.execute(select(t.cases).where(condition))).first()
        if row is None:
            return None
        if row.erased_at is not None:
            raise CaseErased(row.case_number, row.erased_at)
        decisions = (
            await connection.execute(
                select(t.triage_decisions)
                .where(t.triage_decisions.c.case_id == row.id)
                .order_by(t.triage_decisions.c.id)
            )
        ).all()
        return _case_from_row(row, decisions)


def _case_row(case: Case) -> dict[str, Any]:
    n = case.nomination
    return {
        "case_number": case.case_number,
        "incident_reference": n.incident_reference,
        "operation_name": n.operation_name,
        "incident_at": n.incident_at,
        "offence_type": n.offence_type.value,
        "context": n.context.value,
        "harm": n.harm.value,
        "policing_area": n.policing_area,
        "dmm_date": n.dmm_date,
        "scope_reason": n.scope_reason,
        "sio_id": n.sio.user_id,
        "sio_name": n.sio.name,
        "nominator_id": case.nominator.user_id,
        "nominator_name": case.nominator.name,
        "nominated_at": case.nominated_at,
        "status": case.status.value,
        "lead_reviewer_id": case.lead_reviewer.user_id if case.lead_reviewer else None,
        "lead_reviewer_name": case.lead_reviewer.name if case.lead_reviewer else None,
        "merged_into_id": case.merged_into_id,
        **_retention_values(case),
    }


def _retention_values(case: Case) -> dict[str, Any]:
    """The case's closure, review date and legal hold (erasure is written by the retention repository)."""
    hold = case.legal_hold
    return {
        "closed_at": case.closed_at,
        "review_due": case.review_due,
        "legal_hold_kind": hold.kind.value if hold else None,
        "legal_hold_details": hold.details if hold else None,
        "legal_hold_by_id": hold.placed_by.user_id if hold else None,
        "legal_hold_by_name": hold.placed_by.name if hold else None,
        "legal_hold_at": hold.placed_at if hold else None,
    }


def _legal_hold_from_row(row: Row[Any]) -> LegalHold | None:
    if row.legal_hold_kind is None:
        return None
    return LegalHold(
        kind=LegalHoldKind(row.legal_hold_kind),
        details=row.legal_hold_details or "",
        placed_by=Person(row.legal_hold_by_id or "", row.legal_hold_by_name or ""),
        placed_at=row.legal_hold_at,
    )


def _person(user_id: str | None, name: str | None) -> Person | None:
    return Person(user_id, name or "") if user_id else None


def _case_from_row(row: Row[Any], decisions: Sequence[Row[Any]]) -> Case:
    nomination = Nomination(
        incident_reference=row.incident_reference,
        operation_name=row.operation_name,
        incident_at=row.incident_at,
        offence_type=OffenceType(row.offence_type),
        context=IncidentContext(row.context),
        harm=Harm(row.harm),
        policing_area=row.policing_area,
        dmm_date=row.dmm_date,
        scope_reason=row.scope_reason,
        sio=Person(row.sio_id, row.sio_name),
    )
    return Case(
        nomination=nomination,
        nominator=Person(row.nominator_id, row.nominator_name),
        nominated_at=row.nominated_at,
        case_number=row.case_number,
        id=row.id,
        status=CaseStatus(row.status),
        lead_reviewer=_person(row.lead_reviewer_id, row.lead_reviewer_name),
        merged_into_id=row.merged_into_id,
        version=row.version,
        closed_at=row.closed_at,
        review_due=row.review_due,
        legal_hold=_legal_hold_from_row(row),
        decisions=[
            TriageDecision(
                outcome=TriageOutcome(d.outcome),
                decided_by=Person(d.decided_by_id, d.decided_by_name),
                decided_at=d.decided_at,
                lead_reviewer=_person(d.lead_reviewer_id, d.lead_reviewer_name),
                reason=d.reason,
                merged_into_case_number=d.merged_into_case_number,
            )
            for d in decisions
        ],
    )


class SqlParametersRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def latest(self, case_id: int) -> ParametersRevision | None:
        c = t.case_parameters.c
        row = (
            await self._uow.connection.execute(
                select(t.case_parameters).where(c.case_id == case_id).order_by(c.revision.desc()).limit(1)
            )
        ).first()
        return _revision_from_row(row) if row is not None else None

    async def add(self, case_id: int, revision: ParametersRevision) -> None:
        """A second writer of the same revision number fails on the primary key: ConcurrentChange."""
        p = revision.parameters
        try:
            await self._uow.connection.execute(
                _INSERT_PARAMETERS,
                {
                    "case_id": case_id,
                    "revision": revision.revision,
                    "set_by_id": revision.set_by.user_id,
                    "set_by_name": revision.set_by.name,
                    "set_at": revision.set_at,
                    "look_back_from": p.look_back_from,
                    "look_back_to": p.look_back_to,
                    "subjects": list(p.subjects),
                    "agencies": list(p.agencies),
                    "questions": list(p.questions),
                    "parallel_processes": sorted(x.value for x in p.parallel_processes),
                    "changed": list(revision.changed),
                },
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"parameters of case {case_id} changed while this action ran") from None


def _revision_from_row(row: Row[Any]) -> ParametersRevision:
    return ParametersRevision(
        revision=row.revision,
        parameters=Parameters(
            look_back_from=row.look_back_from,
            look_back_to=row.look_back_to,
            subjects=tuple(row.subjects),
            agencies=tuple(row.agencies),
            questions=tuple(row.questions),
            parallel_processes=frozenset(ParallelProcess(p) for p in row.parallel_processes),
        ),
        set_by=Person(row.set_by_id, row.set_by_name),
        set_at=row.set_at,
        changed=tuple(row.changed),
    )


class SqlConsentRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def latest(self, case_id: int) -> ConsentRecord | None:
        c = t.case_consents.c
        row = (
            await self._uow.connection.execute(
                select(t.case_consents).where(c.case_id == case_id).order_by(c.id.desc()).limit(1)
            )
        ).first()
        return _consent_from_row(row) if row is not None else None

    async def add(self, case_id: int, record: ConsentRecord) -> None:
        await self._uow.connection.execute(
            _INSERT_CONSENT,
            {
                "case_id": case_id,
                "answer": record.answer.value,
                "by_id": record.by.user_id,
                "by_name": record.by.name,
                "at": record.at,
                "text": record.text,
            },
        )


def _consent_from_row(row: Row[Any]) -> ConsentRecord:
    return ConsentRecord(ConsentAnswer(row.answer), Person(row.by_id, row.by_name), row.at, row.text)


class SqlContributorRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def list(self, case_id: int) -> list[Contributor]:
        c = t.case_contributors.c
        rows = (
            await self._uow.connection.execute(
                select(t.case_contributors).where(c.case_id == case_id).order_by(c.invited_at, c.name)
            )
        ).all()
        return [_contributor_from_row(row) for row in rows]

    async def add(self, case_id: int, contributor: Contributor) -> None:
        """One invitation per officer per case (the primary key); a concurrent second one is a ConcurrentChange."""
        try:
            await self._uow.connection.execute(
                _INSERT_CONTRIBUTOR,
                {
                    "case_id": case_id,
                    "user_id": contributor.person.user_id,
                    "name": contributor.person.name,
                    "invited_by_id": contributor.invited_by.user_id,
                    "invited_by_name": contributor.invited_by.name,
                    "invited_at": contributor.invited_at,
                    "deadline": contributor.deadline,
                },
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"contributors of case {case_id} changed while this action ran") from None

    async def cases_of(self, user_id: str) -> builtins.list[int]:
        """The cases this officer has been invited to contribute to, newest invitation first."""
        c = t.case_contributors.c
        found = await self._uow.connection.execute(
            select(c.case_id).where(c.user_id == user_id).order_by(c.invited_at.desc(), c.case_id.desc())
        )
        return [int(case_id) for case_id in found.scalars()]

    async def awaiting(self, *, deadline_from: date) -> builtins.list[tuple[int, Contributor]]:
        """(case id, contributor) for every invitation whose deadline is on or after `deadline_from`."""
        c = t.case_contributors.c
        rows = (
            await self._uow.connection.execute(
                select(t.case_contributors).where(c.deadline >= deadline_from).order_by(c.case_id, c.invited_at, c.name)
            )
        ).all()
        return [(int(row.case_id), _contributor_from_row(row)) for row in rows]


def _contributor_from_row(row: Row[Any]) -> Contributor:
    return Contributor(
        person=Person(row.user_id, row.name),
        invited_by=Person(row.invited_by_id, row.invited_by_name),
        invited_at=row.invited_at,
        deadline=row.deadline,
    )


class SqlChronologyRepository:
    """Entries as they stand now, plus every version of each in chronology_entry_versions (never changed)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def list(self, case_id: int, *, contributor_id: str | None = None) -> list[ChronologyEntry]:
        """Every entry of the case (withdrawn ones too), or only one contributor's, in the order they were added."""
        c = t.chronology_entries.c
        statement = select(*_ENTRY_COLUMNS).where(c.case_id == case_id)
        if contributor_id is not None:
            statement = statement.where(c.contributor_id == contributor_id)
        rows = (await self._uow.connection.execute(statement.order_by(c.id))).all()
        people: dict[tuple[str, str], Person] = {}
        return [_entry_from_row(row, people) for row in rows]

    async def get(self, entry_id: int) -> ChronologyEntry | None:
        c = t.chronology_entries.c
        row = (await self._uow.connection.execute(select(*_ENTRY_COLUMNS).where(c.id == entry_id))).first()
        return _entry_from_row(row) if row is not None else None

    async def add(self, entry: ChronologyEntry) -> ChronologyEntry:
        """Store a new entry as version 1, giving it its id; version 1 is kept in the history too."""
        entry.version = 1
        result = await self._uow.connection.execute(
            _INSERT_ENTRY,
            {
                **_entry_row(entry),
                "case_id": entry.case_id,
                "contributor_id": entry.contributor.user_id,
                "contributor_name": entry.contributor.name,
                "recorded_at": entry.recorded_at,
            },
        )
        assert result.inserted_primary_key is not None
        entry.id = int(result.inserted_primary_key[0])
        await self._keep_version(entry, by=entry.contributor, at=entry.recorded_at)
        return entry

    async def save(self, entry: ChronologyEntry, *, by: Person, at: datetime) -> None:
        """Write the entry's new version (the domain has already counted it up) and keep it in the history.

        Refused with ConcurrentChange when the stored entry is no longer the version this one was changed from.
        `by` and `at` say who made the change and when, for the history.
        """
        assert entry.id is not None
        c = t.chronology_entries.c
        result = await self._uow.connection.execute(
            update(t.chronology_entries)
            .where(c.id == entry.id, c.version == entry.version - 1)
            .values(**_entry_row(entry))
        )
        if result.rowcount != 1:
            raise ConcurrentChange(f"chronology entry {entry.id} changed while this action ran")
        await self._keep_version(entry, by=by, at=at)

    async def contributors_with_entries(self, case_id: int) -> set[str]:
        """Who has added at least one entry (withdrawn ones count: they took part)."""
        c = t.chronology_entries.c
        found = await self._uow.connection.execute(select(c.contributor_id).where(c.case_id == case_id).distinct())
        return set(found.scalars())

    async def lock_of(self, case_id: int) -> ChronologyLock | None:
        c = t.chronology_locks.c
        row = (await self._uow.connection.execute(select(t.chronology_locks).where(c.case_id == case_id))).first()
        if row is None:
            return None
        return ChronologyLock(locked_by=Person(row.locked_by_id, row.locked_by_name), locked_at=row.locked_at)

    async def lock(self, case_id: int, lock: ChronologyLock) -> None:
        """Lock the chronology for good: one lock per case (the primary key); a second is a ConcurrentChange."""
        try:
            await self._uow.connection.execute(
                _INSERT_LOCK,
                {
                    "case_id": case_id,
                    "locked_by_id": lock.locked_by.user_id,
                    "locked_by_name": lock.locked_by.name,
                    "locked_at": lock.locked_at,
                },
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"the chronology of case {case_id} was locked while this action ran") from None

    async def _keep_version(self, entry: ChronologyEntry, *, by: Person, at: datetime) -> None:
        """Two writers of the same version collide on the history's primary key: ConcurrentChange."""
        try:
            await self._uow.connection.execute(
                _INSERT_ENTRY_VERSION,
                {
                    "entry_id": entry.id,
                    "version": entry.version,
                    "changed_at": at,
                    "changed_by_id": by.user_id,
                    "changed_by_name": by.name,
                    "snapshot": entry_snapshot(entry),
                },
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"chronology entry {entry.id} changed while this action ran") from None


def _entry_row(entry: ChronologyEntry) -> dict[str, Any]:
    """The columns an entry's change may touch (not its case, contributor or the time it was recorded)."""
    content, review, risk = entry.content, entry.review, entry.content.risk_assessment
    return {
        "updated_at": entry.updated_at,
        "withdrawn_at": entry.withdrawn_at,
        "version": entry.version,
        "event_date": content.event_date,
        "event_time": content.event_time,
        "precision": content.precision.value,
        "source_agency": content.source_agency,
        "source_system": content.source_system,
        "source_reference": content.source_reference,
        "contact_type": content.contact_type.value,
        "subjects": list(content.subjects),
        "summary": content.summary,
        "information_type": content.information_type.value,
        "risk_tool": risk.tool if risk else None,
        "risk_grade": risk.grade.value if risk else None,
        "risk_assessed_on": risk.assessed_on if risk else None,
        "action_and_outcome": content.action_and_outcome,
        "missed_opportunity": content.missed_opportunity,
        "missed_opportunity_rationale": content.missed_opportunity_rationale,
        "verified_by_id": review.verified_by.user_id if review.verified_by else None,
        "verified_by_name": review.verified_by.name if review.verified_by else None,
        "verified_at": review.verified_at,
        "reviewer_missed_opportunity": review.missed_opportunity,
        "good_practice": review.good_practice,
        "themes": list(review.themes),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def entry_snapshot(entry: ChronologyEntry) -> dict[str, Any]:
    """The entry's whole state as JSON, as one version of it is kept in the history: content, review, withdrawal."""
    content, review, risk = entry.content, entry.review, entry.content.risk_assessment
    return {
        "content": {
            "event_date": content.event_date.isoformat(),
            "event_time": _iso(content.event_time),
            "precision": content.precision.value,
            "source_agency": content.source_agency,
            "source_system": content.source_system,
            "source_reference": content.source_reference,
            "contact_type": content.contact_type.value,
            "subjects": list(content.subjects),
            "summary": content.summary,
            "information_type": content.information_type.value,
            "risk_assessment": (
                {"tool": risk.tool, "grade": risk.grade.value, "assessed_on": risk.assessed_on.isoformat()}
                if risk
                else None
            ),
            "action_and_outcome": content.action_and_outcome,
            "missed_opportunity": content.missed_opportunity,
            "missed_opportunity_rationale": content.missed_opportunity_rationale,
        },
        "review": {
            "verified_by_id": review.verified_by.user_id if review.verified_by else None,
            "verified_by_name": review.verified_by.name if review.verified_by else None,
            "verified_at": _iso(review.verified_at),
            "missed_opportunity": review.missed_opportunity,
            "good_practice": review.good_practice,
            "themes": list(review.themes),
        },
        "updated_at": _iso(entry.updated_at),
        "withdrawn_at": _iso(entry.withdrawn_at),
    }


# A merged chronology reads every entry of a case: enum members by value and people by (id, name) are looked
# up in dicts rather than constructed per row (measured: rows to entries took 140 ms for 5,000, now ~60).
_PRECISION = {m.value: m for m in Precision}
_CONTACT_TYPE = {m.value: m for m in ContactType}
_INFORMATION_TYPE = {m.value: m for m in InformationType}
_RISK_GRADE = {m.value: m for m in RiskGrade}
_NO_REVIEW = Review()


_ENTRY_COLUMNS = tuple(
    t.chronology_entries.c[name]
    for name in (
        "id", "case_id", "contributor_id", "contributor_name", "recorded_at", "updated_at", "withdrawn_at", "version",
        "event_date", "event_time", "precision", "source_agency", "source_system", "source_reference", "contact_type",
        "subjects", "summary", "information_type", "risk_tool", "risk_grade", "risk_assessed_on", "action_and_outcome",
        "missed_opportunity", "missed_opportunity_rationale", "verified_by_id", "verified_by_name", "verified_at",
        "reviewer_missed_opportunity", "good_practice", "themes",
    )
)  # fmt: skip
"""The columns `_entry_from_row` unpacks, in its order."""


def _entry_from_row(row: Sequence[Any], people: dict[tuple[str, str], Person] | None = None) -> ChronologyEntry:
    people = {} if people is None else people
    # By position (the order of _ENTRY_COLUMNS): attribute look-ups on 5,000 rows were most of a page's read.
    (
        entry_id, case_id, contributor_id, contributor_name, recorded_at, updated_at, withdrawn_at, version,
        event_date, event_time, precision, source_agency, source_system, source_reference, contact_type, subjects,
        summary, information_type, risk_tool, risk_grade, risk_assessed_on, action_and_outcome, missed_opportunity,
        rationale, verified_by_id, verified_by_name, verified_at, reviewer_missed_opportunity, good_practice, themes,
    ) = row  # fmt: skip
    contributor = people.get((contributor_id, contributor_name))
    if contributor is None:
        contributor = people[(contributor_id, contributor_name)] = Person(contributor_id, contributor_name)
    risk = (
        RiskAssessment(tool=risk_tool, grade=_RISK_GRADE[risk_grade], assessed_on=risk_assessed_on)
        if risk_grade is not None
        else None
    )
    if verified_by_id is None and reviewer_missed_opportunity is None and not good_practice and not themes:
        review = _NO_REVIEW
    else:
        verifier = None
        if verified_by_id is not None:
            verifier = people.get((verified_by_id, verified_by_name))
            if verifier is None:
                verifier = people[(verified_by_id, verified_by_name)] = Person(verified_by_id, verified_by_name)
        review = Review(
            verified_by=verifier,
            verified_at=verified_at,
            missed_opportunity=reviewer_missed_opportunity,
            good_practice=good_practice,
            themes=tuple(themes),
        )
    return ChronologyEntry(
        case_id=case_id,
        content=EntryContent(
            event_date=event_date,
            event_time=event_time,
            precision=_PRECISION[precision],
            source_agency=source_agency,
            source_system=source_system,
            source_reference=source_reference,
            contact_type=_CONTACT_TYPE[contact_type],
            subjects=tuple(subjects),
            summary=summary,
            information_type=_INFORMATION_TYPE[information_type],
            risk_assessment=risk,
            action_and_outcome=action_and_outcome,
            missed_opportunity=missed_opportunity,
            missed_opportunity_rationale=rationale,
        ),
        contributor=contributor,
        recorded_at=recorded_at,
        id=entry_id,
        version=version,
        updated_at=updated_at,
        withdrawn_at=withdrawn_at,
        review=review,
    )


class SqlReminderRepository:
    """Which contribution reminders have gone out: the primary key makes each one happen once."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def sent(self, case_id: int) -> set[tuple[str, str]]:
        """(user id, reminder) for every reminder already sent for the case."""
        c = t.contribution_reminders.c
        found = await self._uow.connection.execute(select(c.user_id, c.reminder).where(c.case_id == case_id))
        return {(row.user_id, row.reminder) for row in found}

    async def add(self, case_id: int, user_id: str, reminder: str, sent_at: datetime) -> None:
        """Record a reminder; the same reminder recorded concurrently is a ConcurrentChange."""
        try:
            await self._uow.connection.execute(
                _INSERT_REMINDER, {"case_id": case_id, "user_id": user_id, "reminder": reminder, "sent_at": sent_at}
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"a reminder of case {case_id} was recorded while this action ran") from None


class SqlPartnerRepository:
    """Partner summaries by revision (never changed) and partner invitations as they stand now."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def summary(self, case_id: int) -> PartnerSummary | None:
        """The latest approved partner summary."""
        c = t.partner_summaries.c
        row = (
            await self._uow.connection.execute(
                select(t.partner_summaries).where(c.case_id == case_id).order_by(c.revision.desc()).limit(1)
            )
        ).first()
        return _summary_from_row(row) if row is not None else None

    async def add_summary(self, case_id: int, summary: PartnerSummary) -> None:
        """Keep a new revision; a second writer of the same revision fails on the primary key: ConcurrentChange."""
        try:
            await self._uow.connection.execute(
                _INSERT_PARTNER_SUMMARY,
                {
                    "case_id": case_id,
                    "revision": summary.revision,
                    "text": summary.text,
                    "approved_by_id": summary.approved_by.user_id,
                    "approved_by_name": summary.approved_by.name,
                    "approved_at": summary.approved_at,
                },
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"the partner summary of case {case_id} changed while this action ran") from None

    async def invitations(self, case_id: int) -> builtins.list[PartnerInvitation]:
        """Every invitation of the case, oldest first (answered, delegated and expired ones too)."""
        c = t.partner_invitations.c
        rows = (
            await self._uow.connection.execute(select(t.partner_invitations).where(c.case_id == case_id).order_by(c.id))
        ).all()
        return [_invitation_from_row(row) for row in rows]

    async def invitations_of(self, user_id: str) -> builtins.list[PartnerInvitation]:
        """Every invitation this person has had, on any case, newest first."""
        c = t.partner_invitations.c
        rows = (
            await self._uow.connection.execute(
                select(t.partner_invitations).where(c.contact_id == user_id).order_by(c.invited_at.desc(), c.id.desc())
            )
        ).all()
        return [_invitation_from_row(row) for row in rows]

    async def get_invitation(self, invitation_id: int) -> PartnerInvitation | None:
        c = t.partner_invitations.c
        row = (await self._uow.connection.execute(select(t.partner_invitations).where(c.id == invitation_id))).first()
        return _invitation_from_row(row) if row is not None else None

    async def add_invitation(self, invitation: PartnerInvitation) -> PartnerInvitation:
        """Store a new invitation, giving it its id."""
        result = await self._uow.connection.execute(
            _INSERT_INVITATION, {**_invitation_row(invitation), "case_id": invitation.case_id}
        )
        assert result.inserted_primary_key is not None
        invitation.id = int(result.inserted_primary_key[0])
        return invitation

    async def save_invitation(self, invitation: PartnerInvitation) -> None:
        """Write the invitation's new state (the domain has already counted its version up).

        Refused with ConcurrentChange when the stored invitation is no longer the version this one was changed from
        (another answer won).
        """
        assert invitation.id is not None
        c = t.partner_invitations.c
        result = await self._uow.connection.execute(
            update(t.partner_invitations)
            .where(c.id == invitation.id, c.version == invitation.version - 1)
            .values(**_invitation_row(invitation))
        )
        if result.rowcount != 1:
            raise ConcurrentChange(f"partner invitation {invitation.id} changed while this action ran")

    async def awaiting_answer(self, *, answer_by_from: date) -> builtins.list[PartnerInvitation]:
        """Unanswered invitations whose answer date is on or after `answer_by_from` (for reminders), by case."""
        c = t.partner_invitations.c
        rows = (
            await self._uow.connection.execute(
                select(t.partner_invitations)
                .where(c.status == InvitationStatus.INVITED.value, c.answer_by >= answer_by_from)
                .order_by(c.case_id, c.id)
            )
        ).all()
        return [_invitation_from_row(row) for row in rows]


def _summary_from_row(row: Row[Any]) -> PartnerSummary:
    return PartnerSummary(
        text=row.text,
        approved_by=Person(row.approved_by_id, row.approved_by_name),
        approved_at=row.approved_at,
        revision=row.revision,
    )


def _invitation_row(invitation: PartnerInvitation) -> dict[str, Any]:
    """Every column but the id and the case (which never change)."""
    delegated_to = invitation.delegated_to
    return {
        "agency": invitation.agency,
        "contact_id": invitation.contact.user_id,
        "contact_name": invitation.contact.name,
        "invited_by_id": invitation.invited_by.user_id,
        "invited_by_name": invitation.invited_by.name,
        "invited_at": invitation.invited_at,
        "answer_by": invitation.answer_by,
        "agreement": invitation.agreement,
        "status": invitation.status.value,
        "answered_at": invitation.answered_at,
        "decline_reason": invitation.decline_reason,
        "delegated_to_id": delegated_to.user_id if delegated_to else None,
        "delegated_to_name": delegated_to.name if delegated_to else None,
        "access_until": invitation.access_until,
        "version": invitation.version,
        "delegated_from_id": invitation.delegated_from_id,
    }


def _invitation_from_row(row: Row[Any]) -> PartnerInvitation:
    return PartnerInvitation(
        case_id=row.case_id,
        agency=row.agency,
        contact=Person(row.contact_id, row.contact_name),
        invited_by=Person(row.invited_by_id, row.invited_by_name),
        invited_at=row.invited_at,
        answer_by=row.answer_by,
        agreement=row.agreement,
        id=row.id,
        status=InvitationStatus(row.status),
        answered_at=row.answered_at,
        decline_reason=row.decline_reason,
        delegated_to=_person(row.delegated_to_id, row.delegated_to_name),
        access_until=row.access_until,
        version=row.version,
        delegated_from_id=row.delegated_from_id,
    )


class SqlMeetingRepository:
    """One debrief meeting per case (the primary key), as it stands now."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def get(self, case_id: int) -> Meeting | None:
        """The case's debrief meeting (one per case)."""
        c = t.meetings.c
        row = (await self._uow.connection.execute(select(t.meetings).where(c.case_id == case_id))).first()
        return _meeting_from_row(row) if row is not None else None

    async def add(self, meeting: Meeting) -> None:
        """A second meeting for the same case fails on the primary key: ConcurrentChange."""
        try:
            await self._uow.connection.execute(_INSERT_MEETING, {**_meeting_row(meeting), "case_id": meeting.case_id})
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"the meeting of case {meeting.case_id} changed while this action ran") from None

    async def save(self, meeting: Meeting) -> None:
        """Write the meeting's new state (the domain has already counted its version up).

        Refused with ConcurrentChange when the stored meeting is no longer the version this one was changed from.
        """
        c = t.meetings.c
        result = await self._uow.connection.execute(
            update(t.meetings)
            .where(c.case_id == meeting.case_id, c.version == meeting.version - 1)
            .values(**_meeting_row(meeting))
        )
        if result.rowcount != 1:
            raise ConcurrentChange(f"the meeting of case {meeting.case_id} changed while this action ran")


def _people_json(people: tuple[Person, ...]) -> builtins.list[dict[str, str]]:
    return [{"id": p.user_id, "name": p.name} for p in people]


def _people_from_json(people: builtins.list[dict[str, str]]) -> tuple[Person, ...]:
    return tuple(Person(p["id"], p["name"]) for p in people)


def _meeting_row(meeting: Meeting) -> dict[str, Any]:
    """Every column but the case (the primary key)."""
    recorder = meeting.attendance_recorded_by
    return {
        "starts_at": meeting.starts_at,
        "duration_minutes": meeting.duration_minutes,
        "attendees": _people_json(meeting.attendees),
        "scheduled_by_id": meeting.scheduled_by.user_id,
        "scheduled_by_name": meeting.scheduled_by.name,
        "scheduled_at": meeting.scheduled_at,
        "location": meeting.location,
        "join_url": meeting.join_url,
        "online_meeting_id": meeting.online_meeting_id,
        "attended": _people_json(meeting.attended) if meeting.attended is not None else None,
        "attendance_recorded_by_id": recorder.user_id if recorder else None,
        "attendance_recorded_by_name": recorder.name if recorder else None,
        "attendance_recorded_at": meeting.attendance_recorded_at,
        "version": meeting.version,
        "revision": meeting.revision,
    }


def _meeting_from_row(row: Row[Any]) -> Meeting:
    return Meeting(
        case_id=row.case_id,
        starts_at=row.starts_at,
        duration_minutes=row.duration_minutes,
        attendees=_people_from_json(row.attendees),
        scheduled_by=Person(row.scheduled_by_id, row.scheduled_by_name),
        scheduled_at=row.scheduled_at,
        location=row.location,
        join_url=row.join_url,
        online_meeting_id=row.online_meeting_id,
        attended=_people_from_json(row.attended) if row.attended is not None else None,
        attendance_recorded_by=_person(row.attendance_recorded_by_id, row.attendance_recorded_by_name),
        attendance_recorded_at=row.attendance_recorded_at,
        version=row.version,
        revision=row.revision,
    )


class SqlOutcomeRepository:
    """The debrief's output: items as they stand (a removed one is kept, marked removed), one version per case in
    case_outcomes that every change counts up, and the SIO's sign-off of each version asked about (never deleted)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def get(self, case_id: int) -> Outcome:
        """Everything current, in the order it was added, with the version and the latest sign-off.

        A case whose outcome has never changed has no row: version 0 and nothing else (its items are only ever
        added with a change counted by `advance`, in the same transaction).
        """
        connection = self._uow.connection
        o = t.case_outcomes.c
        row = (await connection.execute(select(o.version, o.circulated_at).where(o.case_id == case_id))).first()
        if row is None:
            return Outcome()
        lp, r, a, s = t.learning_points.c, t.recommendations.c, t.actions.c, t.outcome_sign_offs.c
        learning = await connection.execute(
            select(t.learning_points).where(lp.case_id == case_id, lp.removed_at.is_(None)).order_by(lp.id)
        )
        recommendations = await connection.execute(
            select(t.recommendations).where(r.case_id == case_id, r.removed_at.is_(None)).order_by(r.id)
        )
        actions = await connection.execute(
            select(t.actions).where(a.case_id == case_id, a.removed_at.is_(None)).order_by(a.id)
        )
        sign_off = (
            await connection.execute(
                select(t.outcome_sign_offs).where(s.case_id == case_id).order_by(s.outcome_version.desc()).limit(1)
            )
        ).first()
        return Outcome(
            learning=tuple(_learning_point_from_row(p) for p in learning),
            recommendations=tuple(_recommendation_from_row(x) for x in recommendations),
            actions=tuple(_action_from_row(x) for x in actions),
            version=row.version,
            sign_off=_sign_off_from_row(sign_off) if sign_off is not None else None,
            circulated_at=row.circulated_at,
        )

    async def add_learning_point(self, point: LearningPoint) -> LearningPoint:
        """Store a new learning point, giving it its id."""
        result = await self._uow.connection.execute(
            _INSERT_LEARNING_POINT,
            {
                "case_id": point.case_id,
                "theme": point.theme,
                "kind": point.kind.value,
                "text": point.text,
                "recorded_by_id": point.recorded_by.user_id,
                "recorded_by_name": point.recorded_by.name,
                "recorded_at": point.recorded_at,
                "version": point.version,
            },
        )
        assert result.inserted_primary_key is not None
        point.id = int(result.inserted_primary_key[0])
        return point

    async def add_recommendation(self, recommendation: Recommendation) -> Recommendation:
        """Store a new recommendation, giving it its id."""
        result = await self._uow.connection.execute(
            _INSERT_RECOMMENDATION,
            {
                "case_id": recommendation.case_id,
                "text": recommendation.text,
                "route": recommendation.route.value,
                "recorded_by_id": recommendation.recorded_by.user_id,
                "recorded_by_name": recommendation.recorded_by.name,
                "recorded_at": recommendation.recorded_at,
                "version": recommendation.version,
            },
        )
        assert result.inserted_primary_key is not None
        recommendation.id = int(result.inserted_primary_key[0])
        return recommendation

    async def add_action(self, action: Action) -> Action:
        """Store a new action, giving it its id."""
        result = await self._uow.connection.execute(
            _INSERT_ACTION,
            {
                "case_id": action.case_id,
                "description": action.description,
                "owner_id": action.owner.user_id,
                "owner_name": action.owner.name,
                "due": action.due,
                "priority": action.priority.value,
                "theme": action.theme,
                "route": action.route.value,
                "status": action.status.value,
                "created_by_id": action.created_by.user_id,
                "created_by_name": action.created_by.name,
                "created_at": action.created_at,
                "version": action.version,
            },
        )
        assert result.inserted_primary_key is not None
        action.id = int(result.inserted_primary_key[0])
        return action

    async def remove(self, case_id: int, kind: str, item_id: int, *, by: Person, at: datetime) -> bool:
        """Mark a current item of the case ("learning", "recommendation" or "action") removed; the row is kept.
        False if the case has no such current item (never added, or already removed)."""
        table = _OUTCOME_ITEMS.get(kind)
        if table is None:
            raise ValueError(f"no such kind of outcome item: {kind!r}")
        c = table.c
        result = await self._uow.connection.execute(
            update(table)
            .where(c.case_id == case_id, c.id == item_id, c.removed_at.is_(None))
            .values(removed_at=at, removed_by_id=by.user_id, removed_by_name=by.name)
        )
        return bool(result.rowcount == 1)

    async def advance(self, case_id: int, *, from_version: int) -> int:
        """Count a change: the version goes from `from_version` to the next, which is returned.

        Refused with ConcurrentChange when the stored version is no longer `from_version` (another change won); the
        first change of a case creates its row, and a concurrent first change collides on the primary key.
        """
        c = t.case_outcomes.c
        result = await self._uow.connection.execute(
            update(t.case_outcomes)
            .where(c.case_id == case_id, c.version == from_version)
            .values(version=from_version + 1)
        )
        if result.rowcount == 1:
            return from_version + 1
        if from_version != 0:
            raise ConcurrentChange(f"the outcome of case {case_id} changed while this action ran")
        try:
            await self._uow.connection.execute(_INSERT_OUTCOME, {"case_id": case_id, "version": 1})
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"the outcome of case {case_id} changed while this action ran") from None
        return 1

    async def add_sign_off(self, case_id: int, sign_off: SignOff) -> None:
        """Ask the SIO about one version: one request per version (the primary key); a second is a ConcurrentChange."""
        try:
            await self._uow.connection.execute(
                _INSERT_SIGN_OFF,
                {**_sign_off_row(sign_off), "case_id": case_id, "outcome_version": sign_off.outcome_version},
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"the sign-off of case {case_id} changed while this action ran") from None

    async def answer_sign_off(self, case_id: int, sign_off: SignOff) -> None:
        """Record the SIO's answer to the request for `sign_off.outcome_version`.

        Refused with ConcurrentChange unless that request is still waiting (answered already, or never asked).
        """
        c = t.outcome_sign_offs.c
        result = await self._uow.connection.execute(
            update(t.outcome_sign_offs)
            .where(
                c.case_id == case_id,
                c.outcome_version == sign_off.outcome_version,
                c.state == SignOffState.REQUESTED.value,
            )
            .values(
                state=sign_off.state.value,
                answered_by_id=sign_off.answered_by.user_id if sign_off.answered_by else None,
                answered_by_name=sign_off.answered_by.name if sign_off.answered_by else None,
                answered_at=sign_off.answered_at,
                comment=sign_off.comment,
            )
        )
        if result.rowcount != 1:
            raise ConcurrentChange(f"the sign-off of case {case_id} was answered while this action ran")

    async def mark_circulated(self, case_id: int, at: datetime) -> None:
        """Record when the outcome was circulated (the latest time, if it is circulated again)."""
        c = t.case_outcomes.c
        result = await self._uow.connection.execute(
            update(t.case_outcomes).where(c.case_id == case_id).values(circulated_at=at)
        )
        if result.rowcount == 1:
            return
        # An outcome never changed (version 0) has no row yet.
        try:
            await self._uow.connection.execute(_INSERT_OUTCOME, {"case_id": case_id, "version": 0, "circulated_at": at})
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"the outcome of case {case_id} changed while this action ran") from None


_OUTCOME_ITEMS = {"learning": t.learning_points, "recommendation": t.recommendations, "action": t.actions}
"""The kinds of item `remove` takes, and their tables."""


def _learning_point_from_row(row: Row[Any]) -> LearningPoint:
    return LearningPoint(
        case_id=row.case_id,
        theme=row.theme,
        kind=LearningKind(row.kind),
        text=row.text,
        recorded_by=Person(row.recorded_by_id, row.recorded_by_name),
        recorded_at=row.recorded_at,
        id=row.id,
        version=row.version,
    )


def _recommendation_from_row(row: Row[Any]) -> Recommendation:
    return Recommendation(
        case_id=row.case_id,
        text=row.text,
        route=Route(row.route),
        recorded_by=Person(row.recorded_by_id, row.recorded_by_name),
        recorded_at=row.recorded_at,
        id=row.id,
        version=row.version,
    )


def _action_from_row(row: Row[Any]) -> Action:
    return Action(
        case_id=row.case_id,
        description=row.description,
        owner=Person(row.owner_id, row.owner_name),
        due=row.due,
        priority=Priority(row.priority),
        theme=row.theme,
        route=Route(row.route),
        created_by=Person(row.created_by_id, row.created_by_name),
        created_at=row.created_at,
        id=row.id,
        status=ActionStatus(row.status),
        version=row.version,
        status_note=row.status_note,
        status_changed_by=_person(row.status_changed_by_id, row.status_changed_by_name),
        status_changed_at=row.status_changed_at,
    )


def _sign_off_row(sign_off: SignOff) -> dict[str, Any]:
    """Every column but the case and the version asked about (the primary key)."""
    answered_by = sign_off.answered_by
    return {
        "state": sign_off.state.value,
        "requested_by_id": sign_off.requested_by.user_id,
        "requested_by_name": sign_off.requested_by.name,
        "requested_at": sign_off.requested_at,
        "answered_by_id": answered_by.user_id if answered_by else None,
        "answered_by_name": answered_by.name if answered_by else None,
        "answered_at": sign_off.answered_at,
        "comment": sign_off.comment,
    }


def _sign_off_from_row(row: Row[Any]) -> SignOff:
    return SignOff(
        outcome_version=row.outcome_version,
        state=SignOffState(row.state),
        requested_by=Person(row.requested_by_id, row.requested_by_name),
        requested_at=row.requested_at,
        answered_by=_person(row.answered_by_id, row.answered_by_name),
        answered_at=row.answered_at,
        comment=row.comment,
    )


class SqlAuditLog:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self._pending: list[tuple[AuditRecord, Case | None]] = []

    def add(self, record: AuditRecord, *, case: Case | None = None) -> None:
        self._pending.append((record, case))

    def take(self) -> list[tuple[AuditRecord, Case | None]]:
        """Hand over the queued records and forget them."""
        taken, self._pending = self._pending, []
        return taken

    async def flush(self) -> None:
        if not self._pending:
            return
        rows = []
        for record, case in self._pending:
            row = asdict(record)
            row["case_id"] = record.case_id if record.case_id is not None else (case.id if case else None)
            row["recipients"] = list(record.recipients)
            row["category"] = record.category.value
            row["outcome"] = record.outcome.value
            rows.append(row)
        self._pending.clear()
        await audit_chain.append(self._uow.connection, rows)

    async def search(self, where: AuditFilter, *, offset: int = 0, limit: int | None = None) -> list[AuditEntry]:
        """Newest first, with each record's case number (kept after the case's content is erased)."""
        query = (
            select(*audit_chain.COLUMNS, t.cases.c.case_number)
            .select_from(t.audit_log.outerjoin(t.cases, t.cases.c.id == t.audit_log.c.case_id))
            .where(*self._conditions(where))
            .order_by(t.audit_log.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        rows = (await self._uow.connection.execute(query)).all()
        return [AuditEntry(row.id, audit_chain.record_from_row(row), row.case_number) for row in rows]

    async def count(self, where: AuditFilter) -> int:
        query = select(func.count()).select_from(t.audit_log).where(*self._conditions(where))
        return int((await self._uow.connection.execute(query)).scalar_one())

    async def case_id(self, case_number: str) -> int | None:
        query = select(t.cases.c.id).where(t.cases.c.case_number == case_number)
        found: int | None = (await self._uow.connection.execute(query)).scalar_one_or_none()
        return found

    def _conditions(self, where: AuditFilter) -> list[ColumnElement[bool]]:
        log = t.audit_log.c
        conditions: list[ColumnElement[bool]] = []
        if where.case_id is not None:
            conditions.append(log.case_id == where.case_id)
        if where.category is not None:
            conditions.append(log.category == where.category.value)
        if where.since is not None:
            conditions.append(log.at >= where.since)
        if where.before is not None:
            conditions.append(log.at < where.before)
        if where.person is not None:
            elements = "json_array_elements_text" if self._uow.connection.dialect.name == "postgresql" else "json_each"
            recipient = getattr(func, elements)(log.recipients).table_valued("value")
            conditions.append(
                or_(
                    log.actor_id == where.person,
                    exists().select_from(recipient).where(recipient.c.value.in_(recipient_ids(where.person))),
                    log.actor_name.icontains(where.person, autoescape=True),
                )
            )
        return conditions


class SqlOutbox:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self._pending: list[OutboundMessage] = []

    def add(self, message: OutboundMessage) -> None:
        self._pending.append(message)

    def clear(self) -> None:
        self._pending.clear()

    async def flush(self) -> None:
        if not self._pending:
            return
        now = self._uow.clock()
        rows = [
            {
                "created_at": now,
                "kind": m.kind.value,
                "case_id": m.case_id,
                "audience": m.audience.value,
                "person_id": m.person_id,
                "subject_id": m.subject_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            }
            for m in self._pending
        ]
        self._pending.clear()
        await self._uow.connection.execute(_INSERT_OUTBOX, rows[0] if len(rows) == 1 else rows)


class SqlActionRepository:
    """Actions after circulation: status changes (optimistic on `version`) and the working group's requests."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def get(self, action_id: int) -> Action | None:
        c = t.actions.c
        row = (
            await self._uow.connection.execute(select(t.actions).where(c.id == action_id, c.removed_at.is_(None)))
        ).first()
        return _action_from_row(row) if row is not None else None

    async def open(self) -> list[Action]:
        """Circulated actions still to do, on any case, soonest due first (the index on `due`)."""
        c, o = t.actions.c, t.case_outcomes.c
        rows = await self._uow.connection.execute(
            select(t.actions)
            .join(t.case_outcomes, o.case_id == c.case_id)
            .where(
                c.removed_at.is_(None),
                c.status.not_in([ActionStatus.COMPLETE.value, ActionStatus.NOT_DOING.value]),
                o.circulated_at.is_not(None),
                c.created_at <= o.circulated_at,
            )
            .order_by(c.due, c.id)
        )
        return [_action_from_row(row) for row in rows]

    async def save(self, action: Action) -> None:
        c = t.actions.c
        changed_by = action.status_changed_by
        result = await self._uow.connection.execute(
            update(t.actions)
            .where(c.id == action.id, c.version == action.version - 1, c.removed_at.is_(None))
            .values(
                status=action.status.value,
                status_note=action.status_note,
                status_changed_by_id=changed_by.user_id if changed_by else None,
                status_changed_by_name=changed_by.name if changed_by else None,
                status_changed_at=action.status_changed_at,
                due=action.due,
                version=action.version,
            )
        )
        if result.rowcount != 1:
            raise ConcurrentChange(f"action {action.id} changed while this action ran")

    async def requests(self, action_id: int) -> list[ActionRequest]:
        c = t.action_requests.c
        rows = (
            await self._uow.connection.execute(select(t.action_requests).where(c.action_id == action_id).order_by(c.id))
        ).all()
        return [_request_from_row(row) for row in rows]

    async def add_request(self, request: ActionRequest) -> ActionRequest:
        """One waiting request per action: `pending_for` is unique, so a second one collides."""
        try:
            result = await self._uow.connection.execute(
                _INSERT_ACTION_REQUEST,
                {
                    "action_id": request.action_id,
                    "kind": request.kind.value,
                    "reason": request.reason,
                    "requested_by_id": request.requested_by.user_id,
                    "requested_by_name": request.requested_by.name,
                    "requested_at": request.requested_at,
                    "new_due": request.new_due,
                    "state": request.state.value,
                    "pending_for": request.action_id if request.state is RequestState.PENDING else None,
                },
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"a request about action {request.action_id} was made meanwhile") from None
        assert result.inserted_primary_key is not None
        return replace(request, id=int(result.inserted_primary_key[0]))

    async def save_request(self, request: ActionRequest) -> None:
        c = t.action_requests.c
        decided_by = request.decided_by
        result = await self._uow.connection.execute(
            update(t.action_requests)
            .where(c.id == request.id, c.state == RequestState.PENDING.value)
            .values(
                state=request.state.value,
                decided_by_id=decided_by.user_id if decided_by else None,
                decided_by_name=decided_by.name if decided_by else None,
                decided_at=request.decided_at,
                pending_for=None,
            )
        )
        if result.rowcount != 1:
            raise ConcurrentChange(f"request {request.id} was decided meanwhile")


def _request_from_row(row: Row[Any]) -> ActionRequest:
    return ActionRequest(
        action_id=row.action_id,
        kind=RequestKind(row.kind),
        reason=row.reason,
        requested_by=Person(row.requested_by_id, row.requested_by_name),
        requested_at=row.requested_at,
        new_due=row.new_due,
        id=row.id,
        state=RequestState(row.state),
        decided_by=_person(row.decided_by_id, row.decided_by_name),
        decided_at=row.decided_at,
    )


class SqlDisclosureRepository:
    """Read only, for the disclosure bundle: every revision, version and removed item the working repositories
    leave out, the document deliveries and the case's audit trail."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def parameter_revisions(self, case_id: int) -> list[ParametersRevision]:
        c = t.case_parameters.c
        rows = await self._uow.connection.execute(
            select(t.case_parameters).where(c.case_id == case_id).order_by(c.revision)
        )
        return [_revision_from_row(row) for row in rows]

    async def consents(self, case_id: int) -> list[ConsentRecord]:
        c = t.case_consents.c
        rows = await self._uow.connection.execute(select(t.case_consents).where(c.case_id == case_id).order_by(c.id))
        return [_consent_from_row(row) for row in rows]

    async def partner_summaries(self, case_id: int) -> list[PartnerSummary]:
        c = t.partner_summaries.c
        rows = await self._uow.connection.execute(
            select(t.partner_summaries).where(c.case_id == case_id).order_by(c.revision)
        )
        return [_summary_from_row(row) for row in rows]

    async def entry_versions(self, case_id: int) -> list[EntryVersion]:
        """Every kept version, rebuilt from its snapshot; the entry's case, contributor and recording time never
        change, so they are read from the entry itself."""
        e, v = t.chronology_entries.c, t.chronology_entry_versions.c
        rows = await self._uow.connection.execute(
            select(
                v.entry_id,
                v.version,
                v.changed_at,
                v.changed_by_id,
                v.changed_by_name,
                v.snapshot,
                e.case_id,
                e.contributor_id,
                e.contributor_name,
                e.recorded_at,
            )
            .join(t.chronology_entries, e.id == v.entry_id)
            .where(e.case_id == case_id)
            .order_by(v.entry_id, v.version)
        )
        return [
            EntryVersion(
                entry=_entry_from_snapshot(row),
                changed_by=Person(row.changed_by_id, row.changed_by_name),
                changed_at=row.changed_at,
            )
            for row in rows
        ]

    async def outcome_items(self, case_id: int) -> OutcomeRecord:
        connection = self._uow.connection
        lp, r, a, s = t.learning_points.c, t.recommendations.c, t.actions.c, t.outcome_sign_offs.c
        learning = await connection.execute(select(t.learning_points).where(lp.case_id == case_id).order_by(lp.id))
        recommendations = await connection.execute(select(t.recommendations).where(r.case_id == case_id).order_by(r.id))
        actions = await connection.execute(select(t.actions).where(a.case_id == case_id).order_by(a.id))
        sign_offs = await connection.execute(
            select(t.outcome_sign_offs).where(s.case_id == case_id).order_by(s.outcome_version)
        )
        return OutcomeRecord(
            learning=tuple(Kept(_learning_point_from_row(row), _removal(row)) for row in learning),
            recommendations=tuple(Kept(_recommendation_from_row(row), _removal(row)) for row in recommendations),
            actions=tuple(Kept(_action_from_row(row), _removal(row)) for row in actions),
            sign_offs=tuple(_sign_off_from_row(row) for row in sign_offs),
        )

    async def document_deliveries(self, case_id: int) -> list[DocumentDelivery]:
        c = t.document_links.c
        rows = await self._uow.connection.execute(
            select(c.kind, c.requester_id, c.requester_name, c.created_at, c.expires_at, c.used_at)
            .where(c.case_id == case_id)
            .order_by(c.created_at, c.token_hash)
        )
        return [
            DocumentDelivery(
                kind=row.kind,
                requester=Person(row.requester_id, row.requester_name),
                created_at=row.created_at,
                expires_at=row.expires_at,
                used_at=row.used_at,
            )
            for row in rows
        ]

    async def audit_records(self, case_id: int) -> list[AuditRecord]:
        c = t.audit_log.c
        rows = await self._uow.connection.execute(
            select(
                c.at,
                c.actor_id,
                c.actor_name,
                c.action,
                c.category,
                c.outcome,
                c.case_id,
                c.justification,
                c.recipients,
            )
            .where(c.case_id == case_id)
            .order_by(c.id)
        )
        return [
            AuditRecord(
                at=row.at,
                actor_id=row.actor_id,
                actor_name=row.actor_name,
                action=row.action,
                category=AuditCategory(row.category),
                outcome=AuditOutcome(row.outcome),
                case_id=row.case_id,
                justification=row.justification,
                recipients=tuple(row.recipients),
            )
            for row in rows
        ]

    async def case_id(self, case_number: str) -> int | None:
        found = await self._uow.connection.execute(select(t.cases.c.id).where(t.cases.c.case_number == case_number))
        case_id: int | None = found.scalar_one_or_none()
        return case_id


def _removal(row: Row[Any]) -> Removal | None:
    if row.removed_at is None:
        return None
    return Removal(by=Person(row.removed_by_id or "", row.removed_by_name or ""), at=row.removed_at)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def _entry_from_snapshot(row: Any) -> ChronologyEntry:
    """One kept version of an entry (`entry_snapshot` read back), from a row of `entry_versions`' select."""
    snapshot = row.snapshot
    content, review, risk = snapshot["content"], snapshot["review"], snapshot["content"]["risk_assessment"]
    return ChronologyEntry(
        case_id=row.case_id,
        content=EntryContent(
            event_date=date.fromisoformat(content["event_date"]),
            event_time=time.fromisoformat(content["event_time"]) if content["event_time"] else None,
            precision=_PRECISION[content["precision"]],
            source_agency=content["source_agency"],
            source_system=content["source_system"],
            source_reference=content["source_reference"],
            contact_type=_CONTACT_TYPE[content["contact_type"]],
            subjects=tuple(content["subjects"]),
            summary=content["summary"],
            information_type=_INFORMATION_TYPE[content["information_type"]],
            risk_assessment=(
                RiskAssessment(
                    tool=risk["tool"],
                    grade=_RISK_GRADE[risk["grade"]],
                    assessed_on=date.fromisoformat(risk["assessed_on"]),
                )
                if risk
                else None
            ),
            action_and_outcome=content["action_and_outcome"],
            missed_opportunity=content["missed_opportunity"],
            missed_opportunity_rationale=content["missed_opportunity_rationale"],
        ),
        contributor=Person(row.contributor_id, row.contributor_name),
        recorded_at=row.recorded_at,
        id=row.entry_id,
        version=row.version,
        updated_at=_moment(snapshot["updated_at"]),
        withdrawn_at=_moment(snapshot["withdrawn_at"]),
        review=Review(
            verified_by=_person(review["verified_by_id"], review["verified_by_name"]),
            verified_at=_moment(review["verified_at"]),
            missed_opportunity=review["missed_opportunity"],
            good_practice=review["good_practice"],
            themes=tuple(review["themes"]),
        ),
    )


# --- Retention ------------------------------------------------------------------------------------------------------

ERASED = "[erased]"
"""What erasure writes into a tombstone's text columns that may not be empty."""


def _holding_tables(case_id: int) -> tuple[tuple[HoldingKind, Any, Any], ...]:
    """(kind, table, which rows are the case's) for everything erasure deletes, in an order that keeps every foreign
    key satisfied: versions before their entries, requests before their actions."""
    entries = select(t.chronology_entries.c.id).where(t.chronology_entries.c.case_id == case_id)
    actions = select(t.actions.c.id).where(t.actions.c.case_id == case_id)
    return (
        (HoldingKind.TRIAGE_DECISIONS, t.triage_decisions, t.triage_decisions.c.case_id == case_id),
        (HoldingKind.PARAMETERS, t.case_parameters, t.case_parameters.c.case_id == case_id),
        (HoldingKind.CONSENTS, t.case_consents, t.case_consents.c.case_id == case_id),
        (HoldingKind.CONTRIBUTORS, t.case_contributors, t.case_contributors.c.case_id == case_id),
        (
            HoldingKind.CHRONOLOGY_VERSIONS,
            t.chronology_entry_versions,
            t.chronology_entry_versions.c.entry_id.in_(entries.scalar_subquery()),
        ),
        (HoldingKind.CHRONOLOGY_ENTRIES, t.chronology_entries, t.chronology_entries.c.case_id == case_id),
        (HoldingKind.CHRONOLOGY_LOCK, t.chronology_locks, t.chronology_locks.c.case_id == case_id),
        (HoldingKind.PARTNER_SUMMARIES, t.partner_summaries, t.partner_summaries.c.case_id == case_id),
        (HoldingKind.PARTNER_INVITATIONS, t.partner_invitations, t.partner_invitations.c.case_id == case_id),
        (HoldingKind.MEETING, t.meetings, t.meetings.c.case_id == case_id),
        (HoldingKind.SIGN_OFFS, t.outcome_sign_offs, t.outcome_sign_offs.c.case_id == case_id),
        (HoldingKind.LEARNING_POINTS, t.learning_points, t.learning_points.c.case_id == case_id),
        (HoldingKind.RECOMMENDATIONS, t.recommendations, t.recommendations.c.case_id == case_id),
        (
            HoldingKind.ACTION_REQUESTS,
            t.action_requests,
            t.action_requests.c.action_id.in_(actions.scalar_subquery()),
        ),
        (HoldingKind.ACTIONS, t.actions, t.actions.c.case_id == case_id),
        (HoldingKind.OUTCOME, t.case_outcomes, t.case_outcomes.c.case_id == case_id),
        (HoldingKind.DOCUMENT_LINKS, t.document_links, t.document_links.c.case_id == case_id),
        (HoldingKind.REMINDERS, t.contribution_reminders, t.contribution_reminders.c.case_id == case_id),
        (HoldingKind.TEAMS_POSTS, t.case_threads, t.case_threads.c.case_id == case_id),
    )


ERASED_TABLES = frozenset({"cases", *(table.name for _, table, _ in _holding_tables(0))})
"""Tables that hold a case's content: erasure overwrites the case's row (its tombstone) and deletes the rest."""
KEPT_ON_ERASURE = frozenset({"audit_log", "outbox", "processed_activities", "retention_decisions", "retention_notices"})
"""Tables with a case's id that erasure leaves alone: they hold no content (identifiers, kinds, times, and retention
rationales that are checked to hold none of the case's own details), and the audit trail must outlive the content."""


class SqlRetentionRepository:
    """Closure and review queries, each case's retention history, and erasure."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def closing_candidates(self) -> builtins.list[int]:
        c, o, s, a = t.cases.c, t.case_outcomes.c, t.outcome_sign_offs.c, t.actions.c
        approved = (
            select(o.case_id)
            .join(t.outcome_sign_offs, and_(s.case_id == o.case_id, s.outcome_version == o.version))
            .where(o.case_id == c.id, s.state == SignOffState.APPROVED.value)
            .exists()
        )
        still_to_do = (
            select(a.id)
            .where(
                a.case_id == c.id,
                a.removed_at.is_(None),
                a.status.not_in([ActionStatus.COMPLETE.value, ActionStatus.NOT_DOING.value]),
            )
            .exists()
        )
        found = await self._uow.connection.execute(
            select(c.id)
            .where(
                c.closed_at.is_(None),
                c.erased_at.is_(None),
                or_(
                    c.status.in_([CaseStatus.DECLINED.value, CaseStatus.MERGED.value]),
                    and_(c.status == CaseStatus.ACCEPTED.value, approved, ~still_to_do),
                ),
            )
            .order_by(c.id)
        )
        return [int(case_id) for case_id in found.scalars()]

    async def due_for_review(self, *, today: date) -> builtins.list[int]:
        c, n = t.cases.c, t.retention_notices.c
        sent = select(n.case_id).where(n.case_id == c.id, n.review_due == c.review_due).exists()
        found = await self._uow.connection.execute(
            select(c.id)
            .where(c.closed_at.is_not(None), c.erased_at.is_(None), c.review_due <= today, ~sent)
            .order_by(c.review_due, c.id)
        )
        return [int(case_id) for case_id in found.scalars()]

    async def add_notice(self, case_id: int, review_due: date, sent_at: datetime) -> None:
        try:
            await self._uow.connection.execute(
                insert(t.retention_notices), {"case_id": case_id, "review_due": review_due, "sent_at": sent_at}
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"the review card of case {case_id} was sent while this action ran") from None

    async def decisions(self, case_id: int) -> builtins.list[RetentionDecision]:
        d = t.retention_decisions.c
        rows = await self._uow.connection.execute(
            select(t.retention_decisions).where(d.case_id == case_id).order_by(d.id)
        )
        return [
            RetentionDecision(
                kind=DecisionKind(row.kind),
                rationale=row.rationale,
                by=Person(row.decided_by_id, row.decided_by_name),
                at=row.decided_at,
                review_due_before=row.review_due_before,
                review_due_after=row.review_due_after,
                hold_kind=LegalHoldKind(row.hold_kind) if row.hold_kind else None,
                erased=holdings_of({HoldingKind(k): int(n) for k, n in (row.erased or {}).items()}),
            )
            for row in rows
        ]

    async def add_decision(self, case_id: int, decision: RetentionDecision) -> None:
        await self._uow.connection.execute(
            insert(t.retention_decisions),
            {
                "case_id": case_id,
                "kind": decision.kind.value,
                "rationale": decision.rationale,
                "review_due_before": decision.review_due_before,
                "review_due_after": decision.review_due_after,
                "hold_kind": decision.hold_kind.value if decision.hold_kind else None,
                "erased": {h.kind.value: h.count for h in decision.erased} or None,
                "decided_by_id": decision.by.user_id,
                "decided_by_name": decision.by.name,
                "decided_at": decision.at,
            },
        )

    async def holdings(self, case_id: int) -> tuple[Holding, ...]:
        connection = self._uow.connection
        counts = {HoldingKind.NOMINATION: 1}
        for kind, table, condition in _holding_tables(case_id):
            found = await connection.execute(select(func.count()).select_from(table).where(condition))
            counts[kind] = int(found.scalar_one())
        return holdings_of(counts)

    async def erase(self, case: Case, *, at: datetime) -> tuple[Holding, ...]:
        """Overwrite the case's row with its tombstone (case number, status and dates kept; text that may not be
        empty becomes "[erased]", the incident and meeting dates the nomination's), then delete every other row
        of its content. The row is only written if the case is still as it was read, not erased and not held."""
        assert case.id is not None
        connection = self._uow.connection
        c = t.cases.c
        nominated_day = case.nominated_at.astimezone(LONDON).date()
        result = await connection.execute(
            update(t.cases)
            .where(c.id == case.id, c.version == case.version, c.erased_at.is_(None), c.legal_hold_kind.is_(None))
            .values(
                # Unique, and nothing of the incident: the case number is already on the row.
                incident_reference=f"{ERASED} {case.case_number}",
                operation_name=None,
                incident_at=case.nominated_at,
                offence_type=ERASED,
                context=ERASED,
                harm=ERASED,
                policing_area=ERASED,
                dmm_date=nominated_day,
                scope_reason=ERASED,
                sio_id=ERASED,
                sio_name=ERASED,
                nominator_id=ERASED,
                nominator_name=ERASED,
                lead_reviewer_id=None,
                lead_reviewer_name=None,
                erased_at=at,
                version=case.version + 1,
            )
        )
        if result.rowcount != 1:
            raise ConcurrentChange(f"case {case.case_number} changed while it was being erased")
        case.version += 1
        case.erased_at = at
        counts = {HoldingKind.NOMINATION: 1}
        for kind, table, condition in _holding_tables(case.id):
            deleted = await connection.execute(delete(table).where(condition))
            counts[kind] = int(deleted.rowcount)
        return holdings_of(counts)


class SqlOversightRepository:
    """Read only: the light columns the oversight figures count, in a few aggregate or narrow queries (the dashboard
    reads thousands of cases and tens of thousands of actions: never whole rows, never case text)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def milestones(self) -> builtins.list[CaseMilestones]:
        """Every case with the first moment each step was reached, by case id."""
        c, d, k, s = t.cases.c, t.triage_decisions.c, t.case_consents.c, t.outcome_sign_offs.c
        triaged = (
            select(d.case_id, func.min(d.decided_at).label("at"))
            .where(d.outcome.in_([o.value for o in TriageOutcome if o.is_final]))
            .group_by(d.case_id)
            .subquery()
        )
        consented = (
            select(k.case_id, func.min(k.at).label("at"))
            .where(k.answer != ConsentAnswer.NOT_YET.value)
            .group_by(k.case_id)
            .subquery()
        )
        signed_off = (
            select(s.case_id, func.min(s.answered_at).label("at"))
            .where(s.state == SignOffState.APPROVED.value)
            .group_by(s.case_id)
            .subquery()
        )
        m, o = t.meetings.c, t.case_outcomes.c
        moments = (c.nominated_at, c.incident_at, triaged.c.at, consented.c.at, m.starts_at, signed_off.c.at)
        statement = (
            select(
                c.id,
                c.case_number,
                c.status,
                c.offence_type,
                c.context,
                c.harm,
                c.policing_area,
                *(type_coerce(moment, NullType()) for moment in (*moments, o.circulated_at, c.closed_at, c.erased_at)),
            )
            .select_from(t.cases)
            .outerjoin(triaged, triaged.c.case_id == c.id)
            .outerjoin(consented, consented.c.case_id == c.id)
            .outerjoin(t.meetings, m.case_id == c.id)
            .outerjoin(signed_off, signed_off.c.case_id == c.id)
            .outerjoin(t.case_outcomes, o.case_id == c.id)
            .order_by(c.id)
        )
        found = []
        for row in await self._uow.connection.execute(statement):
            case_id, number, status, offence, context, harm, area, nominated, *stamps = row
            incident_at, triaged_at, consent_at, meeting_at, signed_off_at, circulated_at, closed_at, erased_at = map(
                _utc, stamps
            )
            nominated_at = _utc(nominated)
            assert nominated_at is not None  # the column is NOT NULL
            erased = erased_at is not None
            found.append(
                CaseMilestones(
                    case_id=case_id,
                    case_number=number,
                    status=_STATUS[status],
                    nominated_at=nominated_at,
                    incident_at=None if erased else incident_at,
                    offence_type=None if erased else _OFFENCE.get(offence),
                    context=None if erased else _CONTEXT.get(context),
                    harm=None if erased else _HARM.get(harm),
                    policing_area=None if erased else area,
                    triaged_at=None if erased else triaged_at,
                    consent_at=None if erased else consent_at,
                    meeting_at=None if erased else meeting_at,
                    signed_off_at=None if erased else signed_off_at,
                    circulated_at=None if erased else circulated_at,
                    closed_at=closed_at,
                    erased_at=erased_at,
                )
            )
        return found

    async def action_tallies(self, *, today: date, by: TallyBy) -> builtins.list[ActionTally]:
        a = t.actions.c
        group = a.owner_id if by is TallyBy.OWNER else a.theme
        overdue = when_then((and_(a.status.not_in(_FINAL), a.due < today), 1), else_=0)
        statement = (
            self._circulated_actions(a.status, group, func.count(), func.sum(overdue))
            .group_by(a.status, group)
            .order_by(a.status, group)
        )
        return [
            ActionTally(_ACTION_STATUS[status], key, int(count), int(late or 0))
            for status, key, count, late in await self._uow.connection.execute(statement)
        ]

    async def action_records(self, *, open_only: bool) -> builtins.list[ActionRecord]:
        a = t.actions.c
        statement = self._circulated_actions(
            t.cases.c.case_number, a.id, a.description, a.owner_id, a.theme, a.priority, a.route, a.status, a.due
        ).join(t.cases, t.cases.c.id == a.case_id)
        if open_only:
            statement = statement.where(a.status.not_in(_FINAL))
        rows = await self._uow.connection.execute(statement.order_by(a.case_id, a.id))
        return [
            ActionRecord(
                number,
                action_id,
                description,
                owner_id,
                theme,
                _PRIORITY[priority],
                _ROUTE[route],
                _ACTION_STATUS[status],
                due,
            )
            for number, action_id, description, owner_id, theme, priority, route, status, due in rows
        ]

    async def learning_tallies(self, *, starts: builtins.list[datetime]) -> builtins.list[ThemeTally]:
        if not starts:
            return []
        lp, o = t.learning_points.c, t.case_outcomes.c
        period = when_then(
            *((lp.recorded_at < start, index) for index, start in enumerate(starts[1:])), else_=len(starts) - 1
        )
        agreed = (
            select(period.label("period"), lp.theme)
            .select_from(t.learning_points)
            .join(t.case_outcomes, o.case_id == lp.case_id)
            .where(
                lp.removed_at.is_(None),
                o.circulated_at.is_not(None),
                lp.recorded_at <= o.circulated_at,
                lp.recorded_at >= starts[0],
            )
            .subquery()
        )
        rows = await self._uow.connection.execute(
            select(agreed.c.period, agreed.c.theme, func.count())
            .group_by(agreed.c.period, agreed.c.theme)
            .order_by(agreed.c.period, agreed.c.theme)
        )
        return [ThemeTally(int(index), theme, int(count)) for index, theme, count in rows]

    def _circulated_actions(self, *columns: Any) -> Any:
        """Actions given to their owners (recorded before their case's outcome was last circulated), current. An
        erased case has neither (erasure deletes its outcome and its actions), so no join with `cases` is needed."""
        a, o = t.actions.c, t.case_outcomes.c
        return (
            select(*columns)
            .select_from(t.actions)
            .join(t.case_outcomes, o.case_id == a.case_id)
            .where(a.removed_at.is_(None), o.circulated_at.is_not(None), a.created_at <= o.circulated_at)
        )


def _utc(value: Any) -> datetime | None:
    """A moment read without its column type, which costs ten times more per value (the dashboard reads some twenty
    thousand): PostgreSQL gives it aware, in UTC; SQLite keeps UTC as naive ISO text, read here with its offset
    (`replace(tzinfo=UTC)` alone takes longer than the parse)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value + "+00:00")


# Values to members, by dict look-up (thousands of rows per read).
_STATUS = {m.value: m for m in CaseStatus}
_OFFENCE = {m.value: m for m in OffenceType}
_CONTEXT = {m.value: m for m in IncidentContext}
_HARM = {m.value: m for m in Harm}
_ACTION_STATUS = {m.value: m for m in ActionStatus}
_PRIORITY = {m.value: m for m in Priority}
_ROUTE = {m.value: m for m in Route}
_FINAL = [ActionStatus.COMPLETE.value, ActionStatus.NOT_DOING.value]


class SqlDigestRepository:
    """The digests sent: one per kind and period (the unique key makes a second one a ConcurrentChange)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def add(self, digest: Digest) -> Digest:
        try:
            result = await self._uow.connection.execute(
                insert(t.digests).values(
                    kind=digest.kind.value, period=digest.period, created_at=digest.created_at, reported=digest.reported
                )
            )
        except IntegrityError:
            await self._uow._raise_if_replayed()
            raise ConcurrentChange(f"the {digest.kind.label} for {digest.period} was recorded meanwhile") from None
        assert result.inserted_primary_key is not None
        return replace(digest, id=int(result.inserted_primary_key[0]))

    async def get(self, digest_id: int) -> Digest | None:
        return await self._one(t.digests.c.id == digest_id)

    async def find(self, kind: DigestKind, period: str) -> Digest | None:
        return await self._one(and_(t.digests.c.kind == kind.value, t.digests.c.period == period))

    async def _one(self, condition: Any) -> Digest | None:
        row = (await self._uow.connection.execute(select(t.digests).where(condition))).first()
        if row is None:
            return None
        return Digest(
            kind=DigestKind(row.kind), period=row.period, created_at=row.created_at, id=row.id, reported=row.reported
        )
