"""The debrief meeting's Teams meeting, made through Microsoft Graph by the real app's outbox dispatcher.

Microsoft Graph cannot be reached from here, so tests/support/graph_server.py speaks Create onlineMeeting
(`POST /v1.0/users/{id}/onlineMeetings`) and Update onlineMeeting (`PATCH .../onlineMeetings/{id}`) as their
documentation describes, over HTTPS, with client-credentials tokens from its stand-in identity platform. msal, the
Graph client, the dispatcher and the process's services run unchanged. Everything in here is fictional.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from bot.graph import GraphClient, GraphError
from bot.online_meetings import GraphOnlineMeetings
from debrief import clocks, meetings
from debrief.meetings import Meeting
from debrief.messages import MessageKind
from debrief.model import LONDON
from storage import tables as t
from tests.support.bot_server import RunningBot, running_bot
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.graph_server import GraphRequest, GraphServer, graph_server
from tests.support.jwks import APP_PASSWORD, IdentityProvider, LocalAppCredentialsFactory, authenticated_env
from tests.support.jwks import identity_provider as local_identity_provider
from tests.support.people import BOT_ID, JORDAN, OWEN, RUTH, actor

# The outbox stamps its rows with the wall clock, so the app's clock runs with it, never behind: from Thursday
# 26 November 2026 (the fictional incident was on Friday 20 November) or from now, whichever is later.
EARLIEST = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
START = max(EARLIEST, datetime.now(UTC))
MEETING_DAY = clocks.add_working_days(START.date(), 6)
SUMMER_DAY = next(d for d in (date(START.year + 1, 6, day) for day in range(1, 8)) if d.weekday() == 0)
"""A Monday in June: London is on BST, so 10:00 there is 09:00 UTC."""


def utc(day: date, at: time) -> str:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    """The wall clock moved on by however far a test has set it forward."""

    def __init__(self) -> None:
        self._offset = max(timedelta(0), EARLIEST - datetime.now(UTC))

    @property
    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @now.setter
    def now(self, value: datetime) -> None:
        self._offset = value - datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def server() -> Iterator[GraphServer]:
    with graph_server() as server:
        yield server


@pytest.fixture(scope="session")
def provider() -> IdentityProvider:
    return local_identity_provider()


def online_meetings_env(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider, **extra: str
) -> dict[str, str]:
    """Production-like settings, the directory from the settings file, Teams meetings through the local Graph."""
    graph = {
        "DEBRIEF_GRAPH_ONLINE_MEETINGS": "true",
        "DEBRIEF_GRAPH_AUTHORITY_URL": server.authority_url,
        "DEBRIEF_GRAPH_URL": server.url,
        "DEBRIEF_GRAPH_CA_FILE": str(server.ca_file),
    }
    return authenticated_env(sqlite_url, provider, **{**graph, **extra})


def ours(caplog: pytest.LogCaptureFixture) -> str:
    """What the bot's own code logged (the database driver's debug lines show SQL parameters)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("bot", "debrief", "storage"))


def plan(day: date = MEETING_DAY, at: str = "10:00", minutes: str = "90") -> dict[str, object]:
    return {
        "meetingDate": day.isoformat(),
        "meetingTime": at,
        "durationMinutes": minutes,
        "location": "Room 4, Northtown police station",
        "attendeeIds": ",".join(p.user_id for p in (OWEN, RUTH, JORDAN)),
    }


async def a_case(bot: RunningBot, clock: Clock) -> int:
    case = await a_case_collecting_its_chronology(uow=bot.services.uow, now=clock())
    assert case.id is not None
    assert case.case_number == f"RD-{clock().year}-0001"
    return case.id


def subject(clock: Clock) -> str:
    return f"Rapid debrief meeting: RD-{clock().year}-0001"


async def schedule(bot: RunningBot, clock: Clock, case_id: int, **changes: Any) -> None:
    """The lead reviewer, DS Owen Marsh, sets (or moves) the meeting; the dispatcher is told at once."""
    await meetings.schedule_meeting(
        uow=bot.services.uow(),
        actor=actor(OWEN),
        case_id=case_id,
        form=plan(**changes),
        review_team=bot.services.review_team(),
        now=clock(),
    )
    bot.dispatcher.wake()


