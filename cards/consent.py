"""The SIO's consent card (one to one) and the note of the answer in the case thread."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from microsoft_teams.cards.core import CardElement, Container, TextInput

from cards.common import Card, actions, build, facts, field_error, field_value, heading, notice, paragraph, verb, when
from debrief.consent import ConsentAnswer, ConsentRecord
from debrief.model import Case

CONSENT_VERB = "consent.give"
CONSENT_WITH_CONDITIONS_VERB = "consent.give_with_conditions"
NOT_YET_VERB = "consent.not_yet"


def consent_request(
    case: Case,
    latest: ConsentRecord | None,
    *,
    due: date,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """What the SIO sees: the case in brief, what consent means, and the three answers."""
    errors = errors or {}
    values = values or {}
    n = case.nomination
    lead = case.lead_reviewer.name if case.lead_reviewer else "the lead reviewer"
    body: list[CardElement] = [
        heading(f"{case.case_number}: may the debrief collect its chronology?"),
        paragraph(
            f"The review team will hold a rapid debrief on {n.incident_reference}, led by {lead}. It looks for "
            "learning, alongside your investigation: officers with knowledge of earlier contacts will add what "
            "they know. Nothing is collected until you consent, and nothing is circulated outside the review team "
            "until you sign it off."
        ),
        facts(
            [
                ("Case", case.case_number),
                ("Incident reference", n.incident_reference),
                ("Please answer by", due.strftime("%a %d %b %Y")),
            ]
        ),
    ]
    if latest is not None:
        body.append(notice(consent_summary(latest), good=latest.answer.allows_collection))
        if latest.answer.allows_collection:
            return build(*body, fallback_text=f"{case.case_number}: {latest.answer.label}")
    data = {"caseId": case.id}
    body += [
        Container(separator=True, items=[actions(verb("Consent", CONSENT_VERB, data, style="positive"))]),
        Container(
            separator=True,
            items=[
                TextInput(
                    id="conditions",
                    label="Conditions for contributors (shown to each of them)",
                    is_multiline=True,
                    max_length=2000,
                    value=field_value(values, "conditions"),
                ),
                *field_error(errors.get("conditions")),
                actions(verb("Consent with conditions", CONSENT_WITH_CONDITIONS_VERB, data)),
            ],
        ),
        Container(
            separator=True,
            items=[
                TextInput(
                    id="notYetReason",
                    label="Why not yet (the review team will see this)",
                    is_multiline=True,
                    max_length=2000,
                    value=field_value(values, "notYetReason"),
                ),
                *field_error(errors.get("notYetReason")),
                actions(verb("Not yet", NOT_YET_VERB, data)),
            ],
        ),
    ]
    return build(*body, fallback_text=f"{case.case_number}: SIO consent requested")


def consent_summary(record: ConsentRecord) -> str:
    by = f"{record.by.name} on {when(record.at)}"
    match record.answer:
        case ConsentAnswer.CONSENT:
            return f"Consent given by {by}. Chronology collection can start."
        case ConsentAnswer.CONSENT_WITH_CONDITIONS:
            return f"Consent given with conditions by {by}. Conditions: {record.text}"
        case ConsentAnswer.NOT_YET:
            return f"Not yet, said {by}: {record.text} Chronology collection waits."


def consent_recorded(case: Case, record: ConsentRecord) -> Card:
    """The note in the case thread, so the lead reviewer knows whether collection can start."""
    return build(
        heading(f"{case.case_number}: SIO consent"),
        notice(consent_summary(record), good=record.answer.allows_collection),
        fallback_text=f"{case.case_number}: {record.answer.label}",
    )
