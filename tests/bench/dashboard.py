"""The oversight dashboard's figures for a large caseload: 2,000 cases and 20,000 actions.

`dashboard_ms`: `debrief.oversight.figures`, what the Oversight tab's first view needs, for a member of the working
group, through the real storage on a SQLite file database: the permission check and its audit record, committed;
the cases' milestones, the actions tallied, the learning themes by quarter; then the figures computed.
`dashboard_actions_ms`: `debrief.oversight.actions_by_case`, the tab's second view (every open action, most overdue
first). Warm (after one run), median of 10. `dashboard_ms_postgres` and `dashboard_actions_ms_postgres` are the same
on the embedded PostgreSQL server (fsync on), unless the bench runs with `--database sqlite` only. The goal is 200 ms
or less each on the 2-core VM.

The caseload is fictional and seeded with bulk inserts (not through the services, which would take minutes): cases
nominated over two years at every stage, their triage decisions, the SIO's consents, meetings, sign-offs and
circulation, five learning points per circulated case and ten or so actions per case that has them (owners spread
over 200 fictional officers in six units; most actions of older debriefs done, the newest mostly open, many overdue).
Run on its own with `python -m tests.bench.dashboard [--database sqlite|postgres]`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief.consent import ConsentAnswer
from debrief.learning import ActionStatus, LearningKind, Priority, Route, SignOffState
from debrief.model import CaseStatus, Harm, IncidentContext, OffenceType, TriageOutcome
from debrief.oversight import actions_by_case, figures
from debrief.permissions import Actor, Role
from debrief.themes import DEFAULT_THEMES
from storage import tables as t
from storage.database import create_engine, migrate
from storage.uow import SqlUnitOfWork

T = TypeVar("T")
CASES = 2000
ACTIONS = 20000
RUNS = 10
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
FIRST_NOMINATION = datetime(2024, 11, 1, 9, 0, tzinfo=UTC)
UNITS = (
    "Public Protection Unit",
    "Force Control Room",
    "Neighbourhood Policing",
    "Criminal Investigation Department",
    "Custody",
    "Training School",
)
OWNERS = [f"00000000-0000-4000-8000-0000000{n:05d}" for n in range(200)]
OWNER_UNITS = {owner: (UNITS[n % len(UNITS)] if n % 17 else None) for n, owner in enumerate(OWNERS)}
WORKING_GROUP = Actor(
    tenant_id="11111111-2222-4333-8444-555555555555",
    user_id="00000000-0000-4000-8000-0000000000d1",
    name="Supt Dana Reeve",
    roles=frozenset({Role.WORKING_GROUP, Role.OFFICER}),
)
OWEN = ("00000000-0000-4000-8000-0000000000a3", "DS Owen Marsh")
RUTH = ("00000000-0000-4000-8000-0000000000a5", "DCI Ruth Okafor")
JORDAN = ("00000000-0000-4000-8000-0000000000a1", "PC Jordan Ellis")


def seeded_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of the caseload, by table, with ids given (so the tables can be filled in bulk)."""
    rng = random.Random(2026)  # fictional, the same every run
    rows: dict[str, list[dict[str, Any]]] = {
        name: []
        for name in (
            "cases",
            "triage_decisions",
            "case_consents",
            "meetings",
            "case_outcomes",
            "outcome_sign_offs",
            "learning_points",
            "actions",
        )
    }
    span = (NOW - timedelta(days=3) - FIRST_NOMINATION).total_seconds()
    with_actions: list[tuple[int, datetime]] = []
    for case_id in range(1, CASES + 1):
        nominated = FIRST_NOMINATION + timedelta(seconds=span * (case_id - 1) / CASES)
        incident = nominated - timedelta(hours=rng.randrange(10, 80))
        roll = rng.random()
        status = CaseStatus.ACCEPTED
        if nominated > NOW - timedelta(days=4) and roll < 0.5:
            status = CaseStatus.NOMINATED if roll < 0.3 else CaseStatus.INFORMATION_REQUESTED
        elif roll < 0.08:
            status = CaseStatus.DECLINED
        elif roll < 0.1:
            status = CaseStatus.MERGED
        rows["cases"].append(
            {
                "id": case_id,
                "case_number": f"RD-{nominated.year}-{case_id:04d}",
                "incident_reference": f"CR/{500000 + case_id}/{nominated:%y}",
                "operation_name": None,
                "incident_at": incident,
                "offence_type": list(OffenceType)[case_id % 4].value,
                "context": list(IncidentContext)[case_id % 2].value,
                "harm": list(Harm)[case_id % 3 % 2].value,
                "policing_area": ("Northtown", "Southvale", "Eastbridge", "Westmoor")[case_id % 4],
                "dmm_date": nominated.date(),
                "scope_reason": "Fictional: a serious assault with earlier domestic abuse reports.",
                "sio_id": RUTH[0],
                "sio_name": RUTH[1],
                "nominator_id": JORDAN[0],
                "nominator_name": JORDAN[1],
                "nominated_at": nominated,
                "status": status.value,
                "lead_reviewer_id": OWEN[0] if status is CaseStatus.ACCEPTED else None,
                "lead_reviewer_name": OWEN[1] if status is CaseStatus.ACCEPTED else None,
                "merged_into_id": None,
                "version": 1,
                "closed_at": None,
                "review_due": None,
                "erased_at": None,
            }
        )
        if status in (CaseStatus.NOMINATED, CaseStatus.INFORMATION_REQUESTED):
            continue
        triaged = nominated + timedelta(hours=rng.choice((3, 6, 26, 50, 75)))
        outcome = {
            CaseStatus.ACCEPTED: TriageOutcome.ACCEPT,
            CaseStatus.DECLINED: TriageOutcome.DECLINE,
            CaseStatus.MERGED: TriageOutcome.MERGE,
        }[status]
        rows["triage_decisions"].append(
            {
                "case_id": case_id,
                "outcome": outcome.value,
                "decided_by_id": OWEN[0],
                "decided_by_name": OWEN[1],
                "decided_at": triaged,
                "lead_reviewer_id": OWEN[0] if outcome is TriageOutcome.ACCEPT else None,
                "lead_reviewer_name": OWEN[1] if outcome is TriageOutcome.ACCEPT else None,
                "reason": None if outcome is TriageOutcome.ACCEPT else "Fictional reason.",
                "merged_into_case_number": None,
            }
        )
        if status is not CaseStatus.ACCEPTED:
            rows["cases"][-1]["closed_at"] = triaged
            continue
        consented = triaged + timedelta(hours=rng.choice((4, 20, 30, 70)))
        if consented > NOW:
            continue
        rows["case_consents"].append(
            {
                "case_id": case_id,
                "answer": ConsentAnswer.CONSENT.value,
                "by_id": RUTH[0],
                "by_name": RUTH[1],
                "at": consented,
                "text": None,
            }
        )
        meeting = incident + timedelta(days=rng.choice((9, 12, 14, 16, 20)), hours=rng.randrange(3))
        if meeting > NOW + timedelta(days=10):
            continue
        rows["meetings"].append(
            {
                "case_id": case_id,
                "starts_at": meeting,
                "duration_minutes": 60,
                "attendees": [{"id": OWEN[0], "name": OWEN[1]}, {"id": RUTH[0], "name": RUTH[1]}],
                "scheduled_by_id": OWEN[0],
                "scheduled_by_name": OWEN[1],
                "scheduled_at": consented,
                "location": None,
                "join_url": None,
                "online_meeting_id": None,
                "attended": None,
                "version": 1,
                "revision": 1,
            }
        )
        signed = meeting + timedelta(days=rng.choice((5, 7, 9, 12, 15)))
        if signed > NOW:
            continue
        requested = signed - timedelta(days=2)
        rows["case_outcomes"].append({"case_id": case_id, "version": 1, "circulated_at": signed})
        rows["outcome_sign_offs"].append(
            {
                "case_id": case_id,
                "outcome_version": 1,
                "state": SignOffState.APPROVED.value,
                "requested_by_id": OWEN[0],
                "requested_by_name": OWEN[1],
                "requested_at": requested,
                "answered_by_id": RUTH[0],
                "answered_by_name": RUTH[1],
                "answered_at": signed,
                "comment": None,
            }
        )
        for n in range(5):
            rows["learning_points"].append(
                {
                    "case_id": case_id,
                    "theme": DEFAULT_THEMES[(case_id + n * 3) % len(DEFAULT_THEMES)],
                    "kind": (LearningKind.GAP if n else LearningKind.GOOD_PRACTICE).value,
                    "text": "Fictional learning, recorded by theme.",
                    "recorded_by_id": OWEN[0],
                    "recorded_by_name": OWEN[1],
                    "recorded_at": requested - timedelta(hours=n + 1),
                    "version": 1,
                }
            )
        with_actions.append((case_id, requested - timedelta(hours=6)))
    for n in range(ACTIONS):
        case_id, created = with_actions[n % len(with_actions)]
        due = (created + timedelta(days=rng.choice((10, 20, 40, 80, 120)))).date()
        # Most actions of older debriefs are done; the newest are mostly still open; many in between are overdue.
        age = (NOW.date() - due).days
        done = rng.random() < (0.9 if age > 90 else 0.6 if age > 30 else 0.3 if age > 0 else 0.1)
        status = (
            rng.choice((ActionStatus.COMPLETE, ActionStatus.COMPLETE, ActionStatus.NOT_DOING))
            if done
            else rng.choice((ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED))
        )
        owner = OWNERS[rng.randrange(len(OWNERS))]
        rows["actions"].append(
            {
                "case_id": case_id,
                "description": f"Fictional action {n + 1}: brief supervisors on the updated risk grading guidance.",
                "owner_id": owner,
                "owner_name": f"Officer {owner[-5:]}",
                "due": due,
                "priority": list(Priority)[n % 3].value,
                "theme": DEFAULT_THEMES[n % len(DEFAULT_THEMES)],
                "route": (Route.IN_FORCE if n % 4 else Route.PARTNERSHIP).value,
                "status": status.value,
                "created_by_id": OWEN[0],
                "created_by_name": OWEN[1],
                "created_at": created,
                "version": 1,
            }
        )
    return rows


