"""Settings from the environment, checked once at start-up so a bad configuration stops the app, saying why."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from debrief.action_reminders import ReminderRules
from debrief.learning import MAX_DUE_WORKING_DAYS
from debrief.model import NominationRules
from debrief.parameters import AGENCIES
from debrief.permissions import Role
from debrief.retention import DEFAULT_RETENTION_YEARS
from storage.database import DEFAULT_DATABASE_URL


class SettingsError(Exception):
    """The app must not start with these settings; the message says what to change."""


DocumentDelivery = Literal["file_consent", "link"]
DOCUMENT_DELIVERIES: tuple[DocumentDelivery, ...] = ("file_consent", "link")
LogFormat = Literal["json", "text"]
MIN_METRICS_TOKEN_LENGTH = 32
_METRICS_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")

DirectoryKind = Literal["file", "graph"]

GRAPH_ROLE_GROUPS: tuple[tuple[str, Role], ...] = (
    ("DEBRIEF_GRAPH_GROUP_REVIEW_TEAM", Role.REVIEW_TEAM),
    ("DEBRIEF_GRAPH_GROUP_WORKING_GROUP", Role.WORKING_GROUP),
    ("DEBRIEF_GRAPH_GROUP_BOARD", Role.BOARD),
    ("DEBRIEF_GRAPH_GROUP_INFORMATION_MANAGER", Role.INFORMATION_MANAGER),
    ("DEBRIEF_GRAPH_GROUP_DISCLOSURE_OFFICER", Role.DISCLOSURE_OFFICER),
    ("DEBRIEF_GRAPH_GROUP_SIO", Role.SIO),
    ("DEBRIEF_GRAPH_GROUP_ADMINISTRATOR", Role.ADMINISTRATOR),
)
"""The setting that names each role's Entra ID group (by object id); only the review team's is required."""

MAX_RETENTION_YEARS = 100
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_WHOLE = re.compile(r"[0-9]{1,4}")
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")


def canonical_agency(name: str) -> str | None:
    """The agency of debrief.parameters.AGENCIES that `name` names, ignoring case and outer spaces; else None."""
    wanted = name.strip().casefold()
    return next((agency for agency in AGENCIES if agency.casefold() == wanted), None)


@dataclass(frozen=True)
class GraphSettings:
    """Where and how the directory is read from Microsoft Graph (DEBRIEF_DIRECTORY=graph).

    The credentials are the bot's own (MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId): they stay in
    Settings and are not repeated here."""

    authority_url: str
    """The identity platform's authority: https://login.microsoftonline.com/{tenant} unless overridden."""
    graph_url: str = "https://graph.microsoft.com"
    role_groups: Mapping[Role, str] = field(default_factory=dict)
    """Entra ID group object id per role; the review team's is always there."""
    partner_group: str | None = None
    """Guests in this group are partner contacts."""
    officer_group: str | None = None
    """Members of this group are listed as officers (those a lead reviewer can pick as contributors)."""
    partner_domains: Mapping[str, str] = field(default_factory=dict)
    """Mail domain -> agency, for partner guests whose companyName names no agency."""
    refresh_minutes: float = 15.0
    ca_file: Path | None = None
    """Tests only: a PEM file of the certificate authorities trusted for the authority and Graph."""


