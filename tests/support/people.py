"""The fictional people of the development directory (infra/directory.dev.toml), as tests use them."""

from __future__ import annotations

from pathlib import Path

from bot.directory import SettingsFileDirectory
from debrief.model import Person
from debrief.permissions import Actor

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY_FILE = ROOT / "infra" / "directory.dev.toml"
TENANT = "11111111-2222-4333-8444-555555555555"
OTHER_TENANT = "99999999-8888-4777-8666-555555555555"
BOT_ID = "00000000-0000-4000-8000-00000000b075"
REVIEW_CHANNEL = "19:homicide-prevention-review-team@thread.tacv2"

JORDAN = Person("00000000-0000-4000-8000-0000000000a1", "PC Jordan Ellis")  # nominating officer
PRIYA = Person("00000000-0000-4000-8000-0000000000a2", "DS Priya Natt")  # review officer
OWEN = Person("00000000-0000-4000-8000-0000000000a3", "DS Owen Marsh")  # review officer
CASEY = Person("00000000-0000-4000-8000-0000000000a4", "Casey Holt (review assistant)")
RUTH = Person("00000000-0000-4000-8000-0000000000a5", "DCI Ruth Okafor")  # SIO
MORGAN = Person("00000000-0000-4000-8000-0000000000a6", "Morgan Lee (Probation Service)")  # partner
TOM = Person("00000000-0000-4000-8000-0000000000a7", "Insp Tom Baird")  # action owner

DIRECTORY = SettingsFileDirectory.load(DIRECTORY_FILE)


def actor(person: Person) -> Actor:
    return Actor(tenant_id=TENANT, user_id=person.user_id, name=person.name, roles=DIRECTORY.roles_for(person.user_id))
