"""The directory from Microsoft Graph, over real HTTPS, against a local identity platform and Graph.

Neither Microsoft's identity platform nor Graph can be reached from here, so tests/support/graph_server.py speaks the
endpoints the directory uses as their documentation describes (OpenID configuration, client-credentials tokens,
transitiveMembers and the guest list, paging, 429/503 with Retry-After, 401 InvalidAuthenticationToken). msal,
aiohttp and the bot's own code run unchanged; only the two base addresses and the trusted certificate authority
differ from production.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from bot.directory import GraphDirectory, directory_from_settings
from bot.graph import GraphClient, GraphError
from bot.settings import Settings, load_settings
from debrief.permissions import Role
from tests.support import activities
from tests.support.bot_server import RunningBot, running_bot
from tests.support.cards import card_text
from tests.support.connector import LocalConnector
from tests.support.graph_server import (
    ALEX,
    CASSIE,
    DEVON,
    JO,
    REVIEW_TEAM_GROUP,
    RILEY,
    SAM,
    GraphServer,
    graph_server,
)
from tests.support.jwks import APP_PASSWORD, IdentityProvider, LocalAppCredentialsFactory, authenticated_env
from tests.support.jwks import identity_provider as local_identity_provider
from tests.support.people import BOT_ID, CASEY, JORDAN, MORGAN, OWEN, PRIYA, REVIEW_CHANNEL, RUTH, TENANT, TOM

REVIEW_PATH = f"/v1.0/groups/{REVIEW_TEAM_GROUP}/transitiveMembers/microsoft.graph.user"


@pytest.fixture
def server() -> Iterator[GraphServer]:
    with graph_server() as server:
        yield server


def settings_for(server: GraphServer, **extra: str) -> Settings:
    return load_settings(
        {
            "MicrosoftAppId": BOT_ID,
            "MicrosoftAppPassword": APP_PASSWORD,
            "MicrosoftAppTenantId": TENANT,
            "DEBRIEF_REVIEW_TEAM_CHANNEL_ID": REVIEW_CHANNEL,
            "DEBRIEF_PUBLIC_URL": "https://debrief.example.test",
            **server.env(**extra),
        }
    )


@pytest.fixture
async def directory(server: GraphServer) -> AsyncIterator[GraphDirectory]:
    built = directory_from_settings(settings_for(server))
    assert isinstance(built, GraphDirectory)
    yield built
    await built.close()


class Waits:
    """Records the client's waits instead of sleeping (for long Retry-After values)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def client_for(server: GraphServer, **options: Any) -> GraphClient:
    return GraphClient(
        client_id=BOT_ID,
        client_secret=options.pop("client_secret", APP_PASSWORD),
        authority_url=options.pop("authority_url", server.authority_url),
        graph_url=server.url,
        ca_file=server.ca_file,
        **options,
    )


# --- roles, guests and partners -------------------------------------------------------------------------------


async def test_roles_come_from_entra_id_groups(server: GraphServer, directory: GraphDirectory) -> None:
    assert await directory.refresh()
    assert directory.roles_for(PRIYA.user_id) == {Role.REVIEW_TEAM, Role.OFFICER}
    assert directory.roles_for(OWEN.user_id) == {Role.REVIEW_TEAM, Role.OFFICER}
    assert directory.roles_for(CASEY.user_id) == {Role.REVIEW_TEAM, Role.OFFICER}  # a nested group, a null userType
    assert directory.roles_for(RUTH.user_id) == {Role.SIO, Role.OFFICER}
    assert directory.roles_for(SAM) == {Role.WORKING_GROUP, Role.BOARD, Role.OFFICER}
    assert directory.roles_for(ALEX) == {Role.INFORMATION_MANAGER, Role.OFFICER}
    assert directory.roles_for(RILEY) == {Role.ADMINISTRATOR, Role.OFFICER}
    assert directory.roles_for(JORDAN.user_id) == {Role.OFFICER}
    assert directory.roles_for("00000000-0000-4000-8000-00000000abcd") == {Role.OFFICER}  # a member in no group
    assert set(directory.people_with(Role.REVIEW_TEAM)) == {PRIYA.user_id, OWEN.user_id, CASEY.user_id}
    assert {JORDAN.user_id, TOM.user_id, PRIYA.user_id, RUTH.user_id} <= set(directory.officers())
    assert directory.name_for(RUTH.user_id) == RUTH.name

    # Every read asks only for the fields it uses, in pages as large as Graph serves.
    for request in server.requests():
        assert request.query["$select"] == "id,displayName,userType,companyName,mail,department"
        assert request.query["$top"] == "999"
    assert {r.query.get("$filter") for r in server.requests() if r.path == "/v1.0/users"} == {"userType eq 'Guest'"}


async def test_a_persons_unit_is_their_department_in_entra_id(directory: GraphDirectory) -> None:
    assert directory.unit_of(TOM.user_id) is None  # not read yet: nothing known
    assert await directory.refresh()
    assert directory.unit_of(TOM.user_id) == "Force Control Room"
    assert directory.unit_of(PRIYA.user_id.upper()) == "Public Protection Unit"
    assert directory.unit_of(RUTH.user_id) is None  # no department recorded
    assert directory.unit_of("00000000-0000-4000-8000-00000000abcd") is None  # in no group


