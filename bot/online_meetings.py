"""The debrief meeting's Teams meeting, created (and moved) through Microsoft Graph when that is configured.

Each time the lead reviewer sets or moves the meeting, debrief.meetings queues an ONLINE_MEETING outbox message; the
dispatcher hands it to `GraphOnlineMeetings.create_or_update`, which

1. reads the meeting through the process (`debrief.notifications.case_for_message`, audited as a disclosure to
   Microsoft Graph);
2. creates a Teams meeting with the lead reviewer who scheduled it as its organiser
   (`POST /v1.0/users/{organiser}/onlineMeetings/createOrGet` with the case's external id, app-only, so a
   repeated request finds the meeting already made), or moves the one already made
   (`PATCH /v1.0/users/{organiser}/onlineMeetings/{id}`; if Graph no longer knows it, a new one is made). Graph is
   told the start and end (UTC) and a subject naming the case number only: no case detail, no names;
3. records the join link for the revision of the plan it read (`debrief.meetings.set_online_meeting`), which
   updates the meeting card. If the plan moved on meanwhile, the meeting just made is moved to the new plan and
   recorded for that revision instead, so that no Teams meeting is left behind unrecorded.

Failures are outbox failures: 408, 429 and 5xx (and an unreachable Graph) are retried by the dispatcher with
backoff, never sooner than Graph's Retry-After; any other refusal (403 "No application access policy found for this
app", 404 for an unknown organiser, a bad request) is final, so the row is marked failed and the meeting card goes
on offering the calendar invitation without a link. Nothing here logs a token, a join link or case content.

App-only creation needs the application permission OnlineMeetings.ReadWrite.All and a Teams application access
policy granting the app for the organisers (see README.md); neither can be exercised here, only a local stand-in.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot.graph import GraphClient, GraphError
from bot.outbox import SendError
from bot.services import Services
from debrief.meetings import Meeting, set_online_meeting
from debrief.notifications import case_for_message

log = logging.getLogger(__name__)

GRAPH_RECIPIENT = "graph:onlineMeetings"
"""Who the meeting is disclosed to, as the audit record names it."""
INLINE_RETRIES = 2
INLINE_RETRY_WAIT_S = 5.0
"""Graph throttling waited out in the dispatcher's own round: short waits only; longer ones go back to the outbox."""
MAX_ROUNDS = 3
"""How many times a meeting made for a plan that moved on is moved again before the newer outbox row takes over."""
RETRYABLE_WITHOUT_STATUS = frozenset({"Unreachable", "AuthorityUnreachable", "temporarily_unavailable"})
"""GraphError codes (HTTP status 0) that are worth retrying: Graph or the identity platform could not be reached."""


def subject_for(case_number: str) -> str:
    """The meeting's title in Teams: the case number and nothing else from the case."""
    return f"Rapid debrief meeting: {case_number}"


def external_id(case_id: int) -> str:
    """One Teams meeting per case's debrief meeting, whoever asks and however often."""
    return f"rapid-debrief-meeting-{case_id}"