async def seed(engine: AsyncEngine) -> dict[str, int]:
    """Fill the tables in bulk, in one transaction; returns how many rows went into each."""
    rows = seeded_rows()
    async with engine.begin() as connection:
        for name, table_rows in rows.items():
            for start in range(0, len(table_rows), 5000):
                await connection.execute(insert(t.metadata.tables[name]), table_rows[start : start + 5000])
        if connection.dialect.name == "postgresql":
            # The rows came with their ids: move the identity sequence past them, and give the planner statistics.
            for name in ("cases",):
                await connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                )
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("ANALYZE")
    return {name: len(table_rows) for name, table_rows in rows.items()}


async def measure(database_url: str, runs: int = RUNS) -> tuple[float, float]:
    """Milliseconds for the working group's two views, figures and actions case by case (each the median of
    `runs`, after a warm-up)."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        counts = await seed(engine)
        _log(f"seeded {', '.join(f'{n} {name}' for name, n in counts.items())}")
        gc.collect()  # the seeding's garbage is not the dashboard's to collect
        found = await _median_ms(
            runs,
            lambda: figures(uow=SqlUnitOfWork(engine), actor=WORKING_GROUP, now=NOW, unit_of=OWNER_UNITS.get),
        )
        lines = await _median_ms(
            runs,
            lambda: actions_by_case(uow=SqlUnitOfWork(engine), actor=WORKING_GROUP, now=NOW, unit_of=OWNER_UNITS.get),
        )
        assert sum(c.count for c in found.result.cases_by_status) == CASES
        assert sum(c.count for c in found.result.actions_by_status) == ACTIONS
        overdue = sum(1 for line in lines.result if line.working_days_overdue)
        assert overdue == found.result.overdue_actions
        _log(f"{len(lines.result)} actions open, {overdue} of them overdue")
        return found.milliseconds, lines.milliseconds
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Timed(Generic[T]):
    result: T
    milliseconds: float


async def _median_ms(runs: int, view: Callable[[], Awaitable[T]]) -> Timed[T]:
    times = []
    result = await view()  # warm-up
    for _ in range(runs):
        started = time.perf_counter()
        result = await view()
        times.append(time.perf_counter() - started)
    return Timed(result, 1000 * statistics.median(times))


async def _print_figures(databases: Sequence[str], workdir: Path) -> None:
    for database in databases:
        if database == "sqlite":
            _log(f"dashboard figures, {CASES} cases and {ACTIONS} actions, SQLite")
            figures_ms, actions_ms = await measure(f"sqlite:///{workdir / 'dashboard.db'}")
            _print("dashboard_ms", figures_ms)
            _print("dashboard_actions_ms", actions_ms)
        else:
            from tests.bench.run import Postgres

            _log(f"dashboard figures, {CASES} cases and {ACTIONS} actions, PostgreSQL")
            postgres = Postgres(workdir / "pg")
            try:
                figures_ms, actions_ms = await measure(await postgres.new_database())
                _print("dashboard_ms_postgres", figures_ms)
                _print("dashboard_actions_ms_postgres", actions_ms)
            finally:
                postgres.stop()


def print_figures(argv: Sequence[str] | None = None) -> None:
    """Print the figures; `--database` as for `python -m tests.bench` (default: both)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--database", choices=("sqlite", "postgres"), action="append")
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    databases = tuple(dict.fromkeys(known.database or ("sqlite", "postgres")))
    workdir = Path(tempfile.mkdtemp(prefix="debrief-bench-dashboard-"))
    try:
        asyncio.run(_print_figures(databases, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _print(name: str, milliseconds: float) -> None:
    print(f"{name}: {milliseconds:.1f}", flush=True)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    print_figures()
