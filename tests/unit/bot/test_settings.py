"""Start-up refuses settings that would leave the bot unauthenticated or half-configured, saying what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.settings import GRAPH_ROLE_GROUPS, SettingsError, load_settings
from debrief.permissions import Role
from tests.support.people import BOT_ID, DIRECTORY_FILE, REVIEW_CHANNEL, ROOT, TENANT

APP_ID = BOT_ID
PASSWORD = "fictional-test-secret-not-a-real-password"


def env(**values: str) -> dict[str, str]:
    """Everything load_settings needs apart from the authentication settings under test."""
    return {
        "DEBRIEF_REVIEW_TEAM_CHANNEL_ID": REVIEW_CHANNEL,
        "DEBRIEF_DIRECTORY_FILE": str(DIRECTORY_FILE),
        "DEBRIEF_ALLOWED_TENANTS": TENANT,
        "DEBRIEF_PUBLIC_URL": "https://debrief.example.test",
        **values,
    }


def test_without_an_app_id_the_bot_refuses_to_start_outside_development() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(env())
    message = str(refused.value)
    assert "MicrosoftAppId" in message
    assert "DEBRIEF_ENVIRONMENT=development" in message


def test_production_named_explicitly_without_an_app_id_is_refused() -> None:
    with pytest.raises(SettingsError, match="MicrosoftAppId"):
        load_settings(env(DEBRIEF_ENVIRONMENT="production"))


def test_an_app_id_without_a_password_is_refused() -> None:
    with pytest.raises(SettingsError, match="MicrosoftAppPassword"):
        load_settings(env(MicrosoftAppId=APP_ID, MicrosoftAppTenantId=TENANT))


def test_a_single_tenant_app_without_a_tenant_id_is_refused() -> None:
    with pytest.raises(SettingsError, match="MicrosoftAppTenantId"):
        load_settings(env(MicrosoftAppId=APP_ID, MicrosoftAppPassword=PASSWORD, MicrosoftAppType="SingleTenant"))


def test_the_app_type_defaults_to_single_tenant_so_a_missing_tenant_id_is_refused() -> None:
    with pytest.raises(SettingsError, match="MicrosoftAppTenantId"):
        load_settings(env(MicrosoftAppId=APP_ID, MicrosoftAppPassword=PASSWORD))


def test_a_complete_single_tenant_configuration_is_accepted_and_authenticated() -> None:
    settings = load_settings(env(MicrosoftAppId=APP_ID, MicrosoftAppPassword=PASSWORD, MicrosoftAppTenantId=TENANT))
    assert not settings.anonymous
    assert not settings.development
    assert settings.bot_id == APP_ID
    assert settings.APP_TENANTID == TENANT


def test_development_mode_without_an_app_id_is_accepted_as_anonymous() -> None:
    settings = load_settings(env(DEBRIEF_ENVIRONMENT="development"))
    assert settings.development
    assert settings.anonymous


def _python() -> str:
    """The project's virtualenv interpreter, as `make run` uses it; the running one if there is none."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.is_file() else sys.executable


