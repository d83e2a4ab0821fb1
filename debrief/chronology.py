"""The chronology: earlier contacts with the people in the debrief, as officers who knew them record them.

The records and their rules, with no storage and no Teams: what an entry holds and how it is checked,
the order entries are read in when their times are known to different precisions, which entries may be
about the same event yet disagree (shown side by side, never merged or overwritten), and where the
look-back window has no recorded contact at all.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property

from debrief.errors import InvalidInput
from debrief.fields import choice, choices, parse_date, parse_time
from debrief.model import LONDON, Person
from debrief.parameters import AGENCIES, SUBJECT_ROLES, Parameters
from debrief.themes import DEFAULT_THEMES

MAX_SUMMARY = 2000
MIN_SUMMARY = 10
MAX_ACTION_AND_OUTCOME = 2000
MAX_RATIONALE = 1000
MAX_SOURCE_SYSTEM = 100
MAX_SOURCE_REFERENCE = 60
MAX_RISK_TOOL = 60
GAP_DAYS = 28
"""Default: a stretch of the look-back window this long with no recorded contact is shown as a gap."""
SAME_TIME = timedelta(minutes=30)
"""Two timed accounts of the same event that differ by more than this disagree about when it happened."""
PAGE_SIZE = 10

_SUBJECT = re.compile(rf"(?:{'|'.join(SUBJECT_ROLES)}) (?:[A-Z]|[1-9][0-9]?)")
_REFERENCE_NOISE = re.compile(r"[\s/\-]+")


class Precision(StrEnum):
    EXACT = "exact"
    APPROXIMATE = "approximate"
    DATE_ONLY = "date_only"

    @property
    def label(self) -> str:
        return {Precision.EXACT: "Exact", Precision.APPROXIMATE: "Approximate", Precision.DATE_ONLY: "Date only"}[self]


class ContactType(StrEnum):
    CALL_999 = "call_999"
    CALL_101 = "call_101"
    ATTENDANCE = "attendance"
    ARREST = "arrest"
    CUSTODY = "custody"
    DA_REPORT = "da_report"
    DASH = "dash"
    MARAC = "marac"
    MAPPA = "mappa"
    MENTAL_HEALTH = "mental_health"
    S136 = "s136"
    S135_WARRANT = "s135_warrant"
    PROBATION = "probation"
    GP_AE = "gp_ae"
    HOUSING = "housing"
    SOCIAL_CARE_REFERRAL = "social_care_referral"
    IDVA = "idva"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _CONTACT_LABELS[self]


_CONTACT_LABELS = {
    ContactType.CALL_999: "999 call",
    ContactType.CALL_101: "101 call",
    ContactType.ATTENDANCE: "Attendance",
    ContactType.ARREST: "Arrest",
    ContactType.CUSTODY: "Custody",
    ContactType.DA_REPORT: "Domestic abuse report",
    ContactType.DASH: "DASH risk assessment",
    ContactType.MARAC: "MARAC",
    ContactType.MAPPA: "MAPPA",
    ContactType.MENTAL_HEALTH: "Mental-health contact",
    ContactType.S136: "Section 136",
    ContactType.S135_WARRANT: "Section 135 warrant",
    ContactType.PROBATION: "Probation",
    ContactType.GP_AE: "GP / A&E",
    ContactType.HOUSING: "Housing",
    ContactType.SOCIAL_CARE_REFERRAL: "Social care referral",
    ContactType.IDVA: "IDVA",
    ContactType.OTHER: "Other",
}


class InformationType(StrEnum):
    """Facts are kept apart from allegations and opinions (domain.md, information handling)."""

    FACT = "fact"
    ALLEGATION = "allegation"
    OPINION = "opinion"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RiskGrade(StrEnum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class RiskAssessment:
    tool: str
    grade: RiskGrade
    assessed_on: date


@dataclass(frozen=True)
class EntryContent:
    """What a contributor records about one contact; checked in full by `parse_entry`."""

    event_date: date
    event_time: time | None
    precision: Precision
    source_agency: str
    source_system: str
    source_reference: str | None
    contact_type: ContactType
    subjects: tuple[str, ...]
    summary: str
    information_type: InformationType
    risk_assessment: RiskAssessment | None
    action_and_outcome: str | None
    missed_opportunity: bool
    missed_opportunity_rationale: str | None

    def changed_fields(self, before: EntryContent) -> tuple[str, ...]:
        """Which fields an edit changed: the audit record names them (never their content)."""
        return tuple(name for name in ENTRY_FIELD_NAMES if getattr(self, name) != getattr(before, name))


ENTRY_FIELD_NAMES = tuple(EntryContent.__dataclass_fields__)


@dataclass(frozen=True)
class Review:
    """The lead reviewer's view of an entry: the flags and themes are theirs; the account stays the contributor's."""

    verified_by: Person | None = None
    verified_at: datetime | None = None
    missed_opportunity: bool | None = None
    """None until the reviewer decides; until then the contributor's own flag stands."""
    good_practice: bool = False
    themes: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return self.verified_by is not None


