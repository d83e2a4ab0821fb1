"""The partner access matrix: every card verb, pressed by a partner, on their own case, on another case, and after
their access has ended. A partner sees the partner summary, their own agency's entries and the meeting of a case
they accepted, while their access lasts; nothing else, and nothing of any other case. Real storage, real verbs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services import Services
from bot.verbs import VERBS, VerbCall, run_verb
from debrief import entries, partnership
from debrief.partners import ACCESS_DAYS
from debrief.partnership import PartnerContact
from storage import tables as t
from tests.support.bot_server import development_env, running_bot
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.forms import chronology_entry_form
from tests.support.people import JORDAN, MORGAN, OWEN, actor

PROBATION = "Probation Service"
OWN_SUMMARY = "Victim A was injured at home. The debrief asks what probation knew of Suspect B's risk last year."
OTHER_SUMMARY = "Victim C was assaulted in a car park; the debrief asks about three earlier calls from the venue."
OTHER_SECRETS = ("CR/200300/26", "Victim C", "OTHER-CASE police entry", "OTHER-CASE probation entry")
OWN_POLICE_ENTRY = "OWN-CASE police entry: officers attended a report of shouting at the address."


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class World:
    own_case: int
    other_case: int
    own_police_entry: int
    other_entry: int
    other_invitation: int
    own_invitation: int


async def a_world(services: Services) -> World:
    """Morgan accepted the first case and declined the second; each case has a police and a probation entry."""
    now = services.now()
    own = await a_case_collecting_its_chronology(uow=services.uow, now=now, invite=(JORDAN,))
    other = await a_case_collecting_its_chronology(
        uow=services.uow, now=now, invite=(JORDAN,), reference="CR/200300/26"
    )
    assert own.id is not None and other.id is not None
    ids: dict[str, int] = {}
    for case_id, summary, key in ((own.id, OWN_SUMMARY, "own"), (other.id, OTHER_SUMMARY, "other")):
        await partnership.approve_summary(uow=services.uow(), actor=actor(OWEN), case_id=case_id, text=summary, now=now)
        _, [sent] = await partnership.invite_partners(
            uow=services.uow(),
            actor=actor(OWEN),
            case_id=case_id,
            contacts=[PartnerContact(MORGAN, PROBATION)],
            agreement=None,
            now=now,
        )
        assert sent.id is not None
        ids[f"{key}_invitation"] = sent.id
    await partnership.decline_invitation(
        uow=services.uow(), actor=actor(MORGAN), invitation_id=ids["other_invitation"], reason=None, now=now
    )
    await partnership.accept_invitation(
        uow=services.uow(), actor=actor(MORGAN), invitation_id=ids["own_invitation"], acknowledged=True, now=now
    )
    _, police, _ = await entries.add_entry(
        uow=services.uow(),
        actor=actor(JORDAN),
        case_id=own.id,
        form=chronology_entry_form(summary=OWN_POLICE_ENTRY),
        now=now,
    )
    await entries.add_entry(
        uow=services.uow(),
        actor=actor(MORGAN),
        case_id=own.id,
        form=chronology_entry_form(sourceAgency=PROBATION, summary="OWN-CASE probation entry: a missed appointment."),
        now=now,
    )
    _, other_entry, _ = await entries.add_entry(
        uow=services.uow(),
        actor=actor(JORDAN),
        case_id=other.id,
        form=chronology_entry_form(summary="OTHER-CASE police entry: three calls from the venue."),
        now=now,
    )
    await entries.add_entry(
        uow=services.uow(),
        actor=actor(OWEN),
        case_id=other.id,
        form=chronology_entry_form(sourceAgency=PROBATION, summary="OTHER-CASE probation entry: supervision notes."),
        now=now,
    )
    assert police.id is not None and other_entry.id is not None
    return World(own.id, other.id, police.id, other_entry.id, ids["other_invitation"], ids["own_invitation"])


_keys = itertools.count()


def presses(case_id: int, entry_id: int, invitation_id: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every verb, with everything a card could carry pointing at `case_id` (filled in so forms would pass)."""
    form = {
        **chronology_entry_form(sourceAgency=PROBATION),
        "partnerSummary": "A summary a partner should never be able to approve for any case at all.",
        "contactIds": MORGAN.user_id,
        "acknowledged": "true",
        "verified": "true",
        "meetingDate": "2026-12-08",
        "meetingTime": "10:00",
        "attendeeIds": MORGAN.user_id,
        "attended": MORGAN.user_id,
    }
    for name in sorted(VERBS):
        yield name, {**form, "caseId": case_id, "entryId": entry_id, "invitationId": invitation_id, "page": 1}


