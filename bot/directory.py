"""Who is who: the people the bot knows and their roles. A settings file for now; Microsoft Graph later.

The file is TOML, one [[people]] table per person:

    [[people]]
    id = "<Entra ID object id>"
    name = "DS Example Name"
    roles = ["review_team"]        # officer, review_team, sio, working_group, board,
                                   # information_manager, administrator, partner

Anyone in an allowed tenant who is not listed is an officer (they may nominate). A person listed with the
partner role is not an officer unless "officer" is listed too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from debrief.model import Person
from debrief.permissions import Role


class DirectoryError(Exception):
    pass


@dataclass(frozen=True)
class DirectoryEntry:
    person: Person
    roles: frozenset[Role]


class SettingsFileDirectory:
    def __init__(self, entries: dict[str, DirectoryEntry]) -> None:
        self._entries = entries

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
            entries[user_id] = DirectoryEntry(Person(user_id, name), roles)
        return cls(entries)

    def roles_for(self, user_id: str) -> frozenset[Role]:
        entry = self._entries.get(user_id)
        if entry is None:
            return frozenset({Role.OFFICER})
        if Role.PARTNER in entry.roles:
            return entry.roles
        return entry.roles | {Role.OFFICER}

    def name_for(self, user_id: str) -> str | None:
        entry = self._entries.get(user_id)
        return entry.person.name if entry else None

    def officers(self) -> dict[str, Person]:
        """Everyone listed who is an officer (every listed person except partners, unless also officers)."""
        return {uid: e.person for uid, e in self._entries.items() if Role.OFFICER in self.roles_for(uid)}

    def people_with(self, role: Role) -> dict[str, Person]:
        return {uid: e.person for uid, e in self._entries.items() if role in e.roles}
