"""Reading the audit log: the information manager searches it (by case, person, category and period) and exports
it; Rapid Debrief itself checks its hash chain. Each reading is itself logged, with the filter used as its
justification (case number, category, period: never case content, and never the person searched for).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from debrief.audit import AuditCategory, AuditEntry, AuditFilter, ChainReport
from debrief.errors import InvalidInput
from debrief.exports import Cell, ExportTable
from debrief.fields import choice
from debrief.model import LONDON
from debrief.permissions import SYSTEM, Actor, Permission, authorise
from debrief.ports import UnitOfWork

__all__ = [
    "AuditEntry",
    "AuditPage",
    "AuditQuery",
    "export",
    "parse_query",
    "record_verification",
    "search",
]

MAX_PAGE_SIZE = 200
MAX_EXPORT_RECORDS = 100_000
"""Default: an export holds at most this many records; a longer one asks for a narrower filter."""
MAX_PERSON = 200
_CASE_NUMBER = re.compile(r"RD-\d{4}-\d{4,}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_UK_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
EXPORT_COLUMNS = (
    "Record",
    "When (UTC)",
    "Who",
    "Who (Teams id)",
    "Action",
    "Category",
    "Outcome",
    "Case",
    "Justification",
    "Recipients",
)


@dataclass(frozen=True)
class AuditQuery:
    case_number: str | None = None
    person: str | None = None
    """Matches an actor id, a recipient id, or part of an actor's name (any case)."""
    category: AuditCategory | None = None
    start: date | None = None
    """Inclusive, a UK date (the day starts at midnight UK time)."""
    end: date | None = None
    """Inclusive, a UK date."""


@dataclass(frozen=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    total: int
    """How many records match, on every page."""
    page: int
    page_size: int


def parse_query(form: Mapping[str, str]) -> AuditQuery:
    """The search form (case_number, person, category, from, to); every field may be left empty."""
    errors: dict[str, str] = {}
    case_number = _field(form, "case_number").upper()
    if case_number and not _CASE_NUMBER.fullmatch(case_number):
        errors["case_number"] = "Give a case number like RD-2026-0001, or leave it empty."
    person = _field(form, "person")
    if len(person) > MAX_PERSON:
        errors["person"] = f"Keep this to {MAX_PERSON} characters or fewer: a name, part of one, or a Teams user id."
    category = None
    if raw_category := _field(form, "category"):
        category = choice(AuditCategory, raw_category.lower())
        if category is None:
            names = ", ".join(c.value for c in AuditCategory)
            errors["category"] = f"Choose one of {names}, or leave it empty for all of them."
    start = _day(form, "from", "start", errors)
    end = _day(form, "to", "end", errors)
    if start is not None and end is not None and end < start:
        errors["to"] = "The end of the period is before its start: change one of the dates."
    if errors:
        raise InvalidInput(errors)
    return AuditQuery(case_number=case_number or None, person=person or None, category=category, start=start, end=end)


def _field(form: Mapping[str, str], key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _day(form: Mapping[str, str], key: str, which: str, errors: dict[str, str]) -> date | None:
    """A date as the web form's date input sends it (YYYY-MM-DD) or as people write it (DD/MM/YYYY)."""
    raw = _field(form, key)
    if not raw:
        return None
    try:
        if _ISO_DAY.fullmatch(raw):
            return date.fromisoformat(raw)
        if uk := _UK_DAY.fullmatch(raw):
            return date(int(uk.group(3)), int(uk.group(2)), int(uk.group(1)))
    except ValueError:
        pass
    errors[key] = f"The {which} of the period is not a date: write it as DD/MM/YYYY, for example 26/11/2026."
    return None


def describe(query: AuditQuery) -> str:
    """The filter, as the justification of the search or export: no case content, no person searched for."""
    parts = []
    if query.case_number:
        parts.append(f"case {query.case_number}")
    if query.category:
        parts.append(f"category {query.category.value}")
    if query.start and query.end:
        parts.append(f"from {_uk(query.start)} to {_uk(query.end)}")
    elif query.start:
        parts.append(f"from {_uk(query.start)}")
    elif query.end:
        parts.append(f"up to {_uk(query.end)}")
    if query.person:
        parts.append("a person")
    return "Filter: " + ("; ".join(parts) if parts else "none (the whole log)")


def _uk(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


async def _where(uow: UnitOfWork, query: AuditQuery) -> AuditFilter:
    """The query for the repository: the case by its id (erased cases too), the period in UK days."""
    case_id = None
    if query.case_number:
        case_id = await uow.audit.case_id(query.case_number)
        if case_id is None:
            raise InvalidInput({"case_number": f"No case {query.case_number}: check the number."})
    return AuditFilter(
        case_id=case_id,
        person=query.person,
        category=query.category,
        since=_midnight(query.start) if query.start else None,
        before=_midnight(query.end + timedelta(days=1)) if query.end else None,
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


async def search(
    *, uow: UnitOfWork, actor: Actor, now: datetime, query: AuditQuery, page: int = 1, page_size: int = 50
) -> AuditPage:
    """One page of the records that match, newest first; a consultation of the log, logged as such."""
    async with uow:
        await authorise(uow, actor, Permission.READ_AUDIT_LOG, now=now, justification=describe(query))
        if page < 1:
            raise InvalidInput({"page": "Pages are numbered from 1."})
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidInput({"page_size": f"Show between 1 and {MAX_PAGE_SIZE} records a page."})
        where = await _where(uow, query)
        total = await uow.audit.count(where)
        entries = await uow.audit.search(where, offset=(page - 1) * page_size, limit=page_size)
        await uow.commit()
    return AuditPage(entries=tuple(entries), total=total, page=page, page_size=page_size)


async def export(*, uow: UnitOfWork, actor: Actor, now: datetime, query: AuditQuery) -> ExportTable:
    """Every record that matches, newest first, as a table: a disclosure of the log to the person who asked."""
    async with uow:
        await authorise(
            uow,
            actor,
            Permission.EXPORT_AUDIT_LOG,
            now=now,
            justification=describe(query),
            recipients=(f"person:{actor.user_id}",),
        )
        where = await _where(uow, query)
        entries = await uow.audit.search(where, limit=MAX_EXPORT_RECORDS + 1)
        if len(entries) > MAX_EXPORT_RECORDS:
            raise InvalidInput(
                {
                    "from": f"More than {MAX_EXPORT_RECORDS:,} records match, more than one export holds: choose a "
                    "shorter period or add a filter."
                }
            )
        await uow.commit()
    title = f"Audit log ({describe(query).removeprefix('Filter: ')}), as at {_uk(now.astimezone(LONDON).date())}"
    return ExportTable(name="audit-log", title=title, columns=EXPORT_COLUMNS, rows=tuple(map(_export_row, entries)))


def _export_row(entry: AuditEntry) -> tuple[Cell, ...]:
    record = entry.record
    return (
        entry.id,
        record.at,
        record.actor_name,
        record.actor_id,
        record.action,
        str(record.category),
        str(record.outcome),
        entry.case_number,
        record.justification,
        ", ".join(record.recipients),
    )


async def record_verification(*, uow: UnitOfWork, now: datetime, report: ChainReport) -> None:
    """Rapid Debrief's own check of the hash chain reads the whole log, so it is logged (and chained) too."""
    if report.broken is None:
        found = f"{report.records:,} records, intact; head {report.head[:12]}"
    else:
        found = f"broken at record {report.broken.record_id}"
    async with uow:
        await authorise(uow, SYSTEM, Permission.VERIFY_AUDIT_LOG, now=now, justification=f"Hash chain checked: {found}")
        await uow.commit()