@dataclass(frozen=True)
class GraphConnection:
    """Where the bot reaches Microsoft Graph for the Teams meetings it creates (DEBRIEF_GRAPH_ONLINE_MEETINGS=true):
    the same addresses as the Graph directory's, with the bot's own credentials (kept in Settings)."""

    authority_url: str
    graph_url: str = "https://graph.microsoft.com"
    ca_file: Path | None = None


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
    tenant_sends_per_s: float = 50.0
    """The most connector requests this instance sends to one tenant per second (Teams allows an app about 50
    per tenant; with several instances, each gets its share: divide by the number of instances)."""
    directory: DirectoryKind = "file"
    """Where people and roles come from: the settings file (development, tests) or Microsoft Graph."""
    graph: GraphSettings | None = None
    """Set when directory is "graph"."""
    online_meetings: GraphConnection | None = None
    """Set when DEBRIEF_GRAPH_ONLINE_MEETINGS=true: the debrief meeting gets a Teams meeting, created through Graph."""
    action_reminders: ReminderRules = field(default_factory=ReminderRules)
    """When action owners are reminded and overdue actions escalated (DEBRIEF_ACTION_REMINDER_DAYS,
    DEBRIEF_ESCALATE_AFTER_WORKING_DAYS, DEBRIEF_ACTION_HOURS)."""
    working_group_channel_id: str = ""
    """Where overdue actions are escalated; the review team's channel unless DEBRIEF_WORKING_GROUP_CHANNEL_ID says."""
    retention_years: int = DEFAULT_RETENTION_YEARS
    """Years from a case's closure to its retention review (DEBRIEF_RETENTION_YEARS; MoPI's common minimum, 6)."""
    board_channel_id: str = ""
    """Where the homicide prevention board's quarterly summary goes (DEBRIEF_BOARD_CHANNEL_ID); the working group's
    channel unless set."""
    sso_metadata_url: str = ""
    """The dashboard tab's Teams SSO: the OpenID metadata whose keys sign the tokens (DEBRIEF_SSO_METADATA_URL;
    Microsoft's v2.0 metadata for the app's tenant unless set). Empty in anonymous mode, which has no Entra ID."""
    sso_app_id_uri: str = ""
    """The app id URI a tab's token may be for, besides the app id (DEBRIEF_SSO_APP_ID_URI;
    api://<public host>/<app id> unless set). Empty in anonymous mode."""
    log_format: LogFormat = "json"
    """How `python -m bot` logs to stderr (DEBRIEF_LOG_FORMAT): one JSON object a line, or text in development."""
    metrics_token: str = ""
    """The bearer token GET /metrics needs (DEBRIEF_METRICS_TOKEN); without one, /metrics is open in development and
    not there (404) in production."""

    @property
    def escalation_channel_id(self) -> str:
        """The working group's channel, or the review team's where none is set."""
        return self.working_group_channel_id or self.review_team_channel_id

    @property
    def board_summary_channel_id(self) -> str:
        """The board's channel, or the working group's where none is set."""
        return self.board_channel_id or self.escalation_channel_id

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

    directory = _directory_kind(env)
    directory_file = Path(env.get("DEBRIEF_DIRECTORY_FILE", "infra/directory.dev.toml"))
    if directory == "file" and not directory_file.is_file():
        raise SettingsError(f"DEBRIEF_DIRECTORY_FILE {directory_file} does not exist.")
    graph = (
        _graph_settings(env, app_id=app_id, app_password=app_password, tenant_id=app_tenant_id)
        if directory == "graph"
        else None
    )
    online_meetings = (
        _graph_connection(env, app_id=app_id, app_password=app_password, tenant_id=app_tenant_id)
        if _online_meetings_wanted(env)
        else None
    )
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
    tenant_sends = _number(env, "DEBRIEF_TENANT_SENDS_PER_S", "50", low=1, high=1000, unit="sends per second")
    action_reminders = _action_reminders(env)
    working_group_channel = env.get("DEBRIEF_WORKING_GROUP_CHANNEL_ID", "").strip() or review_channel
    retention_years = _retention_years(env)
    board_channel = env.get("DEBRIEF_BOARD_CHANNEL_ID", "").strip() or working_group_channel
    sso_metadata_url, sso_app_id_uri = _sso(env, app_id=app_id, tenants=tenants, home=app_tenant_id, public=public_url)

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
        tenant_sends_per_s=tenant_sends,
        directory=directory,
        graph=graph,
        online_meetings=online_meetings,
        action_reminders=action_reminders,
        working_group_channel_id=working_group_channel,
        retention_years=retention_years,
        board_channel_id=board_channel,
        sso_metadata_url=sso_metadata_url,
        sso_app_id_uri=sso_app_id_uri,
        log_format=_log_format(env, development=development),
        metrics_token=_metrics_token(env),
    )