@dataclass
class ChronologyEntry:
    case_id: int
    content: EntryContent
    contributor: Person
    recorded_at: datetime
    id: int | None = None
    version: int = 1
    """Goes up with every change; storage refuses a change made to an older version (ConcurrentChange)."""
    updated_at: datetime | None = None
    withdrawn_at: datetime | None = None
    review: Review = field(default_factory=Review)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def missed_opportunity(self) -> bool:
        if self.review.missed_opportunity is not None:
            return self.review.missed_opportunity
        return self.content.missed_opportunity

    @property
    def sort_key(self) -> tuple[date, int, time, datetime, int]:
        """Date first; within a day, entries known only by date come before timed ones (they could be any time)."""
        return _sort_key(self)

    def edit(self, content: EntryContent, *, now: datetime) -> tuple[str, ...]:
        """A new account replaces the old (storage keeps every version); verification must be given again."""
        changed = content.changed_fields(self.content)
        if not changed:
            raise InvalidInput({"summary": "Nothing has changed in this entry."})
        self.content = content
        self.updated_at = now
        self.review = replace(self.review, verified_by=None, verified_at=None)
        self.version += 1
        return changed

    def withdraw(self, *, now: datetime) -> None:
        """Withdrawn entries leave the chronology but are kept: contributions are disclosable."""
        self.withdrawn_at = now
        self.version += 1

    def set_review(self, review: Review) -> None:
        self.review = review
        self.version += 1


def _sort_key(entry: ChronologyEntry) -> tuple[date, int, time, datetime, int]:
    """`ChronologyEntry.sort_key`, as a plain function: sorting thousands of entries calls it once each."""
    c = entry.content
    timed = c.precision is not Precision.DATE_ONLY and c.event_time is not None
    return (c.event_date, 1 if timed else 0, c.event_time or time.min, entry.recorded_at, entry.id or 0)


@dataclass(frozen=True)
class ChronologyLock:
    locked_by: Person
    locked_at: datetime


