"""Retention (MoPI): when a case closes, its review for continued policing purpose, legal holds, and erasure.

- **Closure.** A case declined or merged at triage closed at that decision. An accepted case closes when the SIO has
  approved its learning and actions (the version as it stands) and every action is final (complete, or agreed as
  not being done), at the later of those moments; at the approval if there are no actions. A scheduler round
  records it (`close_finished_cases`, as Rapid Debrief itself) with a review date a number of years on (default 6,
  DEBRIEF_RETENTION_YEARS).
- **Review.** When the review date comes, each information manager is sent the case's retention card, once per case
  and review date, in working hours (`send_due_reviews`). They can also open it at any time.
- **Decisions.** Retain (a rationale and a new review date), erase (a rationale and a confirmation; only a closed
  case whose review is due), place a legal hold (live proceedings or a statutory review, with details), lift it
  (with the reason). A hold may be placed at any stage and blocks erasure. Each decision is authorised, audited
  with its rationale as the justification (DPA 2018 s62), and kept in the case's retention history.
- **Erasure** removes the case's content from every table that holds it and leaves a tombstone (case number,
  status and dates) so the audit trail and the outbox still point somewhere. What it removed is recorded only by
  kind and count, never content; a rationale that repeats the incident reference or operation name is refused.
  An erased case is refused everywhere else (storage raises CaseErased, a NotFound).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from debrief.action_reminders import DEFAULT_RULES, ReminderRules, in_hours
from debrief.cases import existing
from debrief.errors import ConcurrentChange, InvalidInput, NotFound
from debrief.fields import choice, parse_date
from debrief.learning import Outcome
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import LONDON, Case, CaseStatus, LegalHold, LegalHoldKind, Person
from debrief.permissions import SYSTEM, Actor, Permission, authorise
from debrief.ports import UnitOfWork

DEFAULT_RETENTION_YEARS = 6
"""The common minimum retention before a review (MoPI): a default, DEBRIEF_RETENTION_YEARS."""
MIN_RATIONALE = 10
MAX_RATIONALE = 2000

# The card's fields: each decision has its own, so that one card can hold all four forms.
NEW_REVIEW_DATE = "newReviewDate"
RETAIN_RATIONALE = "retainRationale"
ERASE_RATIONALE = "eraseRationale"
ERASE_CONFIRMED = "eraseConfirmed"
HOLD_KIND = "holdKind"
HOLD_DETAILS = "holdDetails"
LIFT_REASON = "liftReason"
VERSION = "version"
"""The case's version the card was built from: a decision made on an out-of-date card is refused."""
DECISION = "decision"
"""Why the decision is not open to the case as it stands (not a field of the card)."""


class DecisionKind(StrEnum):
    CLOSED = "closed"
    RETAINED = "retained"
    ERASED = "erased"
    HOLD_PLACED = "hold_placed"
    HOLD_LIFTED = "hold_lifted"

    @property
    def label(self) -> str:
        return {
            DecisionKind.CLOSED: "Closed",
            DecisionKind.RETAINED: "Retained",
            DecisionKind.ERASED: "Erased",
            DecisionKind.HOLD_PLACED: "Legal hold placed",
            DecisionKind.HOLD_LIFTED: "Legal hold lifted",
        }[self]


