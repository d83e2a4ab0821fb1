"""Step 6 of the practice, on a card: one action, its status, and what its owner and the working group can do.

The action card is one card that everyone sees (the owner one to one, the working group and the review team in
the actions thread), updated in place when anything changes. It carries no personal data and no case content
beyond the case number: the owner may not know the case. The owner moves the status on (Start, Blocked, Complete,
with the reason or the evidence); not doing the action, or a new due date, is asked of the working group, which
approves or refuses it on the same card.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from microsoft_teams.cards.core import (
    Action,
    AdaptiveCard,
    CardElement,
    Container,
    NumberInput,
    ShowCardAction,
    TextBlock,
    TextInput,
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
from cards.outcomes import day, excerpt
from debrief.action_reminders import DUE_TODAY, working_days_after
from debrief.actions import (
    MAX_NOTE,
    ActionRequest,
    ActionView,
    RequestKind,
    RequestState,
    StatusChange,
    allowed_changes,
)
from debrief.learning import MAX_DUE_WORKING_DAYS, ActionStatus, local_today
from debrief.learning import Action as DebriefAction

START_VERB = "action.start"
BLOCK_VERB = "action.block"
COMPLETE_VERB = "action.complete"
REQUEST_NOT_DOING_VERB = "action.request.not_doing"
REQUEST_DUE_DATE_VERB = "action.request.due_date"
APPROVE_REQUEST_VERB = "action.request.approve"
REFUSE_REQUEST_VERB = "action.request.refuse"
OPEN_ACTION_VERB = "action.open"

DECIDED_REASON_CHARS = 300
"""A decided request's reason is cut to about this many characters: the pending one is shown in full."""

BLOCKED = "Blocked"
COMPLETE = "Complete"
NOT_DOING_IT = "Not doing it"
NEW_DUE_DATE = "A new due date"

NOTE_LABELS: dict[ActionStatus, str] = {
    ActionStatus.BLOCKED: "What is blocking it",
    ActionStatus.COMPLETE: "Evidence of completion",
    ActionStatus.NOT_DOING: "Reason",
}
"""The status note, named for what it is in each status that has one."""

Style = Literal["default", "emphasis", "accent", "good", "attention", "warning"]
_NOTE_STYLES: dict[ActionStatus, Style] = {
    ActionStatus.BLOCKED: "warning",
    ActionStatus.COMPLETE: "good",
    ActionStatus.NOT_DOING: "emphasis",
}
_CLOSED = {
    ActionStatus.COMPLETE: "This action is complete.",
    ActionStatus.NOT_DOING: "The working group agreed that this action is not being done.",
}
_FIELD_FOLDS = {"blockedReason": BLOCKED, "evidence": COMPLETE, "newDueWorkingDays": NEW_DUE_DATE}
"""Fields inside a folded form, and the fold's button: their errors are also named at the top of the card, because
a fold is closed again when the card is refreshed. `reason` belongs to one of the two requests (see `_reason_fold`)."""


# --- Everyone: the owner, the working group, the review team -------------------------------------------------------