def test_python_m_bot_with_an_empty_environment_exits_2_saying_it_cannot_start() -> None:
    """What an operator sees when production starts with no configuration: a clear refusal, not a server."""
    result = subprocess.run(
        [_python(), "-m", "bot"],
        cwd=Path(ROOT),
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "cannot start" in result.stderr
    assert "MicrosoftAppId" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("PORT", "eighty", "PORT must be a number"),
        ("DEBRIEF_DISPATCH_INTERVAL_S", "soon", "must be a number of seconds"),
        ("DEBRIEF_DISPATCH_INTERVAL_S", "0", "between 0.01 and 60"),
        ("DEBRIEF_REFERENCE_PATTERN", "([", "not a valid pattern"),
        ("DEBRIEF_DIRECTORY_FILE", "/nowhere/directory.toml", "does not exist"),
        ("DEBRIEF_REVIEW_TEAM_CHANNEL_ID", " ", "review team's channel"),
        ("DEBRIEF_ALLOWED_TENANTS", "", "No tenant is allowed"),
        ("DEBRIEF_DOCUMENT_LINK_MINUTES", "120", "between 1 and 60 minutes"),
        ("DEBRIEF_SCHEDULER_INTERVAL_S", "often", "must be a number of seconds"),
        ("DEBRIEF_DOCUMENT_DELIVERY", "email", "must be file_consent"),
        ("DEBRIEF_TENANT_SENDS_PER_S", "fast", "must be a number of sends per second"),
        ("DEBRIEF_TENANT_SENDS_PER_S", "0", "between 1 and 1000 sends per second"),
        ("DEBRIEF_ACTION_REMINDER_DAYS", "5;1", "comma-separated list of working days"),
        ("DEBRIEF_ACTION_REMINDER_DAYS", "5,0", "each 1 to 260"),
        ("DEBRIEF_ACTION_REMINDER_DAYS", "five", "for example 5,1, or none"),
        ("DEBRIEF_ESCALATE_AFTER_WORKING_DAYS", "0", "whole number from 1 to 260"),
        ("DEBRIEF_ESCALATE_AFTER_WORKING_DAYS", "2.5", "whole number from 1 to 260"),
        ("DEBRIEF_ESCALATE_AFTER_WORKING_DAYS", "999", "whole number from 1 to 260"),
        ("DEBRIEF_ACTION_HOURS", "8-18", "HH:MM-HH:MM"),
        ("DEBRIEF_ACTION_HOURS", "18:00-08:00", "with the start before the end"),
        ("DEBRIEF_ACTION_HOURS", "08:00-24:00", "for example 08:00-18:00"),
        ("DEBRIEF_ACTION_HOURS", "08:60-17:00", "HH:MM-HH:MM"),
    ],
)
def test_a_bad_setting_stops_the_start_saying_what_to_change(name: str, value: str, says: str) -> None:
    settings = env(DEBRIEF_ENVIRONMENT="development")
    settings[name] = value
    with pytest.raises(SettingsError) as raised:
        load_settings(settings)
    assert says in str(raised.value)


def test_action_reminders_default_to_five_and_one_working_days_office_hours_and_the_review_teams_channel() -> None:
    settings = load_settings(env(DEBRIEF_ENVIRONMENT="development"))
    rules = settings.action_reminders
    assert rules.before == (5, 1) and rules.escalate_after == 10
    assert (rules.start, rules.end) == (time(8, 0), time(18, 0))
    assert settings.working_group_channel_id == settings.escalation_channel_id == REVIEW_CHANNEL


def test_the_boards_summary_goes_to_the_working_groups_channel_unless_the_board_has_its_own() -> None:
    wg = "19:rapid-debrief-working-group@thread.tacv2"
    assert load_settings(env(DEBRIEF_ENVIRONMENT="development")).board_summary_channel_id == REVIEW_CHANNEL
    with_wg = load_settings(env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_WORKING_GROUP_CHANNEL_ID=wg))
    assert with_wg.board_summary_channel_id == wg
    own = load_settings(
        env(
            DEBRIEF_ENVIRONMENT="development",
            DEBRIEF_WORKING_GROUP_CHANNEL_ID=wg,
            DEBRIEF_BOARD_CHANNEL_ID=" 19:homicide-prevention-board@thread.tacv2 ",
        )
    )
    assert own.board_summary_channel_id == "19:homicide-prevention-board@thread.tacv2"


def test_action_reminders_can_be_set() -> None:
    settings = load_settings(
        env(
            DEBRIEF_ENVIRONMENT="development",
            DEBRIEF_ACTION_REMINDER_DAYS=" 1, 10 ,3,3",
            DEBRIEF_ESCALATE_AFTER_WORKING_DAYS="15",
            DEBRIEF_ACTION_HOURS="9:30-17:00",
            DEBRIEF_WORKING_GROUP_CHANNEL_ID="19:rapid-debrief-working-group@thread.tacv2",
        )
    )
    rules = settings.action_reminders
    assert rules.before == (10, 3, 1) and rules.escalate_after == 15
    assert (rules.start, rules.end) == (time(9, 30), time(17, 0))
    assert settings.escalation_channel_id == "19:rapid-debrief-working-group@thread.tacv2"
    none_before = load_settings(env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_ACTION_REMINDER_DAYS="none"))
    assert none_before.action_reminders.before == ()