async def press(services: Services, name: str, data: dict[str, Any]) -> str:
    card = await run_verb(
        VerbCall(name=name, actor=actor(MORGAN), data=data, activity_key=f"matrix-{next(_keys)}", services=services)
    )
    return card_text(card)


async def stored(services: Services, case_id: int) -> tuple[int, ...]:
    """What a partner's press must not have changed on a case they may not touch."""
    async with services.engine.connect() as connection:
        counts = []
        for table in (t.chronology_entries, t.partner_summaries, t.partner_invitations, t.meetings, t.chronology_locks):
            query = select(func.count()).select_from(table).where(table.c.case_id == case_id)
            counts.append(int((await connection.execute(query)).scalar_one()))
        versions = select(func.sum(t.chronology_entries.c.version)).where(t.chronology_entries.c.case_id == case_id)
        counts.append(int((await connection.execute(versions)).scalar_one() or 0))
        return tuple(counts)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))


async def test_a_partner_on_one_case_can_read_or_change_nothing_of_another_through_any_verb(
    sqlite_url: str, clock: Clock
) -> None:
    async with running_bot(development_env(sqlite_url), clock=clock, run_dispatcher=False) as bot:
        services = bot.services
        world = await a_world(services)
        before = await stored(services, world.other_case)
        for name, data in presses(world.other_case, world.other_entry, world.other_invitation):
            shown = await press(services, name, data)
            leaked = [secret for secret in (*OTHER_SECRETS, OTHER_SUMMARY) if secret in shown]
            assert not leaked, f"{name} showed {leaked}"
        assert await stored(services, world.other_case) == before


async def test_on_their_own_case_a_partner_sees_the_summary_and_their_agencys_entries_only(
    sqlite_url: str, clock: Clock
) -> None:
    async with running_bot(development_env(sqlite_url), clock=clock, run_dispatcher=False) as bot:
        services = bot.services
        world = await a_world(services)
        for name, data in presses(world.own_case, world.own_police_entry, world.own_invitation):
            shown = await press(services, name, data)
            assert OWN_POLICE_ENTRY[:30] not in shown, f"{name} showed a police entry"
            assert "CR/100200/26" not in shown and "North District" not in shown, f"{name} showed case detail"
        view = await press(services, "partners.case.view", {"caseId": world.own_case})
        assert OWN_SUMMARY in view and "OWN-CASE probation entry" in view


async def test_after_their_access_ends_a_partner_sees_nothing_of_the_case(sqlite_url: str, clock: Clock) -> None:
    async with running_bot(development_env(sqlite_url), clock=clock, run_dispatcher=False) as bot:
        services = bot.services
        world = await a_world(services)
        clock.now += timedelta(days=ACCESS_DAYS, minutes=1)
        before = await stored(services, world.own_case)
        for name, data in presses(world.own_case, world.own_police_entry, world.own_invitation):
            shown = await press(services, name, data)
            leaked = [s for s in (OWN_SUMMARY, OWN_POLICE_ENTRY[:30], "OWN-CASE probation entry") if s in shown]
            assert not leaked, f"{name} showed {leaked} after access ended"
        assert await stored(services, world.own_case) == before
        async with services.engine.connect() as connection:
            refused = await connection.execute(
                select(func.count())
                .select_from(t.audit_log)
                .where(t.audit_log.c.actor_id == MORGAN.user_id, t.audit_log.c.outcome == "refused")
            )
            assert int(refused.scalar_one()) > 0