def _times_of(answer: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """Graph's startDateTime/endDateTime ("2027-06-07T09:00:00.0000000Z") as aware datetimes (seconds)."""

    def parse(raw: object) -> datetime | None:
        if not isinstance(raw, str) or len(raw) < 19:
            return None
        try:
            return datetime.fromisoformat(raw[:19]).replace(tzinfo=UTC)
        except ValueError:
            return None

    return parse(answer.get("startDateTime")), parse(answer.get("endDateTime"))


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC, as Graph's onlineMeeting takes startDateTime and endDateTime."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GraphOnlineMeetings:
    """bot.outbox.OnlineMeetings through Microsoft Graph, app-only (client credentials)."""

    def __init__(self, services: Services, client: GraphClient, *, owns_client: bool = True) -> None:
        self._services = services
        self._client = client
        self._owns_client = owns_client

    async def create_or_update(self, case_id: int) -> None:
        s = self._services
        made: str | None = None  # a Teams meeting made in this call but not yet recorded
        for _ in range(MAX_ROUNDS):
            view = await case_for_message(uow=s.uow(), case_id=case_id, recipients=(GRAPH_RECIPIENT,), now=s.now())
            meeting = view.meeting
            if meeting is None:
                log.info("online meeting for case %s: no meeting is scheduled; nothing to do", case_id)
                return
            if made is None and meeting.ends_at <= s.now():
                log.info("online meeting for case %s: the meeting is over; nothing to do", case_id)
                return
            if made is not None and meeting.online_meeting_id is not None:
                log.warning(
                    "online meeting for case %s: another Teams meeting was recorded meanwhile; the one made here "
                    "is left unused",
                    case_id,
                )
                return
            answer = await self._create_or_move(meeting, view.case.case_number, made or meeting.online_meeting_id)
            join_url, meeting_id = _join_url_and_id(answer, case_id)
            if (join_url, meeting_id) == (meeting.join_url, meeting.online_meeting_id):
                return  # moved in Teams; the link the card shows is unchanged
            recorded = await set_online_meeting(
                uow=s.uow(),
                case_id=case_id,
                join_url=join_url,
                online_meeting_id=meeting_id,
                revision=meeting.revision,
                now=s.now(),
            )
            if recorded:
                log.info("online meeting for case %s recorded for revision %s", case_id, meeting.revision)
                return
            made = meeting_id  # the plan moved on while Graph was asked: move this meeting to the new plan
        log.warning("online meeting for case %s: the plan kept moving; the newer outbox message will follow", case_id)

    async def close(self) -> None:
        if self._owns_client:
            await self._client.close()

    async def _create_or_move(self, meeting: Meeting, case_number: str, existing_id: str | None) -> dict[str, Any]:
        organiser = quote(meeting.scheduled_by.user_id, safe="")
        collection = f"/v1.0/users/{organiser}/onlineMeetings"
        times = {"startDateTime": utc_text(meeting.starts_at), "endDateTime": utc_text(meeting.ends_at)}
        limits: dict[str, Any] = {"max_retries": INLINE_RETRIES, "max_retry_wait_s": INLINE_RETRY_WAIT_S}
        try:
            if existing_id is not None:
                try:
                    return await self._client.patch_json(f"{collection}/{quote(existing_id, safe='')}", times, **limits)
                except GraphError as error:
                    if error.status != 404:
                        raise
                    log.info(
                        "online meeting for case %s: Graph no longer knows the Teams meeting; making a new one",
                        meeting.case_id,
                    )
            # createOrGet with the case's external id: a retried request (a timeout, a 504 after Graph made the
            # meeting) finds the meeting already made instead of making a second one.
            body = {**times, "subject": subject_for(case_number), "externalId": external_id(meeting.case_id)}
            answer = await self._client.post_json(f"{collection}/createOrGet", body, **limits)
            if _times_of(answer) != (meeting.starts_at, meeting.ends_at) and isinstance(answer.get("id"), str):
                # It was made earlier for an older plan: move it to this one.
                path = f"{collection}/{quote(answer['id'], safe='')}"
                return await self._client.patch_json(path, times, **limits)
            return answer
        except GraphError as error:
            raise _send_error(error, meeting.case_id) from None


def _join_url_and_id(answer: dict[str, Any], case_id: int) -> tuple[str, str]:
    join_url, meeting_id = answer.get("joinWebUrl"), answer.get("id")
    if (
        isinstance(join_url, str)
        and join_url.startswith("https://")
        and isinstance(meeting_id, str)
        and meeting_id
        and len(join_url) <= 2000
    ):
        return join_url, meeting_id
    # Final, not retried: Graph may have made a meeting it did not describe, and a retry would make another.
    log.warning("online meeting for case %s: Graph's answer has no usable joinWebUrl and id", case_id)
    raise SendError(200, code="UnexpectedResponse")


def _send_error(error: GraphError, case_id: int) -> SendError:
    """As the dispatcher judges failures: 408/412/429/5xx and an unreachable Graph are retried, the rest final
    (including a 2xx answer that is not an object: Graph may have acted on it)."""
    status: int | None = error.status
    if not status:
        # No HTTP answer: Graph or the identity platform unreachable (retried), or msal refused the credentials.
        status = None if error.code in RETRYABLE_WITHOUT_STATUS else 401
    log.warning(
        "online meeting for case %s: Microsoft Graph said %s %s%s",
        case_id,
        error.status or "(no answer)",
        error.code,
        f" (request-id {error.request_id})" if error.request_id else "",
    )
    return SendError(status, retry_after=error.retry_after, code=error.code)


def online_meetings_from_settings(services: Services) -> GraphOnlineMeetings | None:
    """GraphOnlineMeetings when DEBRIEF_GRAPH_ONLINE_MEETINGS=true, else None (the card's .ics only).

    With the Graph directory on too, its GraphClient is shared: one msal token cache, one HTTP session."""
    settings = services.settings
    connection = settings.online_meetings
    if connection is None:
        return None
    shared = getattr(services.directory, "_source", None)  # bot.directory.GraphDirectory's client
    if isinstance(shared, GraphClient):
        return GraphOnlineMeetings(services, shared, owns_client=False)
    client = GraphClient(
        client_id=settings.app_id,
        client_secret=settings.app_password,
        authority_url=connection.authority_url,
        graph_url=connection.graph_url,
        ca_file=connection.ca_file,
    )
    return GraphOnlineMeetings(services, client)
