"""Disclosure (CPIA 1996): everything a case holds, gathered for the information manager or a disclosure officer.

Debrief material, including each contribution and the record of who attended, is potentially disclosable in
criminal proceedings, so nothing is thrown away: every version of every chronology entry (withdrawn ones too),
every revision of the parameters and of the partner summary, every answer of the SIO, every invitation and its
response, the meeting and its attendance, the outcome with removed items and every sign-off, every delivery of a
document, and the audit trail. `bundle` reads it all in one audited disclosure to the person who asked;
documents/disclosure.py turns it into the archive (an index, the documents as they stand, the records as CSV and
the audit extract).

A case erased after its retention review (MoPI) keeps only its number, its dates and its audit trail: its bundle
holds the schedule and the audit extract, and says so.

What is not stored cannot be disclosed, and the index says so: earlier schedules of the meeting (only its current
revision is kept; each change is in the audit extract), earlier states of an action (its status now, who last
changed it, and its requests; each change is in the audit extract), and the documents as they were when delivered
(each delivery is listed; the documents are rendered as they stand now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from debrief.actions import ActionRequest
from debrief.audit import AuditRecord
from debrief.cases import existing
from debrief.chronology import Chronology, ChronologyEntry, merge
from debrief.consent import ConsentRecord
from debrief.contributors import Contributor
from debrief.errors import NotFound
from debrief.learning import Action, LearningPoint, Outcome, Recommendation, SignOff
from debrief.meetings import Meeting
from debrief.model import Case, CaseErased, Harm, IncidentContext, Nomination, OffenceType, Person
from debrief.parameters import Parameters, ParametersRevision
from debrief.partners import PartnerInvitation, PartnerSummary
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class EntryVersion:
    """One version of a chronology entry as it was kept: who made it, when, and the entry as it then stood."""

    entry: ChronologyEntry
    changed_by: Person
    changed_at: datetime

    @property
    def entry_id(self) -> int:
        assert self.entry.id is not None
        return self.entry.id

    @property
    def version(self) -> int:
        return self.entry.version


@dataclass(frozen=True)
class Removal:
    by: Person
    at: datetime


@dataclass(frozen=True)
class Kept(Generic[T]):
    """An item of the outcome as it stands, with who removed it and when if it was taken out (it is still kept)."""

    item: T
    removed: Removal | None = None


@dataclass(frozen=True)
class OutcomeRecord:
    """Everything the outcome ever held: current and removed items, in the order they were added, and every request
    for the SIO's sign-off with its answer, oldest first."""

    learning: tuple[Kept[LearningPoint], ...] = ()
    recommendations: tuple[Kept[Recommendation], ...] = ()
    actions: tuple[Kept[Action], ...] = ()
    sign_offs: tuple[SignOff, ...] = ()


@dataclass(frozen=True)
class DocumentDelivery:
    """One document delivered (or offered) to one person: a single-use link or file offer, when it was made, until
    when it worked, and when it was used. The token itself is never stored, so it is never disclosed."""

    kind: str
    requester: Person
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class DisclosureBundle:
    """Everything the case holds, read in one go for one person at one moment."""

    case: Case
    produced_for: Person
    produced_at: datetime
    parameters: tuple[ParametersRevision, ...]
    """Every revision, oldest first."""
    consents: tuple[ConsentRecord, ...]
    """Every answer of the SIO, oldest first."""
    contributors: tuple[Contributor, ...]
    entries: tuple[ChronologyEntry, ...]
    """Every entry as it stands now, withdrawn ones too, in the order they were added."""
    entry_versions: tuple[EntryVersion, ...]
    """Every version of every entry, by entry then version."""
    chronology: Chronology
    """The merged chronology as the documents print it (current entries in time order, conflicts, gaps, the lock)."""
    partner_summaries: tuple[PartnerSummary, ...]
    partner_invitations: tuple[PartnerInvitation, ...]
    meeting: Meeting | None
    outcome: Outcome
    """The outcome as it stands (what the learning and actions document prints)."""
    outcome_record: OutcomeRecord
    action_requests: tuple[ActionRequest, ...]
    """Every request about any of the case's actions, by action then in the order made."""
    deliveries: tuple[DocumentDelivery, ...]
    audit: tuple[AuditRecord, ...]
    """Every audit record of the case written before this bundle, in the order written (its own production is
    recorded after them)."""
    erased_at: datetime | None = None
    """Set when the case's content was erased: then only its number and its audit trail are in the bundle."""

    @property
    def latest_parameters(self) -> Parameters | None:
        return self.parameters[-1].parameters if self.parameters else None


