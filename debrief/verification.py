"""Step 3, from the review team's side: the merged chronology, verified entry by entry, then locked.

The lead reviewer checks each entry against its source, sets the missed-opportunity and good-practice flags
and the themes, sees accounts that disagree side by side, and locks the chronology when every entry is
verified. Locking ends contributions for good. The Word document is delivered to the person who asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from debrief.cases import existing
from debrief.chronology import Chronology, ChronologyEntry, ChronologyLock, Review, merge, parse_review
from debrief.errors import InvalidInput, NotFound
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import Case, Person
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork


@dataclass(frozen=True)
class MergedChronology:
    case: Case
    chronology: Chronology


async def get_chronology(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> MergedChronology:
    """Every contributor's entries merged in time order, with conflicts and gaps; a consultation."""
    async with uow:
        found = await _merged(uow, actor, case_id, Permission.READ_CHRONOLOGY, now=now)
        await uow.commit()
        return found


async def get_entry(
    *, uow: UnitOfWork, actor: Actor, case_id: int, entry_id: int, now: datetime
) -> tuple[MergedChronology, ChronologyEntry]:
    """One entry in full, for the lead reviewer to review it."""
    async with uow:
        found = await _merged(uow, actor, case_id, Permission.READ_CHRONOLOGY, now=now)
        await uow.commit()
        return found, _current_entry(found.chronology, entry_id)


async def review_entry(
    *, uow: UnitOfWork, actor: Actor, case_id: int, entry_id: int, form: Mapping[str, object], now: datetime
) -> tuple[MergedChronology, ChronologyEntry]:
    """Record the lead reviewer's verification, flags and themes; the contributor's account is unchanged."""
    async with uow:
        found = await _merged(uow, actor, case_id, Permission.REVIEW_CHRONOLOGY_ENTRY, now=now)
        found.case.require_debrief("verified")
        _require_unlocked(found, "verified")
        entry = _current_entry(found.chronology, entry_id)
        review = parse_review(form, by=Person(actor.user_id, actor.name), now=now)
        if entry.review.verified and review.verified:
            review = _keep_first_verification(entry, review)
        entry.set_review(review)
        await uow.chronology.save(entry, by=Person(actor.user_id, actor.name), at=now)
        uow.mark_processed(case_id)
        await uow.commit()
        return found, entry


async def lock_chronology(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> MergedChronology:
    """Lock for good once every current entry is verified; contributors can no longer add or change entries."""
    async with uow:
        found = await _merged(uow, actor, case_id, Permission.LOCK_CHRONOLOGY, now=now)
        found.case.require_debrief("lock")
        _require_unlocked(found, "lock")
        chronology = found.chronology
        if not chronology.entries:
            raise InvalidInput({"lock": "There are no entries yet: a chronology is locked once it has been built."})
        if chronology.unverified:
            raise InvalidInput(
                {
                    "lock": f"{chronology.unverified} of {len(chronology.entries)} entries are not yet verified. "
                    "Verify every entry before locking."
                }
            )
        lock = ChronologyLock(locked_by=Person(actor.user_id, actor.name), locked_at=now)
        await uow.chronology.lock(case_id, lock)
        uow.mark_processed(case_id)
        await uow.commit()
        return MergedChronology(found.case, replace(chronology, lock=lock))


async def request_document(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> Case:
    """Ask for the Word chronology: it goes to the person who asked, one to one, never into the channel."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.REQUEST_CHRONOLOGY_DOCUMENT, case, now=now)
        case.require_debrief("document")
        uow.outbox.add(
            OutboundMessage(MessageKind.CHRONOLOGY_DOCUMENT, case_id, Audience.PERSON, person_id=actor.user_id)
        )
        uow.mark_processed(case_id)
        await uow.commit()
        return case


async def chronology_for_document(
    *, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime, route: str
) -> MergedChronology:
    """The chronology as it is when the document is fetched; a disclosure to the person fetching it."""
    async with uow:
        found = await _merged(
            uow,
            actor,
            case_id,
            Permission.DISCLOSE_CHRONOLOGY_DOCUMENT,
            now=now,
            recipients=(f"person:{actor.user_id}",),
            justification=f"Word chronology delivered {route}",
        )
        await uow.commit()
        return found


async def _merged(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    permission: Permission,
    *,
    now: datetime,
    recipients: tuple[str, ...] = (),
    justification: str | None = None,
) -> MergedChronology:
    case = await existing(uow, case_id)
    await authorise(uow, actor, permission, case, now=now, recipients=recipients, justification=justification)
    latest = await uow.parameters.latest(case_id)
    chronology = merge(
        await uow.chronology.list(case_id),
        parameters=latest.parameters if latest else None,
        lock=await uow.chronology.lock_of(case_id),
    )
    return MergedChronology(case, chronology)


def _current_entry(chronology: Chronology, entry_id: int) -> ChronologyEntry:
    entry = next((e for e in chronology.entries if e.id == entry_id), None)
    if entry is None:
        raise NotFound("That entry is no longer in the chronology (it may have been withdrawn).")
    return entry


def _require_unlocked(found: MergedChronology, field_name: str) -> None:
    lock = found.chronology.lock
    if lock is not None:
        raise InvalidInput(
            {field_name: f"The chronology was locked by {lock.locked_by.name}; it can no longer be changed."}
        )


def _keep_first_verification(entry: ChronologyEntry, review: Review) -> Review:
    """Changing flags or themes on a verified entry does not re-date its verification."""
    return replace(review, verified_by=entry.review.verified_by, verified_at=entry.review.verified_at)
