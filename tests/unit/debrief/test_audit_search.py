"""The information manager searches and exports the audit log; nobody else may, and every reading is logged with
the filter as its justification (never case content, never the person searched for)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from debrief import audit_search
from debrief.audit import GENESIS, AuditCategory, AuditOutcome, AuditRecord, BrokenLink, ChainReport
from debrief.audit_search import AuditQuery, parse_query
from debrief.errors import Forbidden, InvalidInput
from debrief.model import Case, Harm, IncidentContext, Nomination, OffenceType, Person
from debrief.permissions import SYSTEM, Actor, Role
from tests.support.people import JORDAN, OWEN, PRIYA, RUTH, TENANT, actor
from tests.unit.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
ALEX = Person("00000000-0000-4000-8000-0000000000d2", "Alex Rowan (information manager)")
SYSTEM_PERSON = Person(SYSTEM.user_id, SYSTEM.name)


def logged(uow: FakeUnitOfWork, *records: AuditRecord) -> None:
    """Records committed earlier, as the log would hold them."""
    uow.committed_audit.extend(records)


def a_record(who: Person, action: str, category: AuditCategory, *, at: datetime, **changes: object) -> AuditRecord:
    return AuditRecord(
        at=at,
        actor_id=who.user_id,
        actor_name=who.name,
        action=action,
        category=category,
        outcome=AuditOutcome.GRANTED,
        **changes,  # type: ignore[arg-type]
    )


async def a_case(uow: FakeUnitOfWork) -> Case:
    nomination = Nomination(
        incident_reference="CR/100200/26",
        operation_name=None,
        incident_at=NOW,
        offence_type=OffenceType.HOMICIDE,
        context=IncidentContext.DOMESTIC,
        harm=Harm.HOMICIDE,
        policing_area="North District",
        dmm_date=NOW.date(),
        scope_reason="Earlier contact with partner agencies.",
        sio=RUTH,
    )
    return await uow.cases.add(Case(nomination=nomination, nominator=JORDAN, nominated_at=NOW))


async def a_log(uow: FakeUnitOfWork) -> None:
    case = await a_case(uow)
    logged(
        uow,
        a_record(JORDAN, "case.nominate", AuditCategory.COLLECTION, at=NOW - timedelta(days=3), case_id=case.id),
        a_record(PRIYA, "case.triage", AuditCategory.ALTERATION, at=NOW - timedelta(days=2), case_id=case.id),
        a_record(
            SYSTEM_PERSON,
            "case.message.send",
            AuditCategory.DISCLOSURE,
            at=NOW - timedelta(days=1),
            case_id=case.id,
            recipients=(f"person:{OWEN.user_id}",),
        ),
        a_record(OWEN, "oversight.figures.read", AuditCategory.CONSULTATION, at=NOW),
    )


def test_an_empty_form_searches_the_whole_log() -> None:
    assert parse_query({}) == AuditQuery()
    assert parse_query({"case_number": " ", "person": "", "category": "", "from": "", "to": ""}) == AuditQuery()


def test_a_full_form_is_read_with_iso_or_uk_dates() -> None:
    form = {"case_number": "rd-2026-0001", "person": " Priya ", "category": "Disclosure", "from": "2025-01-01"}
    query = parse_query({**form, "to": "26/11/2026"})
    assert query == AuditQuery(
        case_number="RD-2026-0001",
        person="Priya",
        category=AuditCategory.DISCLOSURE,
        start=date(2025, 1, 1),
        end=date(2026, 11, 26),
    )


@pytest.mark.parametrize(
    ("form", "field", "says"),
    [
        ({"from": "31/02/2026"}, "from", "The start of the period is not a date"),
        ({"to": "yesterday"}, "to", "The end of the period is not a date"),
        ({"from": "2026-11-26", "to": "2026-11-01"}, "to", "The end of the period is before its start"),
        ({"category": "gossip"}, "category", "Choose one of collection, alteration"),
        ({"case_number": "2026/1"}, "case_number", "Give a case number like RD-2026-0001"),
        ({"person": "x" * 201}, "person", "Keep this to 200 characters or fewer"),
    ],
)
def test_a_wrong_field_says_what_is_wrong_and_how_to_fix_it(form: dict[str, str], field: str, says: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_query(form)
    assert list(raised.value.field_errors) == [field]
    assert raised.value.field_errors[field].startswith(says)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.INFORMATION_MANAGER])
async def test_only_the_information_manager_may_search_or_export_and_a_refusal_is_audited(role: Role) -> None:
    someone = Actor(
        tenant_id=TENANT, user_id="00000000-0000-4000-8000-0000000000e1", name="Someone", roles=frozenset({role})
    )
    uow = FakeUnitOfWork()
    await a_log(uow)
    with pytest.raises(Forbidden, match="Only the information manager can search the audit log"):
        await audit_search.search(uow=uow, actor=someone, now=NOW, query=AuditQuery())
    with pytest.raises(Forbidden, match="Only the information manager can export the audit log"):
        await audit_search.export(uow=uow, actor=someone, now=NOW, query=AuditQuery())
    refusals = [(r.actor_id, r.action, r.outcome) for r in uow.committed_audit[4:]]
    assert refusals == [
        (someone.user_id, "audit.read", AuditOutcome.REFUSED),
        (someone.user_id, "audit.export", AuditOutcome.REFUSED),
    ]


async def test_a_search_is_a_logged_consultation_whose_justification_is_the_filter() -> None:
    uow = FakeUnitOfWork()
    await a_log(uow)
    query = AuditQuery(
        case_number="RD-2026-0001",
        person="Priya",
        category=AuditCategory.ALTERATION,
        start=date(2026, 11, 1),
        end=date(2026, 11, 26),
    )
    page = await audit_search.search(uow=uow, actor=actor(ALEX), now=NOW, query=query)
    assert [(e.record.action, e.case_number) for e in page.entries] == [("case.triage", "RD-2026-0001")]
    read = uow.committed_audit[-1]
    assert (read.actor_id, read.action, read.category, read.outcome) == (
        ALEX.user_id,
        "audit.read",
        AuditCategory.CONSULTATION,
        AuditOutcome.GRANTED,
    )
    assert read.justification == (
        "Filter: case RD-2026-0001; category alteration; from 1 November 2026 to 26 November 2026; a person"
    )
    assert "Priya" not in (read.justification or "")


async def test_searching_the_whole_log_says_so() -> None:
    uow = FakeUnitOfWork()
    page = await audit_search.search(uow=uow, actor=actor(ALEX), now=NOW, query=AuditQuery())
    assert page.entries == () and page.total == 0
    assert uow.committed_audit[-1].justification == "Filter: none (the whole log)"


async def test_an_unknown_case_number_is_a_mistake_to_fix_and_stores_nothing() -> None:
    uow = FakeUnitOfWork()
    await a_log(uow)
    with pytest.raises(InvalidInput) as raised:
        await audit_search.search(uow=uow, actor=actor(ALEX), now=NOW, query=AuditQuery(case_number="RD-2026-0099"))
    assert raised.value.field_errors == {"case_number": "No case RD-2026-0099: check the number."}
    assert len(uow.committed_audit) == 4


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        (AuditQuery(), ["oversight.figures.read", "case.message.send", "case.triage", "case.nominate"]),
        (AuditQuery(case_number="RD-2026-0001"), ["case.message.send", "case.triage", "case.nominate"]),
        (AuditQuery(person="priya natt"), ["case.triage"]),
        (AuditQuery(person=OWEN.user_id), ["oversight.figures.read", "case.message.send"]),
        (AuditQuery(category=AuditCategory.COLLECTION), ["case.nominate"]),
        (AuditQuery(start=date(2026, 11, 24), end=date(2026, 11, 25)), ["case.message.send", "case.triage"]),
        (AuditQuery(start=date(2026, 11, 26)), ["oversight.figures.read"]),
        (AuditQuery(end=date(2026, 11, 23)), ["case.nominate"]),
    ],
)
async def test_each_filter_keeps_only_what_matches_newest_first(query: AuditQuery, actions: list[str]) -> None:
    uow = FakeUnitOfWork()
    await a_log(uow)
    page = await audit_search.search(uow=uow, actor=actor(ALEX), now=NOW, query=query)
    assert [e.record.action for e in page.entries] == actions
    assert page.total == len(actions)


async def test_a_page_out_of_range_is_refused_plainly() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput, match="Pages are numbered from 1"):
        await audit_search.search(uow=uow, actor=actor(ALEX), now=NOW, query=AuditQuery(), page=0)
    with pytest.raises(InvalidInput, match="between 1 and 200"):
        await audit_search.search(uow=uow, actor=actor(ALEX), now=NOW, query=AuditQuery(), page_size=500)
    assert uow.committed_audit == []


async def test_pages_split_the_matches_and_every_page_knows_the_total() -> None:
    uow = FakeUnitOfWork()
    await a_log(uow)
    first = await audit_search.search(uow=uow, actor=actor(ALEX), now=NOW, query=AuditQuery(), page_size=3)
    second = await audit_search.search(uow=uow, actor=actor(ALEX), now=NOW, query=AuditQuery(), page=2, page_size=3)
    assert [e.id for e in first.entries] == [4, 3, 2]
    # The first search is itself logged (record 5), so the second sees it.
    assert [e.id for e in second.entries] == [2, 1]
    assert (first.total, second.total, second.page, second.page_size) == (4, 5, 2, 3)


async def test_an_export_is_a_disclosure_to_the_information_manager_with_the_rows_of_the_search() -> None:
    uow = FakeUnitOfWork()
    await a_log(uow)
    query = AuditQuery(case_number="RD-2026-0001")
    page = await audit_search.search(uow=uow, actor=actor(ALEX), now=NOW, query=query)
    table = await audit_search.export(uow=uow, actor=actor(ALEX), now=NOW, query=query)
    assert table.columns == audit_search.EXPORT_COLUMNS
    assert table.title == "Audit log (case RD-2026-0001), as at 26 November 2026"
    assert [row[0] for row in table.rows] == [e.id for e in page.entries]
    assert table.rows[0] == (
        3,
        NOW - timedelta(days=1),
        SYSTEM.name,
        SYSTEM.user_id,
        "case.message.send",
        "disclosure",
        "granted",
        "RD-2026-0001",
        None,
        f"person:{OWEN.user_id}",
    )
    exported = uow.committed_audit[-1]
    assert (exported.action, exported.category, exported.recipients, exported.justification) == (
        "audit.export",
        AuditCategory.DISCLOSURE,
        (f"person:{ALEX.user_id}",),
        "Filter: case RD-2026-0001",
    )


async def test_each_check_of_the_chain_is_logged_by_rapid_debrief_itself() -> None:
    uow = FakeUnitOfWork()
    intact = ChainReport(records=1234, head="ab" * 32, broken=None)
    broken = ChainReport(records=20, head=GENESIS, broken=BrokenLink(17, NOW, "a record before it has been removed"))
    await audit_search.record_verification(uow=uow, now=NOW, report=intact)
    await audit_search.record_verification(uow=uow, now=NOW, report=broken)
    assert [(r.actor_id, r.action, r.outcome, r.justification) for r in uow.committed_audit] == [
        (
            SYSTEM.user_id,
            "audit.verify",
            AuditOutcome.GRANTED,
            "Hash chain checked: 1,234 records, intact; head abababababab",
        ),
        (SYSTEM.user_id, "audit.verify", AuditOutcome.GRANTED, "Hash chain checked: broken at record 17"),
    ]