async def request_bundle(*, uow: UnitOfWork, actor: Actor, case_number: str, now: datetime) -> Case:
    """Someone asks for a case's disclosure bundle by its number: only the information manager or a disclosure
    officer may have it (anyone else is refused, and the refusal audited). It is offered to them alone."""
    async with uow:
        number = case_number.strip().upper()
        try:
            case = await uow.cases.get_by_number(number)
        except CaseErased as erased:
            case = await _tombstone(uow, erased)
        if case is None or case.id is None:
            raise NotFound(f"There is no case {number}. Check the case number (for example RD-2026-0001).")
        await authorise(
            uow,
            actor,
            Permission.PRODUCE_DISCLOSURE_BUNDLE,
            case,
            now=now,
            recipients=(f"person:{actor.user_id}",),
            justification="disclosure bundle asked for; offered one to one (its delivery is logged when fetched)",
        )
        uow.mark_processed(case.id)
        await uow.commit()
        return case


async def bundle(
    *, uow: UnitOfWork, actor: Actor, now: datetime, case_id: int, route: str = "as one archive"
) -> DisclosureBundle:
    """Everything the case holds, for the information manager or a disclosure officer: a disclosure to them."""
    async with uow:
        case: Case | None
        try:
            case = await existing(uow, case_id)
        except CaseErased as erased:
            case = await _tombstone(uow, erased)
            if case is None:
                raise
        await authorise(
            uow,
            actor,
            Permission.PRODUCE_DISCLOSURE_BUNDLE,
            case,
            now=now,
            recipients=(f"person:{actor.user_id}",),
            justification=f"disclosure bundle (CPIA 1996) delivered {route}",
        )
        if case.erased_at is not None:
            found = _erased_bundle(
                case, Person(actor.user_id, actor.name), now, await uow.disclosure.audit_records(case_id)
            )
            await uow.commit()
            return found
        parameters = tuple(await uow.disclosure.parameter_revisions(case_id))
        entries = tuple(await uow.chronology.list(case_id))
        lock = await uow.chronology.lock_of(case_id)
        chronology = merge(entries, parameters=parameters[-1].parameters if parameters else None, lock=lock)
        record = await uow.disclosure.outcome_items(case_id)
        requests: list[ActionRequest] = []
        for kept in record.actions:
            if kept.item.id is not None:
                requests += await uow.actions.requests(kept.item.id)
        found = DisclosureBundle(
            case=case,
            produced_for=Person(actor.user_id, actor.name),
            produced_at=now,
            parameters=parameters,
            consents=tuple(await uow.disclosure.consents(case_id)),
            contributors=tuple(await uow.contributors.list(case_id)),
            entries=entries,
            entry_versions=tuple(await uow.disclosure.entry_versions(case_id)),
            chronology=chronology,
            partner_summaries=tuple(await uow.disclosure.partner_summaries(case_id)),
            partner_invitations=tuple(await uow.partners.invitations(case_id)),
            meeting=await uow.meetings.get(case_id),
            outcome=await uow.outcomes.get(case_id),
            outcome_record=record,
            action_requests=tuple(requests),
            deliveries=tuple(await uow.disclosure.document_deliveries(case_id)),
            audit=tuple(await uow.disclosure.audit_records(case_id)),
        )
        await uow.commit()
        return found


ERASED = "[erased]"


async def _tombstone(uow: UnitOfWork, erased: CaseErased) -> Case | None:
    """What the rules and the audit log need of an erased case: its id, number and when it was erased. Its content is
    gone, so its nomination here is a placeholder ("[erased]"), never shown and never stored."""
    case_id = await uow.disclosure.case_id(erased.case_number)
    if case_id is None:
        return None
    blank = Person(ERASED, ERASED)
    at = erased.erased_at
    placeholder = Nomination(
        incident_reference=f"{ERASED} {erased.case_number}",
        operation_name=None,
        incident_at=at,
        offence_type=OffenceType.OTHER_SERIOUS_VIOLENCE,
        context=IncidentContext.NON_DOMESTIC,
        harm=Harm.NEAR_MISS,
        policing_area=ERASED,
        dmm_date=at.date(),
        scope_reason=ERASED,
        sio=blank,
    )
    return Case(
        nomination=placeholder,
        nominator=blank,
        nominated_at=at,
        case_number=erased.case_number,
        id=case_id,
        erased_at=at,
    )


def _erased_bundle(case: Case, produced_for: Person, now: datetime, audit: list[AuditRecord]) -> DisclosureBundle:
    return DisclosureBundle(
        case=case,
        produced_for=produced_for,
        produced_at=now,
        parameters=(),
        consents=(),
        contributors=(),
        entries=(),
        entry_versions=(),
        chronology=merge((), parameters=None, lock=None),
        partner_summaries=(),
        partner_invitations=(),
        meeting=None,
        outcome=Outcome(),
        outcome_record=OutcomeRecord(),
        action_requests=(),
        deliveries=(),
        audit=tuple(audit),
        erased_at=case.erased_at,
    )