async def stored_meeting(bot: RunningBot, case_id: int) -> Meeting:
    async with bot.services.uow() as uow:
        meeting = await uow.meetings.get(case_id)
    assert meeting is not None
    return meeting


async def online_meeting_rows(bot: RunningBot) -> list[Any]:
    async with bot.services.engine.connect() as connection:
        rows = await connection.execute(
            select(t.outbox).where(t.outbox.c.kind == MessageKind.ONLINE_MEETING.value).order_by(t.outbox.c.id)
        )
        return list(rows.all())


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


def posts_and_patches(server: GraphServer) -> list[GraphRequest]:
    return [r for r in server.online_meeting_requests() if r.method in ("POST", "PATCH")]


# --- creating and moving --------------------------------------------------------------------------------------


async def test_the_lead_reviewers_teams_meeting_is_created_and_its_link_recorded(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    env = online_meetings_env(server, sqlite_url, provider)
    with caplog.at_level(logging.DEBUG):
        async with running_bot(env, credentials_factory=LocalAppCredentialsFactory(), clock=clock) as bot:
            assert isinstance(bot.dispatcher.online_meetings, GraphOnlineMeetings)
            case_id = await a_case(bot, clock)
            await schedule(bot, clock, case_id)

            async def linked() -> bool:
                return (await stored_meeting(bot, case_id)).join_url is not None

            await eventually(linked)
            meeting = await stored_meeting(bot, case_id)
            rows = await online_meeting_rows(bot)

    [created] = posts_and_patches(server)
    path = f"/v1.0/users/{OWEN.user_id}/onlineMeetings/createOrGet"
    assert (created.method, created.path, created.status) == ("POST", path, 201)
    assert created.body == {
        "startDateTime": utc(MEETING_DAY, time(10, 0)),
        "endDateTime": utc(MEETING_DAY, time(11, 30)),
        "subject": subject(clock),
        "externalId": f"rapid-debrief-meeting-{case_id}",  # a repeated request gets the same meeting, not a second
    }
    for detail in ("Larkspur", "CR/100200/26", "Owen", "Ruth", "Jordan", "Northtown", "Victim", "domestic"):
        assert detail not in str(created.body)

    [made] = server.online_meetings.values()
    assert meeting.join_url == made["joinWebUrl"]
    assert str(meeting.join_url).startswith("https://teams.microsoft.com/l/meetup-join/")
    assert meeting.online_meeting_id == made["id"]
    assert made["_organiser"] == OWEN.user_id
    assert [r.status for r in rows] == ["sent"]
    assert server.token_requests == 1

    # The disclosure to Graph is audited like any other case message.
    async with bot.services.engine.connect() as connection:
        audited = (
            await connection.execute(
                select(t.audit_log.c.recipients, t.audit_log.c.category, t.audit_log.c.outcome).where(
                    t.audit_log.c.action == "case.message.send"
                )
            )
        ).all()
    assert (["graph:onlineMeetings"], "disclosure", "granted") in [tuple(row) for row in audited]

    # Nothing secret or from the case in the logs: no token, no secret, no join link.
    for token in server.issued_tokens:
        assert token not in caplog.text
    assert APP_PASSWORD not in caplog.text
    assert "online meeting for case 1 recorded" in ours(caplog)
    assert made["joinWebUrl"] not in ours(caplog) and made["id"] not in ours(caplog)
    assert "Larkspur" not in ours(caplog) and "CR/100200/26" not in ours(caplog)


async def test_moving_the_meeting_moves_the_same_teams_meeting(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider
) -> None:
    clock = Clock()
    env = online_meetings_env(server, sqlite_url, provider)
    async with running_bot(env, credentials_factory=LocalAppCredentialsFactory(), clock=clock) as bot:
        case_id = await a_case(bot, clock)
        await schedule(bot, clock, case_id)

        async def linked() -> bool:
            return (await stored_meeting(bot, case_id)).join_url is not None

        await eventually(linked)
        first = await stored_meeting(bot, case_id)

        clock.now = clock() + timedelta(hours=1)
        await schedule(bot, clock, case_id, day=SUMMER_DAY, at="10:00", minutes="60")

        async def both_sent() -> bool:
            rows = await online_meeting_rows(bot)
            return len(rows) == 2 and all(r.status == "sent" for r in rows)

        await eventually(both_sent)
        moved = await stored_meeting(bot, case_id)

    created, patched = posts_and_patches(server)
    assert created.method == "POST"
    assert (patched.method, patched.status) == ("PATCH", 200)
    assert patched.path == f"/v1.0/users/{OWEN.user_id}/onlineMeetings/{first.online_meeting_id}"
    summer = SUMMER_DAY.isoformat()
    assert patched.body == {"startDateTime": f"{summer}T09:00:00Z", "endDateTime": f"{summer}T10:00:00Z"}
    assert (moved.revision, moved.online_meeting_id, moved.join_url) == (2, first.online_meeting_id, first.join_url)
    [made] = server.online_meetings.values()
    assert (made["startDateTime"], made["endDateTime"]) == (
        f"{summer}T09:00:00.0000000Z",
        f"{summer}T10:00:00.0000000Z",
    )
    assert made["subject"] == subject(clock)


async def test_a_teams_meeting_graph_no_longer_knows_is_made_again(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider
) -> None:
    clock = Clock()
    env = online_meetings_env(server, sqlite_url, provider)
    async with running_bot(env, credentials_factory=LocalAppCredentialsFactory(), clock=clock) as bot:
        case_id = await a_case(bot, clock)
        await schedule(bot, clock, case_id)

        async def linked() -> bool:
            return (await stored_meeting(bot, case_id)).join_url is not None

        await eventually(linked)
        first = await stored_meeting(bot, case_id)
        server.online_meetings.clear()  # deleted in Teams, say

        await schedule(bot, clock, case_id, at="14:00")

        async def relinked() -> bool:
            return (await stored_meeting(bot, case_id)).online_meeting_id != first.online_meeting_id

        await eventually(relinked)
        second = await stored_meeting(bot, case_id)

    assert [(r.method, r.status) for r in posts_and_patches(server)] == [("POST", 201), ("PATCH", 404), ("POST", 201)]
    [made] = server.online_meetings.values()
    assert (second.online_meeting_id, second.join_url) == (made["id"], made["joinWebUrl"])
    assert made["startDateTime"] == utc(MEETING_DAY, time(14, 0)).replace("Z", ".0000000Z")


async def test_a_plan_that_moves_while_graph_is_asked_gets_the_meeting_just_made(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider
) -> None:
    """The lead reviewer moves the meeting between the read and the record: the Teams meeting made for the old
    plan is moved to the new one and recorded for it, rather than left behind while another is made."""
    clock = Clock()
    env = online_meetings_env(server, sqlite_url, provider)
    async with running_bot(
        env, credentials_factory=LocalAppCredentialsFactory(), clock=clock, run_dispatcher=False
    ) as bot:
        case_id = await a_case(bot, clock)
        await schedule(bot, clock, case_id)
        online = GraphOnlineMeetings(bot.services, _graph_client_of(bot), owns_client=False)
        real_post = online._client.post_json

        async def post_then_move(path: str, body: Any, **options: Any) -> dict[str, Any]:
            answer = await real_post(path, body, **options)
            await schedule(bot, clock, case_id, at="15:00")
            return answer

        online._client.post_json = post_then_move  # type: ignore[method-assign]
        await online.create_or_update(case_id)
        meeting = await stored_meeting(bot, case_id)

    created, patched = posts_and_patches(server)
    assert created.body is not None and created.body["startDateTime"] == utc(MEETING_DAY, time(10, 0))
    assert patched.method == "PATCH" and patched.path.endswith(f"/onlineMeetings/{meeting.online_meeting_id}")
    assert patched.body == {
        "startDateTime": utc(MEETING_DAY, time(15, 0)),
        "endDateTime": utc(MEETING_DAY, time(16, 30)),
    }
    assert meeting.revision == 2
    assert len(server.online_meetings) == 1


def _graph_client_of(bot: RunningBot) -> Any:
    online = bot.dispatcher.online_meetings
    assert isinstance(online, GraphOnlineMeetings)
    return online._client


# --- failures -------------------------------------------------------------------------------------------------


async def test_a_429_is_waited_out_and_the_meeting_created_once(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider
) -> None:
    clock = Clock()
    env = online_meetings_env(server, sqlite_url, provider)
    server.throttle(1, retry_after=1)
    async with running_bot(env, credentials_factory=LocalAppCredentialsFactory(), clock=clock) as bot:
        case_id = await a_case(bot, clock)
        await schedule(bot, clock, case_id)

        async def linked() -> bool:
            return (await stored_meeting(bot, case_id)).join_url is not None

        await eventually(linked)

    first, second = posts_and_patches(server)
    assert (first.status, second.status) == (429, 201)
    assert second.at - first.at >= 0.95  # Retry-After: 1 honoured
    assert len(server.online_meetings) == 1


async def test_a_long_retry_after_goes_back_to_the_outbox_and_is_retried_no_sooner(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider
) -> None:
    clock = Clock()
    env = online_meetings_env(server, sqlite_url, provider)
    server.throttle(1, retry_after=120)
    async with running_bot(env, credentials_factory=LocalAppCredentialsFactory(), clock=clock) as bot:
        case_id = await a_case(bot, clock)
        await schedule(bot, clock, case_id)

        async def waiting() -> bool:
            return [r.attempts for r in await online_meeting_rows(bot)] == [1]

        await eventually(waiting)
        [row] = await online_meeting_rows(bot)
        assert row.status == "pending"
        assert "429" in row.last_error
        assert row.next_attempt_at.replace(tzinfo=UTC) >= clock() + timedelta(seconds=119)
        await asyncio.sleep(0.3)
        assert len(posts_and_patches(server)) == 1  # not sent again sooner than Graph asked

        clock.now = clock() + timedelta(minutes=5)
        bot.dispatcher.wake()

        async def linked() -> bool:
            return (await stored_meeting(bot, case_id)).join_url is not None

        await eventually(linked)
        [row] = await online_meeting_rows(bot)

    assert [r.status for r in posts_and_patches(server)] == [429, 201]
    assert row.status == "sent"


async def test_without_an_application_access_policy_the_meeting_has_no_link_and_the_row_fails(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    env = online_meetings_env(server, sqlite_url, provider)
    server.no_access_policy()
    with caplog.at_level(logging.DEBUG):
        async with running_bot(env, credentials_factory=LocalAppCredentialsFactory(), clock=clock) as bot:
            case_id = await a_case(bot, clock)
            await schedule(bot, clock, case_id)

            async def failed() -> bool:
                return [r.status for r in await online_meeting_rows(bot)] == ["failed"]

            await eventually(failed)
            await asyncio.sleep(0.3)
            [row] = await online_meeting_rows(bot)
            meeting = await stored_meeting(bot, case_id)

    assert [(r.method, r.status) for r in posts_and_patches(server)] == [("POST", 403)]  # final: not retried
    assert row.attempts == 1 and "HTTP 403 General" in row.last_error
    assert (meeting.join_url, meeting.online_meeting_id) == (None, None)  # the card still offers the .ics
    assert "Microsoft Graph said 403 General" in ours(caplog)
    for token in server.issued_tokens:
        assert token not in caplog.text
    assert APP_PASSWORD not in caplog.text


async def test_with_the_setting_off_graph_is_never_called(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider
) -> None:
    clock = Clock()
    env = online_meetings_env(server, sqlite_url, provider, DEBRIEF_GRAPH_ONLINE_MEETINGS="false")
    async with running_bot(env, credentials_factory=LocalAppCredentialsFactory(), clock=clock) as bot:
        assert bot.dispatcher.online_meetings is None
        case_id = await a_case(bot, clock)
        await schedule(bot, clock, case_id)

        async def handled() -> bool:
            return [r.status for r in await online_meeting_rows(bot)] == ["sent"]

        await eventually(handled)
        meeting = await stored_meeting(bot, case_id)

    assert meeting.join_url is None
    assert server.requests() == [] and server.token_requests == 0 and server.discovery_requests == 0


async def test_with_the_graph_directory_too_one_client_and_one_token_serve_both(
    server: GraphServer, sqlite_url: str, provider: IdentityProvider
) -> None:
    clock = Clock()
    env = authenticated_env(sqlite_url, provider, **server.env(DEBRIEF_GRAPH_ONLINE_MEETINGS="true"))
    async with running_bot(env, credentials_factory=LocalAppCredentialsFactory(), clock=clock) as bot:
        directory_client = getattr(bot.services.directory, "_source", None)
        assert directory_client is not None and _graph_client_of(bot) is directory_client
        case_id = await a_case(bot, clock)
        await schedule(bot, clock, case_id)

        async def linked() -> bool:
            return (await stored_meeting(bot, case_id)).join_url is not None

        await eventually(linked)

    assert [r.method for r in posts_and_patches(server)] == ["POST"]
    assert any("transitiveMembers" in path for path in server.graph_paths())
    assert server.token_requests == 1  # the directory's token, reused from msal's cache


# --- the Graph client's writes --------------------------------------------------------------------------------


async def test_a_post_graph_may_have_acted_on_is_not_sent_again_but_a_patch_is(server: GraphServer) -> None:
    """A 504 may come after Graph made the meeting: a POST is left to the caller; a PATCH is safe to repeat."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    client = GraphClient(
        client_id=BOT_ID,
        client_secret=APP_PASSWORD,
        authority_url=server.authority_url,
        graph_url=server.url,
        ca_file=server.ca_file,
        sleep=sleep,
    )
    path = f"/v1.0/users/{OWEN.user_id}/onlineMeetings"
    times = {"startDateTime": "2026-12-04T10:00:00Z", "endDateTime": "2026-12-04T11:00:00Z"}
    try:
        made = await client.post_json(path, {**times, "subject": "Rapid debrief meeting: RD-2026-0001"})
        server.fail(504, "GatewayTimeout", "The gateway timed out.")
        with pytest.raises(GraphError) as refused:
            await client.post_json(path, times)
        assert (refused.value.status, refused.value.code) == (504, "GatewayTimeout")
        assert [r.method for r in server.requests()] == ["POST", "POST"]
        with pytest.raises(GraphError):
            await client.patch_json(f"{path}/{quote(made['id'], safe='')}", times, max_retries=2)
        assert [r.method for r in server.requests()][2:] == ["PATCH", "PATCH", "PATCH"]
        server.heal()
        server.throttle(1, retry_after=30)
        with pytest.raises(GraphError) as throttled:
            await client.post_json(path, times, max_retry_wait_s=5)
        assert (throttled.value.status, throttled.value.retry_after) == (429, 30)  # for the outbox to wait out
        assert len(waits) == 2  # the two PATCH retries; the 429 was not waited out in place
    finally:
        await client.close()


async def test_asking_again_with_the_cases_external_id_gets_the_same_teams_meeting(server: GraphServer) -> None:
    """What makes a repeated create safe: the dispatcher may ask again after a timeout or a 504."""
    client = GraphClient(
        client_id=BOT_ID,
        client_secret=APP_PASSWORD,
        authority_url=server.authority_url,
        graph_url=server.url,
        ca_file=server.ca_file,
    )
    path = f"/v1.0/users/{OWEN.user_id}/onlineMeetings/createOrGet"
    body = {
        "startDateTime": "2026-12-04T10:00:00Z",
        "endDateTime": "2026-12-04T11:00:00Z",
        "subject": "Rapid debrief meeting: RD-2026-0001",
        "externalId": "rapid-debrief-meeting-1",
    }
    try:
        first = await client.post_json(path, body)
        again = await client.post_json(path, body)
        assert first["id"] == again["id"] and first["joinWebUrl"] == again["joinWebUrl"]
        assert [r.status for r in server.requests()] == [201, 200]
        assert len(server.online_meetings) == 1
    finally:
        await client.close()
