"""The directory's rules, without I/O: the settings file (with partners' agencies) and Graph's snapshot rules."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.directory import (
    Directory,
    DirectoryError,
    GraphDirectory,
    GraphGroups,
    SettingsFileDirectory,
    agency_for,
    directory_from_settings,
)
from bot.graph import GraphError, GraphUser
from bot.settings import Settings
from debrief.parameters import AGENCIES
from debrief.permissions import Role
from tests.support.people import CASEY, DIRECTORY_FILE, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM

REVIEW = "6a1f0c52-0b7e-4d8e-9f10-00000000c001"
SIO = "6a1f0c52-0b7e-4d8e-9f10-00000000c002"
PARTNERS = "6a1f0c52-0b7e-4d8e-9f10-00000000c007"
OFFICERS = "6a1f0c52-0b7e-4d8e-9f10-00000000c008"
GROUPS = GraphGroups(roles={Role.REVIEW_TEAM: REVIEW, Role.SIO: SIO}, partners=PARTNERS, officers=OFFICERS)
DOMAINS = {"probation.example": "Probation Service", "nhs.example": "NHS mental health trust"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "directory.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the settings file ----------------------------------------------------------------------------------------


ROBIN_ID = "00000000-0000-4000-8000-0000000000c7"


def test_the_development_file_loads_with_morgan_lee_as_a_probation_partner() -> None:
    directory = SettingsFileDirectory.load(DIRECTORY_FILE)
    assert directory.roles_for(MORGAN.user_id) == {Role.PARTNER}
    assert directory.agency_of(MORGAN.user_id) == "Probation Service"
    assert set(directory.partners()) == {MORGAN.user_id, ROBIN_ID}  # Robin Shaw: Morgan's colleague, to delegate to
    assert set(directory.partners("Probation Service")) == {MORGAN.user_id, ROBIN_ID}
    assert directory.partners("Housing") == {}
    assert MORGAN.user_id not in directory.officers()


def test_only_partners_have_an_agency() -> None:
    directory = SettingsFileDirectory.load(DIRECTORY_FILE)
    for person in (JORDAN, PRIYA, OWEN, CASEY, RUTH, TOM):
        assert directory.agency_of(person.user_id) is None
    assert directory.agency_of("00000000-0000-4000-8000-00000000ffff") is None  # not listed


def test_a_file_without_agencies_still_loads_as_before(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[people]]\nid = "p1"\nname = "Partner One"\nroles = ["partner"]\n'
        '[[people]]\nid = "o1"\nname = "PC One"\nroles = ["officer"]\n',
    )
    directory = SettingsFileDirectory.load(path)
    assert directory.roles_for("p1") == {Role.PARTNER}
    assert directory.agency_of("p1") is None
    assert directory.partners() == {"p1": directory.partners()["p1"]}
    assert directory.partners("Probation Service") == {}
    assert directory.roles_for("someone-else") == {Role.OFFICER}


def test_an_agency_is_matched_ignoring_case_and_kept_as_the_list_spells_it(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[[people]]\nid = "p1"\nname = "P"\nroles = ["partner"]\nagency = " nhs MENTAL health trust"\n'
    )
    assert SettingsFileDirectory.load(path).agency_of("p1") == "NHS mental health trust"


def test_an_unknown_agency_stops_the_load(tmp_path: Path) -> None:
    path = write(tmp_path, '[[people]]\nid = "p1"\nname = "P"\nroles = ["partner"]\nagency = "Fire brigade"\n')
    with pytest.raises(DirectoryError, match="Fire brigade"):
        SettingsFileDirectory.load(path)


def test_an_agency_on_someone_who_is_not_a_partner_stops_the_load(tmp_path: Path) -> None:
    path = write(tmp_path, '[[people]]\nid = "o1"\nname = "PC One"\nroles = ["officer"]\nagency = "Police"\n')
    with pytest.raises(DirectoryError, match="not the partner role"):
        SettingsFileDirectory.load(path)


def test_a_persons_unit_is_read_from_the_file_where_it_is_given() -> None:
    directory = SettingsFileDirectory.load(DIRECTORY_FILE)
    assert directory.unit_of(TOM.user_id) == "Force Control Room"
    assert directory.unit_of(PRIYA.user_id) == "Public Protection Unit"
    assert directory.unit_of(MORGAN.user_id) is None  # a partner: no unit of the force
    assert directory.unit_of("00000000-0000-4000-8000-00000000abcd") is None  # not listed


def test_both_directories_are_directories() -> None:
    assert isinstance(SettingsFileDirectory.load(DIRECTORY_FILE), Directory)
    assert isinstance(GraphDirectory(FakeGraph(), GROUPS), Directory)


def test_the_settings_file_is_the_default_directory() -> None:
    assert isinstance(directory_from_settings(Settings(directory_file=DIRECTORY_FILE)), SettingsFileDirectory)


# --- Graph's rules, on a fake Graph ---------------------------------------------------------------------------


def member(user_id: str, name: str) -> GraphUser:
    return GraphUser(user_id, name, "Member", None, f"{name.split()[-1].lower()}@force.example")


def guest(user_id: str, name: str, company: str | None = None, mail: str | None = None) -> GraphUser:
    return GraphUser(user_id, name, "Guest", company, mail)


MORGAN_GUEST = guest(MORGAN.user_id, "Morgan Lee", company="Probation Service", mail="morgan.lee@probation.example")
JO = guest("00000000-0000-4000-8000-0000000000b4", "Jo Price", mail="jo.price@mh.nhs.example")
DEVON = guest("00000000-0000-4000-8000-0000000000b5", "Devon Hart", company="Northtown Homes", mail="d@homes.example")


class FakeGraph:
    def __init__(self) -> None:
        self.groups: dict[str, list[GraphUser]] = {
            REVIEW: [member(PRIYA.user_id, PRIYA.name), member(OWEN.user_id, OWEN.name)],
            SIO: [member(RUTH.user_id, RUTH.name)],
            PARTNERS: [MORGAN_GUEST, JO],
            OFFICERS: [member(JORDAN.user_id, JORDAN.name)],
        }
        self.guests = [MORGAN_GUEST, JO, DEVON]
        self.error: Exception | None = None
        self.reads: list[str] = []
        self.closed = False

    async def group_users(self, group_id: str) -> list[GraphUser]:
        self.reads.append(group_id)
        if self.error is not None:
            raise self.error
        return list(self.groups.get(group_id, []))

    async def guest_users(self) -> list[GraphUser]:
        self.reads.append("guests")
        if self.error is not None:
            raise self.error
        return list(self.guests)

    async def close(self) -> None:
        self.closed = True


async def loaded(graph: FakeGraph, groups: GraphGroups = GROUPS) -> GraphDirectory:
    directory = GraphDirectory(graph, groups, partner_domains=DOMAINS)
    assert await directory.refresh()
    return directory


async def test_before_graph_is_read_nobody_has_any_role() -> None:
    directory = GraphDirectory(FakeGraph(), GROUPS)
    assert not directory.loaded
    for person in (PRIYA, RUTH, JORDAN, MORGAN):
        assert directory.roles_for(person.user_id) == frozenset()
    assert directory.people_with(Role.REVIEW_TEAM) == {}
    assert directory.officers() == {}
    assert directory.partners() == {}
    assert directory.name_for(PRIYA.user_id) is None


async def test_roles_come_from_groups_and_members_outside_them_are_officers() -> None:
    directory = await loaded(FakeGraph())
    assert directory.roles_for(PRIYA.user_id) == {Role.REVIEW_TEAM, Role.OFFICER}
    assert directory.roles_for(RUTH.user_id) == {Role.SIO, Role.OFFICER}
    assert directory.roles_for(JORDAN.user_id) == {Role.OFFICER}
    assert directory.roles_for(TOM.user_id) == {Role.OFFICER}  # in no group: an officer, as with the file
    assert set(directory.people_with(Role.REVIEW_TEAM)) == {PRIYA.user_id, OWEN.user_id}
    assert set(directory.officers()) == {PRIYA.user_id, OWEN.user_id, RUTH.user_id, JORDAN.user_id}
    assert directory.name_for(PRIYA.user_id) == PRIYA.name
    assert directory.name_for(TOM.user_id) is None


async def test_ids_are_matched_whatever_their_case() -> None:
    directory = await loaded(FakeGraph())
    assert Role.REVIEW_TEAM in directory.roles_for(PRIYA.user_id.upper())


async def test_a_group_used_for_two_roles_is_read_once() -> None:
    graph = FakeGraph()
    await loaded(graph, GraphGroups(roles={Role.REVIEW_TEAM: REVIEW, Role.BOARD: REVIEW}))
    assert graph.reads.count(REVIEW) == 1


async def test_partners_are_guests_in_the_partner_group_with_their_agency() -> None:
    directory = await loaded(FakeGraph())
    assert directory.roles_for(MORGAN.user_id) == {Role.PARTNER}
    assert directory.agency_of(MORGAN.user_id) == "Probation Service"  # from companyName
    assert directory.agency_of(JO.id) == "NHS mental health trust"  # from mh.nhs.example, under nhs.example
    assert set(directory.partners()) == {MORGAN.user_id, JO.id}
    assert set(directory.partners("Probation Service")) == {MORGAN.user_id}
    assert directory.agency_of(PRIYA.user_id) is None


async def test_a_guest_in_no_group_has_no_role_at_all() -> None:
    directory = await loaded(FakeGraph())
    assert directory.roles_for(DEVON.id) == frozenset()
    assert DEVON.id not in directory.officers()
    assert directory.name_for(DEVON.id) == "Devon Hart"


async def test_a_guest_in_a_role_group_never_gets_the_role(caplog: pytest.LogCaptureFixture) -> None:
    graph = FakeGraph()
    graph.groups[REVIEW].append(MORGAN_GUEST)
    graph.groups[OFFICERS].append(DEVON)
    with caplog.at_level(logging.WARNING, logger="bot.directory"):
        directory = await loaded(graph)
    assert directory.roles_for(MORGAN.user_id) == {Role.PARTNER}
    assert directory.roles_for(DEVON.id) == frozenset()
    assert MORGAN.user_id not in directory.people_with(Role.REVIEW_TEAM)
    warnings = " ".join(r.getMessage() for r in caplog.records)
    assert MORGAN.user_id in warnings and REVIEW in warnings
    assert "Morgan" not in warnings and "Devon" not in warnings  # ids only


async def test_a_guest_listed_as_member_by_one_read_is_still_a_guest() -> None:
    graph = FakeGraph()
    graph.groups[REVIEW].append(member(DEVON.id, "Devon Hart"))  # the guest list says otherwise: guest wins
    directory = await loaded(graph)
    assert directory.roles_for(DEVON.id) == frozenset()


async def test_a_member_in_the_partner_group_stays_an_officer() -> None:
    graph = FakeGraph()
    graph.groups[PARTNERS].append(member(TOM.user_id, TOM.name))
    directory = await loaded(graph)
    assert directory.roles_for(TOM.user_id) == {Role.OFFICER}
    assert TOM.user_id not in directory.partners()


async def test_a_failed_refresh_keeps_the_last_snapshot(caplog: pytest.LogCaptureFixture) -> None:
    graph = FakeGraph()
    directory = await loaded(graph)
    graph.groups[REVIEW] = []
    graph.error = GraphError(403, "Authorization_RequestDenied", "Insufficient privileges")
    with caplog.at_level(logging.WARNING, logger="bot.directory"):
        assert not await directory.refresh()
    assert Role.REVIEW_TEAM in directory.roles_for(PRIYA.user_id)
    assert "keeping the directory read" in caplog.text and "Authorization_RequestDenied" in caplog.text
    graph.error = None
    assert await directory.refresh()
    assert Role.REVIEW_TEAM not in directory.roles_for(PRIYA.user_id)  # the next good read replaces it whole


async def test_an_unexpected_error_in_a_refresh_is_contained() -> None:
    graph = FakeGraph()
    graph.error = RuntimeError("boom")
    directory = GraphDirectory(graph, GROUPS)
    assert not await directory.refresh()
    assert directory.roles_for(PRIYA.user_id) == frozenset()


async def test_run_refreshes_every_interval_until_stopped() -> None:
    graph = FakeGraph()
    directory = GraphDirectory(graph, GROUPS, refresh_interval_s=0.02)
    stop = asyncio.Event()
    task = asyncio.create_task(directory.run(stop))
    for _ in range(100):
        if graph.reads.count("guests") >= 2:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 1)
    assert graph.reads.count("guests") >= 2
    assert directory.loaded
    await directory.close()
    assert graph.closed


async def test_a_slow_first_read_does_not_hold_the_start() -> None:
    class Slow(FakeGraph):
        async def group_users(self, group_id: str) -> list[GraphUser]:
            await asyncio.sleep(10)
            return []

    directory = GraphDirectory(Slow(), GROUPS)
    assert not await directory.refresh_at_start(timeout_s=0.05)
    assert directory.roles_for(PRIYA.user_id) == frozenset()


def test_the_agency_comes_from_company_name_then_mail_domain() -> None:
    assert agency_for(guest("g", "G", company=" PROBATION SERVICE "), {}) == "Probation Service"
    assert agency_for(guest("g", "G", company="Somewhere Ltd", mail="g@team.nhs.example"), DOMAINS) == (
        "NHS mental health trust"
    )
    assert agency_for(guest("g", "G", mail="g@notnhs.example"), DOMAINS) is None  # not a subdomain
    assert agency_for(guest("g", "G"), DOMAINS) is None
    assert all(agency_for(guest("g", "G", company=a), {}) == a for a in AGENCIES)


def test_the_graph_directory_needs_the_review_team_group() -> None:
    with pytest.raises(DirectoryError):
        GraphDirectory(FakeGraph(), GraphGroups(roles={Role.SIO: SIO}))
