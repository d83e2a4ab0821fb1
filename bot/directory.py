"""Who is who: the people the bot knows, their roles and, for partner contacts, their agency.

Two directories answer the same questions (the `Directory` protocol), synchronously, from memory:

* `SettingsFileDirectory`: a TOML file, for development and tests (DEBRIEF_DIRECTORY=file, the default);
* `GraphDirectory`: Entra ID through Microsoft Graph (DEBRIEF_DIRECTORY=graph): a snapshot of the members of the
  configured groups, read again every few minutes by `refresh()` (see bot/graph.py for the reads).

The file is TOML, one [[people]] table per person:

    [[people]]
    id = "<Entra ID object id>"
    name = "DS Example Name"
    roles = ["review_team"]        # officer, review_team, sio, working_group, board,
                                   # information_manager, administrator, partner
    agency = "Probation Service"   # partners only: one of debrief.parameters.AGENCIES
    unit = "Public Protection Unit"  # optional: the person's unit, for counting actions by owner's unit

The rules both follow. Anyone in an allowed tenant whom the directory does not list is an officer (they may
nominate). A listed partner is not an officer unless "officer" is listed too. In Graph, guests (userType Guest) are
told apart by that directory data and never by name: a guest in the partner group is a partner, with the agency its
companyName names or else the one its mail domain maps to (DEBRIEF_GRAPH_PARTNER_DOMAINS); any other guest has no
role at all, and a guest placed in a role's group does not get that role (a warning names the ids). Until Graph has
been read once, nobody has any role: deny by default.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.graph import GraphClient, GraphError, GraphUser
from bot.settings import canonical_agency
from debrief.model import Person
from debrief.permissions import Role

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)


class DirectoryError(Exception):
    pass


@runtime_checkable
class Directory(Protocol):
    """What the bot asks of a directory. Every answer comes from memory: handlers call these synchronously."""

    def roles_for(self, user_id: str) -> frozenset[Role]: ...

    def name_for(self, user_id: str) -> str | None: ...

    def officers(self) -> dict[str, Person]:
        """The officers the directory lists (those who can be picked as contributors)."""
        ...

    def people_with(self, role: Role) -> dict[str, Person]: ...

    def agency_of(self, user_id: str) -> str | None:
        """A partner contact's agency (a name from debrief.parameters.AGENCIES); None for anyone else."""
        ...

    def partners(self, agency: str | None = None) -> dict[str, Person]:
        """Partner contacts, or those of one agency."""
        ...

    def unit_of(self, user_id: str) -> str | None:
        """The person's unit (Graph: their department), for the oversight figures; None where not recorded."""
        ...


@dataclass(frozen=True)
class DirectoryEntry:
    person: Person
    roles: frozenset[Role]
    agency: str | None = None
    guest: bool = False
    """A guest account (Graph): never an officer, whatever else it is."""
    unit: str | None = None

    @property
    def effective_roles(self) -> frozenset[Role]:
        if self.guest or Role.PARTNER in self.roles:
            return self.roles
        return self.roles | {Role.OFFICER}


