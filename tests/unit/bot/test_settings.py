"""Start-up refuses settings that would leave the bot unauthenticated or half-configured, saying what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
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
    ],
)
def test_a_bad_setting_stops_the_start_saying_what_to_change(name: str, value: str, says: str) -> None:
    settings = env(DEBRIEF_ENVIRONMENT="development")
    settings[name] = value
    with pytest.raises(SettingsError) as raised:
        load_settings(settings)
    assert says in str(raised.value)


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