class HoldingKind(StrEnum):
    """What the service holds about a case, by kind: what the card counts and erasure removes."""

    NOMINATION = "nomination"
    TRIAGE_DECISIONS = "triage_decisions"
    PARAMETERS = "parameters"
    CONSENTS = "consents"
    CONTRIBUTORS = "contributors"
    CHRONOLOGY_ENTRIES = "chronology_entries"
    CHRONOLOGY_VERSIONS = "chronology_versions"
    CHRONOLOGY_LOCK = "chronology_lock"
    PARTNER_SUMMARIES = "partner_summaries"
    PARTNER_INVITATIONS = "partner_invitations"
    MEETING = "meeting"
    OUTCOME = "outcome"
    LEARNING_POINTS = "learning_points"
    RECOMMENDATIONS = "recommendations"
    ACTIONS = "actions"
    ACTION_REQUESTS = "action_requests"
    SIGN_OFFS = "sign_offs"
    DOCUMENT_LINKS = "document_links"
    REMINDERS = "reminders"
    TEAMS_POSTS = "teams_posts"

    @property
    def label(self) -> str:
        return {
            HoldingKind.NOMINATION: "nomination",
            HoldingKind.TRIAGE_DECISIONS: "triage decisions",
            HoldingKind.PARAMETERS: "parameter revisions",
            HoldingKind.CONSENTS: "SIO consent records",
            HoldingKind.CONTRIBUTORS: "contributors invited",
            HoldingKind.CHRONOLOGY_ENTRIES: "chronology entries",
            HoldingKind.CHRONOLOGY_VERSIONS: "chronology entry versions",
            HoldingKind.CHRONOLOGY_LOCK: "chronology lock",
            HoldingKind.PARTNER_SUMMARIES: "partner summaries",
            HoldingKind.PARTNER_INVITATIONS: "partner invitations",
            HoldingKind.MEETING: "debrief meeting",
            HoldingKind.OUTCOME: "learning and actions record",
            HoldingKind.LEARNING_POINTS: "learning points",
            HoldingKind.RECOMMENDATIONS: "recommendations",
            HoldingKind.ACTIONS: "actions",
            HoldingKind.ACTION_REQUESTS: "requests about actions",
            HoldingKind.SIGN_OFFS: "sign-off requests",
            HoldingKind.DOCUMENT_LINKS: "document links",
            HoldingKind.REMINDERS: "reminders sent",
            HoldingKind.TEAMS_POSTS: "Teams posts kept up to date",
        }[self]


_HOLDING_ORDER = {kind: n for n, kind in enumerate(HoldingKind)}


@dataclass(frozen=True)
class Holding:
    kind: HoldingKind
    count: int

    @property
    def label(self) -> str:
        """ "chronology entries: 12": a kind and a count, never content."""
        return f"{self.kind.label}: {self.count}"


def holdings_of(counts: Mapping[HoldingKind, int]) -> tuple[Holding, ...]:
    """The kinds held (count above nought), in the order the process makes them."""
    return tuple(
        Holding(kind, count) for kind, count in sorted(counts.items(), key=lambda kc: _HOLDING_ORDER[kc[0]]) if count
    )


def describe(holdings: Iterable[Holding]) -> str:
    return "; ".join(h.label for h in holdings) or "nothing"


@dataclass(frozen=True)
class RetentionDecision:
    """One entry in a case's retention history: what was decided, why, by whom, when. Never case content."""

    kind: DecisionKind
    rationale: str
    by: Person
    at: datetime
    review_due_before: date | None = None
    review_due_after: date | None = None
    hold_kind: LegalHoldKind | None = None
    erased: tuple[Holding, ...] = ()


@dataclass(frozen=True)
class RetentionView:
    """A case as the information manager's retention card shows it: number, status, dates, hold, counts and the
    decisions so far. No case content."""

    case_id: int
    case_number: str
    status: CaseStatus
    nominated_at: datetime
    closed_at: datetime | None
    review_due: date | None
    legal_hold: LegalHold | None
    erased_at: datetime | None
    version: int
    holdings: tuple[Holding, ...]
    decisions: tuple[RetentionDecision, ...]
    """Oldest first."""

    def review_is_due(self, today: date) -> bool:
        return self.erased_at is None and self.review_due is not None and self.review_due <= today

    def erasure_refusal(self, today: date) -> str | None:
        return _erasure_refusal(self.case_number, self.closed_at, self.review_due, self.legal_hold, today)


# --- Closure --------------------------------------------------------------------------------------------------------


