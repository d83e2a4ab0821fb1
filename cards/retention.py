"""The information manager's retention card (MoPI review): one case by number, when it closed, when its review is due,
any legal hold, what is held (by kind and count, never content), the decisions so far, and the four decisions:
Retain (a new review date and a rationale), Erase (a rationale and a confirmation), Place a legal hold (why, and the
details) and Lift it (the reason). Nothing on it comes from the case's content.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from microsoft_teams.cards.core import (
    Action,
    AdaptiveCard,
    CardElement,
    Choice,
    ChoiceSetInput,
    Container,
    DateInput,
    ShowCardAction,
    TextBlock,
    TextInput,
    ToggleInput,
)

from cards.common import (
    CARD_VERSION,
    Card,
    actions,
    build,
    facts,
    field_error,
    field_value,
    heading,
    notice,
    paragraph,
    verb,
    when,
)
from debrief.model import LegalHoldKind
from debrief.retention import (
    ERASE_CONFIRMED,
    ERASE_RATIONALE,
    HOLD_DETAILS,
    HOLD_KIND,
    LIFT_REASON,
    MAX_RATIONALE,
    NEW_REVIEW_DATE,
    RETAIN_RATIONALE,
    VERSION,
    DecisionKind,
    RetentionDecision,
    RetentionView,
    describe,
    long_date,
)

OPEN_RETENTION_VERB = "retention.open"
RETAIN_VERB = "retention.retain"
ERASE_VERB = "retention.erase"
PLACE_HOLD_VERB = "retention.hold.place"
LIFT_HOLD_VERB = "retention.hold.lift"

RETAIN = "Retain"
ERASE = "Erase"
PLACE_HOLD = "Place a legal hold"
LIFT_HOLD = "Lift the legal hold"
_FOLDS = {
    NEW_REVIEW_DATE: RETAIN,
    RETAIN_RATIONALE: RETAIN,
    ERASE_RATIONALE: ERASE,
    ERASE_CONFIRMED: ERASE,
    HOLD_KIND: PLACE_HOLD,
    HOLD_DETAILS: PLACE_HOLD,
    LIFT_REASON: LIFT_HOLD,
}
"""Fields inside a folded form, and the fold's button: their errors are also named at the top of the card, because a
fold is closed again when the card comes back."""
HISTORY_SHOWN = 10
"""The most recent decisions shown on the card, each in full (a case rarely has more; all are in the audit log)."""


def retention_card(
    view: RetentionView,
    *,
    today: date,
    message: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """The case's retention as it stands, and the decisions open to the information manager."""
    title = f"Retention review: {view.case_number}"
    return build(
        heading(title),
        *_body(view, today=today, message=message, errors=errors or {}, values=values or {}),
        fallback_text=f"{title}: {_state(view, today)}",
    )


def retention_review_due(view: RetentionView, *, today: date) -> Card:
    """One to one, to each information manager, when the review falls due: why it has come, then the card."""
    title = f"The retention review of {view.case_number} is due"
    return build(
        heading(title),
        paragraph(
            "Is the case still needed for a policing purpose? Retain it with a new review date and your rationale, "
            "or erase it. A legal hold (live proceedings or a statutory review) keeps it whatever the review says."
        ),
        paragraph("Every decision is logged with its rationale, and kept after any erasure.", subtle=True),
        TextBlock(
            text=f"Retention review: {view.case_number}", weight="Bolder", size="Medium", wrap=True, separator=True
        ),
        *_body(view, today=today, message=None, errors={}, values={}),
        fallback_text=f"{title}: {_state(view, today)}",
    )


def _state(view: RetentionView, today: date) -> str:
    if view.erased_at is not None:
        return f"erased on {when(view.erased_at)}"
    if view.review_due is None:
        return "not closed yet"
    return "review due now" if view.review_is_due(today) else f"review due {long_date(view.review_due)}"