@pytest.mark.parametrize("value", ["0", "six", "6.5", "-6", "101"])
def test_the_retention_review_is_whole_years_after_closure_from_1_to_100(value: str) -> None:
    assert load_settings(env(DEBRIEF_ENVIRONMENT="development")).retention_years == 6
    assert load_settings(env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_RETENTION_YEARS=" 7 ")).retention_years == 7
    with pytest.raises(SettingsError) as raised:
        load_settings(env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_RETENTION_YEARS=value))
    assert "DEBRIEF_RETENTION_YEARS is how many years after a case closes" in str(raised.value)
    assert f"not {value!r}" in str(raised.value)


def test_the_per_tenant_send_rate_is_teams_limit_unless_shared_between_instances() -> None:
    assert load_settings(env(DEBRIEF_ENVIRONMENT="development")).tenant_sends_per_s == 50
    shared = load_settings(env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_TENANT_SENDS_PER_S="16.5"))
    assert shared.tenant_sends_per_s == 16.5


def test_document_links_need_a_public_https_address_outside_development() -> None:
    production = env(MicrosoftAppId=APP_ID, MicrosoftAppPassword=PASSWORD, MicrosoftAppTenantId=TENANT)
    production["DEBRIEF_PUBLIC_URL"] = "http://debrief.example.test"
    with pytest.raises(SettingsError, match="https://"):
        load_settings(production)
    del production["DEBRIEF_PUBLIC_URL"]
    with pytest.raises(SettingsError, match="DEBRIEF_PUBLIC_URL"):
        load_settings(production)


def test_documents_go_by_file_consent_in_teams_and_by_single_use_link_in_development() -> None:
    production = env(MicrosoftAppId=APP_ID, MicrosoftAppPassword=PASSWORD, MicrosoftAppTenantId=TENANT)
    assert load_settings(production).document_delivery == "file_consent"
    assert load_settings(env(DEBRIEF_ENVIRONMENT="development")).document_delivery == "link"
    chosen = env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_DOCUMENT_DELIVERY=" File_Consent ")
    assert load_settings(chosen).document_delivery == "file_consent"
    assert load_settings({**production, "DEBRIEF_DOCUMENT_DELIVERY": "link"}).document_delivery == "link"


# --- The directory: the settings file or Microsoft Graph ------------------------------------------------------

REVIEW_GROUP = "6a1f0c52-0b7e-4d8e-9f10-00000000c001"
PRODUCTION = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": PASSWORD, "MicrosoftAppTenantId": TENANT}


def graph_env(**values: str) -> dict[str, str]:
    chosen = {"DEBRIEF_DIRECTORY": "graph", "DEBRIEF_GRAPH_GROUP_REVIEW_TEAM": REVIEW_GROUP}
    return env(**{**PRODUCTION, **chosen, **values})


def test_the_directory_is_the_settings_file_unless_graph_is_chosen() -> None:
    settings = load_settings(env(**PRODUCTION))
    assert settings.directory == "file"
    assert settings.graph is None
    assert load_settings(env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_DIRECTORY=" File ")).directory == "file"


def test_the_graph_directory_with_only_the_review_team_group_takes_microsoft_defaults() -> None:
    settings = load_settings(graph_env())
    assert settings.directory == "graph"
    graph = settings.graph
    assert graph is not None
    assert graph.authority_url == f"https://login.microsoftonline.com/{TENANT}"
    assert graph.graph_url == "https://graph.microsoft.com"
    assert dict(graph.role_groups) == {Role.REVIEW_TEAM: REVIEW_GROUP}
    assert graph.partner_group is None and graph.officer_group is None
    assert graph.partner_domains == {}
    assert graph.refresh_minutes == 15
    assert graph.ca_file is None