def closure(case: Case, outcome: Outcome) -> tuple[datetime, str] | None:
    """When the case closed and why, or None while it is still open (or already closed)."""
    if case.closed_at is not None or case.erased_at is not None:
        return None
    if case.status in (CaseStatus.DECLINED, CaseStatus.MERGED):
        decision = case.final_decision
        if decision is None:
            return None
        if case.status is CaseStatus.DECLINED:
            return decision.decided_at, "Declined at triage."
        into = f" into {decision.merged_into_case_number}" if decision.merged_into_case_number else ""
        return decision.decided_at, f"Merged{into} at triage."
    if case.status is not CaseStatus.ACCEPTED or not outcome.approved or outcome.sign_off is None:
        return None
    approved_at = outcome.sign_off.answered_at
    if approved_at is None or any(not action.final for action in outcome.actions):
        return None
    if not outcome.actions:
        return approved_at, "The SIO approved the learning and actions; there were no actions."
    moments = [approved_at, *(a.status_changed_at for a in outcome.actions if a.status_changed_at is not None)]
    return max(moments), "The SIO approved the learning and actions, and every action is complete or not being done."


def review_date(closed_at: datetime, years: int = DEFAULT_RETENTION_YEARS) -> date:
    """`years` after the day (UK time) the case closed; 29 February becomes 28 February in a year without it."""
    day = closed_at.astimezone(LONDON).date()
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


async def close_finished_cases(
    *, uow: Callable[[], UnitOfWork], now: datetime, years: int = DEFAULT_RETENTION_YEARS
) -> int:
    """One round of the scheduler: close every case the process has finished with; returns how many."""
    async with uow() as reading:
        candidates = await reading.retention.closing_candidates()
    closed = 0
    for case_id in candidates:
        try:
            closed += await _close(uow(), case_id, now=now, years=years)
        except ConcurrentChange:
            continue  # another instance closed it in the same round, or the case changed meanwhile
    return closed


async def _close(uow: UnitOfWork, case_id: int, *, now: datetime, years: int) -> int:
    async with uow:
        case = await existing(uow, case_id)
        found = closure(case, await uow.outcomes.get(case_id))
        if found is None:
            return 0
        closed_at, why = found
        due = review_date(closed_at, years)
        await authorise(uow, SYSTEM, Permission.CLOSE_CASE, case, now=now, justification=f"{why} Review due {due}.")
        case.closed_at, case.review_due = closed_at, due
        await uow.cases.save(case)
        await uow.retention.add_decision(
            case_id,
            RetentionDecision(
                kind=DecisionKind.CLOSED,
                rationale=why,
                by=Person(SYSTEM.user_id, SYSTEM.name),
                at=now,
                review_due_after=due,
            ),
        )
        await uow.commit()
        return 1


# --- The review falls due -------------------------------------------------------------------------------------------


async def send_due_reviews(
    *,
    uow: Callable[[], UnitOfWork],
    now: datetime,
    information_managers: Iterable[str],
    rules: ReminderRules = DEFAULT_RULES,
) -> int:
    """One round of the scheduler: send each information manager the card of every case whose review has fallen
    due, once per case and review date, in working hours; returns how many cards were queued."""
    people = tuple(dict.fromkeys(information_managers))
    if not people or not in_hours(now, rules):
        return 0
    today = now.astimezone(LONDON).date()
    async with uow() as reading:
        due = await reading.retention.due_for_review(today=today)
    queued = 0
    for case_id in due:
        try:
            queued += await _send_review(uow(), case_id, people, now=now, today=today)
        except ConcurrentChange:
            continue  # another instance sent it in the same round
    return queued


