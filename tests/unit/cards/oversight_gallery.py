"""The oversight digests' cards in each of their states, for the card gallery (validated against the schema)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cards.common import Card
from cards.oversight import board_summary, weekly_digest
from debrief.digests import BoardSummary, OverdueAction, WeeklyDigest
from debrief.oversight import STEPS, Count, StepTimeliness, WaitingStep

AS_OF = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LONGEST_ACTION = "Brief every call-handling team on the updated grading guidance and record it. " * 7


def oversight_cards() -> dict[str, Card]:
    overdue = tuple(
        OverdueAction(f"RD-2026-{n:04d}", n, LONGEST_ACTION, "Public Protection Unit", date(2026, 10, 1), 40 - n)
        for n in range(1, 31)
    )
    waiting = tuple(
        WaitingStep(f"RD-2026-{n:04d}", STEPS[n % 5].name, 12, STEPS[n % 5].target_working_days) for n in range(20)
    )
    timeliness = tuple(
        StepTimeliness(s.name, s.target_working_days, 40, 2.5, 31, 3) if n else StepTimeliness(s.name, 1, 0, None, 0, 0)
        for n, s in enumerate(STEPS)
    )
    return {
        "weekly digest, nothing to follow up": weekly_digest(
            WeeklyDigest("2026-W48", date(2026, 11, 23), AS_OF, (), (), 0)
        ),
        "weekly digest, long": weekly_digest(
            WeeklyDigest("2026-W48", date(2026, 11, 23), AS_OF, overdue, waiting, 120)
        ),
        "board summary, nothing yet": board_summary(BoardSummary("2026 Q3", AS_OF, (), timeliness[:1], 0, 0, 0, 0, ())),
        "board summary": board_summary(
            BoardSummary(
                "2026 Q3",
                AS_OF,
                (Count("Collecting the chronology", 4), Count("Actions in progress", 12), Count("Closed", 30)),
                timeliness,
                41,
                9,
                77,
                23,
                (Count("Risk assessment and grading", 8), Count("Information sharing", 5)),
            )
        ),
    }