def _body(
    view: RetentionView,
    *,
    today: date,
    message: str | None,
    errors: Mapping[str, str],
    values: Mapping[str, object],
) -> list[CardElement]:
    body: list[CardElement] = []
    if message:
        body.append(notice(message, good=not errors))
    if errors:
        body.append(notice(_error_summary(errors)))
    rows = [
        ("Case", view.case_number),
        ("Status", view.status.label),
        ("Nominated", when(view.nominated_at)),
        ("Closed", when(view.closed_at) if view.closed_at else "Not closed yet"),
        ("Review due", _review(view, today)),
    ]
    if view.erased_at is not None:
        rows.append(("Erased", when(view.erased_at)))
    body.append(facts(rows))
    hold = view.legal_hold
    if hold is not None:
        body.append(
            Container(
                style="warning",
                items=[
                    paragraph(
                        f"**Legal hold: {hold.kind.label.lower()}.** Placed by {hold.placed_by.name} on "
                        f"{when(hold.placed_at)}. It blocks erasure until it is lifted."
                    ),
                    TextBlock(text=hold.details, wrap=True, spacing="None"),
                ],
            )
        )
    if view.erased_at is None:
        body.append(paragraph("**What is held** (by kind and count; the content is not shown here)"))
        body.append(facts([(h.kind.label.capitalize(), str(h.count)) for h in view.holdings]))
    body.append(_history(view.decisions))
    if view.erased_at is not None:
        body.append(
            paragraph(
                "The case's content has been erased. Its number, dates, this history and the audit trail are kept.",
                subtle=True,
            )
        )
        return body
    body.append(_decisions(view, today, errors, values))
    return body


def _review(view: RetentionView, today: date) -> str:
    if view.review_due is None:
        return "Set when the case closes"
    if view.erased_at is None and view.review_is_due(today):
        return f"{long_date(view.review_due)} · due now"
    return long_date(view.review_due)


def _history(decisions: tuple[RetentionDecision, ...]) -> Container:
    if not decisions:
        return Container(items=[paragraph("**Decisions:** none yet.", subtle=True)], separator=True)
    shown = decisions[-HISTORY_SHOWN:]
    items: list[CardElement] = [paragraph("**Decisions** (newest first)")]
    if len(decisions) > len(shown):
        items.append(paragraph(f"The {len(shown)} most recent of {len(decisions)}.", subtle=True))
    for decision in reversed(shown):
        items.append(paragraph(f"**{_what(decision)}** · {decision.by.name}, {when(decision.at)}"))
        items.append(TextBlock(text=decision.rationale, wrap=True, spacing="None", is_subtle=True))
    return Container(items=items, separator=True)


def _what(decision: RetentionDecision) -> str:
    match decision.kind:
        case DecisionKind.CLOSED:
            after = f"; review due {long_date(decision.review_due_after)}" if decision.review_due_after else ""
            return f"Closed{after}"
        case DecisionKind.RETAINED:
            before = f" (was {long_date(decision.review_due_before)})" if decision.review_due_before else ""
            after = long_date(decision.review_due_after) if decision.review_due_after else "a new date"
            return f"Retained: next review {after}{before}"
        case DecisionKind.ERASED:
            return f"Erased: {describe(decision.erased)}"
        case DecisionKind.HOLD_PLACED | DecisionKind.HOLD_LIFTED:
            kind = f" ({decision.hold_kind.label.lower()})" if decision.hold_kind else ""
            return f"{decision.kind.label}{kind}"


def _decisions(view: RetentionView, today: date, errors: Mapping[str, str], values: Mapping[str, object]) -> Container:
    data: dict[str, Any] = {"caseId": view.case_id, VERSION: view.version}
    buttons: list[Action] = []
    notes: list[CardElement] = []
    if view.closed_at is not None:
        buttons.append(_retain(data, today, errors, values))
    else:
        notes.append(
            paragraph("The review date is set when the case closes; a legal hold can be placed now.", subtle=True)
        )
    refusal = view.erasure_refusal(today)
    if refusal is None:
        buttons.append(_erase(data, errors, values))
    elif view.closed_at is not None:
        notes.append(paragraph(f"**Erase:** {refusal}", subtle=True))
    buttons.append(_lift(data, errors, values) if view.legal_hold is not None else _place(data, errors, values))
    return Container(
        separator=True,
        items=[
            paragraph(
                "Only the information manager decides. Give a rationale that stands on its own, without the case's "
                "details (no names, references or operation names): it is kept after any erasure.",
                subtle=True,
            ),
            *notes,
            actions(*buttons),
        ],
    )


