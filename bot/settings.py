"""Settings from the environment, checked once at start-up so a bad configuration stops the app, saying why."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from debrief.model import NominationRules
from storage.database import DEFAULT_DATABASE_URL


class SettingsError(Exception):
    """The app must not start with these settings; the message says what to change."""


DocumentDelivery = Literal["file_consent", "link"]
DOCUMENT_DELIVERIES: tuple[DocumentDelivery, ...] = ("file_consent", "link")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 3978
    database_url: str = DEFAULT_DATABASE_URL
    app_id: str = ""
    app_password: str = ""
    app_type: str = "SingleTenant"
    app_tenant_id: str = ""
    allowed_tenants: frozenset[str] = frozenset()
    development: bool = False
    """Anonymous (unauthenticated) mode: only with DEBRIEF_ENVIRONMENT=development and no app id."""
    bot_id: str = ""
    """The bot's id as Teams knows it: the app id, or the Playground's bot id in development."""
    directory_file: Path = Path("infra/directory.dev.toml")
    review_team_channel_id: str = ""
    nomination_rules: NominationRules = field(default_factory=NominationRules)
    openid_metadata_url: str | None = None
    token_issuer: str | None = None
    dispatch_interval_s: float = 1.0
    public_url: str = "http://127.0.0.1:3978"
    """Where people's browsers reach the bot: single-use document links start with it."""
    document_link_minutes: int = 10
    """How long a single-use document token (a link, or a file consent card's offer) stays valid."""
    document_delivery: DocumentDelivery = "file_consent"
    """How a requested Word document reaches its requester: Teams' file consent flow (saved to their own OneDrive)
    or a single-use link to GET /documents/{token} (for clients without file consent, such as the Playground)."""
    scheduler_interval_s: float = 60.0

    @property
    def home_tenant(self) -> str:
        """The force's own tenant, where the review team's channel lives."""
        return self.app_tenant_id or sorted(self.allowed_tenants)[0]

    @property
    def anonymous(self) -> bool:
        return not self.app_id

    # The attribute names botbuilder's configuration classes read.
    @property
    def APP_ID(self) -> str:  # noqa: N802
        return self.app_id

    @property
    def APP_PASSWORD(self) -> str:  # noqa: N802
        return self.app_password

    @property
    def APP_TYPE(self) -> str:  # noqa: N802
        return self.app_type

    @property
    def APP_TENANTID(self) -> str:  # noqa: N802
        return self.app_tenant_id

    @property
    def TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL(self) -> str | None:  # noqa: N802
        return self.openid_metadata_url

    @property
    def TO_BOT_FROM_CHANNEL_TOKEN_ISSUER(self) -> str | None:  # noqa: N802
        return self.token_issuer


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    development = env.get("DEBRIEF_ENVIRONMENT", "production").strip().lower() == "development"
    app_id = env.get("MicrosoftAppId", "").strip()
    app_password = env.get("MicrosoftAppPassword", "").strip()
    app_type = env.get("MicrosoftAppType", "SingleTenant").strip() or "SingleTenant"
    app_tenant_id = env.get("MicrosoftAppTenantId", "").strip()

    if not app_id and not development:
        raise SettingsError(
            "MicrosoftAppId is not set, so the bot would accept unauthenticated requests. Set MicrosoftAppId "
            "(and MicrosoftAppPassword and MicrosoftAppTenantId), or set DEBRIEF_ENVIRONMENT=development "
            "to run anonymously on your own machine."
        )
    if app_id and app_type.lower() != "userassignedmsi" and not app_password:
        raise SettingsError("MicrosoftAppId is set but MicrosoftAppPassword is not; set both.")
    if app_id and app_type.lower() in ("singletenant", "userassignedmsi") and not app_tenant_id:
        raise SettingsError(f"MicrosoftAppType is {app_type}: set MicrosoftAppTenantId to the force's tenant id.")

    tenants = frozenset(t.strip() for t in env.get("DEBRIEF_ALLOWED_TENANTS", "").split(",") if t.strip())
    if not tenants and app_tenant_id:
        tenants = frozenset({app_tenant_id})
    if not tenants:
        raise SettingsError(
            "No tenant is allowed to use the bot: set DEBRIEF_ALLOWED_TENANTS (comma-separated tenant ids) "
            "or MicrosoftAppTenantId."
        )

    try:
        port = int(env.get("PORT", "3978"))
    except ValueError:
        raise SettingsError(f"PORT must be a number, not {env.get('PORT')!r}.") from None

    try:
        interval = float(env.get("DEBRIEF_DISPATCH_INTERVAL_S", "1.0"))
    except ValueError:
        raise SettingsError("DEBRIEF_DISPATCH_INTERVAL_S must be a number of seconds, for example 1.0.") from None
    if not 0.01 <= interval <= 60:
        raise SettingsError("DEBRIEF_DISPATCH_INTERVAL_S must be between 0.01 and 60 seconds.")

    rules = NominationRules()
    if pattern := env.get("DEBRIEF_REFERENCE_PATTERN", "").strip():
        try:
            re.compile(pattern)
        except re.error as error:
            raise SettingsError(f"DEBRIEF_REFERENCE_PATTERN is not a valid pattern: {error}.") from None
        hint = env.get("DEBRIEF_REFERENCE_HINT", "").strip() or f"a reference matching {pattern}"
        rules = NominationRules(reference_pattern=pattern, reference_hint=hint)

    directory_file = Path(env.get("DEBRIEF_DIRECTORY_FILE", "infra/directory.dev.toml"))
    if not directory_file.is_file():
        raise SettingsError(f"DEBRIEF_DIRECTORY_FILE {directory_file} does not exist.")
    review_channel = env.get("DEBRIEF_REVIEW_TEAM_CHANNEL_ID", "").strip()
    if not review_channel:
        raise SettingsError("Set DEBRIEF_REVIEW_TEAM_CHANNEL_ID to the review team's channel id.")

    host = env.get("HOST", "127.0.0.1")
    public_url = env.get("DEBRIEF_PUBLIC_URL", "").strip().rstrip("/")
    if not public_url:
        if not development:
            raise SettingsError(
                "Set DEBRIEF_PUBLIC_URL to the bot's public https address (document links are built from it)."
            )
        public_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    elif not development and not public_url.startswith("https://"):
        raise SettingsError("DEBRIEF_PUBLIC_URL must start with https:// outside development.")
    link_minutes = _number(env, "DEBRIEF_DOCUMENT_LINK_MINUTES", "10", low=1, high=60, unit="minutes")
    scheduler_interval = _number(env, "DEBRIEF_SCHEDULER_INTERVAL_S", "60", low=1, high=3600, unit="seconds")
    delivery = _document_delivery(env, development=development)

    return Settings(
        host=host,
        port=port,
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        app_id=app_id,
        app_password=app_password,
        app_type=app_type,
        app_tenant_id=app_tenant_id,
        allowed_tenants=tenants,
        development=development,
        bot_id=app_id or env.get("DEBRIEF_DEV_BOT_ID", "").strip(),
        directory_file=directory_file,
        review_team_channel_id=review_channel,
        nomination_rules=rules,
        openid_metadata_url=env.get("TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL") or None,
        token_issuer=env.get("TO_BOT_FROM_CHANNEL_TOKEN_ISSUER") or None,
        dispatch_interval_s=interval,
        public_url=public_url,
        document_link_minutes=int(link_minutes),
        document_delivery=delivery,
        scheduler_interval_s=scheduler_interval,
    )


def _document_delivery(env: Mapping[str, str], *, development: bool) -> DocumentDelivery:
    """`file_consent` in Teams; `link` by default in development, where the Playground has no file consent."""
    raw = env.get("DEBRIEF_DOCUMENT_DELIVERY", "").strip().lower()
    if not raw:
        return "link" if development else "file_consent"
    for delivery in DOCUMENT_DELIVERIES:
        if raw == delivery:
            return delivery
    raise SettingsError(
        f"DEBRIEF_DOCUMENT_DELIVERY must be file_consent (Teams saves the document to the requester's OneDrive) "
        f"or link (a single-use download link from the bot), not {raw!r}."
    )


def _number(env: Mapping[str, str], name: str, default: str, *, low: float, high: float, unit: str) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        raise SettingsError(f"{name} must be a number of {unit}.") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g} {unit}.")
    return value
