"""The parameters card in the case thread: what the debrief looks at, and the form to revise it."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards.core import CardElement, Choice, ChoiceSetInput, Container, DateInput, TextInput

from cards.common import Card, actions, build, facts, field_error, heading, notice, numbered, paragraph, verb, when
from debrief.model import LONDON, Case
from debrief.parameters import AGENCIES, SUBJECT_ROLES, ParallelProcess, ParametersRevision

SET_PARAMETERS_VERB = "parameters.set"


def parameters_card(
    case: Case,
    latest: ParametersRevision | None,
    *,
    message: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """Everyone in the thread sees the current parameters; only the lead reviewer's save is accepted."""
    errors = errors or {}
    lead = case.lead_reviewer.name if case.lead_reviewer else "the lead reviewer"
    body: list[CardElement] = [
        heading(f"Parameters for {case.case_number}"),
        paragraph(
            f"{lead} sets what this debrief looks at: the period, the people by role only, the agencies, the key "
            "questions, and the reviews it runs alongside. Chronology contributors see what they need of these."
        ),
    ]
    if message:
        body.append(notice(message, good=not errors))
    if latest is None:
        body.append(notice("No parameters yet."))
    else:
        p = latest.parameters
        processes = ", ".join(x.label for x in sorted(p.parallel_processes)) or "None recorded"
        body += [
            facts(
                [
                    ("Look-back", f"{p.look_back_from:%d %b %Y} to {p.look_back_to:%d %b %Y}"),
                    ("Subjects", ", ".join(p.subjects)),
                    ("Agencies", ", ".join(p.agencies)),
                    ("Parallel processes", processes),
                    ("Revision", f"{latest.revision}, by {latest.set_by.name} on {when(latest.set_at)}"),
                    ("Changed", ", ".join(latest.changed)),
                ]
            ),
            numbered("Key questions", p.questions),
        ]
    body.append(_form(case, latest, errors=errors, values=values or {}))
    return build(*body, fallback_text=f"Parameters for {case.case_number}")


def _form(
    case: Case, latest: ParametersRevision | None, *, errors: Mapping[str, str], values: Mapping[str, object]
) -> Container:
    current = latest.parameters if latest else None
    incident_day = case.nomination.incident_at.astimezone(LONDON).date()

    def value(name: str, default: str | None) -> str | None:
        raw = values.get(name)
        return raw if isinstance(raw, str) else default

    def field(element: TextInput | DateInput | ChoiceSetInput) -> list[CardElement]:
        assert element.id is not None
        return [element, *field_error(errors.get(element.id))]

    return Container(
        separator=True,
        items=[
            paragraph("**Set or revise the parameters** (the lead reviewer only)"),
            *field(
                DateInput(
                    id="lookBackFrom",
                    label="Look back from",
                    max=incident_day.isoformat(),
                    value=value("lookBackFrom", current.look_back_from.isoformat() if current else None),
                )
            ),
            *field(
                DateInput(
                    id="lookBackTo",
                    label="Look back to (empty: the incident date)",
                    max=incident_day.isoformat(),
                    value=value("lookBackTo", current.look_back_to.isoformat() if current else None),
                )
            ),
            *field(
                TextInput(
                    id="subjects",
                    label=f"Subjects, one per line, by role and letter ({', '.join(SUBJECT_ROLES)})",
                    placeholder="Victim A\nSuspect B",
                    is_multiline=True,
                    max_length=500,
                    value=value("subjects", "\n".join(current.subjects) if current else None),
                )
            ),
            *field(
                ChoiceSetInput(
                    id="agencies",
                    label="Agencies in scope",
                    is_multi_select=True,
                    style="expanded",
                    choices=[Choice(title=a, value=a) for a in AGENCIES],
                    value=value("agencies", ",".join(current.agencies) if current else "Police"),
                )
            ),
            *field(
                TextInput(
                    id="questions",
                    label="Key questions, one per line",
                    placeholder="Were earlier reports of coercive control risk-assessed?",
                    is_multiline=True,
                    max_length=3500,
                    value=value("questions", "\n".join(current.questions) if current else None),
                )
            ),
            *field(
                ChoiceSetInput(
                    id="parallelProcesses",
                    label="Parallel processes this debrief must not pre-empt",
                    is_multi_select=True,
                    style="expanded",
                    choices=[Choice(title=x.label, value=x.value) for x in ParallelProcess],
                    value=value(
                        "parallelProcesses",
                        ",".join(sorted(x.value for x in current.parallel_processes)) if current else None,
                    ),
                )
            ),
            actions(verb("Save parameters", SET_PARAMETERS_VERB, {"caseId": case.id}, style="positive")),
        ],
    )
