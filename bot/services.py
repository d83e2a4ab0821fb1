"""What a handler needs, in one place: the database, the directory, the settings and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.directory import Directory
from bot.settings import Settings
from debrief import triage
from debrief.model import LONDON, Person
from debrief.permissions import Role
from storage.uow import SqlUnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    directory: Directory
    clock: Callable[[], datetime] = field(default=utc_now)

    def uow(self, activity_key: str | None = None) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, activity_key=activity_key, clock=self.clock)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.now().astimezone(LONDON).date()

    def review_team(self) -> dict[str, Person]:
        return self.directory.people_with(Role.REVIEW_TEAM)

    def officers(self) -> dict[str, Person]:
        """People the directory lists as officers: those who can be invited to add to a chronology."""
        return self.directory.officers()

    def partner_contacts(self) -> dict[str, tuple[Person, str]]:
        """Partner contacts the directory knows, with their agency: those the lead reviewer can invite."""
        found: dict[str, tuple[Person, str]] = {}
        for user_id, person in self.directory.partners().items():
            agency = self.directory.agency_of(user_id)
            if agency is not None:
                found[user_id] = (person, agency)
        return found

    def sios(self) -> dict[str, Person]:
        return self.directory.people_with(Role.SIO)

    def triage_due(self, nominated_at: datetime) -> date:
        return triage.triage_due(nominated_at)
