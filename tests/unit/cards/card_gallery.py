"""Every card the project builds, in each of its states: the schema test walks this list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.verbs import message_card
from cards.common import Card
from cards.consent import consent_recorded, consent_request
from cards.contributors import contributors_card, invitation
from cards.help import help_card
from cards.nomination import nomination_form, nomination_received
from cards.parameters import parameters_card
from cards.triage import answer_sent, triage_card, triage_outcome_for_nominator
from debrief.consent import ConsentAnswer, ConsentRecord
from debrief.contributors import Contributor
from debrief.model import (
    Case,
    CaseStatus,
    Harm,
    IncidentContext,
    Nomination,
    NominationRules,
    OffenceType,
    TriageDecision,
    TriageOutcome,
)
from debrief.parameters import ParametersRevision, parse_parameters
from debrief.permissions import Role
from tests.support.forms import parameters_form
from tests.support.people import DIRECTORY, JORDAN, OWEN, PRIYA, RUTH

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
DUE = date(2026, 11, 27)
REVIEW_TEAM = DIRECTORY.people_with(Role.REVIEW_TEAM)


def a_case(status: CaseStatus = CaseStatus.NOMINATED) -> Case:
    nomination = Nomination(
        incident_reference="CR/100200/26",
        operation_name="Operation Kestrel",
        incident_at=NOW - timedelta(days=6),
        offence_type=OffenceType.ATTEMPTED_MURDER,
        context=IncidentContext.DOMESTIC,
        harm=Harm.NEAR_MISS,
        policing_area="North District",
        dmm_date=date(2026, 11, 21),
        scope_reason="Victim A had three domestic abuse reports in the past year.",
        sio=RUTH,
    )
    case = Case(nomination=nomination, nominator=JORDAN, nominated_at=NOW, case_number="RD-2026-0001", id=1)
    decided = NOW + timedelta(hours=2)
    decision = {
        CaseStatus.ACCEPTED: TriageDecision(TriageOutcome.ACCEPT, PRIYA, decided, lead_reviewer=OWEN),
        CaseStatus.DECLINED: TriageDecision(TriageOutcome.DECLINE, PRIYA, decided, reason="Outside scope."),
        CaseStatus.MERGED: TriageDecision(TriageOutcome.MERGE, PRIYA, decided, merged_into_case_number="RD-2026-0002"),
        CaseStatus.INFORMATION_REQUESTED: TriageDecision(
            TriageOutcome.REQUEST_INFORMATION, PRIYA, decided, reason="Was MARAC involved?"
        ),
    }.get(status)
    if decision is not None:
        case.decisions.append(decision)
        case.status = status
        case.lead_reviewer = decision.lead_reviewer
    return case


def every_card() -> dict[str, Card]:
    sios = DIRECTORY.people_with(Role.SIO)
    rules = NominationRules()
    cards: dict[str, Card] = {
        "help": help_card(),
        "message": message_card("Not found", "That case no longer exists."),
        "nomination form": nomination_form(sios=sios, rules=rules, today=NOW.date()),
        "nomination form with errors": nomination_form(
            sios=sios,
            rules=rules,
            today=NOW.date(),
            values={"incidentReference": "CR/1", "harm": "near_miss", "scopeReason": "short"},
            errors={"incidentReference": "Use the force's reference format.", "scopeReason": "Say more."},
        ),
        "nomination received": nomination_received(a_case(), triage_due=DUE),
        "triage with errors": triage_card(
            a_case(),
            review_team=REVIEW_TEAM,
            triage_due=DUE,
            message="Nothing has been decided yet.",
            errors={"declineReason": "Give the reason."},
        ),
    }
    answered = a_case(CaseStatus.INFORMATION_REQUESTED)
    answered.answer_information_request(
        TriageDecision(TriageOutcome.INFORMATION_PROVIDED, JORDAN, NOW + timedelta(hours=3), reason="Yes, in March.")
    )
    cards["triage with an answer"] = triage_card(answered, review_team=REVIEW_TEAM, triage_due=DUE)
    cards["answer sent"] = answer_sent(answered)
    cards["question with errors"] = triage_outcome_for_nominator(
        a_case(CaseStatus.INFORMATION_REQUESTED), errors={"answer": "Write your answer."}, values={"answer": " "}
    )
    accepted = a_case(CaseStatus.ACCEPTED)
    revision = ParametersRevision(
        revision=2,
        parameters=parse_parameters(parameters_form(), case=accepted),
        set_by=OWEN,
        set_at=NOW + timedelta(days=1),
        changed=("subjects", "questions"),
    )
    cards["parameters, none yet"] = parameters_card(accepted, None)
    cards["parameters"] = parameters_card(accepted, revision, message="Saved as revision 2.")
    cards["parameters with errors"] = parameters_card(
        accepted,
        revision,
        message="Nothing has been saved.",
        errors={"subjects": "By role only."},
        values={"subjects": "Victim A", "agencies": "Police"},
    )
    not_yet = ConsentRecord(ConsentAnswer.NOT_YET, RUTH, NOW, "Charging decision due on Friday.")
    given = ConsentRecord(ConsentAnswer.CONSENT_WITH_CONDITIONS, RUTH, NOW, "No contact with the family.")
    cards["consent request"] = consent_request(accepted, None, due=DUE)
    cards["consent request, not yet, with errors"] = consent_request(
        accepted, not_yet, due=DUE, errors={"conditions": "Say the conditions."}, values={"conditions": " "}
    )
    cards["consent request, answered"] = consent_request(accepted, given, due=DUE)
    cards["consent recorded"] = consent_recorded(accepted, given)
    contributor = Contributor(JORDAN, OWEN, NOW, DUE)
    cards["contributors, none yet"] = contributors_card(accepted, [], officers=DIRECTORY.officers())
    cards["contributors with errors"] = contributors_card(
        accepted,
        [contributor],
        officers=DIRECTORY.officers(),
        message="Nobody has been invited.",
        errors={"contributorIds": "Choose officers from the list."},
    )
    cards["invitation with conditions"] = invitation(accepted, contributor, revision, given)
    cards["invitation before parameters"] = invitation(accepted, contributor, None, None)
    for status in CaseStatus:
        cards[f"triage {status.value}"] = triage_card(a_case(status), review_team=REVIEW_TEAM, triage_due=DUE)
        if status is not CaseStatus.NOMINATED:
            cards[f"outcome {status.value}"] = triage_outcome_for_nominator(a_case(status))
    return cards
