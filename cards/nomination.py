"""The nomination form, and what the nominator sees once it is in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from microsoft_teams.cards.core import CardElement, Choice, ChoiceSetInput, DateInput, TextInput, TimeInput

from cards.common import (
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
from debrief.model import Case, Harm, IncidentContext, NominationRules, OffenceType, Person

SUBMIT_VERB = "nomination.submit"


def nomination_form(
    *,
    sios: Mapping[str, Person],
    rules: NominationRules,
    today: date,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The form; after a bad submission it comes back with what was typed and a message per wrong field."""
    values = values or {}
    errors = errors or {}

    def value(name: str) -> str | None:
        return field_value(values, name)

    def field(element: TextInput | DateInput | TimeInput | ChoiceSetInput) -> list[CardElement]:
        """The input, then its error message (if any) right under it."""
        assert element.id is not None
        return [element, *field_error(errors.get(element.id))]

    max_date = today.isoformat()
    body: list[CardElement] = [
        heading("Nominate a case for a rapid debrief"),
        paragraph(
            "A rapid debrief looks for learning after a homicide or a near miss, so that future harm can be "
            "prevented. It is about learning, not blame. Tell the review team about the incident; they will "
            "decide within one working day whether a debrief goes ahead."
        ),
    ]
    if errors:
        body.append(
            notice(
                f"Please check {len(errors)} field{'s' if len(errors) != 1 else ''} below. Nothing has been saved yet."
            )
        )
    body += [
        *field(
            TextInput(
                id="incidentReference",
                label="Crime or incident reference",
                placeholder=f"For example CR/123456/26 ({rules.reference_hint})",
                max_length=40,
                value=value("incidentReference"),
            )
        ),
        *field(
            TextInput(
                id="operationName",
                label="Operation name (if any)",
                placeholder="For example Operation Kestrel",
                max_length=rules.max_operation_name,
                value=value("operationName"),
            )
        ),
        *field(DateInput(id="incidentDate", label="Date of the incident", max=max_date, value=value("incidentDate"))),
        *field(TimeInput(id="incidentTime", label="Time of the incident (best estimate)", value=value("incidentTime"))),
        *field(
            ChoiceSetInput(
                id="offenceType",
                label="Offence type",
                style="compact",
                placeholder="Choose the offence type",
                choices=[Choice(title=o.label, value=o.value) for o in OffenceType],
                value=value("offenceType"),
            )
        ),
        *field(
            ChoiceSetInput(
                id="context",
                label="Domestic or non-domestic",
                style="expanded",
                choices=[Choice(title=c.label, value=c.value) for c in IncidentContext],
                value=value("context"),
            )
        ),
        *field(
            ChoiceSetInput(
                id="harm",
                label="Homicide or near miss",
                style="expanded",
                choices=[Choice(title=h.label, value=h.value) for h in Harm],
                value=value("harm"),
            )
        ),
        *field(
            TextInput(
                id="policingArea",
                label="Policing area",
                placeholder="For example North District",
                max_length=rules.max_policing_area,
                value=value("policingArea"),
            )
        ),
        *field(DateInput(id="dmmDate", label="Daily management meeting date", max=max_date, value=value("dmmDate"))),
        *field(
            ChoiceSetInput(
                id="sioId",
                label="Senior investigating officer (SIO)",
                style="compact",
                placeholder="Choose the SIO",
                choices=[Choice(title=p.name, value=p.user_id) for p in sorted(sios.values(), key=lambda p: p.name)],
                value=value("sioId"),
            )
        ),
        *field(
            TextInput(
                id="scopeReason",
                label="Why is this incident in scope?",
                placeholder="What happened and what earlier contact there may have been. No witness accounts.",
                is_multiline=True,
                max_length=rules.max_scope_reason,
                value=value("scopeReason"),
            )
        ),
        paragraph(
            "Record people by role only (for example Victim A, Suspect B). Do not include witness accounts: "
            "this debrief runs alongside the criminal investigation and its records may be disclosable.",
            subtle=True,
        ),
        actions(verb("Submit nomination", SUBMIT_VERB, style="positive")),
    ]
    return build(*body, fallback_text="Nominate a case for a rapid debrief")


def nomination_received(case: Case, *, triage_due: date) -> Card:
    """Shown in place of the form once the case exists."""
    n = case.nomination
    return build(
        heading(f"Thank you: case {case.case_number} is with the review team"),
        notice("Your nomination has been saved.", good=True),
        paragraph(
            "The review team will decide whether a rapid debrief goes ahead and will let you know here. "
            f"They aim to decide by {triage_due.strftime('%a %d %b %Y')}."
        ),
        facts(
            [
                ("Case", case.case_number),
                ("Incident reference", n.incident_reference),
                ("Incident", when(n.incident_at)),
                ("Offence", f"{n.offence_type.label}, {n.context.label.lower()}, {n.harm.label.lower()}"),
                ("SIO", n.sio.name),
                ("Status", case.status.label),
            ]
        ),
        fallback_text=f"Case {case.case_number} nominated",
    )
