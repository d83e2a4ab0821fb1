"""The chronology Word document for a large chronology: how long `render_chronology` takes for 5,000 entries.

CPU only, in the bench process: one warm-up render, then the median of three. Prints
`chronology_docx_5000_entries_s: N` (goal: 3 s or less on the 2-core VM). Run on its own with
`python -m tests.bench.chronology_document`.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from debrief.chronology import (
    Chronology,
    ChronologyEntry,
    ChronologyLock,
    ContactType,
    EntryContent,
    InformationType,
    Precision,
    Review,
    RiskAssessment,
    RiskGrade,
    merge,
)
from debrief.model import CaseStatus
from debrief.parameters import ParallelProcess, Parameters
from debrief.themes import DEFAULT_THEMES
from documents.chronology import render_chronology
from tests.support.people import JORDAN, OWEN
from tests.unit.cards.card_gallery import a_case

ENTRIES = 5000
PRODUCED_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SUMMARY = (
    "Call from Victim A reporting that Suspect B had been shouting outside the address and had damaged the "
    "front door. Officers attended within the hour; Suspect B had left. Victim A described earlier incidents "
    "that had not been reported and said Suspect B monitors her phone. Neighbour's account recorded on the log."
)
ACTION = "Crime recorded; DASH completed at scene; referral to IDVA service made the next day. Suspect B not located."
RATIONALE = "The earlier unreported incidents could have prompted a review of the risk grade and a referral to MARAC."

PARAMETERS = Parameters(
    look_back_from=date(2025, 11, 20),
    look_back_to=date(2026, 11, 20),
    subjects=("Victim A", "Suspect B", "Child C"),
    agencies=("Police", "Probation Service", "Housing", "Children's social care"),
    questions=(
        "Were earlier domestic abuse reports risk-assessed and graded consistently?",
        "Was information shared with probation and housing when the risk rose?",
    ),
    parallel_processes=frozenset({ParallelProcess.DARDR, ParallelProcess.CORONER}),
)


def a_large_chronology(entries: int = ENTRIES) -> Chronology:
    """Entries across the look-back window: two quiet months (gaps), mixed precision, every flag, some conflicts."""
    days = [d for d in _window() if d.month not in (2, 7)]  # two quiet months: gaps in recorded contact
    contacts = list(ContactType)
    made: list[ChronologyEntry] = []
    for n in range(entries):
        day = days[n * len(days) // entries]
        precision = (Precision.EXACT, Precision.APPROXIMATE, Precision.DATE_ONLY)[n % 3]
        record = n - 1 if n % 50 == 1 else n  # every fiftieth entry has a twin from the same record: a conflict
        content = EntryContent(
            event_date=day,
            event_time=None if precision is Precision.DATE_ONLY else clock((7 + n * 5) % 24, (n * 7) % 60),
            precision=precision,
            source_agency=PARAMETERS.agencies[record % len(PARAMETERS.agencies)],
            source_system="Incident log",
            source_reference=f"INC-{record:06d}" if record % 4 else None,
            contact_type=contacts[n % len(contacts)],
            subjects=PARAMETERS.subjects[: 1 + n % 3],
            summary=SUMMARY,
            information_type=list(InformationType)[n % 3],
            risk_assessment=RiskAssessment("DASH", list(RiskGrade)[n % 3], day) if n % 5 == 0 else None,
            action_and_outcome=ACTION if n % 2 else None,
            missed_opportunity=n % 17 == 0,
            missed_opportunity_rationale=RATIONALE if n % 17 == 0 else None,
        )
        verified = n % 3 != 0
        review = Review(
            verified_by=OWEN if verified else None,
            verified_at=PRODUCED_AT - timedelta(days=2) if verified else None,
            good_practice=n % 23 == 0,
            themes=(DEFAULT_THEMES[n % len(DEFAULT_THEMES)],) if n % 4 == 0 else (),
        )
        recorded = datetime.combine(day, clock(12), tzinfo=UTC) + timedelta(days=3)
        made.append(ChronologyEntry(1, content, JORDAN, recorded, id=n + 1, review=review))
    return merge(made, parameters=PARAMETERS, lock=ChronologyLock(OWEN, PRODUCED_AT - timedelta(hours=1)))


def _window() -> list[date]:
    span = (PARAMETERS.look_back_to - PARAMETERS.look_back_from).days
    return [PARAMETERS.look_back_from + timedelta(days=i) for i in range(span + 1)]


def measure(entries: int = ENTRIES, repeats: int = 3) -> float:
    """Seconds for one render of the chronology (median of `repeats`, after one warm-up)."""
    case = a_case(CaseStatus.ACCEPTED)
    chronology = a_large_chronology(entries)
    render_chronology(case=case, chronology=chronology, produced_for=OWEN, produced_at=PRODUCED_AT)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        render_chronology(case=case, chronology=chronology, produced_for=OWEN, produced_at=PRODUCED_AT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def print_figures() -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] chronology document, {ENTRIES} entries", file=sys.stderr, flush=True)
    print(f"chronology_docx_{ENTRIES}_entries_s: {measure():.2f}", flush=True)


if __name__ == "__main__":
    print_figures()