@dataclass(frozen=True)
class Conflict:
    """Two entries that seem to be about the same event but disagree; both are shown, neither is changed."""

    first: ChronologyEntry
    second: ChronologyEntry
    differences: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    """A stretch of the look-back window with no recorded contact."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Chronology:
    """The merged chronology as the lead reviewer sees it: every current entry in order, with its conflicts and gaps."""

    entries: tuple[ChronologyEntry, ...]
    conflicts: tuple[Conflict, ...]
    gaps: tuple[Gap, ...]
    lock: ChronologyLock | None
    parameters: Parameters | None

    @property
    def locked(self) -> bool:
        return self.lock is not None

    @cached_property
    def unverified(self) -> int:
        """Counted when first asked (not at `merge`: a service may verify an entry of a chronology it just merged)."""
        return sum(1 for e in self.entries if not e.review.verified)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.entries) // PAGE_SIZE))

    def page(self, number: int) -> ChronologyPage:
        """One page of entries (1-based, clamped), with the gaps that end just before an entry on it."""
        number = min(max(1, number), self.pages)
        start = (number - 1) * PAGE_SIZE
        entries = self.entries
        last = len(entries) - 1
        gaps = tuple(
            g for g in self.gaps if min(bisect_right(entries, g.end, key=_event_date), last) // PAGE_SIZE == number - 1
        )
        return ChronologyPage(
            number=number,
            of=self.pages,
            entries=entries[start : start + PAGE_SIZE],
            gaps=gaps if entries else self.gaps,
            first_index=start + 1,
        )


@dataclass(frozen=True)
class ChronologyPage:
    number: int
    of: int
    entries: tuple[ChronologyEntry, ...]
    gaps: tuple[Gap, ...]
    first_index: int

    def rows(self) -> list[ChronologyEntry | Gap]:
        """Entries and the gaps between them, in time order: what the card lists."""
        rows: list[ChronologyEntry | Gap] = [*self.entries, *self.gaps]
        return sorted(rows, key=_row_key)


def _event_date(entry: ChronologyEntry) -> date:
    return entry.content.event_date


def _row_key(row: ChronologyEntry | Gap) -> tuple[date, int]:
    if isinstance(row, Gap):
        return (row.start, 0)
    return (row.content.event_date, 1)


def ordered(entries: Iterable[ChronologyEntry]) -> tuple[ChronologyEntry, ...]:
    """Current (not withdrawn) entries in time order."""
    return tuple(sorted((e for e in entries if not e.withdrawn), key=_sort_key))


def merge(
    entries: Iterable[ChronologyEntry], *, parameters: Parameters | None, lock: ChronologyLock | None
) -> Chronology:
    current = ordered(entries)
    return Chronology(
        entries=current,
        conflicts=find_conflicts(current),
        gaps=find_gaps(current, parameters=parameters),
        lock=lock,
        parameters=parameters,
    )


def _normalised_reference(reference: str | None) -> str | None:
    if not reference:
        return None
    squashed = _REFERENCE_NOISE.sub("", reference).upper()
    return squashed or None


def find_conflicts(entries: Sequence[ChronologyEntry]) -> tuple[Conflict, ...]:
    """Entries that look like the same event (same source reference, or same day, contact type and a subject in
    common) but disagree on when, what kind of contact, the risk grade or who was involved."""
    by_key: dict[tuple[object, ...], list[ChronologyEntry]] = defaultdict(list)
    for entry in entries:
        c = entry.content
        reference = _normalised_reference(c.source_reference)
        if reference is not None:
            by_key[("reference", c.source_agency, reference)].append(entry)
        day, kind = c.event_date, c.contact_type
        for subject in c.subjects:
            by_key[("day", day, kind, subject)].append(entry)
    seen: set[tuple[int, int]] = set()
    found: list[Conflict] = []
    for group in by_key.values():
        if len(group) < 2:
            continue  # most entries share a key with no other: nothing to compare
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                pair = (id(first), id(second))
                if pair in seen or first is second:
                    continue
                seen.add(pair)
                differences = _differences(first.content, second.content)
                if differences:
                    found.append(Conflict(first, second, differences))
    found.sort(key=lambda c: (_sort_key(c.first), _sort_key(c.second)))
    return tuple(found)


def _differences(a: EntryContent, b: EntryContent) -> tuple[str, ...]:
    differences = []
    if a.event_date != b.event_date:
        differences.append("date")
    elif (
        a.event_time is not None
        and b.event_time is not None
        and Precision.EXACT in (a.precision, b.precision)
        and abs(datetime.combine(a.event_date, a.event_time) - datetime.combine(b.event_date, b.event_time)) > SAME_TIME
    ):
        differences.append("time")
    if a.contact_type != b.contact_type:
        differences.append("contact type")
    grade_a = a.risk_assessment.grade if a.risk_assessment else None
    grade_b = b.risk_assessment.grade if b.risk_assessment else None
    if grade_a is not None and grade_b is not None and grade_a != grade_b:
        differences.append("risk grade")
    if set(a.subjects) != set(b.subjects):
        differences.append("subjects")
    return tuple(differences)


def find_gaps(
    entries: Sequence[ChronologyEntry], *, parameters: Parameters | None, min_days: int = GAP_DAYS
) -> tuple[Gap, ...]:
    """Stretches of at least `min_days` inside the look-back window with no recorded contact."""
    if parameters is None:
        return ()
    start, end = parameters.look_back_from, parameters.look_back_to
    days = sorted({e.content.event_date for e in entries if start <= e.content.event_date <= end})
    gaps = []
    cursor = start
    for day in [*days, end + timedelta(days=1)]:
        if (day - cursor).days >= min_days:
            gaps.append(Gap(cursor, day - timedelta(days=1)))
        cursor = max(cursor, day + timedelta(days=1))
    return tuple(gaps)


# --- Checking what a contributor typed ---------------------------------------------------------------------

ENTRY_FORM_FIELDS = (
    "eventDate",
    "precision",
    "eventTime",
    "sourceAgency",
    "sourceSystem",
    "sourceReference",
    "contactType",
    "subjects",
    "summary",
    "informationType",
    "riskTool",
    "riskGrade",
    "riskDate",
    "actionAndOutcome",
    "missedOpportunity",
    "missedOpportunityRationale",
)


def parse_entry(form: Mapping[str, object], *, parameters: Parameters | None, now: datetime) -> EntryContent:
    """Turn the entry card's fields into an entry, or say what is wrong with each field."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = form.get(name)
        return " ".join(value.split()) if isinstance(value, str) and name not in _MULTILINE else _block(value)

    today = now.astimezone(LONDON).date()
    event_date = parse_date(text("eventDate"))
    if event_date is None:
        errors["eventDate"] = "Enter the date of the contact, for example 2026-03-14."
    elif event_date > today:
        errors["eventDate"] = "The date of the contact cannot be in the future."
    elif parameters is not None and not parameters.look_back_from <= event_date <= parameters.look_back_to:
        errors["eventDate"] = (
            f"The debrief looks at {parameters.look_back_from:%-d %B %Y} to {parameters.look_back_to:%-d %B %Y}; "
            "enter a date inside that window."
        )

    precision = choice(Precision, text("precision"))
    event_time: time | None = None
    if precision is None:
        errors["precision"] = "Say how well the time is known: exact, approximate or date only."
    elif precision is Precision.DATE_ONLY:
        if text("eventTime"):
            errors["eventTime"] = "Leave the time empty when only the date is known, or choose exact or approximate."
    else:
        event_time = parse_time(text("eventTime"))
        if event_time is None:
            errors["eventTime"] = "Enter the time as HH:MM (24-hour), for example 21:40."
        elif event_date is not None and event_date == today and event_time > now.astimezone(LONDON).time():
            errors["eventTime"] = "The time of the contact cannot be in the future."

    agencies = parameters.agencies if parameters is not None else AGENCIES
    source_agency = text("sourceAgency")
    if not source_agency:
        errors["sourceAgency"] = "Choose the agency whose record this comes from."
    elif source_agency not in agencies:
        errors["sourceAgency"] = "Choose an agency from the list of agencies in scope."

    source_system = text("sourceSystem")
    if not source_system:
        errors["sourceSystem"] = "Name the system or record this comes from, for example the incident log."
    elif len(source_system) > MAX_SOURCE_SYSTEM:
        errors["sourceSystem"] = f"Keep the system name to {MAX_SOURCE_SYSTEM} characters or fewer."
    source_reference = text("sourceReference") or None
    if source_reference is not None and len(source_reference) > MAX_SOURCE_REFERENCE:
        errors["sourceReference"] = f"Keep the reference to {MAX_SOURCE_REFERENCE} characters or fewer."

    contact_type = choice(ContactType, text("contactType"))
    if contact_type is None:
        errors["contactType"] = "Choose the type of contact from the list."

    subjects = tuple(dict.fromkeys(choices(form.get("subjects"))))
    allowed_subjects = parameters.subjects if parameters is not None else None
    if not subjects:
        errors["subjects"] = "Choose at least one subject involved, by role (for example Victim A)."
    elif allowed_subjects is not None and (unknown := [s for s in subjects if s not in allowed_subjects]):
        errors["subjects"] = f"Choose subjects from the debrief's parameters ({unknown[0]!r} is not one of them)."
    elif allowed_subjects is None and (bad := [s for s in subjects if not _SUBJECT.fullmatch(s)]):
        errors["subjects"] = f"Record subjects by role and letter only, for example Victim A (not {bad[0]!r})."

    summary = text("summary")
    if len(summary) < MIN_SUMMARY:
        errors["summary"] = "Write a short factual summary of the contact: what happened, who was involved, by role."
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = f"Keep the summary to {MAX_SUMMARY} characters or fewer."

    information_type = choice(InformationType, text("informationType"))
    if information_type is None:
        errors["informationType"] = "Say whether this is a fact, an allegation or an opinion."

    risk = _risk_assessment(text("riskTool"), text("riskGrade"), text("riskDate"), today=today, errors=errors)

    action_and_outcome = text("actionAndOutcome") or None
    if action_and_outcome is not None and len(action_and_outcome) > MAX_ACTION_AND_OUTCOME:
        errors["actionAndOutcome"] = f"Keep this to {MAX_ACTION_AND_OUTCOME} characters or fewer."

    missed = text("missedOpportunity").lower() == "true"
    rationale = text("missedOpportunityRationale") or None
    if missed and rationale is None:
        errors["missedOpportunityRationale"] = "Say briefly what the opportunity was, in terms of what could be learnt."
    elif not missed and rationale is not None:
        errors["missedOpportunityRationale"] = "Tick 'possible missed opportunity', or leave this empty."
    elif rationale is not None and len(rationale) > MAX_RATIONALE:
        errors["missedOpportunityRationale"] = f"Keep this to {MAX_RATIONALE} characters or fewer."

    if errors:
        raise InvalidInput(errors)
    assert event_date is not None and precision is not None and contact_type is not None
    assert information_type is not None
    return EntryContent(
        event_date=event_date,
        event_time=event_time,
        precision=precision,
        source_agency=source_agency,
        source_system=source_system,
        source_reference=source_reference,
        contact_type=contact_type,
        subjects=subjects,
        summary=summary,
        information_type=information_type,
        risk_assessment=risk,
        action_and_outcome=action_and_outcome,
        missed_opportunity=missed,
        missed_opportunity_rationale=rationale,
    )