async def test_the_token_is_fetched_once_and_reused_from_msals_cache(
    server: GraphServer, directory: GraphDirectory
) -> None:
    assert await directory.refresh()
    assert await directory.refresh()
    assert server.discovery_requests == 1  # the OpenID configuration, when msal's application is built
    assert server.token_requests == 1
    assert len({r.authorization for r in server.requests()}) == 1


async def test_a_guest_in_the_review_team_group_does_not_become_review_team(
    server: GraphServer, directory: GraphDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.directory"):
        assert await directory.refresh()
    assert Role.REVIEW_TEAM not in directory.roles_for(CASSIE)
    assert Role.OFFICER not in directory.roles_for(CASSIE)
    assert directory.roles_for(CASSIE) == {Role.PARTNER}  # she is also in the partner group
    assert CASSIE not in directory.people_with(Role.REVIEW_TEAM)
    warning = next(r.getMessage() for r in caplog.records if CASSIE in r.getMessage())
    assert REVIEW_TEAM_GROUP in warning
    assert "Cassie" not in caplog.text  # ids only, never names


async def test_partner_agencies_come_from_company_name_or_else_the_mail_domain(
    server: GraphServer, directory: GraphDirectory
) -> None:
    assert await directory.refresh()
    assert directory.roles_for(MORGAN.user_id) == {Role.PARTNER}
    assert directory.agency_of(MORGAN.user_id) == "Probation Service"  # companyName "probation service"
    assert directory.agency_of(JO) == "NHS mental health trust"  # no companyName; mail at mh.nhs.example
    assert directory.agency_of(CASSIE) == "Housing"
    assert set(directory.partners()) == {MORGAN.user_id, JO, CASSIE}
    assert set(directory.partners("Probation Service")) == {MORGAN.user_id}
    assert directory.partners("Probation Service")[MORGAN.user_id].name == "Morgan Lee"
    assert directory.partners("Education") == {}


async def test_a_guest_in_no_group_has_no_role(server: GraphServer, directory: GraphDirectory) -> None:
    assert await directory.refresh()
    assert directory.roles_for(DEVON) == frozenset()
    assert DEVON not in directory.officers()
    assert directory.agency_of(DEVON) is None


# --- paging, throttling, tokens -------------------------------------------------------------------------------


async def test_a_group_is_read_across_three_pages_by_following_next_links(
    server: GraphServer, directory: GraphDirectory
) -> None:
    extra = [f"00000000-0000-4000-8000-0000000000c{i}" for i in range(1, 3)]
    for i, user_id in enumerate(extra, start=1):
        server.users[user_id] = {"id": user_id, "displayName": f"DC Fictional {i}", "userType": "Member"}
        server.groups[REVIEW_TEAM_GROUP].append(user_id)
    server.max_page_size = 2  # Graph may serve fewer than $top asks for: six users come in three pages

    assert await directory.refresh()
    pages = [r for r in server.requests() if r.path == REVIEW_PATH]
    assert len(pages) == 3
    assert "$skiptoken" not in pages[0].query
    assert all("$skiptoken" in page.query for page in pages[1:])
    assert set(directory.people_with(Role.REVIEW_TEAM)) == {PRIYA.user_id, OWEN.user_id, CASEY.user_id, *extra}


async def test_a_429_is_retried_after_the_retry_after_seconds(server: GraphServer, directory: GraphDirectory) -> None:
    server.throttle(1, retry_after=1)
    assert await directory.refresh()
    first, second = server.requests()[:2]
    assert (first.status, second.status) == (429, 200)
    assert first.path == second.path == REVIEW_PATH
    assert second.at - first.at >= 0.95  # Retry-After: 1 honoured
    assert Role.REVIEW_TEAM in directory.roles_for(PRIYA.user_id)


async def test_a_503_with_retry_after_is_retried_and_long_waits_are_capped(server: GraphServer) -> None:
    waits = Waits()
    client = client_for(server, sleep=waits, max_retry_wait_s=5)
    server.throttle(1, retry_after=0, status=503)
    server.throttle(1, retry_after=3600)
    try:
        users = await client.group_users(REVIEW_TEAM_GROUP)
    finally:
        await client.close()
    assert waits.seconds == [0, 5]
    assert [r.status for r in server.requests()] == [503, 429, 200]
    assert PRIYA.user_id in {u.id for u in users}


async def test_throttling_without_retry_after_backs_off_and_gives_up_after_bounded_attempts(
    server: GraphServer,
) -> None:
    waits = Waits()
    client = client_for(server, sleep=waits, max_retries=3)
    server.throttle(10, retry_after=None)
    try:
        with pytest.raises(GraphError) as raised:
            await client.group_users(REVIEW_TEAM_GROUP)
    finally:
        await client.close()
    assert (raised.value.status, raised.value.code) == (429, "TooManyRequests")
    assert len(server.requests()) == 4  # the first try and three retries
    assert len(waits.seconds) == 3
    assert all(0.8 * 2**i <= wait <= 2**i for i, wait in enumerate(waits.seconds))  # 1, 2, 4 s less some jitter


async def test_an_expired_token_is_renewed_once_and_the_request_retried(
    server: GraphServer, directory: GraphDirectory
) -> None:
    assert await directory.refresh()
    server.expire_tokens()
    assert await directory.refresh()
    assert server.token_requests == 2
    refused = [r for r in server.requests() if r.status == 401]
    assert len(refused) == 1
    retried = server.requests()[server.requests().index(refused[0]) + 1]
    assert retried.path == refused[0].path and retried.status == 200
    assert retried.authorization != refused[0].authorization


async def test_a_token_graph_keeps_refusing_is_renewed_only_once_and_never_shown(
    server: GraphServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.tokens_born_expired = True
    client = client_for(server)
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises(GraphError) as raised:
            await client.group_users(REVIEW_TEAM_GROUP)
    finally:
        await client.close()
    assert (raised.value.status, raised.value.code) == (401, "InvalidAuthenticationToken")
    assert server.token_requests == 2
    assert len(server.requests()) == 2
    for token in server.issued_tokens:
        assert token not in str(raised.value)
        assert token not in caplog.text
    assert APP_PASSWORD not in caplog.text and APP_PASSWORD not in repr(client)


async def test_a_wrong_client_secret_is_an_error_that_does_not_show_the_secret(server: GraphServer) -> None:
    client = client_for(server, client_secret="a-wrong-fictional-secret")
    try:
        with pytest.raises(GraphError) as raised:
            await client.guest_users()
    finally:
        await client.close()
    assert raised.value.code == "invalid_client"
    assert "AADSTS7000215" in str(raised.value)
    assert "a-wrong-fictional-secret" not in str(raised.value)
    assert server.graph_paths() == []


async def test_an_unknown_tenant_is_an_error(server: GraphServer) -> None:
    client = client_for(server, authority_url=f"{server.url}/99999999-8888-4777-8666-555555555555")
    try:
        with pytest.raises(GraphError, match="AuthorityUnavailable"):
            await client.guest_users()
    finally:
        await client.close()


# --- failures -------------------------------------------------------------------------------------------------


async def test_a_failed_refresh_keeps_the_last_snapshot(
    server: GraphServer, directory: GraphDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    assert await directory.refresh()
    server.fail(403, "Authorization_RequestDenied")
    with caplog.at_level(logging.WARNING, logger="bot.directory"):
        assert not await directory.refresh()
    assert directory.roles_for(PRIYA.user_id) == {Role.REVIEW_TEAM, Role.OFFICER}
    assert directory.agency_of(MORGAN.user_id) == "Probation Service"
    assert "HTTP 403 Authorization_RequestDenied" in caplog.text
    assert "keeping the directory read" in caplog.text
    server.heal()
    server.groups[REVIEW_TEAM_GROUP].remove(OWEN.user_id)
    assert await directory.refresh()
    assert Role.REVIEW_TEAM not in directory.roles_for(OWEN.user_id)


async def test_before_any_snapshot_nobody_is_review_team(
    server: GraphServer, directory: GraphDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail(500, "UnknownError", "An internal server error occurred.")
    with caplog.at_level(logging.WARNING, logger="bot.directory"):
        assert not await directory.refresh()
    assert len(server.requests()) == 1  # a 500 is not retried: the next refresh will try again
    assert "nobody has any role" in caplog.text
    assert directory.people_with(Role.REVIEW_TEAM) == {}
    for person in (PRIYA, OWEN, RUTH, JORDAN, MORGAN):
        assert directory.roles_for(person.user_id) == frozenset()


# --- the bot itself -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def provider() -> IdentityProvider:
    return local_identity_provider()


async def test_the_bot_starts_with_the_graph_directory_and_answers_with_its_people(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider
) -> None:
    with LocalConnector() as connector:
        env = authenticated_env(sqlite_url, provider, **server.env())
        del env["DEBRIEF_DIRECTORY_FILE"]  # not needed with Graph
        async with running_bot(env, credentials_factory=LocalAppCredentialsFactory()) as bot:
            assert isinstance(bot.services.directory, GraphDirectory)
            assert bot.services.directory.loaded  # read during start-up, before the first request
            assert set(bot.services.review_team()) == {PRIYA.user_id, OWEN.user_id, CASEY.user_id}
            assert bot.services.partner_contacts()[MORGAN.user_id][1] == "Probation Service"

            status, card = await post(
                bot,
                activities.execute(JORDAN, "nomination.open", {}, service_url=connector.url),
                provider.header(connector.url),
            )
            assert status == 200
            assert "DCI Ruth Okafor" in card_text(card)  # the SIO choices come from the SIO group
        assert server.token_requests == 1
        assert REVIEW_PATH in server.graph_paths()


async def post(bot: RunningBot, activity: dict[str, Any], authorization: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            bot.messages_url,
            data=json.dumps(activity).encode(),
            headers={"Content-Type": "application/json", "Authorization": authorization},
        ) as response,
    ):
        return response.status, await response.json(content_type=None)