async def _send_review(uow: UnitOfWork, case_id: int, people: tuple[str, ...], *, now: datetime, today: date) -> int:
    async with uow:
        case = await existing(uow, case_id)
        if case.review_due is None or case.review_due > today:
            return 0
        await authorise(
            uow,
            SYSTEM,
            Permission.SCHEDULE_REMINDER,
            case,
            now=now,
            recipients=tuple(f"person:{p}" for p in people),
            justification=f"retention review due {case.review_due}",
        )
        await uow.retention.add_notice(case_id, case.review_due, now)
        for person_id in people:
            uow.outbox.add(OutboundMessage(MessageKind.RETENTION_REVIEW_DUE, case_id, Audience.PERSON, person_id))
        await uow.commit()
        return len(people)


# --- Reading the card -----------------------------------------------------------------------------------------------


async def get_retention(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> RetentionView:
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.READ_RETENTION, case, now=now)
        view = await _view(uow, case)
        await uow.commit()
        return view


async def find_retention(*, uow: UnitOfWork, actor: Actor, case_number: str, now: datetime) -> RetentionView:
    """The card by case number, as typed ("retention RD-2026-0001")."""
    number = case_number.strip().upper()
    async with uow:
        case = await uow.cases.get_by_number(number)
        if case is None:
            raise NotFound(f"There is no case {number}. Check the number, for example RD-2026-0001.")
        await authorise(uow, actor, Permission.READ_RETENTION, case, now=now)
        view = await _view(uow, case)
        await uow.commit()
        return view


async def retention_for_message(
    *, uow: UnitOfWork, case_id: int, recipients: tuple[str, ...], now: datetime
) -> RetentionView:
    """The card as it is now, for a message about to go to `recipients`; logged as a disclosure."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, SYSTEM, Permission.SEND_CASE_MESSAGE, case, now=now, recipients=recipients)
        view = await _view(uow, case)
        await uow.commit()
        return view


# --- The decisions --------------------------------------------------------------------------------------------------


async def retain(
    *,
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    rationale: object,
    new_review_date: object,
    seen_version: object = None,
    now: datetime,
) -> RetentionView:
    """Keep the case for a continued policing purpose, until a new review date."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.RETAIN_CASE, case, now=now, justification=_justification(rationale))
        _require_version(case, seen_version)
        today = now.astimezone(LONDON).date()
        errors: dict[str, str] = {}
        why = _rationale(
            rationale, RETAIN_RATIONALE, "why the case is still needed for a policing purpose", case, errors
        )
        raw_date = new_review_date.strip() if isinstance(new_review_date, str) else ""
        new_date = parse_date(raw_date)
        if not raw_date:
            errors[NEW_REVIEW_DATE] = "Choose the date of the next review."
        elif new_date is None:
            errors[NEW_REVIEW_DATE] = "Enter the next review date as a date, for example 2033-05-01."
        elif new_date <= today:
            errors[NEW_REVIEW_DATE] = "The next review date must be after today."
        if case.closed_at is None or case.review_due is None:
            errors[DECISION] = (
                f"{case.case_number} is not closed yet: its review date is set when it closes, "
                f"{DEFAULT_RETENTION_YEARS} years on by default."
            )
        if errors:
            raise InvalidInput(errors)
        assert new_date is not None
        before, case.review_due = case.review_due, new_date
        await uow.cases.save(case)
        decision = RetentionDecision(
            kind=DecisionKind.RETAINED,
            rationale=why,
            by=Person(actor.user_id, actor.name),
            at=now,
            review_due_before=before,
            review_due_after=new_date,
        )
        return await _decided(uow, case, decision)


