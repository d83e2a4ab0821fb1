"""Deny by default: who may read and change a case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from debrief.model import Case, Harm, IncidentContext, Nomination, OffenceType
from debrief.permissions import SYSTEM, Actor, Permission, Role, is_allowed
from tests.support.people import CASEY, JORDAN, MORGAN, PRIYA, RUTH, TENANT, TOM, actor

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def a_case() -> Case:
    nomination = Nomination(
        incident_reference="CR/100200/26",
        operation_name=None,
        incident_at=NOW,
        offence_type=OffenceType.HOMICIDE,
        context=IncidentContext.DOMESTIC,
        harm=Harm.HOMICIDE,
        policing_area="North District",
        dmm_date=NOW.date(),
        scope_reason="Earlier contact with partner agencies.",
        sio=RUTH,
    )
    return Case(nomination=nomination, nominator=JORDAN, nominated_at=NOW, case_number="RD-2026-0001", id=1)


@pytest.mark.parametrize(
    ("person", "allowed"),
    [(PRIYA, True), (CASEY, True), (JORDAN, True), (RUTH, True), (TOM, False), (MORGAN, False)],
)
def test_who_may_read_a_case(person, allowed) -> None:  # type: ignore[no-untyped-def]
    assert is_allowed(actor(person), Permission.READ_CASE, a_case()) is allowed


def test_a_partner_cannot_read_a_case_they_are_not_part_of() -> None:
    assert not is_allowed(actor(MORGAN), Permission.READ_CASE, a_case())


def test_someone_with_no_roles_may_do_nothing() -> None:
    nobody = Actor(tenant_id=TENANT, user_id="x", name="x", roles=frozenset())
    assert not any(is_allowed(nobody, p, a_case()) for p in Permission)


def test_only_the_bot_itself_sends_case_messages() -> None:
    assert is_allowed(SYSTEM, Permission.SEND_CASE_MESSAGE, a_case())
    assert not is_allowed(actor(PRIYA), Permission.SEND_CASE_MESSAGE, a_case())


def test_an_administrator_has_no_access_to_case_content() -> None:
    admin = Actor(tenant_id=TENANT, user_id="adm", name="Admin", roles=frozenset({Role.ADMINISTRATOR}))
    assert not is_allowed(admin, Permission.READ_CASE, a_case())
    assert not is_allowed(admin, Permission.TRIAGE, a_case())