def _log_format(env: Mapping[str, str], *, development: bool) -> LogFormat:
    """DEBRIEF_LOG_FORMAT: json (the default outside development) or text (the default in development)."""
    raw = env.get("DEBRIEF_LOG_FORMAT", "").strip().lower()
    if not raw:
        return "text" if development else "json"
    if raw in ("json", "text"):
        return "json" if raw == "json" else "text"
    raise SettingsError(
        f"DEBRIEF_LOG_FORMAT must be json (one JSON object a line, for a log collector) or text (lines for a "
        f"person to read), not {raw!r}."
    )


def _metrics_token(env: Mapping[str, str]) -> str:
    """DEBRIEF_METRICS_TOKEN: the bearer token GET /metrics needs; long and plain, as a generated secret is."""
    token = env.get("DEBRIEF_METRICS_TOKEN", "").strip()
    if token and (len(token) < MIN_METRICS_TOKEN_LENGTH or not _METRICS_TOKEN.fullmatch(token)):
        raise SettingsError(
            f"DEBRIEF_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LENGTH} characters of letters, digits and "
            '._~+/=- (for example the output of python -c "import secrets; print(secrets.token_urlsafe(32))"); '
            "the one set is not."
        )
    return token


def _directory_kind(env: Mapping[str, str]) -> DirectoryKind:
    raw = env.get("DEBRIEF_DIRECTORY", "").strip().lower()
    if raw in ("", "file"):
        return "file"
    if raw == "graph":
        return "graph"
    raise SettingsError(
        f"DEBRIEF_DIRECTORY must be file (people and roles from DEBRIEF_DIRECTORY_FILE) or graph (from Entra ID "
        f"groups through Microsoft Graph), not {raw!r}."
    )


def _graph_settings(env: Mapping[str, str], *, app_id: str, app_password: str, tenant_id: str) -> GraphSettings:
    connection = _graph_connection(
        env,
        app_id=app_id,
        app_password=app_password,
        tenant_id=tenant_id,
        wanted_by="DEBRIEF_DIRECTORY=graph",
        purpose="reads Entra ID",
    )

    role_groups: dict[Role, str] = {}
    for name, role in GRAPH_ROLE_GROUPS:
        if group := _group_id(env, name):
            role_groups[role] = group
    if Role.REVIEW_TEAM not in role_groups:
        raise SettingsError(
            "DEBRIEF_DIRECTORY=graph needs DEBRIEF_GRAPH_GROUP_REVIEW_TEAM: the object id of the review team's "
            "Entra ID group."
        )

    return GraphSettings(
        authority_url=connection.authority_url,
        graph_url=connection.graph_url,
        role_groups=role_groups,
        partner_group=_group_id(env, "DEBRIEF_GRAPH_GROUP_PARTNERS"),
        officer_group=_group_id(env, "DEBRIEF_GRAPH_GROUP_OFFICERS"),
        partner_domains=_partner_domains(env.get("DEBRIEF_GRAPH_PARTNER_DOMAINS", "")),
        refresh_minutes=_number(env, "DEBRIEF_GRAPH_REFRESH_MINUTES", "15", low=1, high=1440, unit="minutes"),
        ca_file=connection.ca_file,
    )


