"""`make package` builds the Teams app zip for the bot its settings describe, and refuses settings Teams or the bot
would reject."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import jsonschema
import pytest
from PIL import Image

from bot.settings import load_settings
from tests.support.people import DIRECTORY_FILE, REVIEW_CHANNEL

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "infra" / "teams" / "package.py"
SCHEMAS = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"

# Fictional ids, unlike the template's, so a test sees they were put in.
APP_ID = "3f0c2d1e-5b6a-4c7d-8e9f-0a1b2c3d4e5f"
TENANT = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
HOST = "rapid-debrief.northshire-police.example"
SETTINGS = {
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppType": "SingleTenant",
    "MicrosoftAppTenantId": TENANT,
    "DEBRIEF_PUBLIC_URL": f"https://{HOST}/",
    "DEBRIEF_APP_VERSION": "1.4.2",
}


def _load_script() -> ModuleType:
    """The script is run by path (`python infra/teams/package.py`), not imported as a package: load it the same way."""
    spec = importlib.util.spec_from_file_location("teams_package", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


package = _load_script()


@pytest.fixture
def template(tmp_path: Path) -> Iterator[Path]:
    """A copy of infra/teams to spoil in tests of what the script refuses."""
    copy = tmp_path / "template"
    shutil.copytree(ROOT / "infra" / "teams", copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    yield copy


def _contents(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_package_carries_the_settings_ids_and_host_and_validates(tmp_path: Path) -> None:
    target = package.build_package(SETTINGS, tmp_path)
    assert target == tmp_path / "rapid-debrief-teams-1.4.2.zip"
    files = _contents(target)
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(files["manifest.json"])

    schema_file = SCHEMAS / f"v{manifest['manifestVersion']}" / "MicrosoftTeams.schema.json"
    if not schema_file.is_file():
        pytest.fail(f"{schema_file} is missing: run `make test`, which installs @microsoft/app-manifest.")
    validator = jsonschema.Draft4Validator(json.loads(schema_file.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(manifest)) == []

    assert (manifest["id"], manifest["version"]) == (APP_ID, "1.4.2")
    assert [bot["botId"] for bot in manifest["bots"]] == [APP_ID]
    assert [extension["botId"] for extension in manifest["composeExtensions"]] == [APP_ID]
    [oversight] = [tab for tab in manifest["staticTabs"] if tab["entityId"] == "oversight"]
    assert oversight["contentUrl"] == f"https://{HOST}/tab/dashboard"
    assert manifest["validDomains"] == [HOST]
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": f"api://{HOST}/{APP_ID}"}
    assert "00000000-0000-4000-8000-00000000b075" not in files["manifest.json"].decode()  # no template id left


def _bot_settings(extra: dict[str, str]) -> dict[str, str]:
    return {
        **SETTINGS,
        "MicrosoftAppPassword": "fictional-test-secret-not-a-real-password",
        "DEBRIEF_REVIEW_TEAM_CHANNEL_ID": REVIEW_CHANNEL,
        "DEBRIEF_DIRECTORY_FILE": str(DIRECTORY_FILE),
        **extra,
    }


@pytest.mark.parametrize(
    "extra", [{}, {"DEBRIEF_SSO_APP_ID_URI": f"api://tabs.northshire-police.example/{APP_ID}"}], ids=["default", "set"]
)
def test_the_single_sign_on_resource_is_the_one_the_bot_accepts_tokens_for(
    tmp_path: Path, extra: dict[str, str]
) -> None:
    """Teams asks for tab tokens for webApplicationInfo.resource; the bot accepts only DEBRIEF_SSO_APP_ID_URI's."""
    manifest = json.loads(_contents(package.build_package({**SETTINGS, **extra}, tmp_path))["manifest.json"])
    bot = load_settings(_bot_settings(extra))
    assert manifest["webApplicationInfo"]["resource"] == bot.sso_app_id_uri
    assert urlsplit(manifest["staticTabs"][1]["contentUrl"]).hostname == urlsplit(bot.public_url).hostname


