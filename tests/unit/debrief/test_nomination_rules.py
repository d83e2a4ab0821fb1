"""What a nomination must say before the review team sees it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from debrief.errors import InvalidInput
from debrief.model import Harm, IncidentContext, NominationRules, OffenceType, parse_nomination
from debrief.permissions import Role
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, RUTH

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
RULES = NominationRules()
SIOS = DIRECTORY.people_with(Role.SIO)


def errors_for(**changes: str) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        parse_nomination(nomination_form(**changes), now=NOW, rules=RULES, sios=SIOS)
    return raised.value.field_errors


def test_a_complete_nomination_is_accepted_and_normalised() -> None:
    nomination = parse_nomination(nomination_form(incidentReference=" cr/100200/26 "), now=NOW, rules=RULES, sios=SIOS)
    assert nomination.incident_reference == "CR/100200/26"
    assert nomination.offence_type is OffenceType.HOMICIDE
    assert nomination.context is IncidentContext.DOMESTIC
    assert nomination.harm is Harm.HOMICIDE
    assert nomination.sio == RUTH
    assert nomination.incident_at.isoformat() == "2026-11-20T21:30:00+00:00"


def test_incident_time_is_read_as_uk_local_time_in_summer() -> None:
    nomination = parse_nomination(
        nomination_form(incidentDate="2026-07-01", dmmDate="2026-07-02"), now=NOW, rules=RULES, sios=SIOS
    )
    assert nomination.incident_at.astimezone(UTC).hour == 20  # 21:30 BST


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("incidentReference", "", "Enter the crime or incident reference."),
        ("incidentReference", "x!", "Use the force's reference format"),
        ("incidentDate", "", "Enter the date of the incident."),
        ("incidentDate", "20/11/2026", "Enter the incident date as a date"),
        ("incidentDate", "2026-11-27", "The incident date cannot be in the future."),
        ("incidentTime", "", "Enter the time of the incident"),
        ("incidentTime", "25:00", "Enter the incident time as hours and minutes"),
        ("offenceType", "murder", "Choose the offence type."),
        ("context", "", "Choose domestic or non-domestic."),
        ("harm", "serious", "Choose homicide or near miss."),
        ("policingArea", "", "Enter the policing area."),
        ("policingArea", "x" * 81, "Keep the policing area to 80 characters or fewer."),
        ("dmmDate", "", "Enter the date of the daily management meeting"),
        ("dmmDate", "2026-11-19", "The daily management meeting cannot be before the incident."),
        ("dmmDate", "2026-12-01", "cannot be in the future"),
        ("scopeReason", "", "Say briefly why this incident is in scope"),
        ("scopeReason", "too short", "at least 20 characters"),
        ("scopeReason", "x" * 2001, "2000 characters or fewer"),
        ("sioId", "", "Choose the senior investigating officer"),
        ("sioId", "00000000-0000-4000-8000-0000000000a2", "not recorded as an SIO"),
        ("operationName", "x" * 61, "60 characters or fewer"),
    ],
)
def test_each_wrong_field_gets_its_own_message(field: str, value: str, message: str) -> None:
    errors = errors_for(**{field: value})
    assert list(errors) == [field]
    assert message in errors[field]


def test_an_incident_later_today_is_in_the_future() -> None:
    assert "cannot be in the future" in errors_for(incidentDate="2026-11-26", incidentTime="11:30")["incidentTime"]


def test_every_wrong_field_is_reported_at_once() -> None:
    errors = errors_for(incidentReference="", harm="", scopeReason="")
    assert set(errors) == {"incidentReference", "harm", "scopeReason"}


def test_values_that_are_not_text_are_treated_as_missing() -> None:
    form = nomination_form()
    form["policingArea"] = ["North"]  # a forged payload
    with pytest.raises(InvalidInput) as raised:
        parse_nomination(form, now=NOW, rules=RULES, sios=SIOS)
    assert "policingArea" in raised.value.field_errors


def test_the_reference_pattern_is_a_setting() -> None:
    rules = NominationRules(reference_pattern=r"RD\d{4}", reference_hint="RD and four digits")
    nomination = parse_nomination(nomination_form(incidentReference="rd1234"), now=NOW, rules=rules, sios=SIOS)
    assert nomination.incident_reference == "RD1234"
    with pytest.raises(InvalidInput) as raised:
        parse_nomination(nomination_form(), now=NOW, rules=rules, sios=SIOS)
    assert "RD and four digits" in raised.value.field_errors["incidentReference"]
