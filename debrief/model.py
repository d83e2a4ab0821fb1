"""The case and its nomination: the records the debrief process keeps, and the rules that keep them sound."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from debrief.errors import DebriefError, InvalidInput, NotFound
from debrief.fields import choice, parse_date, parse_time

LONDON = ZoneInfo("Europe/London")


class OffenceType(StrEnum):
    HOMICIDE = "homicide"
    ATTEMPTED_MURDER = "attempted_murder"
    S18_GBH = "s18_gbh"
    OTHER_SERIOUS_VIOLENCE = "other_serious_violence"

    @property
    def label(self) -> str:
        return {
            OffenceType.HOMICIDE: "Homicide",
            OffenceType.ATTEMPTED_MURDER: "Attempted murder",
            OffenceType.S18_GBH: "Section 18 GBH",
            OffenceType.OTHER_SERIOUS_VIOLENCE: "Other serious violence",
        }[self]


class IncidentContext(StrEnum):
    DOMESTIC = "domestic"
    NON_DOMESTIC = "non_domestic"

    @property
    def label(self) -> str:
        return "Domestic" if self is IncidentContext.DOMESTIC else "Non-domestic"


class Harm(StrEnum):
    HOMICIDE = "homicide"
    NEAR_MISS = "near_miss"

    @property
    def label(self) -> str:
        return "Homicide" if self is Harm.HOMICIDE else "Near miss"


class CaseStatus(StrEnum):
    NOMINATED = "nominated"
    INFORMATION_REQUESTED = "information_requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    MERGED = "merged"

    @property
    def label(self) -> str:
        return {
            CaseStatus.NOMINATED: "Nominated",
            CaseStatus.INFORMATION_REQUESTED: "More information requested",
            CaseStatus.ACCEPTED: "Accepted",
            CaseStatus.DECLINED: "Declined",
            CaseStatus.MERGED: "Merged",
        }[self]

    @property
    def is_triaged(self) -> bool:
        """A final triage decision has been made; nothing else may be decided on the nomination."""
        return self in (CaseStatus.ACCEPTED, CaseStatus.DECLINED, CaseStatus.MERGED)


class TriageOutcome(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    MERGE = "merge"
    REQUEST_INFORMATION = "request_information"
    INFORMATION_PROVIDED = "information_provided"
    """The nominator's answer to a request for information: a step in triage, not a decision."""

    @property
    def is_final(self) -> bool:
        return self in (TriageOutcome.ACCEPT, TriageOutcome.DECLINE, TriageOutcome.MERGE)


@dataclass(frozen=True)
class Person:
    """Someone known to the directory, by Entra ID object id; names are for display only."""

    user_id: str
    name: str


@dataclass(frozen=True)
class NominationRules:
    """The limits a nomination is checked against; all are settings."""

    reference_pattern: str = r"[A-Z0-9][A-Z0-9/\-]{3,29}"
    reference_hint: str = "4 to 30 letters, digits, '/' or '-', for example CR/123456/26"
    max_operation_name: int = 60
    max_policing_area: int = 80
    max_scope_reason: int = 2000
    min_scope_reason: int = 20


@dataclass(frozen=True)
class Nomination:
    """What a nominating officer tells the review team; checked in full before anything is stored."""

    incident_reference: str
    operation_name: str | None
    incident_at: datetime
    offence_type: OffenceType
    context: IncidentContext
    harm: Harm
    policing_area: str
    dmm_date: date
    scope_reason: str
    sio: Person


NOMINATION_FIELDS = (
    "incidentReference",
    "operationName",
    "incidentDate",
    "incidentTime",
    "offenceType",
    "context",
    "harm",
    "policingArea",
    "dmmDate",
    "scopeReason",
    "sioId",
)


def normalise_reference(raw: str) -> str:
    return re.sub(r"\s+", "", raw).upper()


