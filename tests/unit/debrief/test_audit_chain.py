"""The audit log's hash chain: each record sealed onto the one before, and a verifier that finds the first break
(an edited, a removed or a reordered record) and says what most likely happened there."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from debrief.audit import (
    GENESIS,
    LOOKAHEAD,
    AuditCategory,
    AuditOutcome,
    AuditRecord,
    StoredRecord,
    canonical,
    chain_hash,
    check_chain,
    first_broken_link,
)
from tests.support.people import JORDAN, PRIYA

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def record(n: int, **changes: object) -> AuditRecord:
    base = AuditRecord(
        at=NOW + timedelta(minutes=n, microseconds=n),
        actor_id=PRIYA.user_id,
        actor_name=PRIYA.name,
        action="case.chronology.read",
        category=AuditCategory.CONSULTATION,
        outcome=AuditOutcome.GRANTED,
        case_id=n,
        justification=None,
        recipients=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def chained(records: list[AuditRecord], first_id: int = 1) -> list[StoredRecord]:
    """As storage writes them: ids in order, each hash over the one before."""
    rows, previous = [], GENESIS
    for offset, each in enumerate(records):
        previous = chain_hash(previous, each)
        rows.append((first_id + offset, each, previous))
    return rows


def a_log(length: int = 6) -> list[StoredRecord]:
    return chained([record(n) for n in range(1, length + 1)])


def test_the_same_record_always_has_the_same_hash_and_each_hash_depends_on_the_one_before() -> None:
    assert chain_hash(GENESIS, record(1)) == chain_hash(GENESIS, record(1))
    assert len(chain_hash(GENESIS, record(1))) == 64
    assert chain_hash(GENESIS, record(1)) != chain_hash("1" * 64, record(1))


def test_the_time_is_sealed_in_utc_to_the_microsecond_whatever_zone_it_was_given_in() -> None:
    in_london_summer = datetime(2026, 7, 1, 11, 0, 0, 5, tzinfo=timezone(timedelta(hours=1)))
    in_utc = datetime(2026, 7, 1, 10, 0, 0, 5, tzinfo=UTC)
    assert canonical(record(1, at=in_london_summer)) == canonical(record(1, at=in_utc))
    assert b'"2026-07-01T10:00:00.000005Z"' in canonical(record(1, at=in_utc))
    assert chain_hash(GENESIS, record(1, at=in_utc)) != chain_hash(
        GENESIS, record(1, at=in_utc + timedelta(microseconds=1))
    )


def test_a_time_without_a_zone_cannot_be_sealed() -> None:
    with pytest.raises(ValueError, match="time zone"):
        canonical(record(1, at=datetime(2026, 11, 26, 10, 0)))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"justification": None}, {"justification": ""}),
        ({"actor_name": "DS Priya Natt", "action": "x,y"}, {"actor_name": "DS Priya Natt,x", "action": "y"}),
        ({"recipients": ("a,b",)}, {"recipients": ("a", "b")}),
        ({"case_id": None}, {"case_id": 0}),
        ({"outcome": AuditOutcome.GRANTED}, {"outcome": AuditOutcome.REFUSED}),
        ({"category": AuditCategory.DISCLOSURE}, {"category": AuditCategory.CONSULTATION}),
        ({"actor_id": JORDAN.user_id}, {"actor_id": PRIYA.user_id}),
    ],
)
def test_different_records_never_read_the_same(one: dict[str, object], other: dict[str, object]) -> None:
    assert canonical(record(1, **one)) != canonical(record(1, **other))


def test_an_untouched_log_has_no_broken_link() -> None:
    assert first_broken_link(a_log()) is None
    assert first_broken_link([]) is None


def test_an_edited_record_is_named_as_changed() -> None:
    log = a_log()
    record_id, edited, stored = log[3]
    log[3] = (record_id, replace(edited, justification="Filled in afterwards"), stored)
    broken = first_broken_link(log)
    assert broken is not None
    assert broken.record_id == 4
    assert broken.at == edited.at
    assert "changed" in broken.description


def test_a_removed_record_is_found_at_the_record_after_it() -> None:
    log = a_log()
    del log[2]
    broken = first_broken_link(log)
    assert broken is not None
    assert (broken.record_id, broken.description) == (4, "a record before it has been removed (no record 3)")


def test_removing_the_first_records_is_found_too() -> None:
    broken = first_broken_link(a_log()[2:])
    assert broken is not None
    assert (broken.record_id, broken.description) == (3, "a record before it has been removed (no records 1 to 2)")


def test_two_records_swapped_with_their_hashes_are_out_of_order() -> None:
    log = a_log()
    (id2, record2, hash2), (id5, record5, hash5) = log[1], log[4]
    log[1], log[4] = (id2, record5, hash5), (id5, record2, hash2)
    broken = first_broken_link(log)
    assert broken is not None
    assert broken.record_id == 2
    assert broken.description == "out of order: record 5 was written here, straight after record 1"


def test_two_records_swapped_under_their_hashes_are_out_of_order() -> None:
    log = a_log()
    (id1, record1, hash1), (id2, record2, hash2) = log[0], log[1]
    log[0], log[1] = (id1, record2, hash1), (id2, record1, hash2)
    broken = first_broken_link(log)
    assert broken is not None
    assert broken.record_id == 1
    assert broken.description == "out of order: the record written here is now record 2"


def test_a_hash_overwritten_with_something_else_is_named() -> None:
    log = a_log()
    log[2] = (log[2][0], log[2][1], "not a hash")
    broken = first_broken_link(log)
    assert broken is not None
    assert (broken.record_id, broken.description) == (3, "its chain hash has been changed")


def test_a_record_edited_into_something_no_record_holds_is_a_break_not_a_crash() -> None:
    log = a_log()
    log[1] = (2, replace(log[1][1], at=datetime(2026, 11, 26, 10, 0)), log[1][2])
    broken = first_broken_link(log)
    assert broken is not None and broken.record_id == 2


def test_the_verifier_reads_only_a_bounded_number_of_records_past_a_break() -> None:
    pulled = 0

    def endless() -> Iterator[StoredRecord]:
        nonlocal pulled
        previous = GENESIS
        for n in itertools.count(1):
            pulled += 1
            each = record(n)
            previous = chain_hash(previous, each)
            yield n, each, ("f" * 64 if n == 10 else previous)

    broken = first_broken_link(endless())
    assert broken is not None and broken.record_id == 10
    assert pulled == 10 + LOOKAHEAD


def test_a_check_counts_the_records_and_names_the_head() -> None:
    log = a_log(4)
    report = check_chain(iter(log))
    assert (report.records, report.head, report.broken) == (4, log[-1][2], None)
    empty = check_chain([])
    assert (empty.records, empty.head, empty.broken) == (0, GENESIS, None)