def _sso(env: Mapping[str, str], *, app_id: str, tenants: frozenset[str], home: str, public: str) -> tuple[str, str]:
    """The dashboard tab's Teams SSO: where the signing keys are published, and the app id URI; none anonymously."""
    if not app_id:
        return "", ""
    tenant = home or sorted(tenants)[0]
    metadata = env.get("DEBRIEF_SSO_METADATA_URL", "").strip() or (
        f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
    )
    parsed = urlsplit(metadata)
    loopback = parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if not (parsed.scheme == "https" or loopback) or not parsed.hostname:
        raise SettingsError(
            "DEBRIEF_SSO_METADATA_URL must be an https:// address (http:// only on this machine, for tests), for "
            f"example https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/openid-configuration; not "
            f"{metadata!r}."
        )
    app_id_uri = env.get("DEBRIEF_SSO_APP_ID_URI", "").strip().rstrip("/") or (
        f"api://{urlsplit(public).hostname}/{app_id}"
    )
    host, _, path = app_id_uri.removeprefix("api://").partition("/")
    if not app_id_uri.startswith("api://") or not host or not path.endswith(app_id):
        raise SettingsError(
            "DEBRIEF_SSO_APP_ID_URI must be the app id URI of the bot's app registration, as Teams SSO needs it: "
            f"api://<the bot's public host>/{app_id}; not {app_id_uri!r}."
        )
    return metadata, app_id_uri


def _online_meetings_wanted(env: Mapping[str, str]) -> bool:
    raw = env.get("DEBRIEF_GRAPH_ONLINE_MEETINGS", "").strip().lower()
    if raw in ("", "false"):
        return False
    if raw == "true":
        return True
    raise SettingsError(
        "DEBRIEF_GRAPH_ONLINE_MEETINGS must be true (create the debrief meeting's Teams meeting through Microsoft "
        f"Graph) or false (the meeting card offers the calendar invitation only), not {raw!r}."
    )


def _graph_connection(
    env: Mapping[str, str],
    *,
    app_id: str,
    app_password: str,
    tenant_id: str,
    wanted_by: str = "DEBRIEF_GRAPH_ONLINE_MEETINGS=true",
    purpose: str = "creates Teams meetings",
) -> GraphConnection:
    """The app's credentials (client credentials need all three) and Graph's addresses, checked."""
    missing = [
        name
        for name, value in (
            ("MicrosoftAppId", app_id),
            ("MicrosoftAppPassword", app_password),
            ("MicrosoftAppTenantId", tenant_id),
        )
        if not value
    ]
    if missing:
        raise SettingsError(
            f"{wanted_by} {purpose} with the bot's own app registration (client credentials): set {', '.join(missing)}."
        )
    if not _GUID.fullmatch(tenant_id):
        raise SettingsError(f"{wanted_by} needs MicrosoftAppTenantId to be the tenant's id (a GUID).")

    authority_url = _https_url(env, "DEBRIEF_GRAPH_AUTHORITY_URL", f"https://login.microsoftonline.com/{tenant_id}")
    if not authority_url.removeprefix("https://").partition("/")[2]:
        raise SettingsError(
            "DEBRIEF_GRAPH_AUTHORITY_URL must name the tenant, for example "
            "https://login.microsoftonline.com/<tenant id>."
        )
    ca_file: Path | None = None
    if raw_ca := env.get("DEBRIEF_GRAPH_CA_FILE", "").strip():
        ca_file = Path(raw_ca)
        if not ca_file.is_file():
            raise SettingsError(f"DEBRIEF_GRAPH_CA_FILE {ca_file} does not exist.")
    return GraphConnection(
        authority_url=authority_url,
        graph_url=_https_url(env, "DEBRIEF_GRAPH_URL", "https://graph.microsoft.com"),
        ca_file=ca_file,
    )


