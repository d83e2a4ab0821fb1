"""`make package`: the Teams app package (dist/rapid-debrief-teams-<version>.zip) for the bot these settings describe.

Run as a script (`python infra/teams/package.py`). It reads the bot's own settings from the environment, so the
package's bot id, tab host and single sign-on resource are the ones the running bot checks tokens against, refuses
anything but a single-tenant app with an app id and an https public address, and checks the result against
Microsoft's manifest schema and the icon rules before writing the zip, so Teams admin centre does not reject it.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import tomllib
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: bot.settings holds the rule for the SSO app id URI

import jsonschema  # noqa: E402
from PIL import Image  # noqa: E402

from bot.settings import SettingsError, _sso  # noqa: E402

TEMPLATE_DIR = Path(__file__).resolve().parent
SCHEMAS = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"
DIST = ROOT / "dist"
ICONS = {"color.png": 192, "outline.png": 32}
"""Teams' sizes: a 192×192 colour icon and a 32×32 outline icon."""
TAB_PATH = "/tab/dashboard"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
"""A fixed timestamp for the zip's entries, so the same settings always give the same bytes."""


class PackageError(Exception):
    """The package cannot be built from these settings or files; the message says what to change."""


def project_version() -> str:
    """The version in pyproject.toml: the app version unless DEBRIEF_APP_VERSION says otherwise."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def package_manifest(env: Mapping[str, str], template: Mapping[str, Any]) -> dict[str, Any]:
    """The template manifest with this deployment's ids, host, single sign-on resource and version."""
    app_id = env.get("MicrosoftAppId", "").strip()
    app_type = env.get("MicrosoftAppType", "").strip() or "SingleTenant"  # the bot's own default
    tenant_id = env.get("MicrosoftAppTenantId", "").strip()
    public_url = env.get("DEBRIEF_PUBLIC_URL", "").strip().rstrip("/")
    version = env.get("DEBRIEF_APP_VERSION", "").strip() or project_version()

    if app_type.lower() != "singletenant":
        raise PackageError(
            f"MicrosoftAppType is {app_type!r}: the Teams app is packaged only for a single-tenant bot, so that "
            "only the force's own tenant can use it. Set MicrosoftAppType=SingleTenant (and register the app as "
            "single-tenant in Entra ID)."
        )
    if not _GUID.fullmatch(app_id):
        raise PackageError(
            "MicrosoftAppId must be the bot's Entra ID app registration id (a GUID): it becomes the app's id, the "
            f"bot id and the single sign-on id. It is {'not set' if not app_id else repr(app_id)}."
        )
    if not _GUID.fullmatch(tenant_id):
        raise PackageError(
            "MicrosoftAppTenantId must be the force's tenant id (a GUID) for a single-tenant bot; it is "
            f"{'not set' if not tenant_id else repr(tenant_id)}."
        )
    parsed = urlsplit(public_url)
    if parsed.scheme != "https" or not parsed.hostname or parsed.username or parsed.query or parsed.fragment:
        raise PackageError(
            "DEBRIEF_PUBLIC_URL must be the bot's public https:// address, for example https://debrief.force.example "
            f"(Teams loads the Oversight tab from it); it is {public_url or 'not set'!r}."
        )
    if not _VERSION.fullmatch(version):
        raise PackageError(f"The app version must be MAJOR.MINOR.PATCH, for example 1.4.0; not {version!r}.")
    try:
        _, resource = _sso(env, app_id=app_id, tenants=frozenset({tenant_id}), home=tenant_id, public=public_url)
    except SettingsError as error:
        raise PackageError(str(error)) from None

    manifest: dict[str, Any] = json.loads(json.dumps(template))  # a deep copy
    manifest["version"] = version
    manifest["id"] = app_id
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id
    for extension in manifest.get("composeExtensions", []):
        extension["botId"] = app_id
    tabs = [tab for tab in manifest.get("staticTabs", []) if tab.get("entityId") == "oversight"]
    if len(tabs) != 1:
        raise PackageError("infra/teams/manifest.json must have exactly one static tab with entityId oversight.")
    tabs[0]["contentUrl"] = f"{public_url}{TAB_PATH}"
    manifest["validDomains"] = [parsed.netloc]
    manifest["webApplicationInfo"] = {"id": app_id, "resource": resource}
    return manifest


def validate_manifest(manifest: Mapping[str, Any]) -> None:
    """Against Microsoft's JSON schema for the manifest version it declares (from npm's @microsoft/app-manifest)."""
    schema_file = SCHEMAS / f"v{manifest.get('manifestVersion')}" / "MicrosoftTeams.schema.json"
    if not schema_file.is_file():
        raise PackageError(
            f"{schema_file.relative_to(ROOT)} is missing: run `make package` (it installs @microsoft/app-manifest "
            "with npm), or `npm install`."
        )
    validator = jsonschema.Draft4Validator(json.loads(schema_file.read_text(encoding="utf-8")))
    error = jsonschema.exceptions.best_match(validator.iter_errors(manifest))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the top level"
        raise PackageError(f"The manifest does not match Microsoft's schema at {where}: {error.message}")


def check_icon(name: str, data: bytes) -> None:
    """A PNG of Teams' size; the outline icon white on a transparent background, as Teams draws it tinted."""
    size = ICONS[name]
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except OSError as error:
        raise PackageError(f"{name} is not a readable image: {error}") from None
    if image.format != "PNG" or image.size != (size, size):
        raise PackageError(
            f"{name} must be a {size}×{size} PNG; it is a {image.size[0]}×{image.size[1]} {image.format}."
        )
    if name == "outline.png":
        rgba = image.convert("RGBA")
        width, height = rgba.size
        for y in range(height):
            for x in range(width):
                red, green, blue, alpha = rgba.getpixel((x, y))  # type: ignore[misc]
                if alpha and (red, green, blue) != (255, 255, 255):
                    raise PackageError(
                        "outline.png must be white on a transparent background; the pixel at "
                        f"({x}, {y}) is ({red}, {green}, {blue}) and not transparent."
                    )


def build_package(env: Mapping[str, str], out_dir: Path = DIST, template_dir: Path = TEMPLATE_DIR) -> Path:
    """Write out_dir/rapid-debrief-teams-<version>.zip: manifest.json, color.png and outline.png, checked."""
    try:
        template = json.loads((template_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PackageError(f"Cannot read {template_dir / 'manifest.json'}: {error}") from None
    manifest = package_manifest(env, template)
    validate_manifest(manifest)
    icons: dict[str, bytes] = {}
    for name in ICONS:
        if manifest["icons"][name.removesuffix(".png")] != name:
            raise PackageError(f"The manifest's icons must name {name}, the file the package holds.")
        icons[name] = (template_dir / name).read_bytes()
        check_icon(name, icons[name])

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"rapid-debrief-teams-{manifest['version']}.zip"
    files = {"manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), **icons}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return target


def main(env: Mapping[str, str] | None = None) -> int:
    try:
        target = build_package(os.environ if env is None else env)
    except PackageError as error:
        print(f"Cannot build the Teams app package: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