def _retain(
    data: dict[str, Any], today: date, errors: Mapping[str, str], values: Mapping[str, object]
) -> ShowCardAction:
    return _fold(
        RETAIN,
        [
            DateInput(
                id=NEW_REVIEW_DATE,
                label="Next review date",
                is_required=True,
                error_message="Choose the date of the next review, after today.",
                min=(today + timedelta(days=1)).isoformat(),
                value=field_value(values, NEW_REVIEW_DATE),
            ),
            *field_error(errors.get(NEW_REVIEW_DATE)),
            _rationale_input(
                RETAIN_RATIONALE,
                "Why is it still needed for a policing purpose?",
                "For example: linked to an open safeguarding adults review; the learning is still in use",
                values,
            ),
            *field_error(errors.get(RETAIN_RATIONALE)),
        ],
        verb("Retain until the new date", RETAIN_VERB, data, style="positive"),
    )


def _erase(data: dict[str, Any], errors: Mapping[str, str], values: Mapping[str, object]) -> ShowCardAction:
    return _fold(
        ERASE,
        [
            paragraph(
                "Erasure removes everything the service holds about this case, for good. Its number, dates, the "
                "decisions and the audit trail are kept.",
            ),
            _rationale_input(
                ERASE_RATIONALE,
                "Why is it no longer needed?",
                "For example: no continued policing purpose; no proceedings or reviews remain",
                values,
            ),
            *field_error(errors.get(ERASE_RATIONALE)),
            ToggleInput(
                id=ERASE_CONFIRMED,
                title="I confirm: erase this case's content. It cannot be undone.",
                value_on="true",
                value_off="false",
                value="false",
                wrap=True,
            ),
            *field_error(errors.get(ERASE_CONFIRMED)),
        ],
        verb("Erase the case", ERASE_VERB, data, style="destructive"),
    )


def _place(data: dict[str, Any], errors: Mapping[str, str], values: Mapping[str, object]) -> ShowCardAction:
    return _fold(
        PLACE_HOLD,
        [
            ChoiceSetInput(
                id=HOLD_KIND,
                label="Why must it be kept?",
                is_required=True,
                error_message="Choose live proceedings or a statutory review.",
                style="expanded",
                choices=[Choice(title=k.label, value=k.value) for k in LegalHoldKind],
                value=field_value(values, HOLD_KIND),
            ),
            *field_error(errors.get(HOLD_KIND)),
            _rationale_input(
                HOLD_DETAILS,
                "Details",
                "For example: Crown Court trial listed for March; material potentially disclosable",
                values,
            ),
            *field_error(errors.get(HOLD_DETAILS)),
        ],
        verb("Place the legal hold", PLACE_HOLD_VERB, data),
    )


def _lift(data: dict[str, Any], errors: Mapping[str, str], values: Mapping[str, object]) -> ShowCardAction:
    return _fold(
        LIFT_HOLD,
        [
            _rationale_input(
                LIFT_REASON,
                "Why is the hold no longer needed?",
                "For example: the trial ended and the appeal period has passed",
                values,
            ),
            *field_error(errors.get(LIFT_REASON)),
        ],
        verb("Lift the legal hold", LIFT_HOLD_VERB, data),
    )


def _rationale_input(name: str, label: str, placeholder: str, values: Mapping[str, object]) -> TextInput:
    return TextInput(
        id=name,
        label=label,
        is_multiline=True,
        is_required=True,
        error_message="Give the rationale: it is logged with the decision.",
        max_length=MAX_RATIONALE,
        placeholder=placeholder,
        value=field_value(values, name),
    )


def _fold(title: str, body: list[CardElement], submit: Action) -> ShowCardAction:
    return ShowCardAction(title=title, card=AdaptiveCard(version=CARD_VERSION, body=body, actions=[submit]))


def _error_summary(errors: Mapping[str, str]) -> str:
    """Every error, with the folded form it belongs to named, the case-wide ones first."""
    parts = [message for name, message in errors.items() if name not in _FOLDS]
    for title in (RETAIN, ERASE, PLACE_HOLD, LIFT_HOLD):
        mine = [message for name, message in errors.items() if _FOLDS.get(name) == title]
        if mine:
            parts.append(f'Under "{title}": ' + " ".join(mine))
    return " ".join(parts)