def _group_id(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not _GUID.fullmatch(raw):
        raise SettingsError(f"{name} must be an Entra ID group's object id (a GUID such as 0b1c…), not {raw!r}.")
    return raw.lower()


def _https_url(env: Mapping[str, str], name: str, default: str) -> str:
    url = env.get(name, "").strip().rstrip("/") or default
    if not url.startswith("https://") or len(url) <= len("https://"):
        raise SettingsError(f"{name} must be an https:// address, not {url!r}.")
    return url


def _partner_domains(raw: str) -> dict[str, str]:
    """`probation.example=Probation Service,nhs.example=NHS mental health trust` -> {domain: agency}."""
    domains: dict[str, str] = {}
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        domain, equals, agency_name = part.partition("=")
        domain = domain.strip().lower().lstrip("@")
        if not equals or not _DOMAIN.fullmatch(domain):
            raise SettingsError(
                "DEBRIEF_GRAPH_PARTNER_DOMAINS is a comma-separated list of domain=agency, for example "
                f"probation.example=Probation Service; {part!r} is not."
            )
        agency = canonical_agency(agency_name)
        if agency is None:
            raise SettingsError(
                f"DEBRIEF_GRAPH_PARTNER_DOMAINS: {agency_name.strip()!r} is not an agency; use one of: "
                f"{', '.join(AGENCIES)}."
            )
        domains[domain] = agency
    return domains


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


def _action_reminders(env: Mapping[str, str]) -> ReminderRules:
    """DEBRIEF_ACTION_REMINDER_DAYS, DEBRIEF_ESCALATE_AFTER_WORKING_DAYS and DEBRIEF_ACTION_HOURS, checked."""
    raw_days = env.get("DEBRIEF_ACTION_REMINDER_DAYS", "").strip() or "5,1"
    before: list[int] = []
    if raw_days.lower() != "none":
        for part in (p.strip() for p in raw_days.split(",")):
            if not (_WHOLE.fullmatch(part) and 1 <= int(part) <= MAX_DUE_WORKING_DAYS):
                raise SettingsError(
                    "DEBRIEF_ACTION_REMINDER_DAYS is a comma-separated list of working days before an action's due "
                    f"date on which its owner is reminded (each 1 to {MAX_DUE_WORKING_DAYS}), for example 5,1, or "
                    f"none; {raw_days!r} is not."
                )
            before.append(int(part))
    raw_escalate = env.get("DEBRIEF_ESCALATE_AFTER_WORKING_DAYS", "").strip() or "10"
    if not (_WHOLE.fullmatch(raw_escalate) and 1 <= int(raw_escalate) <= MAX_DUE_WORKING_DAYS):
        raise SettingsError(
            "DEBRIEF_ESCALATE_AFTER_WORKING_DAYS is how many working days overdue an action is before the working "
            f"group is told: a whole number from 1 to {MAX_DUE_WORKING_DAYS}, not {raw_escalate!r}."
        )
    raw_hours = env.get("DEBRIEF_ACTION_HOURS", "").strip() or "08:00-18:00"
    start_text, dash, end_text = raw_hours.partition("-")
    start, end = _clock_time(start_text), _clock_time(end_text)
    if not dash or start is None or end is None or not start < end:
        raise SettingsError(
            "DEBRIEF_ACTION_HOURS is the working hours, UK time, in which action reminders are sent: HH:MM-HH:MM "
            f"with the start before the end, for example 08:00-18:00; not {raw_hours!r}."
        )
    return ReminderRules(
        before=tuple(sorted(set(before), reverse=True)), escalate_after=int(raw_escalate), start=start, end=end
    )


def _retention_years(env: Mapping[str, str]) -> int:
    """DEBRIEF_RETENTION_YEARS: whole years from closure to the retention review, 1 to 100 (default 6)."""
    raw = env.get("DEBRIEF_RETENTION_YEARS", "").strip() or str(DEFAULT_RETENTION_YEARS)
    if not (_WHOLE.fullmatch(raw) and 1 <= int(raw) <= MAX_RETENTION_YEARS):
        raise SettingsError(
            "DEBRIEF_RETENTION_YEARS is how many years after a case closes its retention review falls due: a whole "
            f"number from 1 to {MAX_RETENTION_YEARS} (the common minimum is {DEFAULT_RETENTION_YEARS}), not {raw!r}."
        )
    return int(raw)


def _clock_time(text: str) -> time | None:
    """'08:00' -> 08:00; None unless it is HH:MM on the 24-hour clock (24:00 for the end of the day is not)."""
    found = _CLOCK.fullmatch(text.strip())
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        return None
    return time(int(found[1]), int(found[2]))


def _number(env: Mapping[str, str], name: str, default: str, *, low: float, high: float, unit: str) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        raise SettingsError(f"{name} must be a number of {unit}.") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g} {unit}.")
    return value
