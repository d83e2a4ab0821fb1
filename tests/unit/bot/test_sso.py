"""The dashboard tab's single sign-on: only a token Entra ID signed, for this app, from an allowed tenant, current and
with the tab's scope lets anyone in; who they are and what they may do comes from the directory, not the token."""

from __future__ import annotations

from typing import Any

import pytest

from bot.settings import SettingsError, load_settings
from bot.sso import (
    EXPIRED,
    NO_SCOPE,
    NOT_SIGNED_IN,
    OTHER_ORGANISATION,
    DevelopmentSignIn,
    SignInRefused,
    TabUser,
    TeamsSso,
    actor_for,
)
from debrief.model import Person
from debrief.permissions import Role
from tests.support.entra import APP_ID_URI, KID, BadToken, EntraTokens, issuer
from tests.support.people import BOT_ID, DIRECTORY, DIRECTORY_FILE, JORDAN, OTHER_TENANT, REVIEW_CHANNEL, TENANT

SAM = Person("00000000-0000-4000-8000-0000000000d3", "ACC Sam Whitlock")  # the board member of the directory
PASSWORD = "fictional-test-secret-not-a-real-password"


class PublishedKeys:
    """The keys as SigningKeys holds them once it has read the JWKS (reading them is tested over HTTP)."""

    def __init__(self, tokens: EntraTokens) -> None:
        self._tokens = tokens

    async def key(self, kid: str) -> Any | None:
        return self._tokens.public_keys().get(kid)

    async def close(self) -> None:
        return None


@pytest.fixture(scope="module")
def tokens() -> EntraTokens:
    return EntraTokens()


def sso(tokens: EntraTokens, tenants: frozenset[str] = frozenset({TENANT})) -> TeamsSso:
    return TeamsSso(PublishedKeys(tokens), app_id=BOT_ID, app_id_uri=APP_ID_URI, allowed_tenants=tenants)


def env(**values: str) -> dict[str, str]:
    return {
        "MicrosoftAppId": BOT_ID,
        "MicrosoftAppPassword": PASSWORD,
        "MicrosoftAppTenantId": TENANT,
        "DEBRIEF_REVIEW_TEAM_CHANNEL_ID": REVIEW_CHANNEL,
        "DEBRIEF_DIRECTORY_FILE": str(DIRECTORY_FILE),
        "DEBRIEF_PUBLIC_URL": "https://debrief.force.example",
        **values,
    }


# --- Settings ---------------------------------------------------------------------------------------------------


def test_by_default_the_tab_trusts_microsofts_keys_for_the_apps_tenant_and_its_app_id_uri_on_the_public_host() -> None:
    settings = load_settings(env())
    assert settings.sso_metadata_url == (
        f"https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration"
    )
    assert settings.sso_app_id_uri == f"api://debrief.force.example/{BOT_ID}"


def test_the_metadata_address_and_the_app_id_uri_can_be_set() -> None:
    settings = load_settings(
        env(
            DEBRIEF_SSO_METADATA_URL="https://login.example.test/tenant/v2.0/.well-known/openid-configuration",
            DEBRIEF_SSO_APP_ID_URI=f"api://tab.force.example/botid-{BOT_ID}",
        )
    )
    assert settings.sso_metadata_url == "https://login.example.test/tenant/v2.0/.well-known/openid-configuration"
    assert settings.sso_app_id_uri == f"api://tab.force.example/botid-{BOT_ID}"


@pytest.mark.parametrize(
    "url",
    [
        "http://login.example.test/v2.0/.well-known/openid-configuration",
        "ftp://login.example.test/keys",
        "https://",
        "login.microsoftonline.com/tenant",
    ],
)
def test_keys_from_anywhere_but_an_https_address_are_refused_at_start_up(url: str) -> None:
    with pytest.raises(SettingsError, match="DEBRIEF_SSO_METADATA_URL must be an https:// address"):
        load_settings(env(DEBRIEF_SSO_METADATA_URL=url))


def test_keys_over_http_are_allowed_from_this_machine_only_for_tests() -> None:
    url = "http://127.0.0.1:8123/tenant/v2.0/.well-known/openid-configuration"
    assert load_settings(env(DEBRIEF_SSO_METADATA_URL=url)).sso_metadata_url == url


@pytest.mark.parametrize(
    "uri",
    [
        f"https://debrief.force.example/{BOT_ID}",
        "api://debrief.force.example/00000000-0000-4000-8000-0000000000ff",
        f"api:///{BOT_ID}",
        "api://debrief.force.example",
    ],
)
def test_an_app_id_uri_that_is_not_this_apps_is_refused_at_start_up(uri: str) -> None:
    with pytest.raises(SettingsError, match="DEBRIEF_SSO_APP_ID_URI") as refused:
        load_settings(env(DEBRIEF_SSO_APP_ID_URI=uri))
    assert f"api://<the bot's public host>/{BOT_ID}" in str(refused.value)


def test_anonymous_development_has_no_entra_id_to_trust() -> None:
    settings = load_settings(
        {
            "DEBRIEF_ENVIRONMENT": "development",
            "DEBRIEF_ALLOWED_TENANTS": TENANT,
            "DEBRIEF_REVIEW_TEAM_CHANNEL_ID": REVIEW_CHANNEL,
            "DEBRIEF_DIRECTORY_FILE": str(DIRECTORY_FILE),
        }
    )
    assert settings.anonymous
    assert (settings.sso_metadata_url, settings.sso_app_id_uri) == ("", "")


