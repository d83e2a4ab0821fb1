"""The information manager's retention cards in each state, for the card gallery and the retention card tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from cards.common import Card
from cards.retention import retention_card, retention_review_due
from debrief.model import CaseStatus, LegalHold, LegalHoldKind, Person
from debrief.retention import (
    MAX_RATIONALE,
    DecisionKind,
    Holding,
    HoldingKind,
    RetentionDecision,
    RetentionView,
    holdings_of,
)

ALEX = Person("00000000-0000-4000-8000-0000000000d2", "Alex Rowan (information manager)")
SYSTEM = Person("system", "Rapid Debrief")
CLOSED_AT = datetime(2027, 3, 2, 11, 0, tzinfo=UTC)
DUE = date(2033, 3, 2)
TODAY = date(2033, 3, 7)
"""Monday 7 March 2033: the review fell due on the 2nd."""
HELD = (
    "Crown Court trial listed for March 2034; the debrief material is potentially disclosable (CPIA 1996). Check "
    "with the CPS before lifting."
)
HOLDINGS = holdings_of(
    {
        HoldingKind.NOMINATION: 1,
        HoldingKind.TRIAGE_DECISIONS: 1,
        HoldingKind.CHRONOLOGY_ENTRIES: 12,
        HoldingKind.CHRONOLOGY_VERSIONS: 15,
        HoldingKind.ACTIONS: 3,
    }
)


def a_view(**changes: object) -> RetentionView:
    """A case closed on 2 March 2027 whose review fell due on 2 March 2033."""
    closed = RetentionDecision(
        kind=DecisionKind.CLOSED,
        rationale="The SIO approved the learning and actions, and every action is complete or not being done.",
        by=SYSTEM,
        at=CLOSED_AT + timedelta(minutes=1),
        review_due_after=DUE,
    )
    view = RetentionView(
        case_id=1,
        case_number="RD-2026-0001",
        status=CaseStatus.ACCEPTED,
        nominated_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        closed_at=CLOSED_AT,
        review_due=DUE,
        legal_hold=None,
        erased_at=None,
        version=4,
        holdings=HOLDINGS,
        decisions=(closed,),
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def a_hold() -> LegalHold:
    return LegalHold(LegalHoldKind.LIVE_PROCEEDINGS, HELD, ALEX, datetime(2033, 3, 7, 9, 30, tzinfo=UTC))


def erased_view() -> RetentionView:
    view = a_view()
    erasure = RetentionDecision(
        kind=DecisionKind.ERASED,
        rationale="No continued policing purpose: no proceedings, no statutory review and no linked cases remain.",
        by=ALEX,
        at=datetime(2033, 3, 7, 10, 0, tzinfo=UTC),
        review_due_before=DUE,
        erased=HOLDINGS,
    )
    return replace(view, erased_at=erasure.at, holdings=(), decisions=(*view.decisions, erasure))


def many_decisions() -> RetentionView:
    """Retained again and again, each with the longest rationale: the card stays small."""
    view = a_view()
    retained = [
        RetentionDecision(
            kind=DecisionKind.RETAINED,
            rationale="Still needed for a continued policing purpose. " * (MAX_RATIONALE // 49),
            by=ALEX,
            at=CLOSED_AT + timedelta(days=365 * n),
            review_due_before=DUE,
            review_due_after=DUE + timedelta(days=365),
        )
        for n in range(1, 40)
    ]
    every_kind = [Holding(kind, 999) for kind in HoldingKind]
    return replace(view, decisions=(*view.decisions, *retained), holdings=tuple(every_kind), legal_hold=a_hold())


def retention_cards() -> dict[str, Card]:
    return {
        "retention, open case": retention_card(
            a_view(status=CaseStatus.NOMINATED, closed_at=None, review_due=None, decisions=()), today=TODAY
        ),
        "retention, closed, review not due": retention_card(a_view(), today=DUE - timedelta(days=400)),
        "retention, review due": retention_card(a_view(), today=TODAY),
        "retention, held": retention_card(a_view(legal_hold=a_hold()), today=TODAY),
        "retention with errors": retention_card(
            a_view(),
            today=TODAY,
            message="Nothing has been saved: please check what is highlighted.",
            errors={
                "version": "RD-2026-0001 changed while you were looking at it.",
                "eraseRationale": "Say why the case is no longer needed (at least 10 characters).",
                "eraseConfirmed": "Tick to confirm.",
                "newReviewDate": "The next review date must be after today.",
            },
            values={"retainRationale": "Linked to a review.", "newReviewDate": "2033-03-01"},
        ),
        "retention, erased": retention_card(erased_view(), today=TODAY, message="Erased."),
        "retention, many decisions": retention_card(many_decisions(), today=TODAY),
        "retention review due": retention_review_due(a_view(), today=TODAY),
    }