class _Listing:
    """The Directory's answers over a fixed set of entries."""

    def __init__(self, entries: Mapping[str, DirectoryEntry]) -> None:
        self._entries = dict(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def roles_for(self, user_id: str) -> frozenset[Role]:
        entry = self._entries.get(user_id)
        return frozenset({Role.OFFICER}) if entry is None else entry.effective_roles

    def name_for(self, user_id: str) -> str | None:
        entry = self._entries.get(user_id)
        return entry.person.name if entry else None

    def officers(self) -> dict[str, Person]:
        """Everyone listed who is an officer (every listed person except partners and guests, unless officers)."""
        return {uid: e.person for uid, e in self._entries.items() if Role.OFFICER in e.effective_roles}

    def people_with(self, role: Role) -> dict[str, Person]:
        return {uid: e.person for uid, e in self._entries.items() if role in e.roles}

    def agency_of(self, user_id: str) -> str | None:
        entry = self._entries.get(user_id)
        return entry.agency if entry is not None and Role.PARTNER in entry.roles else None

    def partners(self, agency: str | None = None) -> dict[str, Person]:
        return {
            uid: e.person
            for uid, e in self._entries.items()
            if Role.PARTNER in e.roles and (agency is None or e.agency == agency)
        }

    def unit_of(self, user_id: str) -> str | None:
        entry = self._entries.get(user_id)
        return entry.unit if entry is not None else None


class SettingsFileDirectory(_Listing):
    def __init__(self, entries: dict[str, DirectoryEntry]) -> None:
        super().__init__(entries)

    @classmethod
    def load(cls, path: Path) -> SettingsFileDirectory:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise DirectoryError(f"cannot read the directory file {path}: {error}") from None
        entries: dict[str, DirectoryEntry] = {}
        for index, raw in enumerate(data.get("people", []), start=1):
            try:
                user_id, name = str(raw["id"]).strip(), str(raw["name"]).strip()
                roles = frozenset(Role(r) for r in raw.get("roles", []))
            except (KeyError, ValueError) as error:
                raise DirectoryError(f"{path}: person {index} is not valid ({error})") from None
            if not user_id or not name:
                raise DirectoryError(f"{path}: person {index} needs an id and a name")
            agency: str | None = None
            if "agency" in raw:
                agency = canonical_agency(str(raw["agency"]))
                if agency is None:
                    raise DirectoryError(
                        f"{path}: person {index} has the agency {raw['agency']!r}, which is not one of the "
                        "agencies in debrief/parameters.py"
                    )
                if Role.PARTNER not in roles:
                    raise DirectoryError(f"{path}: person {index} has an agency but not the partner role")
            unit = str(raw.get("unit", "")).strip() or None
            entries[user_id] = DirectoryEntry(Person(user_id, name), roles, agency, unit=unit)
        return cls(entries)


# --- Microsoft Graph ------------------------------------------------------------------------------------------


class DirectorySource(Protocol):
    """What GraphDirectory reads (bot.graph.GraphClient; a fake in unit tests)."""

    async def group_users(self, group_id: str) -> list[GraphUser]: ...

    async def guest_users(self) -> list[GraphUser]: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class GraphGroups:
    """Entra ID group object ids: one per role (the review team's at least), the partners' and the officers'."""

    roles: Mapping[Role, str]
    partners: str | None = None
    officers: str | None = None


@dataclass(frozen=True)
class GraphRead:
    """One complete read of the directory, before the rules are applied."""

    role_members: Mapping[Role, Sequence[GraphUser]]
    guests: Sequence[GraphUser]
    partner_members: Sequence[GraphUser] = ()
    officer_members: Sequence[GraphUser] = ()


def agency_for(user: GraphUser, partner_domains: Mapping[str, str]) -> str | None:
    """The agency its companyName names, else the one its mail domain (or a parent domain) maps to."""
    if user.company_name and (agency := canonical_agency(user.company_name)):
        return agency
    if user.mail and "@" in user.mail:
        domain = user.mail.rsplit("@", 1)[1].strip().lower()
        while domain:
            if domain in partner_domains:
                return partner_domains[domain]
            domain = domain.partition(".")[2]
    return None


def graph_listing(read: GraphRead, groups: GraphGroups, partner_domains: Mapping[str, str]) -> _Listing:
    """Apply the directory's rules to what Graph said. Warnings name ids only, never people."""
    guest_ids = {u.id for u in read.guests}
    everyone = [*read.guests, *read.partner_members, *read.officer_members]
    for members in read.role_members.values():
        everyone.extend(members)
    guest_ids |= {u.id for u in everyone if u.is_guest}
    users = {u.id: u for u in everyone}

    roles: dict[str, set[Role]] = {}
    for role, members in read.role_members.items():
        for user in members:
            if user.id in guest_ids:
                log.warning(
                    "directory: guest %s is in the %s group %s; guests are never given that role",
                    user.id,
                    role.value,
                    groups.roles.get(role),
                )
            else:
                roles.setdefault(user.id, set()).add(role)
    for user in read.officer_members:
        if user.id in guest_ids:
            log.warning(
                "directory: guest %s is in the officers group %s; guests are never officers", user.id, groups.officers
            )
        else:
            roles.setdefault(user.id, set()).add(Role.OFFICER)

    partner_ids: set[str] = set()
    for user in read.partner_members:
        if user.id in guest_ids:
            partner_ids.add(user.id)
        else:
            log.warning(
                "directory: member %s is in the partner group %s; partner contacts are guests, so it stays an officer",
                user.id,
                groups.partners,
            )

    def person(user_id: str) -> Person:
        user = users[user_id]
        return Person(user_id, user.display_name or user_id)

    entries: dict[str, DirectoryEntry] = {
        uid: DirectoryEntry(person(uid), frozenset(r), unit=users[uid].department) for uid, r in roles.items()
    }
    for uid in guest_ids:
        if uid in partner_ids:
            agency = agency_for(users[uid], partner_domains)
            if agency is None:
                log.warning(
                    "directory: partner guest %s has no agency (its companyName names none and its mail domain is "
                    "not in DEBRIEF_GRAPH_PARTNER_DOMAINS)",
                    uid,
                )
            entries[uid] = DirectoryEntry(person(uid), frozenset({Role.PARTNER}), agency, guest=True)
        else:
            entries[uid] = DirectoryEntry(person(uid), frozenset(), guest=True)
    if not any(Role.REVIEW_TEAM in e.roles for e in entries.values()):
        log.warning(
            "directory: nobody is on the review team (group %s has no member accounts)",
            groups.roles.get(Role.REVIEW_TEAM),
        )
    return _Listing(entries)


class GraphDirectory:
    """The directory from Entra ID groups: a snapshot in memory, replaced whole by each successful refresh()."""

    def __init__(
        self,
        source: DirectorySource,
        groups: GraphGroups,
        *,
        partner_domains: Mapping[str, str] | None = None,
        refresh_interval_s: float = 15 * 60,
        retry_interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if Role.REVIEW_TEAM not in groups.roles:
            raise DirectoryError("the Graph directory needs the review team's group")
        self._source = source
        self._groups = groups
        self._partner_domains = dict(partner_domains or {})
        self._refresh_interval_s = refresh_interval_s
        self._retry_interval_s = retry_interval_s
        self._clock = clock
        self._listing: _Listing | None = None
        self._read_at: float | None = None
        self._last_ok = False

    @property
    def loaded(self) -> bool:
        """Whether Graph has been read successfully at least once (until then nobody has any role)."""
        return self._listing is not None

    # --- the Directory's answers, from the snapshot ---------------------------------------------------------

    def roles_for(self, user_id: str) -> frozenset[Role]:
        if self._listing is None:
            return frozenset()  # deny by default: not even "officer" before we know who the guests are
        return self._listing.roles_for(user_id.lower())

    def name_for(self, user_id: str) -> str | None:
        return self._listing.name_for(user_id.lower()) if self._listing else None

    def officers(self) -> dict[str, Person]:
        return self._listing.officers() if self._listing else {}

    def people_with(self, role: Role) -> dict[str, Person]:
        return self._listing.people_with(role) if self._listing else {}

    def agency_of(self, user_id: str) -> str | None:
        return self._listing.agency_of(user_id.lower()) if self._listing else None

    def partners(self, agency: str | None = None) -> dict[str, Person]:
        return self._listing.partners(agency) if self._listing else {}

    def unit_of(self, user_id: str) -> str | None:
        return self._listing.unit_of(user_id.lower()) if self._listing else None

    # --- reading Graph --------------------------------------------------------------------------------------

    async def refresh(self) -> bool:
        """Read every group and the guests, then replace the snapshot. On failure keep the last good one."""
        reading = "the start"
        cache: dict[str, list[GraphUser]] = {}

        async def members(group_id: str) -> list[GraphUser]:
            nonlocal reading
            if group_id not in cache:
                reading = f"group {group_id}"
                cache[group_id] = await self._source.group_users(group_id)
            return cache[group_id]

        try:
            role_members = {role: await members(group) for role, group in self._groups.roles.items()}
            partner_members = await members(self._groups.partners) if self._groups.partners else []
            officer_members = await members(self._groups.officers) if self._groups.officers else []
            reading = "the tenant's guests"
            guests = await self._source.guest_users()
            listing = graph_listing(
                GraphRead(role_members, guests, partner_members, officer_members), self._groups, self._partner_domains
            )
        except GraphError as error:
            self._failed(f"reading {reading}: {error}")
            return False
        except Exception as error:  # a refresh must never take the bot down
            log.warning("directory refresh failed unexpectedly (%s)", type(error).__name__, exc_info=True)
            self._failed(f"reading {reading}: {type(error).__name__}")
            return False
        self._listing = listing
        self._read_at = self._clock()
        self._last_ok = True
        log.info("directory read from Microsoft Graph: %s people and guests listed", len(listing))
        return True

    def _failed(self, why: str) -> None:
        self._last_ok = False
        if self._read_at is None:
            log.warning("directory refresh failed (%s); nobody has any role until Microsoft Graph can be read", why)
        else:
            age = (self._clock() - self._read_at) / 60
            log.warning("directory refresh failed (%s); keeping the directory read %.0f minutes ago", why, age)

    async def refresh_at_start(self, timeout_s: float = 30.0) -> bool:
        """The first read, bounded so that a slow Graph cannot hold the start-up; run() keeps trying."""
        try:
            return await asyncio.wait_for(self.refresh(), timeout=timeout_s)
        except TimeoutError:
            self._failed(f"no answer within {timeout_s:g} s")
            return False

    async def run(self, stop: asyncio.Event) -> None:
        """Refresh every interval (sooner after a failure) until `stop` is set; a refresh in flight is abandoned."""
        while not stop.is_set():
            interval = (
                self._refresh_interval_s if self._last_ok else min(self._retry_interval_s, self._refresh_interval_s)
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            if stop.is_set():
                return
            refreshing = asyncio.create_task(self.refresh())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({refreshing, stopping}, return_when=asyncio.FIRST_COMPLETED)
            for task in (refreshing, stopping):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def close(self) -> None:
        await self._source.close()


def directory_from_settings(settings: Settings) -> Directory:
    """The settings file's directory, or Graph's (not yet read: call refresh())."""
    if settings.directory != "graph":
        return SettingsFileDirectory.load(settings.directory_file)
    graph = settings.graph
    if graph is None:
        raise DirectoryError("DEBRIEF_DIRECTORY=graph but the Graph settings are missing")
    client = GraphClient(
        client_id=settings.app_id,
        client_secret=settings.app_password,
        authority_url=graph.authority_url,
        graph_url=graph.graph_url,
        ca_file=graph.ca_file,
    )
    return GraphDirectory(
        client,
        GraphGroups(roles=dict(graph.role_groups), partners=graph.partner_group, officers=graph.officer_group),
        partner_domains=graph.partner_domains,
        refresh_interval_s=graph.refresh_minutes * 60,
    )