def action_card(
    view: ActionView,
    *,
    case_id: int,
    now: datetime,
    message: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """The action as it stands, and the buttons to move it on: the same card for everyone who can see it."""
    title = _title(view)
    return build(
        heading(title),
        *_body(view, case_id=case_id, now=now, message=message, errors=errors or {}, values=values or {}),
        fallback_text=f"{title}: {view.action.status.label.lower()}",
    )


def action_assigned(view: ActionView, *, case_id: int, now: datetime) -> Card:
    """The first one-to-one message to the owner: the action is theirs, with thanks, and the same card below."""
    title = f"An action from the rapid debrief {view.case_number} is yours"
    return build(
        heading(title),
        paragraph(
            "Thank you for taking it on. It comes from what the debrief learnt about how agencies worked together, "
            "so that the next person gets a better response: it is about learning, not blame."
        ),
        paragraph(
            "Keep its status up to date here as you go. If it cannot be done, or needs more time, ask the working "
            "group below.",
            subtle=True,
        ),
        TextBlock(text=_title(view), weight="Bolder", size="Medium", wrap=True, separator=True),
        *_body(view, case_id=case_id, now=now, message=None, errors={}, values={}),
        fallback_text=f"{title}: {excerpt(view.action.description, 80)}",
    )


def action_reminder(view: ActionView, *, case_id: int, now: datetime, key: str) -> Card:
    """A gentle reminder, one to one, to the owner: when it is due (`key`: "due_in_5", "due_today", "overdue_2"…),
    then the action's own card, so they can bring it up to date from here."""
    action = view.action
    today = local_today(now)
    if key == DUE_TODAY:
        headline, when_due = "due today", f"It is due today, {day(action.due)}."
    elif key.startswith("due_in_"):
        left = int(key.removeprefix("due_in_"))
        if left == 1 and action.due == today + timedelta(days=1):
            headline, when_due = "due tomorrow", f"It is due tomorrow, {day(action.due)}."
        elif left == 1:
            headline, when_due = "due on the next working day", f"It is due on {day(action.due)}, the next working day."
        else:
            headline, when_due = (
                f"due in {left} working days",
                f"It is due in {left} working days, on {day(action.due)}.",
            )
    else:
        late = working_days_after(action.due, today)
        days = "1 working day" if late == 1 else f"{late} working days"
        headline, when_due = f"overdue (it was due on {day(action.due)})", f"It was due {days} ago."
    title = f"A reminder: an action from the rapid debrief {view.case_number} is {headline}"
    if action.final:
        asked = f"{_CLOSED[action.status]} Thank you: there is nothing more to do."
    elif key.startswith("due_in_") or key == DUE_TODAY:
        asked = (
            "If it is done, mark it complete with what shows it is done. If it is blocked, or needs more time, say so "
            "below: the working group would rather know early, and can agree a new date."
        )
    else:
        asked = (
            "This is about learning, not blame: things often take longer than planned. The working group needs to "
            "know where it stands, so bring its status up to date below, or ask them for a new due date, or not to "
            "do it."
        )
    return build(
        heading(title),
        paragraph(f"{when_due} Thank you for taking it on."),
        paragraph(asked, subtle=True),
        TextBlock(text=_title(view), weight="Bolder", size="Medium", wrap=True, separator=True),
        *_body(view, case_id=case_id, now=now, message=None, errors={}, values={}),
        fallback_text=f"{title}: {excerpt(action.description, 80)}",
    )


def action_escalated(view: ActionView, *, case_id: int, now: datetime, working_days_overdue: int) -> Card:
    """For the working group's channel: an action overdue long enough to follow up. Which action, its owner, due
    date and status, and no case content beyond the case number."""
    action = view.action
    if action.id is None:
        raise ValueError("An escalation needs a saved action (one with an id).")
    days = "1 working day" if working_days_overdue == 1 else f"{working_days_overdue} working days"
    title = f"Overdue: {_title(view)}"
    rows = [
        ("Owner", action.owner.name),
        ("Due", f"{day(action.due)} · {days} overdue"),
        ("Status", _status(view)),
        ("Priority", action.priority.label),
        ("Theme", action.theme),
        ("Route", action.route.label),
    ]
    pending = view.pending
    if pending is not None:
        rows.append(("Asked of the working group", f"{_what(pending)}, asked by {pending.requested_by.name}"))
    body: list[CardElement] = [
        heading(title),
        paragraph(
            f"This action from the rapid debrief {view.case_number} is {days} past its due date. Please follow it up "
            f"with {action.owner.name}: what is in the way, whether it needs a new due date, or whether it should "
            "still be done. The aim is the learning, not blame."
        ),
        Container(
            style="emphasis",
            items=[TextBlock(text=action.description, wrap=True, weight="Bolder", size="Medium")],
        ),
        facts(rows),
    ]
    label = NOTE_LABELS.get(action.status)
    if label is not None and action.status_note:
        body.append(paragraph(f"**{label}:** {excerpt(action.status_note, DECIDED_REASON_CHARS)}", subtle=True))
    body += [
        paragraph(f"As it stood on {when(now)}. Open the action to see it now and to act on it.", subtle=True),
        actions(verb("Open the action", OPEN_ACTION_VERB, {"actionId": action.id, "caseId": case_id})),
    ]
    return build(*body, fallback_text=f"{title}: {days} overdue")


def _title(view: ActionView) -> str:
    number = view.action.id
    return f"Action {number} for {view.case_number}" if number is not None else f"Action for {view.case_number}"


def _body(
    view: ActionView,
    *,
    case_id: int,
    now: datetime,
    message: str | None,
    errors: Mapping[str, str],
    values: Mapping[str, object],
) -> list[CardElement]:
    action = view.action
    if action.id is None:
        raise ValueError("An action card needs a saved action (one with an id).")
    data: dict[str, Any] = {"actionId": action.id, "caseId": case_id}
    pending = view.pending
    overdue = not action.final and action.due < local_today(now)

    body: list[CardElement] = []
    if message:
        body.append(notice(message, good=not errors))
    if errors:
        body.append(notice(_error_summary(errors, values, _folds_shown(action, pending))))
    if overdue:
        more_time = "" if pending is not None else " If it needs more time, ask the working group for a new due date."
        body.append(notice(f"Overdue: it was due on {day(action.due)}.{more_time}"))

    body += [
        Container(
            style="emphasis",
            items=[TextBlock(text=action.description, wrap=True, weight="Bolder", size="Medium")],
        ),
        facts(
            [
                ("Owner", action.owner.name),
                ("Due", f"{day(action.due)} · overdue" if overdue else day(action.due)),
                ("Priority", action.priority.label),
                ("Theme", action.theme),
                ("Route", action.route.label),
                ("Status", _status(view)),
            ]
        ),
    ]
    label = NOTE_LABELS.get(action.status)
    if label is not None and action.status_note:
        body.append(
            Container(
                style=_NOTE_STYLES[action.status],
                items=[paragraph(f"**{label}:**"), TextBlock(text=action.status_note, wrap=True, spacing="None")],
            )
        )
    if pending is not None:
        body.append(_pending(pending, data, final=action.final))
    decided = _latest_decided(view.requests)
    if decided is not None:
        body.append(_decided(decided, reason_shown=_agreed(action.status, action.status_note, decided)))

    if action.final:
        body.append(paragraph(f"{_CLOSED[action.status]} Its status no longer changes.", subtle=True))
        return body

    body.append(_status_buttons(action, data, errors, values))
    if pending is None:
        body.append(_request_buttons(data, errors, values))
    return body


def _status(view: ActionView) -> str:
    action = view.action
    by, at = action.status_changed_by, action.status_changed_at
    if by is not None and at is not None:
        return f"{action.status.label}, by {by.name} on {when(at)}"
    if at is not None:
        return f"{action.status.label}, on {when(at)}"
    return action.status.label


def _what(request: ActionRequest) -> str:
    """'not doing this action', or 'a new due date of Fri 15 Jan 2027'."""
    if request.kind is RequestKind.DUE_DATE and request.new_due is not None:
        return f"a new due date of {day(request.new_due)}"
    return request.kind.label[0].lower() + request.kind.label[1:]


def _pending(request: ActionRequest, data: dict[str, Any], *, final: bool) -> Container:
    waiting = (
        "Asked of the working group, not decided before the action closed" if final else "Waiting for the working group"
    )
    items: list[CardElement] = [
        paragraph(f"**{waiting}:** {_what(request)}"),
        paragraph(f"Asked by {request.requested_by.name} on {when(request.requested_at)}. Reason:", subtle=True),
        TextBlock(text=request.reason, wrap=True, spacing="None"),
    ]
    if not final:
        effect = (
            "approving it closes the action as not being done"
            if request.kind is RequestKind.NOT_DOING
            else "approving it changes the due date at once"
        )
        items += [
            paragraph(f"**For the working group:** {effect}.", subtle=True),
            actions(
                verb("Approve", APPROVE_REQUEST_VERB, data, style="positive"),
                verb("Refuse", REFUSE_REQUEST_VERB, data),
            ),
        ]
    return Container(style="warning", separator=True, items=items)


def _latest_decided(requests: tuple[ActionRequest, ...]) -> ActionRequest | None:
    decided = [r for r in requests if r.state is not RequestState.PENDING]
    if not decided:
        return None
    return max(enumerate(decided), key=lambda pair: (pair[1].decided_at or pair[1].requested_at, pair[0]))[1]


def _agreed(status: ActionStatus, note: str | None, request: ActionRequest) -> bool:
    """The request is the approved "not doing" whose reason the card already shows as the status note."""
    return status is ActionStatus.NOT_DOING and request.kind is RequestKind.NOT_DOING and request.reason == note


def _decided(request: ActionRequest, *, reason_shown: bool) -> Container:
    outcome = request.state.label.lower()
    by = f" by {request.decided_by.name}" if request.decided_by is not None else ""
    on = f" on {when(request.decided_at)}" if request.decided_at is not None else ""
    return Container(
        separator=True,
        items=[
            paragraph(
                f"**Last request to the working group:** {_what(request)}, {outcome}{by}{on}. Asked by "
                f"{request.requested_by.name}"
                + ("." if reason_shown else f": {excerpt(request.reason, DECIDED_REASON_CHARS)}"),
                subtle=True,
            )
        ],
    )


# --- The buttons ---------------------------------------------------------------------------------------------------


def _status_buttons(
    action: DebriefAction, data: dict[str, Any], errors: Mapping[str, str], values: Mapping[str, object]
) -> Container:
    """One button (or fold) per change the process allows from the action's status."""
    allowed = allowed_changes(action)
    buttons: list[Action] = []
    if StatusChange.START in allowed:
        buttons.append(verb("Start", START_VERB, data))
    if StatusChange.BLOCK in allowed:
        buttons.append(
            _fold(
                BLOCKED,
                [
                    _note_input(
                        "blockedReason",
                        "What is blocking it?",
                        "Say what is blocking it.",
                        "For example: waiting for the partner agency to agree the wording",
                        values,
                    ),
                    *field_error(errors.get("blockedReason")),
                ],
                verb("Mark it as blocked", BLOCK_VERB, data),
            )
        )
    if StatusChange.COMPLETE in allowed:
        buttons.append(
            _fold(
                COMPLETE,
                [
                    _note_input(
                        "evidence",
                        "What shows it is done?",
                        "Say what shows it is done.",
                        "For example: briefing given to all call handlers on 10 December; the slides are on the "
                        "training site",
                        values,
                    ),
                    *field_error(errors.get("evidence")),
                ],
                verb("Mark it as complete", COMPLETE_VERB, data, style="positive"),
            )
        )
    return Container(
        separator=True,
        items=[
            paragraph("Only the owner or the working group can change the status.", subtle=True),
            actions(*buttons),
        ],
    )


def _request_buttons(data: dict[str, Any], errors: Mapping[str, str], values: Mapping[str, object]) -> Container:
    fold = _reason_fold(errors, values)
    mine = {NOT_DOING_IT: fold == NOT_DOING_IT, NEW_DUE_DATE: fold == NEW_DUE_DATE}
    reason_error = {title: errors.get("reason") if ours else None for title, ours in mine.items()}
    reason_value = {title: values if ours else {} for title, ours in mine.items()}
    not_doing = _fold(
        NOT_DOING_IT,
        [
            _note_input(
                "reason",
                "Why should it not be done?",
                "Say why it should not be done.",
                "For example: the new call-handling system already prompts for linked reports",
                reason_value[NOT_DOING_IT],
            ),
            *field_error(reason_error[NOT_DOING_IT]),
        ],
        verb("Ask not to do it", REQUEST_NOT_DOING_VERB, data),
    )
    new_due = _fold(
        NEW_DUE_DATE,
        [
            NumberInput(
                id="newDueWorkingDays",
                label="New due date, in working days from today",
                is_required=True,
                error_message=f"Give a number of working days, 1 to {MAX_DUE_WORKING_DAYS}.",
                min=1,
                max=MAX_DUE_WORKING_DAYS,
                placeholder=f"1 to {MAX_DUE_WORKING_DAYS}",
                value=_number(values, "newDueWorkingDays"),
            ),
            *field_error(errors.get("newDueWorkingDays")),
            _note_input(
                "reason",
                "Why does it need more time?",
                "Say why it needs more time.",
                "For example: the partner agency's board meets next month",
                reason_value[NEW_DUE_DATE],
            ),
            *field_error(reason_error[NEW_DUE_DATE]),
        ],
        verb("Ask for the new due date", REQUEST_DUE_DATE_VERB, data),
    )
    return Container(
        separator=True,
        items=[
            paragraph(
                "**Ask the working group to change it.** Only they can agree not doing an action, or a new due date.",
                subtle=True,
            ),
            actions(not_doing, new_due),
        ],
    )


def _fold(title: str, body: list[CardElement], submit: Action) -> ShowCardAction:
    return ShowCardAction(title=title, card=AdaptiveCard(version=CARD_VERSION, body=body, actions=[submit]))


def _note_input(name: str, label: str, error: str, placeholder: str, values: Mapping[str, object]) -> TextInput:
    return TextInput(
        id=name,
        label=label,
        is_multiline=True,
        is_required=True,
        error_message=error,
        max_length=MAX_NOTE,
        placeholder=placeholder,
        value=field_value(values, name),
    )


def _number(values: Mapping[str, object], name: str) -> float | None:
    """A number typed into an Input.Number: it may come back as text or as a number, depending on the client."""
    raw = values.get(name)
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw.strip())
        except ValueError:
            return None
    return None