def test_the_graph_directory_reads_every_group_and_the_partner_domains() -> None:
    groups = {name: f"6a1f0c52-0b7e-4d8e-9f10-00000000d00{i}" for i, (name, _) in enumerate(GRAPH_ROLE_GROUPS)}
    groups["DEBRIEF_GRAPH_GROUP_REVIEW_TEAM"] = REVIEW_GROUP.upper()  # object ids are compared in lower case
    settings = load_settings(
        graph_env(
            **groups,
            DEBRIEF_GRAPH_GROUP_PARTNERS="6a1f0c52-0b7e-4d8e-9f10-00000000c007",
            DEBRIEF_GRAPH_GROUP_OFFICERS="6a1f0c52-0b7e-4d8e-9f10-00000000c008",
            DEBRIEF_GRAPH_PARTNER_DOMAINS="probation.example=Probation Service, @NHS.example = nhs mental health trust",
            DEBRIEF_GRAPH_REFRESH_MINUTES="5",
            DEBRIEF_GRAPH_AUTHORITY_URL="https://login.example.test/force-tenant/",
            DEBRIEF_GRAPH_URL="https://graph.example.test/",
            DEBRIEF_GRAPH_CA_FILE=str(DIRECTORY_FILE),  # any existing file will do here
        )
    )
    graph = settings.graph
    assert graph is not None
    assert {role for _, role in GRAPH_ROLE_GROUPS} == set(graph.role_groups)
    assert graph.role_groups[Role.REVIEW_TEAM] == REVIEW_GROUP
    assert graph.partner_group == "6a1f0c52-0b7e-4d8e-9f10-00000000c007"
    assert graph.officer_group == "6a1f0c52-0b7e-4d8e-9f10-00000000c008"
    assert graph.partner_domains == {"probation.example": "Probation Service", "nhs.example": "NHS mental health trust"}
    assert graph.refresh_minutes == 5
    assert graph.authority_url == "https://login.example.test/force-tenant"
    assert graph.graph_url == "https://graph.example.test"
    assert graph.ca_file == DIRECTORY_FILE


def test_the_graph_directory_does_not_need_the_directory_file() -> None:
    settings = graph_env()
    settings["DEBRIEF_DIRECTORY_FILE"] = "/nowhere/directory.toml"
    assert load_settings(settings).directory == "graph"


def test_the_graph_directory_needs_the_apps_credentials_and_says_which_are_missing() -> None:
    settings = env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_DIRECTORY="graph")
    settings["DEBRIEF_GRAPH_GROUP_REVIEW_TEAM"] = REVIEW_GROUP
    with pytest.raises(SettingsError) as refused:
        load_settings(settings)
    message = str(refused.value)
    assert "MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId" in message
    assert "DEBRIEF_DIRECTORY=graph" in message
    multi_tenant = {**graph_env(), "MicrosoftAppType": "MultiTenant"}
    del multi_tenant["MicrosoftAppTenantId"]
    with pytest.raises(SettingsError, match="set MicrosoftAppTenantId"):
        load_settings(multi_tenant)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DEBRIEF_DIRECTORY", "ldap", "DEBRIEF_DIRECTORY must be file"),
        ("DEBRIEF_GRAPH_GROUP_REVIEW_TEAM", "", "needs DEBRIEF_GRAPH_GROUP_REVIEW_TEAM"),
        ("DEBRIEF_GRAPH_GROUP_REVIEW_TEAM", "Review Team", "object id (a GUID"),
        ("DEBRIEF_GRAPH_GROUP_SIO", "../users", "DEBRIEF_GRAPH_GROUP_SIO must be"),
        ("DEBRIEF_GRAPH_GROUP_PARTNERS", "partners", "DEBRIEF_GRAPH_GROUP_PARTNERS must be"),
        ("DEBRIEF_GRAPH_PARTNER_DOMAINS", "probation.example", "domain=agency"),
        ("DEBRIEF_GRAPH_PARTNER_DOMAINS", "not a domain=Housing", "domain=agency"),
        ("DEBRIEF_GRAPH_PARTNER_DOMAINS", "fire.example=Fire brigade", "'Fire brigade' is not an agency"),
        ("DEBRIEF_GRAPH_REFRESH_MINUTES", "0", "between 1 and 1440 minutes"),
        ("DEBRIEF_GRAPH_REFRESH_MINUTES", "hourly", "must be a number of minutes"),
        ("DEBRIEF_GRAPH_URL", "http://graph.example.test", "https://"),
        ("DEBRIEF_GRAPH_AUTHORITY_URL", "http://login.example.test/t", "https://"),
        ("DEBRIEF_GRAPH_AUTHORITY_URL", "https://login.example.test", "must name the tenant"),
        ("DEBRIEF_GRAPH_CA_FILE", "/nowhere/ca.pem", "does not exist"),
        ("MicrosoftAppTenantId", "force.example", "tenant's id (a GUID)"),
    ],
)
def test_a_bad_graph_setting_stops_the_start_saying_what_to_change(name: str, value: str, says: str) -> None:
    settings = graph_env()
    settings[name] = value
    with pytest.raises(SettingsError) as raised:
        load_settings(settings)
    assert says in str(raised.value)


