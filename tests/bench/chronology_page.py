"""The lead reviewer's chronology card for a large chronology: the last page of 5,000 entries.

Two figures, in the bench process, after one warm-up each:

- `chronology_card_page_ms`: building the card for the last page (`cards.chronology.chronology_page`) from a
  chronology already merged (`debrief.chronology.merge`); median of 20, each on a fresh copy of the merged
  chronology so nothing computed for one run is reused by the next.
- `chronology_page_request_ms`: what the lead reviewer waits for, short of HTTP: the audited read through the real
  storage (`debrief.verification.get_chronology` on a SQLite file database: the case, the permission check and
  its audit record, committed; the 5,000 entries, merged with their conflicts and gaps), then the last page's card;
  median of 10. `postgres_chronology_page_request_ms` is the same on the embedded PostgreSQL server (fsync on),
  unless the bench runs with `--database sqlite` only.

The goal for both is 50 ms or less on the 2-core VM. The chronology is fictional: four contributors, mixed
precision, a conflicting twin every fiftieth entry, a few withdrawn entries, two quiet months (gaps). Run on its own
with `python -m tests.bench.chronology_page [--database sqlite|postgres]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from cards.chronology import chronology_page
from debrief.chronology import (
    Chronology,
    ChronologyEntry,
    ContactType,
    EntryContent,
    InformationType,
    Precision,
    Review,
    RiskAssessment,
    RiskGrade,
    merge,
)
from debrief.model import CaseStatus, Person
from debrief.parameters import ParallelProcess, Parameters
from debrief.themes import DEFAULT_THEMES
from debrief.verification import get_chronology
from storage.database import create_engine, migrate
from storage.uow import SqlUnitOfWork
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.people import JORDAN, OWEN, TOM, actor
from tests.unit.cards.card_gallery import a_case

ENTRIES = 5000
CARD_RUNS = 20
REQUEST_RUNS = 10
SEEDED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""When the case is set up (three days after the incident of `nomination_form`)."""
READ_AT = datetime(2026, 12, 18, 10, 0, tzinfo=UTC)
LOOK_BACK_FROM = date(2025, 11, 20)
LOOK_BACK_TO = date(2026, 11, 20)
SUBJECTS = ("Victim A", "Suspect B", "Child C")
AGENCIES = ("Police", "Probation Service", "Housing", "Children's social care")
QUESTIONS = ("Were earlier domestic abuse reports risk-assessed?", "Was information shared with probation?")
PARAMETERS = Parameters(
    look_back_from=LOOK_BACK_FROM,
    look_back_to=LOOK_BACK_TO,
    subjects=SUBJECTS,
    agencies=AGENCIES,
    questions=QUESTIONS,
    parallel_processes=frozenset({ParallelProcess.DARDR, ParallelProcess.CORONER}),
)
PARAMETERS_FORM: dict[str, object] = {
    "lookBackFrom": LOOK_BACK_FROM.isoformat(),
    "lookBackTo": LOOK_BACK_TO.isoformat(),
    "subjects": "\n".join(SUBJECTS),
    "agencies": ",".join(AGENCIES),
    "questions": "\n".join(QUESTIONS),
    "parallelProcesses": "dardr,coroner",
}
# Fictional contributors: the directory's two officers and two more (contributors need not be in the directory).
SAM = Person("00000000-0000-4000-8000-0000000000b1", "DC Sam Reid")
ALEX = Person("00000000-0000-4000-8000-0000000000b2", "PC Alex Moore (Probation liaison)")
CONTRIBUTORS = (JORDAN, JORDAN, TOM, SAM, ALEX)  # Jordan, who knew the family, records the most
SUMMARIES = (
    "Call from Victim A reporting that Suspect B had been shouting outside the address and had damaged the front "
    "door. Officers attended within the hour; Suspect B had left. Victim A described earlier incidents that had not "
    "been reported and said Suspect B monitors her phone. Neighbour's account recorded on the log.",
    "Suspect B reported to probation as required; the officer noted he was agitated about contact with Child C.",
    "Housing recorded a request from Victim A to move; no priority was given and no referral to the IDVA was made.",
    "Child C's school raised a concern about bruising; children's social care opened an assessment the same week.",
    "Anonymous 101 call: raised voices at the address late at night. No unit was available; the log was closed.",
)
ACTION = "Crime recorded; DASH completed at scene; referral to IDVA service made the next day. Suspect B not located."
RATIONALE = "The earlier unreported incidents could have prompted a review of the risk grade and a referral to MARAC."


