"""The debrief's output: the lead reviewer's learning and actions card, the SIO's sign-off, and the circulation.

After the meeting the lead reviewer records the learning points, recommendations and actions in the case thread;
the SIO is asked one to one to approve them; once approved, each attendee is sent a message one to one with the
Word document to ask for. That message carries no case detail beyond the case number: partners may attend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from microsoft_teams.cards.core import (
    Action,
    AdaptiveCard,
    CardElement,
    Choice,
    ChoiceSetInput,
    Container,
    NumberInput,
    ShowCardAction,
    TextBlock,
    TextInput,
)

from cards.common import (
    CARD_VERSION,
    MARKING,
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
from debrief.learning import (
    MAX_ACTION,
    MAX_COMMENT,
    MAX_DUE_WORKING_DAYS,
    MAX_TEXT,
    LearningKind,
    LearningPoint,
    Outcome,
    Priority,
    Recommendation,
    Route,
    SignOff,
    SignOffState,
)
from debrief.learning import (
    Action as OutcomeAction,
)
from debrief.meetings import Meeting
from debrief.model import Case, Person
from debrief.themes import DEFAULT_THEMES

OPEN_OUTCOME_VERB = "outcome.open"
ADD_LEARNING_VERB = "outcome.learning.add"
ADD_RECOMMENDATION_VERB = "outcome.recommendation.add"
ADD_ACTION_VERB = "outcome.action.add"
REMOVE_ITEM_VERB = "outcome.item.remove"
REQUEST_SIGN_OFF_VERB = "outcome.sign_off.request"
APPROVE_VERB = "outcome.sign_off.approve"
REQUEST_CHANGES_VERB = "outcome.sign_off.changes"
LEARNING_DOCUMENT_VERB = "outcome.document"

MAX_ITEMS_SHOWN = 6
"""Each section of the lead reviewer's card lists this many items (the latest recorded): Teams cards have a size
limit. The Word document has them all."""
MAX_SUMMARY_ITEMS = 15
"""The SIO's card lists this many items of each kind; the Word document has them all."""
ITEM_CHARS = 140
"""An item's text is cut to about this many characters on a card; the Word document has it in full."""

ADD_LEARNING = "Add a learning point"
ADD_RECOMMENDATION = "Add a recommendation"
ADD_ACTION = "Add an action"
REQUEST_CHANGES = "Request changes"

_FORMS = (("learning", ADD_LEARNING), ("recommendation", ADD_RECOMMENDATION), ("action", ADD_ACTION))
"""Field name prefixes and the folded form they belong to: their errors are also shown at the top of the card,
because a fold is closed again when the card is refreshed."""

_PURPOSE = (
    "Record what the debrief meeting agreed: the learning (gaps, and good practice worth repeating), the "
    "recommendations and the actions. It is about learning, not blame: say what could work better in how agencies "
    "worked, not what any one person did."
)
_AFTER_APPROVAL = (
    "Nothing is circulated until the SIO approves it. Any change after approval needs the SIO's sign-off again "
    "before it is circulated."
)
Style = Literal["default", "emphasis", "accent", "good", "attention", "warning"]

_HANDLING = f"{MARKING}. Potentially disclosable: keep it, handle it on a need-to-know basis and do not forward it."


# --- The lead reviewer, in the case thread -----------------------------------------------------------------------