def test_the_icons_are_the_sizes_teams_requires_and_the_outline_is_white_on_transparent(tmp_path: Path) -> None:
    files = _contents(package.build_package(SETTINGS, tmp_path))
    (tmp_path / "color.png").write_bytes(files["color.png"])
    (tmp_path / "outline.png").write_bytes(files["outline.png"])
    assert Image.open(tmp_path / "color.png").size == (192, 192)
    outline = Image.open(tmp_path / "outline.png").convert("RGBA")
    assert outline.size == (32, 32)
    pixels = {outline.getpixel((x, y)) for x in range(32) for y in range(32)}
    assert all(alpha == 0 or (r, g, b) == (255, 255, 255) for r, g, b, alpha in pixels)  # type: ignore[misc]
    assert any(alpha for *_, alpha in pixels)  # type: ignore[misc]  # not blank


def test_the_same_settings_give_the_same_bytes(tmp_path: Path) -> None:
    first = package.build_package(SETTINGS, tmp_path / "a").read_bytes()
    assert package.build_package(SETTINGS, tmp_path / "b").read_bytes() == first


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MicrosoftAppType": "MultiTenant"}, "MicrosoftAppType is 'MultiTenant'"),
        ({"MicrosoftAppType": "UserAssignedMSI"}, "only for a single-tenant bot"),
        ({"MicrosoftAppId": ""}, "MicrosoftAppId must be the bot's Entra ID app registration id (a GUID)"),
        ({"MicrosoftAppId": "not-a-guid"}, "It is 'not-a-guid'"),
        ({"MicrosoftAppTenantId": ""}, "MicrosoftAppTenantId must be the force's tenant id"),
        ({"DEBRIEF_PUBLIC_URL": ""}, "DEBRIEF_PUBLIC_URL must be the bot's public https:// address"),
        ({"DEBRIEF_PUBLIC_URL": f"http://{HOST}"}, "DEBRIEF_PUBLIC_URL must be the bot's public https:// address"),
        ({"DEBRIEF_APP_VERSION": "1.4"}, "MAJOR.MINOR.PATCH"),
        ({"DEBRIEF_SSO_APP_ID_URI": f"https://{HOST}/{APP_ID}"}, "DEBRIEF_SSO_APP_ID_URI must be the app id URI"),
    ],
)
def test_settings_teams_or_the_bot_would_reject_are_refused_clearly(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    with pytest.raises(package.PackageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        package.build_package({**SETTINGS, **change}, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_a_manifest_that_breaks_microsofts_schema_is_refused(tmp_path: Path, template: Path) -> None:
    manifest = json.loads((template / "manifest.json").read_text(encoding="utf-8"))
    manifest["name"]["short"] = "Rapid Debrief for the Homicide Prevention Team"  # over the schema's 30 characters
    (template / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(package.PackageError, match="does not match Microsoft's schema at name/short"):
        package.build_package(SETTINGS, tmp_path / "out", template)


@pytest.mark.parametrize(
    ("name", "image", "message"),
    [
        ("color.png", Image.new("RGBA", (96, 96), (31, 58, 95, 255)), r"color.png must be a 192×192 PNG"),
        ("outline.png", Image.new("RGBA", (32, 32), (31, 58, 95, 255)), r"outline.png must be white on a transparent"),
    ],
)
def test_icons_teams_would_reject_are_refused(
    tmp_path: Path, template: Path, name: str, image: Image.Image, message: str
) -> None:
    image.save(template / name, format="PNG")
    with pytest.raises(package.PackageError, match=message):
        package.build_package(SETTINGS, tmp_path / "out", template)


def test_the_script_as_make_runs_it_explains_a_refusal_and_exits_non_zero(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("Microsoft", "DEBRIEF_"))}
    env.update({**SETTINGS, "MicrosoftAppType": "MultiTenant"})
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.startswith("Cannot build the Teams app package: MicrosoftAppType is 'MultiTenant'")
    assert not (ROOT / "dist" / "rapid-debrief-teams-1.4.2.zip").exists()