def seeded_entries(case_id: int, entries: int = ENTRIES) -> list[ChronologyEntry]:
    """The chronology as contributors recorded it, in the order they added it (ids not yet given)."""
    rng = random.Random(2026)  # fictional data, the same every run
    days = [d for d in _window() if d.month not in (2, 7)]  # two quiet months: gaps in recorded contact
    contacts = list(ContactType)
    made: list[ChronologyEntry] = []
    for n in range(entries):
        day = days[n * len(days) // entries]
        precision = rng.choice((Precision.EXACT, Precision.EXACT, Precision.APPROXIMATE, Precision.DATE_ONLY))
        twin = n % 50 == 1  # every fiftieth entry is another account of the previous one's record: a conflict
        record = n - 1 if twin else n
        event_time = None if precision is Precision.DATE_ONLY else clock(rng.randrange(24), rng.randrange(60))
        content = EntryContent(
            event_date=day,
            event_time=event_time,
            precision=precision,
            source_agency=AGENCIES[record % len(AGENCIES)],
            source_system=("Incident log", "Case management", "Probation record")[record % 3],
            source_reference=f"INC-{record:06d}" if record % 4 else None,
            contact_type=contacts[n % len(contacts)],
            subjects=SUBJECTS[: 1 + rng.randrange(len(SUBJECTS))],
            summary=SUMMARIES[n % len(SUMMARIES)],
            information_type=list(InformationType)[n % 3],
            risk_assessment=RiskAssessment("DASH", rng.choice(list(RiskGrade)), day) if n % 5 == 0 else None,
            action_and_outcome=ACTION if n % 2 else None,
            missed_opportunity=n % 17 == 0,
            missed_opportunity_rationale=RATIONALE if n % 17 == 0 else None,
        )
        recorded = SEEDED_AT + timedelta(days=1 + n % 20, minutes=n)
        verified = n % 3 != 0
        review = Review(
            verified_by=OWEN if verified else None,
            verified_at=recorded + timedelta(days=2) if verified else None,
            good_practice=n % 23 == 0,
            themes=(DEFAULT_THEMES[n % len(DEFAULT_THEMES)],) if n % 4 == 0 else (),
        )
        withdrawn = recorded + timedelta(hours=1) if n % 97 == 0 else None
        contributor = CONTRIBUTORS[n % len(CONTRIBUTORS)]
        made.append(ChronologyEntry(case_id, content, contributor, recorded, review=review, withdrawn_at=withdrawn))
    return made


def _window() -> list[date]:
    span = (LOOK_BACK_TO - LOOK_BACK_FROM).days
    return [LOOK_BACK_FROM + timedelta(days=i) for i in range(span + 1)]


def a_merged_chronology(entries: int = ENTRIES) -> Chronology:
    """The seeded chronology merged in memory, as `get_chronology` merges it after the read."""
    made = seeded_entries(1, entries)
    for number, entry in enumerate(made, start=1):
        entry.id = number
    return merge(made, parameters=PARAMETERS, lock=None)


def measure_card(entries: int = ENTRIES, runs: int = CARD_RUNS) -> float:
    """Milliseconds to build the last page's card from a merged chronology (median of `runs`, after a warm-up)."""
    case = a_case(CaseStatus.ACCEPTED)
    merged = a_merged_chronology(entries)
    times = []
    for run in range(runs + 1):
        chronology = replace(merged)  # a fresh object: nothing cached on it by an earlier run
        started = time.perf_counter()
        chronology_page(case, chronology, page=chronology.pages)
        if run:
            times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


async def measure_request(database_url: str, entries: int = ENTRIES, runs: int = REQUEST_RUNS) -> float:
    """Milliseconds for the lead reviewer's read of the last page (median of `runs`, after a warm-up)."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        case_id = await _collecting_case(engine)
        async with SqlUnitOfWork(engine) as uow:
            for entry in seeded_entries(case_id, entries):
                await uow.chronology.add(entry)
            await uow.commit()
        lead = actor(OWEN)
        times = []
        for run in range(runs + 1):
            started = time.perf_counter()
            found = await get_chronology(uow=SqlUnitOfWork(engine), actor=lead, case_id=case_id, now=READ_AT)
            chronology_page(found.case, found.chronology, page=found.chronology.pages)
            if run:
                times.append(time.perf_counter() - started)
        return 1000 * statistics.median(times)
    finally:
        await engine.dispose()


async def _collecting_case(engine: AsyncEngine) -> int:
    """RD-2026-0001 through the services: nominated, accepted (Owen leads), parameters set, consent, invitations."""
    case = await a_case_collecting_its_chronology(
        uow=lambda: SqlUnitOfWork(engine),
        now=SEEDED_AT,
        invite=(JORDAN, TOM, SAM, ALEX),
        parameters_given=PARAMETERS_FORM,
    )
    assert case.id is not None
    return case.id


async def _print_request_figures(databases: Sequence[str], workdir: Path) -> None:
    for database in databases:
        if database == "sqlite":
            _log(f"chronology page request, {ENTRIES} entries, SQLite")
            _print("chronology_page_request_ms", await measure_request(f"sqlite:///{workdir / 'bench.db'}"))
        else:
            from tests.bench.run import Postgres

            _log(f"chronology page request, {ENTRIES} entries, PostgreSQL")
            postgres = Postgres(workdir / "pg")
            try:
                _print("postgres_chronology_page_request_ms", await measure_request(await postgres.new_database()))
            finally:
                postgres.stop()


def print_figures(argv: Sequence[str] | None = None) -> None:
    """Print the figures; `--database` as for `python -m tests.bench` (default: both)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--database", choices=("sqlite", "postgres"), action="append")
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    databases = tuple(dict.fromkeys(known.database or ("sqlite", "postgres")))
    _log(f"chronology card, last page of {ENTRIES} entries")
    _print("chronology_card_page_ms", measure_card())
    workdir = Path(tempfile.mkdtemp(prefix="debrief-bench-chronology-"))
    try:
        asyncio.run(_print_request_figures(databases, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _print(name: str, milliseconds: float) -> None:
    print(f"{name}: {milliseconds:.1f}", flush=True)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    print_figures()