# --- Teams meetings through Microsoft Graph -------------------------------------------------------------------


def test_teams_meetings_through_graph_are_off_unless_asked_for_and_then_use_the_apps_credentials() -> None:
    assert load_settings(env(**PRODUCTION)).online_meetings is None
    assert load_settings(env(**PRODUCTION, DEBRIEF_GRAPH_ONLINE_MEETINGS=" False ")).online_meetings is None
    on = load_settings(env(**PRODUCTION, DEBRIEF_GRAPH_ONLINE_MEETINGS="true"))
    assert on.directory == "file"  # the settings file's directory with Graph's meetings is fine
    assert on.online_meetings is not None
    assert on.online_meetings.authority_url == f"https://login.microsoftonline.com/{TENANT}"
    assert on.online_meetings.graph_url == "https://graph.microsoft.com"
    both = load_settings(
        graph_env(DEBRIEF_GRAPH_ONLINE_MEETINGS="TRUE", DEBRIEF_GRAPH_URL="https://graph.example.test")
    )
    assert both.online_meetings is not None and both.graph is not None
    assert both.online_meetings.graph_url == both.graph.graph_url == "https://graph.example.test"

    development = env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_GRAPH_ONLINE_MEETINGS="true")
    with pytest.raises(SettingsError) as refused:
        load_settings(development)
    assert "DEBRIEF_GRAPH_ONLINE_MEETINGS=true" in str(refused.value)
    assert "MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId" in str(refused.value)
    with pytest.raises(SettingsError, match="DEBRIEF_GRAPH_ONLINE_MEETINGS must be true"):
        load_settings(env(**PRODUCTION, DEBRIEF_GRAPH_ONLINE_MEETINGS="yes"))
    with pytest.raises(SettingsError, match="https://"):
        load_settings(env(**PRODUCTION, DEBRIEF_GRAPH_ONLINE_MEETINGS="true", DEBRIEF_GRAPH_URL="http://graph.test"))


# --- logs and metrics ------------------------------------------------------------------------------------------


def test_logs_are_json_in_production_and_text_in_development_unless_chosen() -> None:
    assert load_settings(env(**PRODUCTION)).log_format == "json"
    assert load_settings(env(DEBRIEF_ENVIRONMENT="development")).log_format == "text"
    assert load_settings(env(DEBRIEF_ENVIRONMENT="development", DEBRIEF_LOG_FORMAT=" JSON ")).log_format == "json"
    assert load_settings(env(**PRODUCTION, DEBRIEF_LOG_FORMAT="text")).log_format == "text"
    with pytest.raises(SettingsError, match=r"DEBRIEF_LOG_FORMAT must be json .* or text"):
        load_settings(env(**PRODUCTION, DEBRIEF_LOG_FORMAT="xml"))


def test_the_metrics_token_is_unset_unless_given_and_must_be_long_and_plain() -> None:
    assert load_settings(env(**PRODUCTION)).metrics_token == ""
    token = "k7Qm2-Xw9_Lp4Rt8Vz1Nc6Hb3Jd5Fg0Ys"  # fictional
    assert load_settings(env(**PRODUCTION, DEBRIEF_METRICS_TOKEN=f" {token} ")).metrics_token == token
    for bad in ("short-token", f"{token} with spaces", f"{token}\u00e9"):
        with pytest.raises(SettingsError) as refused:
            load_settings(env(**PRODUCTION, DEBRIEF_METRICS_TOKEN=bad))
        assert "DEBRIEF_METRICS_TOKEN must be at least 32 characters" in str(refused.value)
        assert bad not in str(refused.value)  # a secret is never repeated back
