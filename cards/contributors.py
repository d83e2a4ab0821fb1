"""Inviting chronology contributors: the card in the case thread, and the one-to-one invitation."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards.core import CardElement, Choice, ChoiceSetInput, Container

from cards.chronology import MY_ENTRIES_VERB, OPEN_ENTRY_VERB, VIEW_CHRONOLOGY_VERB
from cards.common import (
    Card,
    actions,
    build,
    facts,
    field_error,
    field_value,
    heading,
    notice,
    numbered,
    paragraph,
    verb,
    when,
)
from debrief.consent import ConsentAnswer, ConsentRecord
from debrief.contributors import Contributor
from debrief.model import Case, Person
from debrief.parameters import ParametersRevision

INVITE_VERB = "contributors.invite"


def contributors_card(
    case: Case,
    contributors: list[Contributor],
    *,
    officers: Mapping[str, Person],
    message: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """Who has been asked to add to the chronology, and the lead reviewer's form to ask more."""
    errors = errors or {}
    invited = {c.person.user_id for c in contributors}
    body: list[CardElement] = [
        heading(f"Chronology contributors for {case.case_number}"),
        paragraph(
            "Officers with knowledge of the incident add what they know from chat, without extra meetings. Each gets "
            "a one-to-one message with the parameters they need and a deadline of five working days."
        ),
    ]
    if message:
        body.append(notice(message, good=not errors))
    if contributors:
        body.append(
            facts(
                [(c.person.name, f"invited {when(c.invited_at)}, due {c.deadline:%a %d %b %Y}") for c in contributors]
            )
        )
    else:
        body.append(notice("No one has been invited yet."))
    choices = [
        Choice(title=p.name, value=p.user_id)
        for p in sorted(officers.values(), key=lambda p: p.name)
        if p.user_id not in invited
    ]
    if choices:
        body.append(
            Container(
                separator=True,
                items=[
                    ChoiceSetInput(
                        id="contributorIds",
                        label="Officers to invite (the lead reviewer only)",
                        is_multi_select=True,
                        style="expanded",
                        choices=choices,
                        value=field_value(values or {}, "contributorIds"),
                    ),
                    *field_error(errors.get("contributorIds")),
                    actions(verb("Invite", INVITE_VERB, {"caseId": case.id}, style="positive")),
                ],
            )
        )
    if contributors:
        body.append(
            Container(
                separator=True,
                items=[
                    paragraph("The review team sees everyone's entries merged in time order, to verify and lock."),
                    actions(verb("Open the chronology", VIEW_CHRONOLOGY_VERB, {"caseId": case.id, "page": 1})),
                ],
            )
        )
    return build(*body, fallback_text=f"Chronology contributors for {case.case_number}")


def invitation(
    case: Case, contributor: Contributor, parameters: ParametersRevision | None, consent: ConsentRecord | None
) -> Card:
    """The ask, in the learning spirit, with the parameters the officer needs and nothing more."""
    body: list[CardElement] = [
        heading(f"Could you help the rapid debrief on {case.nomination.incident_reference}?"),
        paragraph(
            f"{contributor.invited_by.name} is leading a rapid debrief ({case.case_number}). It looks for learning "
            "that could prevent future harm, not for fault. You were involved in earlier contact, so what you know "
            "helps: please add each relevant contact to the chronology from chat. No extra meetings are needed."
        ),
        facts([("Case", case.case_number), ("Please add what you know by", f"{contributor.deadline:%a %d %b %Y}")]),
    ]
    if parameters is not None:
        p = parameters.parameters
        body += [
            facts(
                [
                    ("Period", f"{p.look_back_from:%d %b %Y} to {p.look_back_to:%d %b %Y}"),
                    ("People, by role", ", ".join(p.subjects)),
                ]
            ),
            numbered("Questions the debrief asks", p.questions),
        ]
    if consent is not None and consent.answer is ConsentAnswer.CONSENT_WITH_CONDITIONS:
        body.append(notice(f"The SIO's conditions, which you must follow: {consent.text}"))
    body.append(
        paragraph(
            "Record facts and what was done, and people by role only. Do not include witness accounts: this runs "
            "alongside the criminal investigation and what you write may be disclosable.",
            subtle=True,
        )
    )
    data = {"caseId": case.id}
    body.append(
        actions(
            verb("Add an entry", OPEN_ENTRY_VERB, data, style="positive"),
            verb("My entries", MY_ENTRIES_VERB, data),
        )
    )
    return build(*body, fallback_text=f"Rapid debrief {case.case_number}: could you help?")