def form_values(content: EntryContent) -> dict[str, str]:
    """The entry as the card's fields, to edit it."""
    r = content.risk_assessment
    return {
        "eventDate": content.event_date.isoformat(),
        "precision": content.precision.value,
        "eventTime": content.event_time.strftime("%H:%M") if content.event_time else "",
        "sourceAgency": content.source_agency,
        "sourceSystem": content.source_system,
        "sourceReference": content.source_reference or "",
        "contactType": content.contact_type.value,
        "subjects": ",".join(content.subjects),
        "summary": content.summary,
        "informationType": content.information_type.value,
        "riskTool": r.tool if r else "",
        "riskGrade": r.grade.value if r else "",
        "riskDate": r.assessed_on.isoformat() if r else "",
        "actionAndOutcome": content.action_and_outcome or "",
        "missedOpportunity": "true" if content.missed_opportunity else "false",
        "missedOpportunityRationale": content.missed_opportunity_rationale or "",
    }


def parse_review(form: Mapping[str, object], *, by: Person, now: datetime) -> Review:
    """The lead reviewer's card: verified or not, the flags and the themes."""
    themes = tuple(dict.fromkeys(choices(form.get("themes"))))
    if unknown := [t for t in themes if t not in DEFAULT_THEMES]:
        raise InvalidInput({"themes": f"Choose themes from the list ({unknown[0]!r} is not on it)."})
    verified = _flag(form.get("verified"))
    return Review(
        verified_by=by if verified else None,
        verified_at=now if verified else None,
        missed_opportunity=_flag(form.get("missedOpportunity")),
        good_practice=_flag(form.get("goodPractice")),
        themes=themes,
    )