# --- Errors --------------------------------------------------------------------------------------------------------


def _reason_fold(errors: Mapping[str, str], values: Mapping[str, object]) -> str | None:
    """Which request a `reason` came from: the verb sent with it, or else whether a new due date came with it."""
    if "reason" not in errors and field_value(values, "reason") is None:
        return None
    sent = values.get("verb")
    if sent == REQUEST_DUE_DATE_VERB:
        return NEW_DUE_DATE
    if sent == REQUEST_NOT_DOING_VERB:
        return NOT_DOING_IT
    return NEW_DUE_DATE if values.get("newDueWorkingDays") not in (None, "") else NOT_DOING_IT


def _folds_shown(action: DebriefAction, pending: ActionRequest | None) -> set[str]:
    """The folded forms on the card: they follow `_status_buttons` and `_request_buttons`."""
    if action.final:
        return set()
    allowed = allowed_changes(action)
    shown = {COMPLETE} if StatusChange.COMPLETE in allowed else set()
    if StatusChange.BLOCK in allowed:
        shown.add(BLOCKED)
    if pending is None:
        shown |= {NOT_DOING_IT, NEW_DUE_DATE}
    return shown


def _error_summary(errors: Mapping[str, str], values: Mapping[str, object], shown: set[str]) -> str:
    """Every error, with the folded form it belongs to named when that form is on the card."""
    folds = dict(_FIELD_FOLDS)
    if (fold := _reason_fold(errors, values)) is not None:
        folds["reason"] = fold
    parts: list[str] = []
    for title in (BLOCKED, COMPLETE, NOT_DOING_IT, NEW_DUE_DATE):
        mine = [message for name, message in errors.items() if folds.get(name) == title]
        if mine and title in shown:
            parts.append(f'Under "{title}": ' + " ".join(mine))
    parts += [message for name, message in errors.items() if folds.get(name) not in shown]
    return " ".join(parts)


def actions_thread_header(case_number: str) -> Card:
    """The post that starts a case's actions thread in the review team's channel; each action is a reply."""
    return build(
        heading(f"Actions from the rapid debrief {case_number}"),
        paragraph(
            "Each action below was approved by the SIO with the learning. Its card changes in place as its owner "
            "moves it on; only the owner or the working group can change it."
        ),
        fallback_text=f"Actions from the rapid debrief {case_number}",
    )