def outcome_card(
    case: Case,
    outcome: Outcome,
    *,
    owners: Mapping[str, Person],
    meeting: Meeting | None,
    now: datetime,
    message: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """The learning, recommendations and actions as they stand, their sign-off, and the forms to add to them.

    `owners` maps user ids to the people who may own an action. Before the meeting has started there is nothing
    to record: the card says so and offers no forms.
    """
    errors = errors or {}
    values = values or {}
    data: dict[str, Any] = {"caseId": case.id}
    title = f"Learning and actions for {case.case_number}"
    body: list[CardElement] = [heading(title), paragraph(_PURPOSE)]
    if message:
        body.append(notice(message, good=not errors))
    if errors:
        body.append(notice(_error_summary(errors)))

    started = meeting is not None and meeting.starts_at <= now
    if not started:
        when_held = (
            f"The meeting is on {when(meeting.starts_at)} (UK time)."
            if meeting is not None
            else "No meeting is scheduled yet: set it on the meeting card."
        )
        body.append(notice(f"The learning and actions are recorded after the debrief meeting. {when_held}", good=True))
        if outcome.empty:
            return build(*body, fallback_text=f"{title}: recorded after the debrief meeting")

    body.append(_sign_off_state(case, outcome))
    editable = started and not outcome.awaiting_sign_off
    body += [
        _learning_section(case, outcome.learning, removable=editable),
        _recommendation_section(case, outcome.recommendations, removable=editable),
        _action_section(case, outcome.actions, removable=editable),
    ]

    if started:
        if outcome.awaiting_sign_off:
            body.append(
                paragraph(
                    "While the SIO is looking at it, items cannot be removed. Anything you add now makes a new "
                    "version, and the SIO is asked about that one instead.",
                    subtle=True,
                )
            )
        folds: list[Action] = [
            _fold(
                ADD_LEARNING, _learning_form(errors, values), verb("Add the learning point", ADD_LEARNING_VERB, data)
            ),
            _fold(
                ADD_RECOMMENDATION,
                _recommendation_form(errors, values),
                verb("Add the recommendation", ADD_RECOMMENDATION_VERB, data),
            ),
            _fold(
                ADD_ACTION,
                _action_form(owners, errors, values),
                verb("Add the action", ADD_ACTION_VERB, data) if owners else None,
            ),
        ]
        body.append(Container(separator=True, items=[actions(*folds)]))

    buttons: list[Action] = []
    if started and outcome.sign_off_refusal() is None:
        buttons.append(verb("Ask the SIO to sign off", REQUEST_SIGN_OFF_VERB, data, style="positive"))
    if not outcome.empty:
        buttons.append(verb("Word document", LEARNING_DOCUMENT_VERB, data))
    if buttons:
        body.append(
            Container(
                separator=True,
                items=[
                    paragraph(
                        "The Word document is sent to you one to one, not posted here: it is need-to-know.",
                        subtle=True,
                    ),
                    actions(*buttons),
                ],
            )
        )
    return build(*body, fallback_text=f"{title}: {_counts(outcome)}")


def _sign_off_state(case: Case, outcome: Outcome) -> Container:
    s = outcome.sign_off
    current = s is not None and s.outcome_version == outcome.version
    sio = case.nomination.sio.name
    items: list[CardElement] = []
    style: Style = "emphasis"
    if s is None:
        line = (
            "**Sign-off:** nothing recorded yet."
            if outcome.empty
            else f"**Sign-off:** not asked yet. When everything is recorded, ask the SIO, {sio}, to sign it off."
        )
        items.append(paragraph(line))
    elif s.state is SignOffState.REQUESTED:
        if current:
            line = (
                f"**Waiting for the SIO**, {sio}: asked by {s.requested_by.name} on {when(s.requested_at)} "
                f"(version {s.outcome_version})."
            )
        else:
            line = (
                f"**Sign-off:** the SIO was asked on {when(s.requested_at)}, but it has changed since. Ask the SIO "
                "again when it is ready."
            )
            style = "warning"
        items.append(paragraph(line))
    elif s.state is SignOffState.APPROVED:
        by = _answered_by(s, sio)
        if current:
            style = "good"
            items.append(
                paragraph(f"**Approved by the SIO**, {by}, on {_answered_when(s)} (version {s.outcome_version}).")
            )
        else:
            style = "warning"
            items.append(
                paragraph(
                    f"**Changed since the SIO approved it** ({by}, on {_answered_when(s)}). Ask the SIO to sign off "
                    "the changes before they are circulated."
                )
            )
    else:
        style = "attention"
        items += [
            paragraph(f"**Changes requested by the SIO**, {_answered_by(s, sio)}, on {_answered_when(s)}:"),
            TextBlock(text=s.comment or "No comment given.", wrap=True, weight="Bolder", size="Medium"),
            paragraph(
                "You have changed it since: ask the SIO again when it is ready."
                if not current
                else "Make the changes below, then ask the SIO to sign off again.",
                subtle=True,
            ),
        ]
    if outcome.circulated_at is not None:
        items.append(paragraph(f"Circulated to the meeting's attendees on {when(outcome.circulated_at)}."))
    items.append(TextBlock(text=_AFTER_APPROVAL, wrap=True, size="Small", is_subtle=True))
    return Container(separator=True, style=style, items=items)


def _answered_by(sign_off: SignOff, sio: str) -> str:
    return sign_off.answered_by.name if sign_off.answered_by is not None else sio


def _answered_when(sign_off: SignOff) -> str:
    return when(sign_off.answered_at) if sign_off.answered_at is not None else "a date not recorded"


# --- The three sections ------------------------------------------------------------------------------------------


def _section(title: str, count: int, empty: str, rows: Sequence[CardElement]) -> Container:
    items: list[CardElement] = [paragraph(f"**{title} ({count})**")]
    if count > MAX_ITEMS_SHOWN:
        items.append(
            paragraph(f"Showing the latest {MAX_ITEMS_SHOWN}: the Word document has all {count}.", subtle=True)
        )
    if not count:
        items.append(paragraph(empty, subtle=True))
    items += rows
    return Container(separator=True, items=items)


def _latest(items: Sequence[Any]) -> Sequence[Any]:
    return items[-MAX_ITEMS_SHOWN:]


def _learning_section(case: Case, points: Sequence[LearningPoint], *, removable: bool) -> Container:
    rows = [
        _row(
            f"**{p.theme}** · {p.kind.label}: {excerpt(p.text)}",
            None,
            _remove(case, "learning", p.id) if removable else None,
        )
        for p in _latest(points)
    ]
    return _section("Learning", len(points), "No learning points yet.", rows)


def _recommendation_section(case: Case, recommendations: Sequence[Recommendation], *, removable: bool) -> Container:
    rows = [
        _row(
            f"{excerpt(r.text)} **({r.route.label})**",
            None,
            _remove(case, "recommendation", r.id) if removable else None,
        )
        for r in _latest(recommendations)
    ]
    return _section("Recommendations", len(recommendations), "No recommendations yet.", rows)


def _action_section(case: Case, items: Sequence[OutcomeAction], *, removable: bool) -> Container:
    rows = [
        _row(
            excerpt(a.description),
            f"Owner: {a.owner.name} · due {day(a.due)} · {a.priority.label} priority\n\n"
            f"{a.theme} · {a.route.label} · {a.status.label}",
            _remove(case, "action", a.id) if removable else None,
        )
        for a in _latest(items)
    ]
    return _section("Actions", len(items), "No actions yet.", rows)


def _row(text: str, detail: str | None, remove: Action | None) -> Container:
    """One item: its text, any detail in small print, and its Remove button."""
    items: list[CardElement] = [TextBlock(text=text, wrap=True)]
    if detail:
        items.append(TextBlock(text=detail, wrap=True, size="Small", is_subtle=True, spacing="None"))
    if remove is not None:
        items.append(actions(remove))
    return Container(separator=True, items=items)


def _remove(case: Case, kind: str, item_id: int | None) -> Action | None:
    if item_id is None:
        return None
    return verb("Remove", REMOVE_ITEM_VERB, {"caseId": case.id, "kind": kind, "itemId": item_id})


# --- The three forms, folded -------------------------------------------------------------------------------------


def _fold(title: str, body: list[CardElement], submit: Action | None) -> ShowCardAction:
    return ShowCardAction(
        title=title,
        card=AdaptiveCard(version=CARD_VERSION, body=body, actions=[submit] if submit is not None else None),
    )


def _themes(name: str, label: str, values: Mapping[str, object]) -> ChoiceSetInput:
    return ChoiceSetInput(
        id=name,
        label=label,
        style="compact",
        placeholder="Choose the theme",
        choices=[Choice(title=theme, value=theme) for theme in DEFAULT_THEMES],
        value=field_value(values, name),
    )


def _routes(name: str, label: str, values: Mapping[str, object]) -> ChoiceSetInput:
    return ChoiceSetInput(
        id=name,
        label=label,
        style="expanded",
        choices=[
            Choice(title="In force", value=Route.IN_FORCE.value),
            Choice(
                title="Partnership route (through existing partnership arrangements)", value=Route.PARTNERSHIP.value
            ),
        ],
        value=field_value(values, name),
    )


def _learning_form(errors: Mapping[str, str], values: Mapping[str, object]) -> list[CardElement]:
    return [
        paragraph(
            "One point at a time: what the debrief found, about how agencies worked, not about any one person.",
            subtle=True,
        ),
        _themes("learningTheme", "Theme", values),
        *field_error(errors.get("learningTheme")),
        ChoiceSetInput(
            id="learningKind",
            label="Is this a gap or good practice?",
            style="expanded",
            choices=[
                Choice(title="Gap: something that could work better", value=LearningKind.GAP.value),
                Choice(title="Good practice: something worth repeating", value=LearningKind.GOOD_PRACTICE.value),
            ],
            value=field_value(values, "learningKind"),
        ),
        *field_error(errors.get("learningKind")),
        TextInput(
            id="learningText",
            label="What was learnt",
            is_multiline=True,
            max_length=MAX_TEXT,
            placeholder="For example: the repeat call was not linked to the earlier reports, so the risk was not "
            "looked at again",
            value=field_value(values, "learningText"),
        ),
        *field_error(errors.get("learningText")),
    ]


def _recommendation_form(errors: Mapping[str, str], values: Mapping[str, object]) -> list[CardElement]:
    return [
        TextInput(
            id="recommendationText",
            label="Recommendation",
            is_multiline=True,
            max_length=MAX_TEXT,
            placeholder="What should change, and where",
            value=field_value(values, "recommendationText"),
        ),
        *field_error(errors.get("recommendationText")),
        _routes("recommendationRoute", "How is it taken forward?", values),
        *field_error(errors.get("recommendationRoute")),
    ]


def _action_form(
    owners: Mapping[str, Person], errors: Mapping[str, str], values: Mapping[str, object]
) -> list[CardElement]:
    body: list[CardElement] = [
        Container(
            style="warning",
            items=[
                TextBlock(
                    text="No names, and no people from the case (no 'Victim A' or 'Suspect B'), in the description: "
                    "the owner is sent the action on its own, without the case.",
                    wrap=True,
                    weight="Bolder",
                )
            ],
        ),
        TextInput(
            id="actionDescription",
            label="What is to be done",
            is_multiline=True,
            max_length=MAX_ACTION,
            placeholder="For example: remind call handlers to check for earlier domestic abuse reports",
            value=field_value(values, "actionDescription"),
        ),
        *field_error(errors.get("actionDescription")),
    ]
    if owners:
        body.append(
            ChoiceSetInput(
                id="actionOwnerId",
                label="Owner",
                style="compact",
                placeholder="Choose the owner",
                choices=[Choice(title=p.name, value=uid) for uid, p in sorted(owners.items(), key=lambda o: o[1].name)],
                value=field_value(values, "actionOwnerId"),
            )
        )
    else:
        body.append(paragraph("Nobody in the directory can own an action yet, so none can be added.", subtle=True))
    body += [
        *field_error(errors.get("actionOwnerId")),
        NumberInput(
            id="actionDueWorkingDays",
            label="Due in how many working days?",
            min=1,
            max=MAX_DUE_WORKING_DAYS,
            placeholder=f"1 to {MAX_DUE_WORKING_DAYS}",
            value=_number(values, "actionDueWorkingDays"),
        ),
        *field_error(errors.get("actionDueWorkingDays")),
        ChoiceSetInput(
            id="actionPriority",
            label="Priority",
            style="compact",
            placeholder="Choose the priority",
            choices=[Choice(title=p.label, value=p.value) for p in Priority],
            value=field_value(values, "actionPriority"),
        ),
        *field_error(errors.get("actionPriority")),
        _themes("actionTheme", "Theme", values),
        *field_error(errors.get("actionTheme")),
        _routes("actionRoute", "How is it taken forward?", values),
        *field_error(errors.get("actionRoute")),
    ]
    return body


def _number(values: Mapping[str, object], name: str) -> float | None:
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


def _error_summary(errors: Mapping[str, str]) -> str:
    """Every error, with the folded form it belongs to named (the fold is closed when the card comes back)."""
    parts: list[str] = []
    for prefix, form in _FORMS:
        mine = [message for name, message in errors.items() if name.startswith(prefix)]
        if mine:
            parts.append(f'Under "{form}": ' + " ".join(mine))
    parts += [message for name, message in errors.items() if not any(name.startswith(prefix) for prefix, _ in _FORMS)]
    return " ".join(parts)


# --- The SIO, one to one -----------------------------------------------------------------------------------------


def sign_off_request(
    case: Case,
    outcome: Outcome,
    *,
    now: datetime,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
    message: str | None = None,
) -> Card:
    """Ask the SIO to approve the learning and actions for circulation; once answered, show the current state."""
    errors = errors or {}
    values = values or {}
    title = f"Sign-off: learning and actions for {case.case_number}"
    # The version goes with the answer, so the SIO approves exactly what they were shown.
    data: dict[str, Any] = {"caseId": case.id, "outcomeVersion": outcome.version}
    document = verb("Word document", LEARNING_DOCUMENT_VERB, {"caseId": case.id})
    body: list[CardElement] = [heading(title)]
    if message:
        body.append(notice(message, good=not errors))
    s = outcome.sign_off
    current = s is not None and s.outcome_version == outcome.version

    if s is None or (s.state is SignOffState.REQUESTED and not current):
        body += [
            notice(
                "The lead reviewer has changed the learning and actions since asking you. Nothing for you to do "
                "now: you will be asked again when it is ready."
            ),
        ]
        return build(*body, fallback_text=f"{title}: no longer waiting for you")
    if s.state is SignOffState.APPROVED:
        body.append(
            notice(
                f"Approved by {_answered_by(s, case.nomination.sio.name)} on {_answered_when(s)}: circulated to the "
                "attendees of the debrief meeting.",
                good=True,
            )
        )
        if not current:
            body.append(paragraph("It has changed since: you will be asked to sign off the changes.", subtle=True))
        body.append(actions(document))
        return build(*body, fallback_text=f"{title}: approved")
    if s.state is SignOffState.CHANGES_REQUESTED:
        body += [
            notice(f"You asked for changes on {_answered_when(s)}:"),
            Container(style="emphasis", items=[TextBlock(text=s.comment or "No comment given.", wrap=True)]),
            paragraph(
                "The lead reviewer has been told. You will be asked again when the changes are made.", subtle=True
            ),
        ]
        return build(*body, fallback_text=f"{title}: changes requested")

    # Open: the ask.
    body.append(
        paragraph(
            f"{s.requested_by.name}, the lead reviewer, asks you as SIO to approve the learning and actions from the "
            f"rapid debrief for circulation to the attendees of the debrief meeting. Nothing is circulated before "
            f"you approve. Asked on {when(s.requested_at)}."
        )
    )
    if errors:
        folded = [f'Under "{REQUEST_CHANGES}": {errors["signOffComment"]}'] if "signOffComment" in errors else []
        others = [m for name, m in errors.items() if name != "signOffComment"]
        body.append(notice(" ".join([*folded, *others])))
    body += [
        facts(_count_facts(outcome)),
        *_summary(outcome),
        paragraph(
            "Read it in full in the Word document, sent to you one to one. Approving it circulates it; any later "
            "change comes back to you.",
            subtle=True,
        ),
        actions(
            document,
            verb("Approve", APPROVE_VERB, data, style="positive"),
            ShowCardAction(
                title=REQUEST_CHANGES,
                card=AdaptiveCard(
                    version=CARD_VERSION,
                    body=[
                        TextInput(
                            id="signOffComment",
                            label="What should change? (the lead reviewer sees this)",
                            is_multiline=True,
                            is_required=True,
                            error_message="Say what should change.",
                            max_length=MAX_COMMENT,
                            value=field_value(values, "signOffComment"),
                        ),
                        *field_error(errors.get("signOffComment")),
                    ],
                    actions=[verb("Send the request for changes", REQUEST_CHANGES_VERB, data)],
                ),
            ),
        ),
    ]
    return build(*body, fallback_text=f"{title}: please approve or request changes")


def _summary(outcome: Outcome) -> list[CardElement]:
    """The learning points, recommendations and actions, one line each (the Word document has them in full)."""
    parts: list[CardElement] = []
    sections: list[tuple[str, list[str]]] = [
        ("Learning", [f"**{p.theme}** · {p.kind.label}: {excerpt(p.text)}" for p in outcome.learning]),
        ("Recommendations", [f"{excerpt(r.text)} ({r.route.label})" for r in outcome.recommendations]),
        (
            "Actions",
            [
                f"{excerpt(a.description)} ({a.owner.name}, due {day(a.due)}, {a.priority.label.lower()} priority)"
                for a in outcome.actions
            ],
        ),
    ]
    for title, lines in sections:
        if not lines:
            continue
        shown = lines[:MAX_SUMMARY_ITEMS]
        more = f"\n\nand {len(lines) - len(shown)} more: see the Word document." if len(lines) > len(shown) else ""
        parts.append(
            Container(
                separator=True,
                items=[
                    paragraph(
                        f"**{title}**\n\n" + "\n\n".join(f"{n}. {line}" for n, line in enumerate(shown, 1)) + more
                    )
                ],
            )
        )
    return parts


# --- The attendees, one to one, and the case thread ----------------------------------------------------------------


def outcome_circulated(case: Case, outcome: Outcome) -> Card:
    """The approved learning and actions, announced to an attendee: the case number and counts, nothing else."""
    title = f"Learning and actions for {case.case_number}"
    approved = outcome.sign_off.answered_at if outcome.sign_off is not None else None
    on = f" on {when(approved)}" if approved is not None else ""
    return build(
        heading(title),
        paragraph(
            f"The learning and actions from the rapid debrief {case.case_number}, whose meeting you were invited to, "
            f"have been approved by the senior investigating officer (SIO){on}. They are for learning, not blame."
        ),
        facts(_count_facts(outcome)),
        notice(_HANDLING),
        paragraph("Ask for the Word document to read them: it is sent to you here, one to one.", subtle=True),
        actions(verb("Word document", LEARNING_DOCUMENT_VERB, {"caseId": case.id}, style="positive")),
        fallback_text=f"{title}: approved",
    )


def changes_requested(case: Case, outcome: Outcome) -> Card:
    """In the case thread: the SIO wants changes before the learning and actions are circulated."""
    title = f"The SIO asks for changes: learning and actions for {case.case_number}"
    s = outcome.sign_off
    if s is not None and s.state is SignOffState.CHANGES_REQUESTED:
        by = _answered_by(s, case.nomination.sio.name)
        said = [
            paragraph(f"{by} asked for changes on {_answered_when(s)}:"),
            Container(
                style="attention",
                items=[TextBlock(text=s.comment or "No comment given.", wrap=True, weight="Bolder", size="Medium")],
            ),
        ]
    else:
        said = [paragraph("The SIO's answer has changed since: open the learning and actions to see where it stands.")]
    return build(
        heading(title),
        *said,
        paragraph("Nothing has been circulated. Make the changes, then ask the SIO to sign off again.", subtle=True),
        actions(verb("Open the learning and actions", OPEN_OUTCOME_VERB, {"caseId": case.id}, style="positive")),
        fallback_text=f"{case.case_number}: the SIO asks for changes to the learning and actions",
    )


# --- Shared wording ----------------------------------------------------------------------------------------------


def _count_facts(outcome: Outcome) -> list[tuple[str, str]]:
    gaps = sum(1 for p in outcome.learning if p.kind is LearningKind.GAP)
    good = len(outcome.learning) - gaps
    return [
        ("Learning points", f"{len(outcome.learning)} ({gaps} {_plural(gaps, 'gap')}, {good} good practice)"),
        ("Recommendations", str(len(outcome.recommendations))),
        ("Actions", str(len(outcome.actions))),
    ]


def _counts(outcome: Outcome) -> str:
    n, r, a = len(outcome.learning), len(outcome.recommendations), len(outcome.actions)
    return f"{n} learning {_plural(n, 'point')}, {r} {_plural(r, 'recommendation')}, {a} {_plural(a, 'action')}"


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def day(value: date) -> str:
    """'Fri 04 Dec 2026'."""
    return f"{value:%a %d %b %Y}"


def excerpt(text: str, limit: int = ITEM_CHARS) -> str:
    """The text on one line, cut at a word to about `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,.;:") + "…"
