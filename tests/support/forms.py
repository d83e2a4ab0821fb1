"""Card submissions as Teams sends them: every value a string."""

from __future__ import annotations

from tests.support.people import OWEN, RUTH, TOM


def nomination_form(**changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "incidentReference": "CR/100200/26",
        "operationName": "Operation Kestrel",
        "incidentDate": "2026-11-20",
        "incidentTime": "21:30",
        "offenceType": "homicide",
        "context": "domestic",
        "harm": "homicide",
        "policingArea": "North District",
        "dmmDate": "2026-11-21",
        "sioId": RUTH.user_id,
        "scopeReason": "Victim A had three domestic abuse reports in the past year; two DASH assessments.",
    }
    form.update(changes)
    return form


def accept_data(case_id: int, lead: str = OWEN.user_id) -> dict[str, object]:
    return {"verb": "triage.accept", "caseId": case_id, "leadReviewerId": lead}


def parameters_form(**changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "lookBackFrom": "2025-11-20",
        "lookBackTo": "2026-11-20",
        "subjects": "Victim A\nSuspect B",
        "agencies": "Police,Probation Service",
        "questions": "Were earlier domestic abuse reports risk-assessed?\nWas information shared with probation?",
        "parallelProcesses": "dardr,coroner",
    }
    form.update(changes)
    return form


def chronology_entry_form(**changes: str) -> dict[str, object]:
    """A complete, valid entry for the parameters of `parameters_form` (fictional contact)."""
    form: dict[str, object] = {
        "eventDate": "2026-03-14",
        "precision": "exact",
        "eventTime": "21:40",
        "sourceAgency": "Police",
        "sourceSystem": "Incident log",
        "sourceReference": "INC-0314-0042",
        "contactType": "call_999",
        "subjects": "Victim A,Suspect B",
        "summary": "Victim A called 999 reporting that Suspect B had threatened her at home. Officers attended.",
        "informationType": "fact",
        "riskTool": "DASH",
        "riskGrade": "medium",
        "riskDate": "2026-03-14",
        "actionAndOutcome": "Suspect B was arrested and bailed with conditions not to contact Victim A.",
        "missedOpportunity": "false",
        "missedOpportunityRationale": "",
    }
    form.update(changes)
    return form


def action_form(case_id: int, **changes: str) -> dict[str, object]:
    """An action as the lead reviewer adds it on the learning and actions card (no personal data)."""
    form: dict[str, object] = {
        "caseId": case_id,
        "actionDescription": "Add the address history check to the risk grading guidance for call handlers.",
        "actionOwnerId": TOM.user_id,
        "actionDueWorkingDays": "20",
        "actionPriority": "high",
        "actionTheme": "Risk assessment and grading",
        "actionRoute": "in_force",
    }
    form.update(changes)
    return form
