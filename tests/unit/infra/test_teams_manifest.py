"""The Teams app manifest is valid against Microsoft's schema for the version it declares."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from bot.settings import load_settings
from tests.support.people import DIRECTORY_FILE, REVIEW_CHANNEL, TENANT

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "infra" / "teams" / "manifest.json"
SCHEMAS = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"


def load_manifest() -> dict[str, object]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def test_the_manifest_is_valid_for_its_declared_version() -> None:
    manifest = load_manifest()
    schema_file = SCHEMAS / f"v{manifest['manifestVersion']}" / "MicrosoftTeams.schema.json"
    if not schema_file.is_file():
        pytest.fail(f"{schema_file} is missing: run `make test`, which installs @microsoft/app-manifest.")
    validator = jsonschema.Draft4Validator(json.loads(schema_file.read_text(encoding="utf-8")))
    error = jsonschema.exceptions.best_match(validator.iter_errors(manifest))
    assert error is None, f"{error.message} at {list(error.absolute_path)}"


def test_the_bot_works_in_chats_and_teams_with_its_commands() -> None:
    [bot] = load_manifest()["bots"]  # type: ignore[misc]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    commands = {c["title"] for lst in bot["commandLists"] for c in lst["commands"]}
    assert commands == {"nominate", "help", "invite", "chronology", "document"}


def test_the_bot_can_offer_files_so_a_word_document_goes_to_the_requesters_onedrive() -> None:
    """Without supportsFiles Teams shows no file consent card, and the Word chronology could not be delivered."""
    [bot] = load_manifest()["bots"]  # type: ignore[misc]
    assert bot["supportsFiles"] is True


def test_any_message_can_be_added_to_a_chronology_from_its_menu() -> None:
    [extension] = load_manifest()["composeExtensions"]  # type: ignore[misc]
    [command] = extension["commands"]
    assert (command["id"], command["type"], command["context"]) == ("addToChronology", "action", ["message"])
    assert command["fetchTask"] is True


@pytest.mark.parametrize(("name", "size"), [("color.png", 192), ("outline.png", 32)])
def test_the_icons_have_the_sizes_teams_requires(name: str, size: int) -> None:
    header = (MANIFEST.parent / name).read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (size, size)


def test_the_oversight_tab_is_a_personal_tab_served_by_the_bot_with_single_sign_on() -> None:
    """The tab's page, the app id URI Teams asks tokens for, and the valid domain are the bot's one public host, and
    the bot's default DEBRIEF_SSO_APP_ID_URI for that host is the manifest's resource, so the two agree."""
    manifest = load_manifest()
    [chat, oversight] = manifest["staticTabs"]  # type: ignore[misc]
    assert chat == {"entityId": "conversations", "scopes": ["personal"]}
    assert (oversight["entityId"], oversight["name"], oversight["scopes"]) == ("oversight", "Oversight", ["personal"])
    page = urlsplit(oversight["contentUrl"])
    assert (page.scheme, page.path) == ("https", "/tab/dashboard")
    [bot] = manifest["bots"]  # type: ignore[misc]
    info = manifest["webApplicationInfo"]
    assert info == {"id": bot["botId"], "resource": f"api://{page.hostname}/{bot['botId']}"}  # type: ignore[index]
    assert manifest["validDomains"] == [page.hostname]
    settings = load_settings(
        {
            "MicrosoftAppId": bot["botId"],
            "MicrosoftAppPassword": "fictional-test-secret-not-a-real-password",
            "MicrosoftAppTenantId": TENANT,
            "DEBRIEF_REVIEW_TEAM_CHANNEL_ID": REVIEW_CHANNEL,
            "DEBRIEF_DIRECTORY_FILE": str(DIRECTORY_FILE),
            "DEBRIEF_PUBLIC_URL": f"https://{page.hostname}",
        }
    )
    assert settings.sso_app_id_uri == info["resource"]  # type: ignore[index]