async def erase(
    *,
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    rationale: object,
    confirmed: object,
    seen_version: object = None,
    now: datetime,
) -> RetentionView:
    """Erase the case's content for good, leaving its tombstone and audit trail. Only a closed case whose review is
    due, with no legal hold in place."""
    async with uow:
        case = await existing(uow, case_id)
        # Counts only (no content), read first so that the audit record itself says what is erased.
        held = await uow.retention.holdings(case_id)
        await authorise(
            uow,
            actor,
            Permission.ERASE_CASE,
            case,
            now=now,
            justification=_justification(rationale, f"erasing {describe(held)}"),
        )
        _require_version(case, seen_version)
        today = now.astimezone(LONDON).date()
        refusal = _erasure_refusal(case.case_number, case.closed_at, case.review_due, case.legal_hold, today)
        if refusal is not None:
            raise InvalidInput({DECISION: refusal})
        errors: dict[str, str] = {}
        why = _rationale(
            rationale, ERASE_RATIONALE, "why the case is no longer needed for a policing purpose", case, errors
        )
        if confirmed not in (True, "true", "True"):
            errors[ERASE_CONFIRMED] = "Tick to confirm that the case's content is erased for good: it cannot be undone."
        if errors:
            raise InvalidInput(errors)
        erased = await uow.retention.erase(case, at=now)
        if erased != held:
            raise ConcurrentChange(f"case {case.case_number} changed while it was being erased")
        decision = RetentionDecision(
            kind=DecisionKind.ERASED,
            rationale=why,
            by=Person(actor.user_id, actor.name),
            at=now,
            review_due_before=case.review_due,
            erased=erased,
        )
        await uow.retention.add_decision(case_id, decision)
        uow.mark_processed(case_id)
        view = RetentionView(
            case_id=case_id,
            case_number=case.case_number,
            status=case.status,
            nominated_at=case.nominated_at,
            closed_at=case.closed_at,
            review_due=case.review_due,
            legal_hold=None,
            erased_at=now,
            version=case.version,
            holdings=(),
            decisions=tuple(await uow.retention.decisions(case_id)),
        )
        await uow.commit()
        return view


async def place_legal_hold(
    *,
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    kind: object,
    details: object,
    seen_version: object = None,
    now: datetime,
) -> RetentionView:
    """Hold the case whatever its review says, at any stage: erasure waits until the hold is lifted."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.PLACE_LEGAL_HOLD, case, now=now, justification=_justification(details))
        _require_version(case, seen_version)
        if case.legal_hold is not None:
            raise InvalidInput(
                {
                    HOLD_KIND: f"{case.case_number} already has a legal hold ({case.legal_hold.kind.label.lower()}). "
                    "Lift it first if it should be replaced."
                }
            )
        errors: dict[str, str] = {}
        hold_kind = choice(LegalHoldKind, kind.strip() if isinstance(kind, str) else "")
        if hold_kind is None:
            errors[HOLD_KIND] = "Choose why the case is held: live proceedings or a statutory review."
        why = _rationale(
            details, HOLD_DETAILS, "what the proceedings or review are and how long they may run", case, errors
        )
        if errors:
            raise InvalidInput(errors)
        assert hold_kind is not None
        by = Person(actor.user_id, actor.name)
        case.legal_hold = LegalHold(kind=hold_kind, details=why, placed_by=by, placed_at=now)
        await uow.cases.save(case)
        decision = RetentionDecision(
            kind=DecisionKind.HOLD_PLACED,
            rationale=why,
            by=by,
            at=now,
            review_due_before=case.review_due,
            review_due_after=case.review_due,
            hold_kind=hold_kind,
        )
        return await _decided(uow, case, decision)


async def lift_legal_hold(
    *, uow: UnitOfWork, actor: Actor, case_id: int, reason: object, seen_version: object = None, now: datetime
) -> RetentionView:
    """The proceedings or review are over: the case's retention follows its review date again."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.LIFT_LEGAL_HOLD, case, now=now, justification=_justification(reason))
        _require_version(case, seen_version)
        hold = case.legal_hold
        if hold is None:
            raise InvalidInput({LIFT_REASON: f"{case.case_number} has no legal hold to lift."})
        errors: dict[str, str] = {}
        why = _rationale(reason, LIFT_REASON, "why the hold is no longer needed", case, errors)
        if errors:
            raise InvalidInput(errors)
        case.legal_hold = None
        await uow.cases.save(case)
        decision = RetentionDecision(
            kind=DecisionKind.HOLD_LIFTED,
            rationale=why,
            by=Person(actor.user_id, actor.name),
            at=now,
            review_due_before=case.review_due,
            review_due_after=case.review_due,
            hold_kind=hold.kind,
        )
        return await _decided(uow, case, decision)