def parse_nomination(
    form: dict[str, object],
    *,
    now: datetime,
    rules: NominationRules,
    sios: dict[str, Person],
) -> Nomination:
    """Turn the nomination card's fields into a Nomination, or say what is wrong with each field."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    reference = normalise_reference(text("incidentReference"))
    if not reference:
        errors["incidentReference"] = "Enter the crime or incident reference."
    elif not re.fullmatch(rules.reference_pattern, reference):
        errors["incidentReference"] = f"Use the force's reference format: {rules.reference_hint}."

    operation_name = text("operationName") or None
    if operation_name and len(operation_name) > rules.max_operation_name:
        errors["operationName"] = f"Keep the operation name to {rules.max_operation_name} characters or fewer."

    local_now = now.astimezone(LONDON)
    incident_date = parse_date(text("incidentDate"))
    incident_time = parse_time(text("incidentTime"))
    incident_at: datetime | None = None
    if not text("incidentDate"):
        errors["incidentDate"] = "Enter the date of the incident."
    elif incident_date is None:
        errors["incidentDate"] = "Enter the incident date as a date, for example 2026-03-14."
    elif incident_date > local_now.date():
        errors["incidentDate"] = "The incident date cannot be in the future."
    if not text("incidentTime"):
        errors["incidentTime"] = "Enter the time of the incident (24-hour clock); use your best estimate."
    elif incident_time is None:
        errors["incidentTime"] = "Enter the incident time as hours and minutes, for example 21:30."
    if incident_date and incident_time and "incidentDate" not in errors:
        incident_at = datetime.combine(incident_date, incident_time, tzinfo=LONDON)
        if incident_at > local_now:
            errors["incidentTime"] = "The incident time cannot be in the future."

    offence_type = choice(OffenceType, text("offenceType"))
    if offence_type is None:
        errors["offenceType"] = "Choose the offence type."
    context = choice(IncidentContext, text("context"))
    if context is None:
        errors["context"] = "Choose domestic or non-domestic."
    harm = choice(Harm, text("harm"))
    if harm is None:
        errors["harm"] = "Choose homicide or near miss."

    policing_area = text("policingArea")
    if not policing_area:
        errors["policingArea"] = "Enter the policing area."
    elif len(policing_area) > rules.max_policing_area:
        errors["policingArea"] = f"Keep the policing area to {rules.max_policing_area} characters or fewer."

    dmm_date = parse_date(text("dmmDate"))
    if not text("dmmDate"):
        errors["dmmDate"] = "Enter the date of the daily management meeting that discussed the incident."
    elif dmm_date is None:
        errors["dmmDate"] = "Enter the meeting date as a date, for example 2026-03-15."
    elif dmm_date > local_now.date():
        errors["dmmDate"] = "The daily management meeting date cannot be in the future."
    elif incident_date is not None and "incidentDate" not in errors and dmm_date < incident_date:
        errors["dmmDate"] = "The daily management meeting cannot be before the incident."

    scope_reason = text("scopeReason")
    if not scope_reason:
        errors["scopeReason"] = "Say briefly why this incident is in scope for a rapid debrief."
    elif len(scope_reason) < rules.min_scope_reason:
        errors["scopeReason"] = (
            f"Give a little more detail (at least {rules.min_scope_reason} characters) so the review team can triage."
        )
    elif len(scope_reason) > rules.max_scope_reason:
        errors["scopeReason"] = f"Keep the reason to {rules.max_scope_reason} characters or fewer."

    sio = sios.get(text("sioId"))
    if not text("sioId"):
        errors["sioId"] = "Choose the senior investigating officer (SIO)."
    elif sio is None:
        errors["sioId"] = "Choose the SIO from the list; that person is not recorded as an SIO."

    if errors:
        raise InvalidInput(errors)
    assert incident_at and offence_type and context and harm and dmm_date and sio
    return Nomination(
        incident_reference=reference,
        operation_name=operation_name,
        incident_at=incident_at,
        offence_type=offence_type,
        context=context,
        harm=harm,
        policing_area=policing_area,
        dmm_date=dmm_date,
        scope_reason=scope_reason,
        sio=sio,
    )


@dataclass(frozen=True)
class TriageDecision:
    outcome: TriageOutcome
    decided_by: Person
    decided_at: datetime
    lead_reviewer: Person | None = None
    reason: str | None = None
    merged_into_case_number: str | None = None


class LegalHoldKind(StrEnum):
    """Why a case must be kept whatever its review says: erasure waits until the hold is lifted."""

    LIVE_PROCEEDINGS = "live_proceedings"
    STATUTORY_REVIEW = "statutory_review"

    @property
    def label(self) -> str:
        return "Live proceedings" if self is LegalHoldKind.LIVE_PROCEEDINGS else "Statutory review"


@dataclass(frozen=True)
class LegalHold:
    """A legal hold on a case (criminal proceedings or a statutory review still live): it blocks erasure."""

    kind: LegalHoldKind
    details: str
    placed_by: Person
    placed_at: datetime


@dataclass
class Case:
    """A nominated incident and where it stands in the debrief process."""

    nomination: Nomination
    nominator: Person
    nominated_at: datetime
    case_number: str = ""
    id: int | None = None
    status: CaseStatus = CaseStatus.NOMINATED
    lead_reviewer: Person | None = None
    decisions: list[TriageDecision] = field(default_factory=list)
    merged_into_id: int | None = None
    version: int = 1
    """Bumped by storage on every save; a stale version means someone else changed the case meanwhile."""
    closed_at: datetime | None = None
    """When the process finished with it (see debrief.retention): its retention review is counted from then."""
    review_due: date | None = None
    """When the information manager reviews whether it is still needed for a policing purpose (MoPI)."""
    legal_hold: LegalHold | None = None
    erased_at: datetime | None = None
    """Set on the tombstone left by erasure; storage refuses to read an erased case as a Case (CaseErased)."""

    @property
    def final_decision(self) -> TriageDecision | None:
        if not self.status.is_triaged:
            return None
        return next(d for d in reversed(self.decisions) if d.outcome.is_final)

    @property
    def open_information_request(self) -> TriageDecision | None:
        if self.status is not CaseStatus.INFORMATION_REQUESTED:
            return None
        return self.decisions[-1]

    @property
    def latest_answer(self) -> TriageDecision | None:
        """The nominator's answer to the review team's latest question, while triage is still open."""
        if self.status is not CaseStatus.NOMINATED or not self.decisions:
            return None
        latest = self.decisions[-1]
        return latest if latest.outcome is TriageOutcome.INFORMATION_PROVIDED else None

    def answer_information_request(self, answer: TriageDecision) -> None:
        """The nominator answers the review team's question; the nomination goes back to them to decide."""
        if self.status is not CaseStatus.INFORMATION_REQUESTED:
            state = self.status.label.lower()
            message = f"The review team has no open question on {self.case_number}: it is {state}."
            raise InvalidInput({"answer": message})
        _require_reason(answer, "answer", "Write your answer for the review team.")
        self.status = CaseStatus.NOMINATED
        self.decisions.append(answer)

    def require_debrief(self, field_name: str) -> None:
        """Only an accepted case has a debrief to set up, consent to, or contribute to."""
        if self.status is not CaseStatus.ACCEPTED:
            state = self.status.label.lower()
            raise InvalidInput({field_name: f"{self.case_number} is {state}: it has no debrief."})

    def is_about(self, person: Person | str) -> bool:
        user_id = person if isinstance(person, str) else person.user_id
        return user_id in (self.nominator.user_id, self.nomination.sio.user_id)

    def triage(self, decision: TriageDecision, *, merge_target: Case | None = None) -> None:
        """Record a triage decision; a final decision closes triage for good."""
        if self.status.is_triaged:
            raise AlreadyTriaged(self)
        match decision.outcome:
            case TriageOutcome.ACCEPT:
                if decision.lead_reviewer is None:
                    raise InvalidInput({"leadReviewerId": "Choose the lead reviewer from the review team."})
                self.status = CaseStatus.ACCEPTED
                self.lead_reviewer = decision.lead_reviewer
            case TriageOutcome.DECLINE:
                _require_reason(decision, "declineReason", "Give the reason for declining, for the nominator.")
                self.status = CaseStatus.DECLINED
            case TriageOutcome.MERGE:
                if merge_target is None or merge_target.id is None:
                    raise InvalidInput({"mergeInto": "Enter the case number of an existing case."})
                if merge_target.id == self.id:
                    raise InvalidInput({"mergeInto": "A case cannot be merged into itself."})
                if merge_target.status in (CaseStatus.DECLINED, CaseStatus.MERGED):
                    raise InvalidInput(
                        {
                            "mergeInto": f"{merge_target.case_number} is {merge_target.status.label.lower()}; "
                            "choose a case that is still open."
                        }
                    )
                decision = replace(decision, merged_into_case_number=merge_target.case_number)
                self.status = CaseStatus.MERGED
                self.merged_into_id = merge_target.id
            case TriageOutcome.REQUEST_INFORMATION:
                _require_reason(decision, "question", "Say what more information the review team needs.")
                self.status = CaseStatus.INFORMATION_REQUESTED
            case TriageOutcome.INFORMATION_PROVIDED:
                raise ValueError("an answer is recorded with answer_information_request, not as a decision")
        self.decisions.append(decision)


class CaseErased(NotFound):
    """The case's content was erased after its retention review: only its number, dates and audit trail remain."""

    def __init__(self, case_number: str, erased_at: datetime) -> None:
        self.case_number = case_number
        self.erased_at = erased_at
        day = erased_at.astimezone(LONDON).strftime("%d %B %Y").lstrip("0")
        super().__init__(
            f"{case_number} was erased on {day} after its retention review. Only its case number, its dates and the "
            "audit trail are kept, so there is nothing of it to show or change."
        )


class AlreadyTriaged(DebriefError):
    """A second final decision; the edge shows the decision already made instead."""

    def __init__(self, case: Case) -> None:
        self.case = case
        super().__init__(f"{case.case_number} is already {case.status.label.lower()}")


def _require_reason(decision: TriageDecision, field_name: str, message: str) -> None:
    if not decision.reason or not decision.reason.strip():
        raise InvalidInput({field_name: message})
    if len(decision.reason) > 2000:
        raise InvalidInput({field_name: "Keep this to 2000 characters or fewer."})
