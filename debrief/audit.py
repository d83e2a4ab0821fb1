"""The log DPA 2018 Part 3 s62 asks for: who did what to which case, when, and why; and the hash chain that makes
it tamper-evident (pure: storage writes and reads the chain, the verifier here says where it breaks)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class AuditCategory(StrEnum):
    """The s62 processing operations; every audit record is one of them."""

    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"


class AuditOutcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


@dataclass(frozen=True)
class AuditRecord:
    """One logged operation. Never holds case content: identifiers and the action only."""

    at: datetime
    actor_id: str
    actor_name: str
    action: str
    category: AuditCategory
    outcome: AuditOutcome
    case_id: int | None = None
    justification: str | None = None
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditEntry:
    """A stored record as the information manager sees it: its place in the log and its case's number."""

    id: int
    record: AuditRecord
    case_number: str | None


@dataclass(frozen=True)
class AuditFilter:
    """What a search of the log keeps; storage turns it into SQL, the fake applies `matches`."""

    case_id: int | None = None
    person: str | None = None
    """An actor id, a recipient id, or part of an actor's name (any case)."""
    category: AuditCategory | None = None
    since: datetime | None = None
    """Inclusive, aware."""
    before: datetime | None = None
    """Exclusive, aware."""

    def matches(self, record: AuditRecord) -> bool:
        if self.case_id is not None and record.case_id != self.case_id:
            return False
        if self.category is not None and record.category != self.category:
            return False
        if self.since is not None and record.at < self.since:
            return False
        if self.before is not None and record.at >= self.before:
            return False
        return self.person is None or (
            record.actor_id == self.person
            or any(recipient in record.recipients for recipient in recipient_ids(self.person))
            or self.person.casefold() in record.actor_name.casefold()
        )


def recipient_ids(person: str) -> tuple[str, ...]:
    """How a person appears among a record's recipients: `person:<id>` (most disclosures) or the bare id."""
    return (person, f"person:{person}")


# The hash chain: each stored record carries sha256(previous record's hash || this record, canonically), so an edited,
# removed or reordered record breaks the chain from that point on.

GENESIS = "0" * 64
"""The "previous hash" of the first record."""
_CANONICAL_VERSION = "rapid-debrief/audit/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
LOOKAHEAD = 1000
"""How many records after a break the verifier reads to tell a reordering from a change (bounded memory)."""


def canonical(record: AuditRecord) -> bytes:
    """The record's fields as compact JSON in a fixed order: strings quoted and escaped, null kept apart from "",
    the time in UTC to the microsecond. Nothing else (no row id) so a record means the same wherever it is read."""
    if record.at.tzinfo is None:
        raise ValueError("an audit record's time must carry its time zone")
    recipients = record.recipients
    fields = [
        _CANONICAL_VERSION,
        record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        record.actor_id,
        record.actor_name,
        record.action,
        str(record.category),
        str(record.outcome),
        record.case_id,
        record.justification,
        list(recipients) if isinstance(recipients, tuple | list) else recipients,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def chain_hash(previous: str, record: AuditRecord) -> str:
    """sha256(previous || canonical(record)), as 64 lower-case hex characters."""
    return hashlib.sha256(previous.encode("ascii", "replace") + canonical(record)).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain first fails, and what most likely happened there."""

    record_id: int
    at: datetime
    description: str


StoredRecord = tuple[int, AuditRecord, str]
"""(id, record, stored chain hash), in id order."""


def first_broken_link(rows: Iterable[StoredRecord]) -> BrokenLink | None:
    """Walk the log in id order; None if every record chains onto the one before it. Reads one record at a time
    (plus at most LOOKAHEAD after a break), so millions of records need no more memory than a few."""
    iterator = iter(rows)
    previous_hash, previous_id = GENESIS, None
    for record_id, record, stored in iterator:
        if _links(previous_hash, record, stored):
            previous_hash, previous_id = stored, record_id
            continue
        ahead = list(itertools.islice(iterator, LOOKAHEAD))
        description = _what_happened(previous_hash, previous_id, (record_id, record, stored), ahead)
        return BrokenLink(record_id=record_id, at=record.at, description=description)
    return None


def _links(previous_hash: str, record: AuditRecord, stored: str) -> bool:
    try:
        return hmac.compare_digest(chain_hash(previous_hash, record), stored)
    except (TypeError, ValueError):  # a field edited into something no record can hold (e.g. a naive time)
        return False


def _what_happened(previous_hash: str, previous_id: int | None, broken: StoredRecord, ahead: list[StoredRecord]) -> str:
    record_id, _record, stored = broken
    for later_id, later, later_stored in ahead:
        if _links(previous_hash, later, later_stored):
            return f"out of order: record {later_id} was written here, straight after {_after(previous_id)}"
        if _links(previous_hash, later, stored):
            return f"out of order: the record written here is now record {later_id}"
    if not _HEX64.fullmatch(stored):
        return "its chain hash has been changed"
    expected_id = 1 if previous_id is None else previous_id + 1
    if record_id > expected_id:
        missing = (
            f"record {expected_id}" if record_id == expected_id + 1 else f"records {expected_id} to {record_id - 1}"
        )
        return f"a record before it has been removed (no {missing})"
    return "this record (or the chain hash of the one before it) has been changed since it was written"


def _after(previous_id: int | None) -> str:
    return "the start of the log" if previous_id is None else f"record {previous_id}"


@dataclass(frozen=True)
class ChainReport:
    """What a verification found: how many records it read, the hash of the last one, and the first break."""

    records: int
    head: str
    broken: BrokenLink | None


def check_chain(rows: Iterable[StoredRecord]) -> ChainReport:
    """`first_broken_link`, also counting the records and keeping the head (the last stored hash read)."""
    read = 0
    head = GENESIS

    def counted() -> Iterator[StoredRecord]:
        nonlocal read, head
        for row in rows:
            read += 1
            head = row[2]
            yield row

    broken = first_broken_link(counted())
    return ChainReport(records=read, head=head, broken=broken)