# --- Tokens -----------------------------------------------------------------------------------------------------


async def test_a_token_teams_got_for_the_tab_says_who_is_there(tokens: EntraTokens) -> None:
    user = await sso(tokens).user(tokens.header(SAM))
    assert user == TabUser(tenant_id=TENANT, user_id=SAM.user_id, token_name=SAM.name)


async def test_a_token_for_the_app_id_uri_is_accepted_as_well_as_one_for_the_app_id(tokens: EntraTokens) -> None:
    user = await sso(tokens).user(tokens.header(SAM, audience=APP_ID_URI))
    assert user.user_id == SAM.user_id


async def test_any_allowed_tenant_may_sign_in_with_its_own_issuer(tokens: EntraTokens) -> None:
    user = await sso(tokens, frozenset({TENANT, OTHER_TENANT})).user(tokens.header(SAM, tenant=OTHER_TENANT))
    assert user.tenant_id == OTHER_TENANT


async def test_a_token_that_expired_a_minute_ago_is_still_accepted_as_clocks_differ(tokens: EntraTokens) -> None:
    await sso(tokens).user(tokens.header(SAM, starts_in_s=-3660, lifetime_s=3600))


@pytest.mark.parametrize("bad", list(BadToken), ids=lambda b: b.name.lower())
async def test_every_bad_token_is_refused_without_repeating_it(tokens: EntraTokens, bad: BadToken) -> None:
    header = tokens.bad_header(bad, SAM)
    with pytest.raises(SignInRefused) as refused:
        await sso(tokens).user(header)
    token = (header or "").partition(" ")[2]
    assert not token or token[-20:] not in refused.value.message + refused.value.reason
    assert refused.value.message.endswith(".")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (BadToken.NO_HEADER, NOT_SIGNED_IN),
        (BadToken.EXPIRED, EXPIRED),
        (BadToken.OTHER_TENANT, OTHER_ORGANISATION),
        (BadToken.NO_SCOPE, NO_SCOPE),
        (BadToken.OTHER_SCOPE, NO_SCOPE),
    ],
)
async def test_the_refusal_says_what_to_do(tokens: EntraTokens, bad: BadToken, message: str) -> None:
    with pytest.raises(SignInRefused) as refused:
        await sso(tokens).user(tokens.bad_header(bad, SAM))
    assert refused.value.message == message


async def test_a_token_of_a_key_the_provider_no_longer_publishes_is_refused(tokens: EntraTokens) -> None:
    retired = EntraTokens()  # the same key id, another key: as if the key had been rolled over and replaced
    with pytest.raises(SignInRefused, match="could not be checked"):
        await sso(tokens).user(retired.header(SAM, kid=KID))


async def test_an_issuer_that_is_not_the_tokens_tenant_is_refused_even_if_both_are_allowed(
    tokens: EntraTokens,
) -> None:
    with pytest.raises(SignInRefused):
        await sso(tokens, frozenset({TENANT, OTHER_TENANT})).user(tokens.header(SAM, iss=issuer(OTHER_TENANT)))


# --- Who they are -------------------------------------------------------------------------------------------------


def test_roles_and_name_come_from_the_directory_never_from_the_token() -> None:
    actor = actor_for(TabUser(TENANT, SAM.user_id, token_name="Someone Else"), DIRECTORY)
    assert (actor.name, actor.roles, actor.tenant_id) == (
        "ACC Sam Whitlock",
        frozenset({Role.BOARD, Role.OFFICER}),
        TENANT,
    )


def test_someone_the_directory_does_not_list_is_an_officer_named_by_their_token() -> None:
    actor = actor_for(TabUser(TENANT, "00000000-0000-4000-8000-00000000abcd", token_name="PC New Starter"), DIRECTORY)
    assert (actor.name, actor.roles) == ("PC New Starter", frozenset({Role.OFFICER}))


# --- The development sign-in ------------------------------------------------------------------------------------


def test_the_development_sign_in_offers_everyone_in_the_development_directory_by_name() -> None:
    people = DevelopmentSignIn(DIRECTORY, tenant_id=TENANT).people()
    names = [p.person.name for p in people]
    assert names == sorted(names)
    assert {"ACC Sam Whitlock", "Supt Dana Reeve", "Alex Rowan (information manager)", "PC Jordan Ellis"} <= set(names)
    board = next(p for p in people if p.person == SAM)
    assert Role.BOARD in board.roles


async def test_the_development_sign_in_accepts_only_a_listed_person_under_its_own_scheme(tokens: EntraTokens) -> None:
    sign_in = DevelopmentSignIn(DIRECTORY, tenant_id=TENANT)
    assert await sign_in.user(f"Development {JORDAN.user_id}") == TabUser(TENANT, JORDAN.user_id)
    for header in (
        None,
        "Development 00000000-0000-4000-8000-00000000abcd",
        f"Bearer {tokens.token(JORDAN)}",
        JORDAN.user_id,
    ):
        with pytest.raises(SignInRefused):
            await sign_in.user(header)