_MULTILINE = {"summary", "actionAndOutcome", "missedOpportunityRationale"}


def _block(value: object) -> str:
    """Multi-line text: trailing spaces and blank edges go, the lines stay."""
    if not isinstance(value, str):
        return ""
    return "\n".join(line.rstrip() for line in value.strip().splitlines())


def _flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _risk_assessment(
    tool: str, grade_text: str, assessed: str, *, today: date, errors: dict[str, str]
) -> RiskAssessment | None:
    if not (tool or grade_text or assessed):
        return None
    grade = choice(RiskGrade, grade_text)
    assessed_on = parse_date(assessed)
    if not tool:
        errors["riskTool"] = "Name the risk assessment tool (for example DASH), or clear the grade and date."
    elif len(tool) > MAX_RISK_TOOL:
        errors["riskTool"] = f"Keep the tool's name to {MAX_RISK_TOOL} characters or fewer."
    if grade is None:
        errors["riskGrade"] = "Choose the grade: standard, medium or high."
    if assessed_on is None:
        errors["riskDate"] = "Enter the date of the risk assessment, for example 2026-03-14."
    elif assessed_on > today:
        errors["riskDate"] = "The date of the risk assessment cannot be in the future."
    if grade is None or assessed_on is None or not tool or len(tool) > MAX_RISK_TOOL or assessed_on > today:
        return None
    return RiskAssessment(tool=tool, grade=grade, assessed_on=assessed_on)
