"""Step 3, from the contributor's side: officers who know the incident add what they know, from chat.

An officer invited to a case adds entries, and lists, edits and withdraws their own until the chronology is
locked. They never see anyone else's entries. Collection waits for the SIO's consent, and the SIO's
conditions travel with the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from debrief.chronology import ChronologyEntry, parse_entry
from debrief.consent import ConsentRecord, collection_may_start
from debrief.errors import InvalidInput, NotFound
from debrief.model import Case, CaseStatus, Person
from debrief.parameters import ParametersRevision
from debrief.permissions import Actor, Permission, Role, authorise
from debrief.ports import UnitOfWork
from debrief.relations import relation_of


@dataclass(frozen=True)
class Contributing:
    """What the entry form needs to know about the case the officer is contributing to."""

    case: Case
    parameters: ParametersRevision | None
    consent: ConsentRecord | None
    deadline: date | None
    locked: bool
    partner_agency: str | None = None
    """Set for a partner: they add entries from their own agency's records only."""

    @property
    def agencies(self) -> tuple[str, ...] | None:
        """The agencies this person may record entries from (None: any agency in scope)."""
        return (self.partner_agency,) if self.partner_agency is not None else None


@dataclass(frozen=True)
class OwnEntries:
    case: Case
    entries: list[ChronologyEntry]
    locked: bool


