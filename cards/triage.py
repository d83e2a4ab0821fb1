"""The triage card in the review team's channel, and the outcome message to the nominator."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from microsoft_teams.cards.core import Action, CardElement, Choice, ChoiceSetInput, Container, TextInput

from cards.common import Card, actions, build, facts, field_error, field_value, heading, notice, paragraph, verb, when
from debrief.model import Case, CaseStatus, Person, TriageDecision, TriageOutcome

ACCEPT_VERB = "triage.accept"
DECLINE_VERB = "triage.decline"
MERGE_VERB = "triage.merge"
REQUEST_INFORMATION_VERB = "triage.request_information"
ANSWER_VERB = "nomination.answer_information_request"


def triage_card(
    case: Case,
    *,
    review_team: Mapping[str, Person],
    triage_due: date,
    message: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """The card everyone in the thread sees; `message` and `errors` are for the one person who pressed a button."""
    errors = errors or {}
    values = values or {}
    n = case.nomination
    body: list[CardElement] = [
        heading(f"Triage {case.case_number}: {incident_summary(case)}"),
        paragraph(
            f"Nominated by {case.nominator.name} on {when(case.nominated_at)}. "
            f"Triage is due by {triage_due.strftime('%a %d %b %Y')}."
        ),
        facts(
            [
                ("Incident reference", n.incident_reference),
                *([("Operation", n.operation_name)] if n.operation_name else []),
                ("Incident", when(n.incident_at)),
                ("Offence", n.offence_type.label),
                ("Domestic or non-domestic", n.context.label),
                ("Homicide or near miss", n.harm.label),
                ("Policing area", n.policing_area),
                ("Daily management meeting", n.dmm_date.strftime("%a %d %b %Y")),
                ("SIO", n.sio.name),
                ("Status", case.status.label),
            ]
        ),
        paragraph(f"**Why it is in scope:** {n.scope_reason}"),
    ]
    if message:
        body.append(notice(message))
    decision = case.final_decision
    if decision is not None:
        body.append(notice(decision_summary(decision), good=decision.outcome is TriageOutcome.ACCEPT))
        return build(*body, fallback_text=f"{case.case_number}: {case.status.label}")
    if (request := case.open_information_request) is not None:
        body.append(
            notice(
                f"{request.decided_by.name} asked the nominator for more information on "
                f"{when(request.decided_at)}: {request.reason}"
            )
        )
    if (answer := case.latest_answer) is not None:
        asked = case.decisions[-2] if len(case.decisions) > 1 else None
        if asked is not None:
            body.append(paragraph(f"**Asked:** {asked.reason}"))
        body.append(notice(decision_summary(answer), good=True))
    body += _decision_controls(case, review_team=review_team, errors=errors, values=values)
    return build(*body, fallback_text=f"Triage {case.case_number}")


def _decision_controls(
    case: Case, *, review_team: Mapping[str, Person], errors: Mapping[str, str], values: Mapping[str, object]
) -> list[CardElement]:
    data = {"caseId": case.id}
    team = sorted(review_team.values(), key=lambda p: p.name)
    return [
        _decision(
            "**Accept** and choose who leads the debrief",
            ChoiceSetInput(
                id="leadReviewerId",
                label="Lead reviewer",
                style="compact",
                placeholder="Choose the lead reviewer",
                choices=[Choice(title=p.name, value=p.user_id) for p in team],
                value=field_value(values, "leadReviewerId"),
            ),
            errors,
            verb("Accept", ACCEPT_VERB, data, style="positive"),
        ),
        _decision(
            "**Decline**: the nominator will see the reason",
            _text_input("declineReason", "Reason for declining", values),
            errors,
            verb("Decline", DECLINE_VERB, data),
        ),
        _decision(
            "**Merge** into a case that already covers this incident",
            _text_input("mergeInto", "Case number to merge into", values, multiline=False, placeholder="RD-2026-0001"),
            errors,
            verb("Merge", MERGE_VERB, data),
        ),
        _decision(
            "**Ask the nominator** for more information before deciding",
            _text_input("question", "What more do you need?", values),
            errors,
            verb("Ask for more information", REQUEST_INFORMATION_VERB, data),
        ),
    ]


def _decision(intro: str, field: TextInput | ChoiceSetInput, errors: Mapping[str, str], button: Action) -> Container:
    """One way to decide: what it means, the one field it needs, and its button."""
    assert field.id is not None
    return Container(
        separator=True,
        items=[paragraph(intro), field, *field_error(errors.get(field.id)), actions(button)],
    )


def _text_input(
    name: str, label: str, values: Mapping[str, object], *, multiline: bool = True, placeholder: str | None = None
) -> TextInput:
    return TextInput(
        id=name,
        label=label,
        is_multiline=multiline or None,
        max_length=2000 if multiline else 20,
        placeholder=placeholder,
        value=field_value(values, name),
    )


def incident_summary(case: Case) -> str:
    """'attempted murder, near miss, domestic': what the review team needs first, without repeating itself."""
    n = case.nomination
    parts = [n.offence_type.label.lower()]
    if n.harm.label.lower() not in parts:
        parts.append(n.harm.label.lower())
    parts.append(n.context.label.lower())
    return ", ".join(parts)


def decision_summary(decision: TriageDecision) -> str:
    by = f"{decision.decided_by.name} on {when(decision.decided_at)}"
    match decision.outcome:
        case TriageOutcome.ACCEPT:
            lead = decision.lead_reviewer.name if decision.lead_reviewer else "not named"
            return f"Accepted by {by}. Lead reviewer: {lead}."
        case TriageOutcome.DECLINE:
            return f"Declined by {by}. Reason: {decision.reason}"
        case TriageOutcome.MERGE:
            return f"Merged into {decision.merged_into_case_number} by {by}."
        case TriageOutcome.REQUEST_INFORMATION:
            return f"More information requested by {by}: {decision.reason}"
        case TriageOutcome.INFORMATION_PROVIDED:
            return f"{decision.decided_by.name} answered on {when(decision.decided_at)}: {decision.reason}"


def triage_outcome_for_nominator(
    case: Case, *, errors: Mapping[str, str] | None = None, values: Mapping[str, object] | None = None
) -> Card:
    """The nominator hears the outcome in the learning spirit: thanks first, no judgement of anyone."""
    latest = case.decisions[-1]
    ref = case.nomination.incident_reference
    answer_controls: list[CardElement] = []
    if case.status is CaseStatus.ACCEPTED:
        lead = case.lead_reviewer.name if case.lead_reviewer else "a review officer"
        title = f"{case.case_number} will have a rapid debrief"
        text = (
            f"Thank you for nominating {ref}. The review team has accepted it and {lead} will lead the debrief. "
            "The aim is to learn what could help prevent future harm, not to find fault. You may be asked to add "
            "what you know to the chronology."
        )
    elif case.status is CaseStatus.DECLINED:
        title = f"{case.case_number}: no rapid debrief this time"
        text = (
            f"Thank you for nominating {ref}. The review team has decided not to hold a rapid debrief. "
            f"Their reason: {latest.reason} Nominating was the right thing to do; please keep putting cases "
            "forward."
        )
    elif case.status is CaseStatus.MERGED:
        title = f"{case.case_number} joined {latest.merged_into_case_number}"
        text = (
            f"Thank you for nominating {ref}. The review team is already looking at this incident under "
            f"{latest.merged_into_case_number}, so your nomination has been added to that case."
        )
    else:
        title = f"{case.case_number}: the review team would like a little more information"
        text = f"Thank you for nominating {ref}. Before deciding, {latest.decided_by.name} asks: {latest.reason}"
        answer_controls = [
            TextInput(
                id="answer",
                label="Your answer for the review team",
                placeholder="What you know. No witness accounts.",
                is_multiline=True,
                max_length=2000,
                value=field_value(values or {}, "answer"),
            ),
            *field_error((errors or {}).get("answer")),
            actions(verb("Send to the review team", ANSWER_VERB, {"caseId": case.id}, style="positive")),
        ]
    return build(
        heading(title),
        paragraph(text),
        facts([("Case", case.case_number), ("Status", case.status.label)]),
        *answer_controls,
        fallback_text=title,
    )


def answer_sent(case: Case) -> Card:
    """Shown to the nominator in place of the question once their answer is in."""
    return build(
        heading(f"Thank you: your answer on {case.case_number} is with the review team"),
        notice("Your answer has been saved and added to the triage card.", good=True),
        paragraph("The review team will now decide whether a rapid debrief goes ahead, and will let you know here."),
        fallback_text=f"Answer on {case.case_number} sent",
    )