# --- The rules ------------------------------------------------------------------------------------------------------


def _erasure_refusal(
    case_number: str, closed_at: datetime | None, review_due: date | None, hold: LegalHold | None, today: date
) -> str | None:
    """Why the case cannot be erased today, or None when it can."""
    if hold is not None:
        return (
            f"{case_number} is under a legal hold ({hold.kind.label.lower()}), so it cannot be erased. Lift the hold "
            "first, once the proceedings or review are over."
        )
    if closed_at is None or review_due is None:
        return f"{case_number} is not closed yet, so it cannot be erased: it is reviewed once it has closed."
    if review_due > today:
        return (
            f"The review of {case_number} is not due until {long_date(review_due)}, so it cannot be erased yet. To "
            "review it sooner, retain it with an earlier review date."
        )
    return None


def long_date(day: date) -> str:
    """3 May 2033."""
    return f"{day.day} {day:%B %Y}"


def _text(raw: object) -> str:
    return "\n".join(line.rstrip() for line in raw.strip().splitlines()) if isinstance(raw, str) else ""


def _rationale(raw: object, field_name: str, what: str, case: Case, errors: dict[str, str]) -> str:
    """A rationale kept for good (it outlives erasure): required, and free of the case's own identifiers."""
    text = _text(raw)
    if len(text) < MIN_RATIONALE:
        errors[field_name] = f"Say {what} (at least {MIN_RATIONALE} characters)."
    elif len(text) > MAX_RATIONALE:
        errors[field_name] = f"Keep this to {MAX_RATIONALE} characters or fewer."
    else:
        lowered = text.casefold()
        n = case.nomination
        for identifier in (n.incident_reference, n.operation_name):
            if identifier and identifier.casefold() in lowered:
                errors[field_name] = (
                    f"Leave {identifier!r} out: a retention decision is kept after erasure, so it must not hold the "
                    f"case's own details. The case number ({case.case_number}) is enough."
                )
                break
    return text


def _justification(raw: object, extra: str | None = None) -> str | None:
    """The rationale as typed, for the audit record (cut to the longest a rationale may be)."""
    parts = [part for part in (_text(raw)[:MAX_RATIONALE], extra) if part]
    return " | ".join(parts) or None


def _require_version(case: Case, seen: object) -> None:
    """A decision is made on the card as it stood: if the case changed since (another information manager
    decided meanwhile), nothing is saved and the card is shown as it is now."""
    if seen is None or seen == "":
        return
    try:
        version = int(seen) if isinstance(seen, int | str) and not isinstance(seen, bool) else None
    except ValueError:
        version = None
    if version != case.version:
        raise InvalidInput(
            {
                VERSION: f"{case.case_number} changed while you were looking at it (another decision was recorded "
                "meanwhile). Nothing of yours was saved: check the card as it is now and decide again if you need to."
            }
        )


async def _view(uow: UnitOfWork, case: Case) -> RetentionView:
    assert case.id is not None
    return RetentionView(
        case_id=case.id,
        case_number=case.case_number,
        status=case.status,
        nominated_at=case.nominated_at,
        closed_at=case.closed_at,
        review_due=case.review_due,
        legal_hold=case.legal_hold,
        erased_at=case.erased_at,
        version=case.version,
        holdings=await uow.retention.holdings(case.id),
        decisions=tuple(await uow.retention.decisions(case.id)),
    )


async def _decided(uow: UnitOfWork, case: Case, decision: RetentionDecision) -> RetentionView:
    assert case.id is not None
    await uow.retention.add_decision(case.id, decision)
    uow.mark_processed(case.id)
    view = await _view(uow, case)
    await uow.commit()
    return view