async def open_form(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> Contributing:
    """The blank entry form, for an officer who may add to this case now."""
    async with uow:
        contributing = await _contributing(uow, actor, case_id, Permission.READ_OWN_ENTRIES, now=now)
        _require_open(contributing, "summary")
        await uow.commit()
        return contributing


async def add_entry(
    *, uow: UnitOfWork, actor: Actor, case_id: int, form: Mapping[str, object], now: datetime
) -> tuple[Contributing, ChronologyEntry, int]:
    """Record a new entry; returns it with how many entries this officer has now added to the case."""
    async with uow:
        contributing = await _contributing(uow, actor, case_id, Permission.ADD_CHRONOLOGY_ENTRY, now=now)
        _require_open(contributing, "summary")
        parameters = contributing.parameters.parameters if contributing.parameters else None
        content = parse_entry(form, parameters=parameters, now=now)
        _require_own_agency(contributing, content.source_agency)
        entry = await uow.chronology.add(
            ChronologyEntry(
                case_id=case_id, content=content, contributor=Person(actor.user_id, actor.name), recorded_at=now
            )
        )
        yours = len(await uow.chronology.list(case_id, contributor_id=actor.user_id))
        uow.mark_processed(case_id)
        await uow.commit()
        return contributing, entry, yours


async def list_own(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> OwnEntries:
    """The officer's own entries for the case, withdrawn ones included; never anyone else's."""
    async with uow:
        contributing = await _contributing(uow, actor, case_id, Permission.READ_OWN_ENTRIES, now=now)
        entries = await uow.chronology.list(case_id, contributor_id=actor.user_id)
        await uow.commit()
        return OwnEntries(contributing.case, entries, contributing.locked)


async def get_own(
    *, uow: UnitOfWork, actor: Actor, case_id: int, entry_id: int, now: datetime
) -> tuple[Contributing, ChronologyEntry]:
    """One of the officer's own entries, to edit it."""
    async with uow:
        contributing, entry = await _own_entry(uow, actor, case_id, entry_id, Permission.READ_OWN_ENTRY, now=now)
        await uow.commit()
        return contributing, entry


async def edit_entry(
    *, uow: UnitOfWork, actor: Actor, case_id: int, entry_id: int, form: Mapping[str, object], now: datetime
) -> tuple[Contributing, ChronologyEntry]:
    """Replace the officer's account with a corrected one; every earlier version is kept."""
    async with uow:
        entry = await _entry(uow, case_id, entry_id)
        latest = await uow.parameters.latest(case_id)
        problem: InvalidInput | None = None
        try:
            content = parse_entry(form, parameters=latest.parameters if latest else None, now=now)
            changed = content.changed_fields(entry.content)
        except InvalidInput as invalid:
            problem, changed = invalid, ()
        contributing = await _contributing(
            uow,
            actor,
            case_id,
            Permission.EDIT_CHRONOLOGY_ENTRY,
            now=now,
            entry_owner_id=entry.contributor.user_id,
            justification=", ".join(changed) or None,
        )
        _require_open(contributing, "summary")
        _require_current(entry, "summary")
        if problem is not None:
            raise problem
        _require_own_agency(contributing, content.source_agency)
        entry.edit(content, now=now)
        await uow.chronology.save(entry, by=Person(actor.user_id, actor.name), at=now)
        uow.mark_processed(case_id)
        await uow.commit()
        return contributing, entry


async def withdraw_entry(*, uow: UnitOfWork, actor: Actor, case_id: int, entry_id: int, now: datetime) -> OwnEntries:
    """Take an entry out of the chronology; it is kept (contributions are disclosable) but no longer used."""
    async with uow:
        contributing, entry = await _own_entry(
            uow, actor, case_id, entry_id, Permission.WITHDRAW_CHRONOLOGY_ENTRY, now=now
        )
        _require_open(contributing, "entryId")
        _require_current(entry, "entryId")
        entry.withdraw(now=now)
        await uow.chronology.save(entry, by=Person(actor.user_id, actor.name), at=now)
        entries = await uow.chronology.list(case_id, contributor_id=actor.user_id)
        uow.mark_processed(case_id)
        await uow.commit()
        return OwnEntries(contributing.case, entries, contributing.locked)


async def open_cases(*, uow: UnitOfWork, actor: Actor, now: datetime) -> list[Contributing]:
    """The cases this officer can add to right now: invited, consented, not locked. Each read is audited."""
    async with uow:
        found = []
        for case_id in await uow.contributors.cases_of(actor.user_id):
            case = await uow.cases.get(case_id)
            if case is None or case.status is not CaseStatus.ACCEPTED:
                continue
            contributing = await _contributing(uow, actor, case_id, Permission.READ_OWN_ENTRIES, now=now, case=case)
            if not contributing.locked and collection_may_start(contributing.consent):
                found.append(contributing)
        await uow.commit()
        return found


async def _contributing(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    permission: Permission,
    *,
    now: datetime,
    case: Case | None = None,
    entry_owner_id: str | None = None,
    justification: str | None = None,
) -> Contributing:
    case = case or await uow.cases.get(case_id)
    if case is None:
        raise NotFound("That case no longer exists.")
    invitation = next((c for c in await uow.contributors.list(case_id) if c.person.user_id == actor.user_id), None)
    relation = await relation_of(uow, actor, case, now=now, entry_owner_id=entry_owner_id)
    await authorise(uow, actor, permission, case, now=now, relation=relation, justification=justification)
    only_partner = relation.partner_agency is not None and not relation.contributor and not actor.has(Role.REVIEW_TEAM)
    return Contributing(
        case=case,
        parameters=await uow.parameters.latest(case_id),
        consent=await uow.consents.latest(case_id),
        deadline=invitation.deadline if invitation else None,
        locked=await uow.chronology.lock_of(case_id) is not None,
        partner_agency=relation.partner_agency if only_partner else None,
    )


async def _own_entry(
    uow: UnitOfWork, actor: Actor, case_id: int, entry_id: int, permission: Permission, *, now: datetime
) -> tuple[Contributing, ChronologyEntry]:
    entry = await _entry(uow, case_id, entry_id)
    contributing = await _contributing(
        uow, actor, case_id, permission, now=now, entry_owner_id=entry.contributor.user_id
    )
    return contributing, entry


async def _entry(uow: UnitOfWork, case_id: int, entry_id: int) -> ChronologyEntry:
    entry = await uow.chronology.get(entry_id)
    if entry is None or entry.case_id != case_id:
        raise NotFound("That chronology entry no longer exists.")
    return entry


def _require_open(contributing: Contributing, field_name: str) -> None:
    """Entries can be added and changed only while the debrief is collecting: accepted, consented, unlocked."""
    case = contributing.case
    case.require_debrief(field_name)
    if contributing.locked:
        raise InvalidInput(
            {field_name: f"The chronology of {case.case_number} is locked: entries can no longer be added or changed."}
        )
    if not collection_may_start(contributing.consent):
        raise InvalidInput({field_name: f"Chronology collection for {case.case_number} waits for the SIO's consent."})


def _require_own_agency(contributing: Contributing, agency: str) -> None:
    if contributing.partner_agency is not None and agency != contributing.partner_agency:
        raise InvalidInput(
            {"sourceAgency": f"As a partner you add entries from {contributing.partner_agency}'s records only."}
        )


def change_refusal(contributing: Contributing, entry: ChronologyEntry) -> str | None:
    """Why an entry can no longer be changed (the chronology is locked, or the entry withdrawn), or None."""
    if contributing.locked:
        return f"The chronology of {contributing.case.case_number} is locked: entries can no longer be changed."
    if entry.withdrawn:
        return "This entry has been withdrawn; it is kept for the record only."
    return None


def _require_current(entry: ChronologyEntry, field_name: str) -> None:
    if entry.withdrawn:
        raise InvalidInput({field_name: "This entry has been withdrawn; it is kept for the record only."})
