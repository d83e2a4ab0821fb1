"""The dispatcher: claims due outbox rows, renders and sends them, retries with backoff, keeps to Teams' limits.

A row is written in the same transaction as the change that causes it (see storage/uow.py), so a crash
before sending loses nothing: the row's lease runs out and it is claimed again.

Teams' limits: at most 7 sends per second in one conversation (`ConversationRateLimiter`) and a configured rate
per tenant (`TenantRateLimiter`, DEBRIEF_TENANT_SENDS_PER_S; Teams allows an app about 50 per tenant). Both are
kept per process: with several instances, each gets its share of the tenant's rate. Claimed rows are sent in
lanes, one per conversation (a case's thread, a person's chat), each lane in order and the lanes side by side;
the next batch is claimed before the last is finished, so sending never pauses while there is work.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters
from botframework.connector.aio import ConnectorClient

from bot.auth import DebriefAuthentication
from bot.documents import DocumentKind, new_link
from bot.file_consent import consent_card
from bot.http_sender import retry_after_seconds
from bot.metrics import Metrics
from bot.services import Services
from cards.actions import action_assigned, action_card, action_escalated, action_reminder, actions_thread_header
from cards.chronology import contribution_reminder, document_link
from cards.common import Card
from cards.consent import consent_recorded, consent_request
from cards.contributors import contributors_card, invitation
from cards.delivery import delivery_blocked
from cards.meetings import meeting_card, meeting_file_link
from cards.outcomes import changes_requested, outcome_card, outcome_circulated, sign_off_request
from cards.oversight import board_summary, weekly_digest
from cards.parameters import parameters_card
from cards.partners import partner_invitation, partner_invitation_reminder, partners_card
from cards.retention import retention_review_due
from cards.triage import triage_card, triage_outcome_for_nominator
from debrief import digests
from debrief.action_reminders import reminder_key, working_days_after
from debrief.actions import ActionView, action_for_message
from debrief.consent import consent_due_for
from debrief.errors import NotFound
from debrief.learning import local_today
from debrief.meetings import eligible_attendees, suggested_date
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.notifications import CaseForMessage, case_for_message
from debrief.partners import PartnerInvitation
from debrief.retention import retention_for_message
from storage import outbox_store
from storage.conversations import CaseThread, case_thread, latest_service_url, personal_conversation, save_case_thread

log = logging.getLogger(__name__)

RETRYABLE = {408, 412, 429, 500, 502, 503, 504}
CLAIM_BATCH = 20
"""Rows claimed at a time."""
TRIAGE_THREAD = "triage"
ACTIONS_THREAD = "actions"
# Replies in the case thread that are kept up to date in place rather than posted again.
UPDATED_IN_PLACE = {
    MessageKind.PARAMETERS_CARD: "parameters",
    MessageKind.CONTRIBUTORS_CARD: "contributors",
    MessageKind.PARTNERS_CARD: "partners",
    MessageKind.MEETING_CARD: "meeting",
    MessageKind.OUTCOME_CARD: "outcome",
}
# Files sent one to one on request, and what each is.
FILES = {
    MessageKind.CHRONOLOGY_DOCUMENT: DocumentKind.CHRONOLOGY,
    MessageKind.AGENDA_PACK: DocumentKind.AGENDA_PACK,
    MessageKind.MEETING_INVITATION_FILE: DocumentKind.MEETING_INVITATION,
    MessageKind.LEARNING_DOCUMENT: DocumentKind.LEARNING,
}


class SendError(Exception):
    def __init__(self, status: int | None, *, retry_after: float | None = None, code: str = "") -> None:
        self.status = status
        self.retry_after = retry_after
        self.code = code
        super().__init__(f"send failed with HTTP {status} {code}".strip())

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in RETRYABLE


class NotReady(Exception):
    """The message depends on one not sent yet (e.g. a card update before its thread exists)."""


class ConversationRateLimiter:
    """Teams allows a bot about 7 sends per second per conversation; stay under it."""

    def __init__(self, per_second: int = 7) -> None:
        self._per_second = per_second
        self._sent: dict[str, deque[float]] = defaultdict(deque)

    async def wait(self, conversation_id: str) -> None:
        window = self._sent[conversation_id]
        while True:
            now = time.monotonic()
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) < self._per_second:
                window.append(now)
                return
            await asyncio.sleep(1.0 - (now - window[0]))


class TenantRateLimiter:
    """At most `per_second` connector requests per tenant in any second, evenly spaced rather than in bursts
    (Teams allows an app about 50 requests per second per tenant; several instances' bursts would add up).

    The spacing is `headroom` (2%) wider than `1 / per_second`: a request the event loop sends a few milliseconds
    late must not bring the next second's count at Teams over the limit. Each caller takes the next free slot
    before it sleeps, so callers running side by side never share one."""

    def __init__(
        self,
        per_second: float = 50.0,
        *,
        headroom: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0 or headroom < 0:
            raise ValueError("per_second must be positive and headroom not negative")
        self.per_second = per_second
        self.interval = (1.0 + headroom) / per_second
        """Seconds between two requests to one tenant."""
        self._clock = clock
        self._sleep = sleep
        self._next_slot: dict[str, float] = {}

    def reserve(self, tenant_id: str) -> float:
        """Take the tenant's next slot; returns the seconds to wait until it."""
        now = self._clock()
        slot = max(now, self._next_slot.get(tenant_id, now))
        self._next_slot[tenant_id] = slot + self.interval
        return slot - now

    async def wait(self, tenant_id: str) -> None:
        delay = self.reserve(tenant_id)
        if delay > 0:
            await self._sleep(delay)


class TeamsConnector:
    """The few Bot Connector calls the dispatcher needs, with failures as SendError."""

    def __init__(self, authentication: DebriefAuthentication, bot_id: str) -> None:
        self._authentication = authentication
        self._bot_id = bot_id

    async def _client(self, service_url: str) -> ConnectorClient:
        factory = self._authentication.create_connector_factory(self._authentication.bot_claims(self._bot_id))
        return await factory.create(service_url, None)

    async def send(self, service_url: str, conversation_id: str, activity: Activity) -> str:
        client = await self._client(service_url)
        response = await _call(client.conversations.send_to_conversation(conversation_id, activity))
        return str(getattr(response, "id", "") or "")

    async def update(self, thread: CaseThread, activity: Activity) -> None:
        client = await self._client(thread.service_url)
        activity.id = thread.activity_id
        await _call(client.conversations.update_activity(thread.conversation_id, thread.activity_id, activity))

    async def start_channel_thread(
        self, service_url: str, channel_id: str, tenant_id: str, activity: Activity
    ) -> CaseThread:
        client = await self._client(service_url)
        parameters = ConversationParameters(
            is_group=True,
            bot=ChannelAccount(id=self._bot_id),
            channel_data={"channel": {"id": channel_id}, "tenant": {"id": tenant_id}},
            activity=activity,
            tenant_id=tenant_id,
        )
        response = await _call(client.conversations.create_conversation(parameters))
        return CaseThread(service_url, str(response.id), str(response.activity_id or ""))

    async def start_personal_chat(self, service_url: str, user_id: str, tenant_id: str) -> str:
        client = await self._client(service_url)
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=self._bot_id),
            members=[ChannelAccount(id=user_id, aad_object_id=user_id)],
            channel_data={"tenant": {"id": tenant_id}},
            tenant_id=tenant_id,
        )
        response = await _call(client.conversations.create_conversation(parameters))
        return str(response.id)


async def _call(pending: Any) -> Any:
    try:
        return await pending
    except Exception as error:
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", None) or {}
        code = ""
        inner = getattr(error, "error", None)
        if inner is not None and getattr(inner, "error", None) is not None:
            code = str(getattr(inner.error, "code", "") or "")
        raise SendError(status, retry_after=retry_after_seconds(headers.get("Retry-After")), code=code) from error


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 2.0
    cap_s: float = 300.0
    max_attempts: int = 10

    def delay(self, attempts: int, retry_after: float | None) -> float:
        """Exponential backoff with full jitter; Retry-After is a floor, never shortened."""
        backoff = random.uniform(0, min(self.cap_s, self.base_s * 2 ** max(0, attempts - 1)))
        return max(backoff, retry_after or 0.0)


def card_message(card: Card) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


class Dispatcher:
    def __init__(
        self,
        *,
        services: Services,
        connector: TeamsConnector,
        policy: RetryPolicy | None = None,
        lease: timedelta = timedelta(seconds=60),
        online_meetings: OnlineMeetings | None = None,
        lanes: int = 8,
        metrics: Metrics | None = None,
    ) -> None:
        self.services = services
        self.metrics = metrics if metrics is not None else Metrics()
        """Sends by result, for GET /metrics."""
        self.connector = connector
        self.policy = policy or RetryPolicy()
        self.lease = lease
        self.instance = f"dispatcher-{uuid.uuid4().hex[:12]}"
        self.limiter = ConversationRateLimiter()
        self.tenant_limiter = TenantRateLimiter(services.settings.tenant_sends_per_s)
        self.online_meetings = online_meetings
        self.handled = 0
        """Rows tried (sent, failed or put back for later) since start."""
        self._sending = asyncio.Semaphore(lanes)
        self._low_water = lanes
        self._in_flight: set[asyncio.Task[None]] = set()
        self._tails: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and send until stopped. A new batch is claimed as soon as fewer than `lanes` rows are in flight,
        so the sends keep to the limits without pausing between batches and one slow conversation holds up no
        other; when nothing is due, wait for a wake or the interval."""
        interval = self.services.settings.dispatch_interval_s
        while not stop.is_set():
            self._wake.clear()
            full = False
            if len(self._in_flight) < self._low_water:
                try:
                    full = await self._claim_and_start() >= CLAIM_BATCH
                except Exception:
                    log.warning("outbox round failed; will retry", exc_info=True)
            if full and len(self._in_flight) < self._low_water:
                continue
            await self._idle(interval)
        if self._in_flight:
            await asyncio.wait(set(self._in_flight))

    async def _idle(self, interval: float) -> None:
        """Until woken, or (with a full pipeline) until a row is settled, or the interval has passed."""
        waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._wake.wait())}
        if len(self._in_flight) >= self._low_water:
            waits.add(asyncio.ensure_future(asyncio.wait(set(self._in_flight), return_when=asyncio.FIRST_COMPLETED)))
        try:
            await asyncio.wait(waits, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def dispatch_once(self) -> int:
        """One round: claim what is due and try each; returns how many were claimed, once all are settled."""
        started = await self._start_claimed()
        if started:
            await asyncio.wait(started)
        return len(started)

    async def _claim_and_start(self) -> int:
        return len(await self._start_claimed())

    async def _start_claimed(self) -> list[asyncio.Task[None]]:
        """Claim a batch and start each row in its lane. A lane is one conversation (a person's chat, a case's
        thread): its rows go in the order they were queued (a card is posted before it is updated), behind any
        of its rows still in flight; different lanes go side by side, at most `lanes` sending at once."""
        now = self.services.now()
        claimed = await outbox_store.claim_due(
            self.services.engine, instance=self.instance, now=now, lease=self.lease, limit=CLAIM_BATCH
        )
        return [self._start(item) for item in claimed]

    def _start(self, item: outbox_store.ClaimedMessage) -> asyncio.Task[None]:
        lane = _lane(item.message)
        task = asyncio.create_task(self._deliver_in_lane(self._tails.get(lane), item))
        self._tails[lane] = task
        self._in_flight.add(task)

        def settled(done: asyncio.Task[None]) -> None:
            self._in_flight.discard(done)
            if self._tails.get(lane) is done:
                del self._tails[lane]

        task.add_done_callback(settled)
        return task

    async def _deliver_in_lane(self, ahead: asyncio.Task[None] | None, item: outbox_store.ClaimedMessage) -> None:
        if ahead is not None:
            await asyncio.wait({ahead})
        async with self._sending:
            try:
                await self._deliver(item)
            except Exception:
                # Left claimed: it is tried again when its lease runs out.
                log.warning("outbox message %s failed; will retry", item.id, exc_info=True)
            self.handled += 1

    async def _throttle(self, tenant_id: str, conversation_id: str | None = None) -> None:
        """Wait for Teams' limits: the conversation's (if any), then the tenant's."""
        if conversation_id is not None:
            await self.limiter.wait(conversation_id)
        await self.tenant_limiter.wait(tenant_id)

    async def _deliver(self, item: outbox_store.ClaimedMessage) -> None:
        engine = self.services.engine
        attempts = item.attempts + 1
        try:
            await self._send(item)
        except NotReady as waiting:
            await outbox_store.retry_later(
                engine,
                message_id=item.id,
                instance=self.instance,
                attempts=item.attempts,
                at=self.services.now() + timedelta(seconds=2),
                error=str(waiting),
            )
            return
        except SendError as error:
            blocked = error.status == 403 and error.code == "MessageWritesBlocked"
            final = blocked or not error.retryable or attempts >= self.policy.max_attempts
            log.warning(
                "outbox message %s: %s (attempt %s%s)", item.id, error, attempts, ", giving up" if final else ""
            )
            if blocked:
                await self._blocked(item, attempts, error)
                self.metrics.count_send("blocked")
            elif final:
                await outbox_store.mark_failed(
                    engine, message_id=item.id, instance=self.instance, attempts=attempts, error=str(error)
                )
                self.metrics.count_send("failed")
            else:
                delay = self.policy.delay(attempts, error.retry_after)
                await outbox_store.retry_later(
                    engine,
                    message_id=item.id,
                    instance=self.instance,
                    attempts=attempts,
                    at=self.services.now() + timedelta(seconds=delay),
                    error=str(error),
                )
                self.metrics.count_send("retried")
            return
        except NotFound as missing:
            await outbox_store.mark_failed(
                engine, message_id=item.id, instance=self.instance, attempts=attempts, error=missing.message
            )
            self.metrics.count_send("failed")
            return
        await self._mark_sent(item)
        self.metrics.count_send("sent")

    async def _mark_sent(self, item: outbox_store.ClaimedMessage) -> None:
        await self._after_send(
            item,
            lambda: outbox_store.mark_sent(
                self.services.engine, message_id=item.id, instance=self.instance, now=self.services.now()
            ),
        )

    async def _after_send(self, item: outbox_store.ClaimedMessage, write: Callable[[], Awaitable[None]]) -> None:
        """Record a send Teams has taken. It cannot be taken back, so if the database is briefly unreachable this
        waits for it (within the row's lease, which no other instance can claim it in) rather than leaving the row to
        be claimed and posted again when the lease runs out."""
        deadline = time.monotonic() + 0.9 * self.lease.total_seconds()
        delay = 0.25
        while True:
            try:
                await write()
                return
            except Exception:
                if time.monotonic() + delay >= deadline:
                    raise
                if delay < 1.0:  # once, not every second of an outage
                    log.warning("outbox message %s was sent but could not be recorded; retrying", item.id)
                await asyncio.sleep(delay)
                delay = min(2 * delay, 1.0)

    async def _blocked(self, item: outbox_store.ClaimedMessage, attempts: int, error: SendError) -> None:
        """The person blocked or removed the bot: the row fails saying so and, for a one-to-one message, the case
        thread is told (queued with the failure, in one transaction). The notice goes to the thread, never to a
        person, so a notice cannot itself be blocked into another notice."""
        message = item.message
        notice = None
        if message.audience is Audience.PERSON and message.person_id is not None:
            notice = OutboundMessage(
                kind=MessageKind.DELIVERY_BLOCKED,
                case_id=message.case_id,
                audience=Audience.CASE_THREAD,
                person_id=message.person_id,
            )
        await outbox_store.mark_blocked(
            self.services.engine,
            message_id=item.id,
            instance=self.instance,
            attempts=attempts,
            error=f"they have blocked or removed the bot in Teams ({error})",
            now=self.services.now(),
            notice=notice,
        )
        if notice is not None:
            self.wake()

    async def _send(self, item: outbox_store.ClaimedMessage) -> None:
        s = self.services
        message = item.message
        if message.case_id is None:
            await self._post_digest(message)
            return
        match message.audience:
            case Audience.REVIEW_TEAM_CHANNEL:
                tenant = s.settings.home_tenant
                service_url = await self._service_url()
                card = await self._triage_card(message.case_id)
                await self._throttle(tenant, s.settings.review_team_channel_id)
                thread = await self.connector.start_channel_thread(
                    service_url, s.settings.review_team_channel_id, tenant, card_message(card)
                )
                case_id = message.case_id
                await self._after_send(
                    item, lambda: save_case_thread(s.engine, case_id=case_id, purpose=TRIAGE_THREAD, thread=thread)
                )
            case Audience.TRIAGE_THREAD:
                existing = await case_thread(s.engine, case_id=message.case_id, purpose=TRIAGE_THREAD)
                if existing is None:
                    raise NotReady("the triage thread has not been started yet")
                card = await self._triage_card(message.case_id)
                await self._throttle(s.settings.home_tenant, existing.conversation_id)
                await self.connector.update(existing, card_message(card))
            case Audience.CASE_THREAD if message.kind is MessageKind.ONLINE_MEETING:
                await self._online_meeting(message)
            case Audience.CASE_THREAD:
                await self._post_in_case_thread(item)
            case Audience.ACTIONS_THREAD:
                await self._post_action(message)
            case Audience.PERSON if message.kind is MessageKind.ACTION_ASSIGNED:
                await self._send_action_to_owner(message)
            case Audience.PERSON if message.kind is MessageKind.ACTION_REMINDER:
                await self._remind_action_owner(message)
            case Audience.PERSON if message.kind is MessageKind.RETENTION_REVIEW_DUE:
                await self._send_retention_review(message)
            case Audience.WORKING_GROUP_CHANNEL:
                await self._escalate_action(message)
            case Audience.PERSON:
                assert message.person_id is not None
                view = await case_for_message(
                    uow=s.uow(), case_id=message.case_id, now=s.now(), recipients=(f"person:{message.person_id}",)
                )
                if (kind := FILES.get(message.kind)) is not None:
                    reply = await self._file_offer(kind, view, message.person_id)
                else:
                    reply = card_message(self._render(message.kind, view, message.person_id))
                await self._send_to_person(message.person_id, reply)

    async def _send_to_person(self, person_id: str, reply: Activity) -> CaseThread:
        """One to one, in the person's chat with the bot (started if there is none yet): where it was posted."""
        s = self.services
        address = await personal_conversation(s.engine, person_id)
        tenant = s.settings.home_tenant
        if address is not None:
            service_url, conversation_id = address.service_url, address.conversation_id
            tenant = address.tenant_id or tenant
        else:
            service_url = await self._service_url()
            await self._throttle(tenant)
            conversation_id = await self.connector.start_personal_chat(service_url, person_id, tenant)
        await self._throttle(tenant, conversation_id)
        activity_id = await self.connector.send(service_url, conversation_id, reply)
        return CaseThread(service_url, conversation_id, activity_id)

    async def _action_view(self, message: OutboundMessage, recipients: tuple[str, ...]) -> ActionView:
        if message.subject_id is None:
            raise NotFound("an action message without its action")
        s = self.services
        return await action_for_message(uow=s.uow(), action_id=message.subject_id, recipients=recipients, now=s.now())

    async def _post_action(self, message: OutboundMessage) -> None:
        """An action's card in the case's actions thread (started on first use), then kept up to date in place,
        there and in its owner's chat: everyone sees the same status."""
        assert message.case_id is not None  # only a digest has no case, and it never comes here (see _send)
        s = self.services
        channel = s.settings.review_team_channel_id
        view = await self._action_view(message, (f"channel:{channel}",))
        action_id = view.action.id
        card = card_message(action_card(view, case_id=message.case_id, now=s.now()))
        posted = await case_thread(s.engine, case_id=message.case_id, purpose=f"action-{action_id}")
        if posted is not None:
            await self._throttle(s.settings.home_tenant, posted.conversation_id)
            await self.connector.update(posted, card)
        else:
            thread = await case_thread(s.engine, case_id=message.case_id, purpose=ACTIONS_THREAD)
            if thread is None:
                service_url = await self._service_url()
                await self._throttle(s.settings.home_tenant, channel)
                thread = await self.connector.start_channel_thread(
                    service_url,
                    channel,
                    s.settings.home_tenant,
                    card_message(actions_thread_header(view.case_number)),
                )
                await save_case_thread(s.engine, case_id=message.case_id, purpose=ACTIONS_THREAD, thread=thread)
            await self._throttle(s.settings.home_tenant, thread.conversation_id)
            reply_id = await self.connector.send(thread.service_url, thread.conversation_id, card)
            await save_case_thread(
                s.engine,
                case_id=message.case_id,
                purpose=f"action-{action_id}",
                thread=CaseThread(thread.service_url, thread.conversation_id, reply_id),
            )
        owners = await case_thread(s.engine, case_id=message.case_id, purpose=f"action-{action_id}-owner")
        if owners is not None:
            await self._throttle(s.settings.home_tenant, owners.conversation_id)
            await self.connector.update(owners, card)

    async def _send_action_to_owner(self, message: OutboundMessage) -> None:
        """The action, one to one, to its owner; the card there is updated with every change."""
        s = self.services
        assert message.person_id is not None and message.case_id is not None
        view = await self._action_view(message, (f"person:{message.person_id}",))
        card = card_message(action_assigned(view, case_id=message.case_id, now=s.now()))
        posted = await self._send_to_person(message.person_id, card)
        await save_case_thread(
            s.engine, case_id=message.case_id, purpose=f"action-{view.action.id}-owner", thread=posted
        )

    async def _remind_action_owner(self, message: OutboundMessage) -> None:
        """A reminder, one to one, with the action's card as it stands: nothing if it was closed meanwhile."""
        s = self.services
        assert message.person_id is not None and message.case_id is not None
        view = await self._action_view(message, (f"person:{message.person_id}",))
        action = view.action
        if action.final:
            raise NotFound(f"action {action.id} was closed before its reminder went out")
        now = s.now()
        key = reminder_key(action, today=local_today(now))
        await self._send_to_person(
            message.person_id, card_message(action_reminder(view, case_id=message.case_id, now=now, key=key))
        )

    async def _escalate_action(self, message: OutboundMessage) -> None:
        """An overdue action, as a post of its own in the working group's channel, for them to follow up; nothing
        if it was closed, or given a new due date, meanwhile."""
        assert message.case_id is not None  # only a digest has no case (see _send)
        s = self.services
        channel = s.settings.escalation_channel_id
        view = await self._action_view(message, (f"channel:{channel}",))
        action = view.action
        now = s.now()
        late = working_days_after(action.due, local_today(now))
        if action.final or late < s.settings.action_reminders.escalate_after:
            raise NotFound(f"action {action.id} is no longer overdue, so it is not escalated")
        card = action_escalated(view, case_id=message.case_id, now=now, working_days_overdue=late)
        service_url = await self._service_url()
        await self._throttle(s.settings.home_tenant, channel)
        await self.connector.start_channel_thread(service_url, channel, s.settings.home_tenant, card_message(card))

    async def _send_retention_review(self, message: OutboundMessage) -> None:
        """The retention card, one to one, to an information manager: nothing if the review is no longer due (decided
        meanwhile) or the case was erased (its read raises CaseErased, a NotFound)."""
        s = self.services
        assert message.person_id is not None and message.case_id is not None
        view = await retention_for_message(
            uow=s.uow(), case_id=message.case_id, recipients=(f"person:{message.person_id}",), now=s.now()
        )
        today = s.today()
        if not view.review_is_due(today):
            raise NotFound(f"the review of {view.case_number} is no longer due, so its card is not sent")
        await self._send_to_person(message.person_id, card_message(retention_review_due(view, today=today)))

    async def _post_digest(self, message: OutboundMessage) -> None:
        """A digest (`subject_id`), as a post of its own: the weekly one in the working group's channel, the
        board's summary in the board's. Built from the figures as they are now; reading them is the disclosure."""
        s = self.services
        if message.subject_id is None or message.kind not in (MessageKind.WEEKLY_DIGEST, MessageKind.BOARD_SUMMARY):
            raise NotFound(f"{message.kind} names no case and is not a digest")
        board = message.audience is Audience.BOARD_CHANNEL
        channel = s.settings.board_summary_channel_id if board else s.settings.escalation_channel_id
        found = await digests.digest_for_message(
            uow=s.uow(),
            digest_id=message.subject_id,
            now=s.now(),
            recipients=(f"channel:{channel}",),
            unit_of=s.directory.unit_of,
        )
        card = board_summary(found) if isinstance(found, digests.BoardSummary) else weekly_digest(found)
        service_url = await self._service_url()
        await self._throttle(s.settings.home_tenant, channel)
        await self.connector.start_channel_thread(service_url, channel, s.settings.home_tenant, card_message(card))

    async def _file_offer(self, kind: DocumentKind, view: CaseForMessage, person_id: str) -> Activity:
        """A new single-use token each attempt (never stored, only its hash): Word documents through Teams' file
        consent where configured (the file goes to the person's own OneDrive), otherwise, and for the calendar
        invitation always, a link that works once."""
        s = self.services
        case_id = view.case.id
        assert case_id is not None
        if s.settings.document_delivery == "file_consent" and kind is not DocumentKind.MEETING_INVITATION:
            return await consent_card(
                s, case_id=case_id, case_number=view.case.case_number, person_id=person_id, kind=kind
            )
        url = await new_link(s, case_id=case_id, person_id=person_id, kind=kind)
        expires_at = s.now() + timedelta(minutes=s.settings.document_link_minutes)
        if kind is DocumentKind.CHRONOLOGY:
            return card_message(document_link(view.case, url=url, expires_at=expires_at))
        return card_message(meeting_file_link(view.case, what=kind.label, url=url, expires_at=expires_at))

    def _render(self, kind: MessageKind, view: CaseForMessage, person_id: str | None = None) -> Card:
        """The card for each kind of message, from the case as it is now."""
        s = self.services
        match kind:
            case MessageKind.TRIAGE_REQUESTED | MessageKind.TRIAGE_CARD_CHANGED:
                return triage_card(
                    view.case, review_team=s.review_team(), triage_due=s.triage_due(view.case.nominated_at)
                )
            case MessageKind.TRIAGE_OUTCOME:
                return triage_outcome_for_nominator(view.case)
            case MessageKind.PARAMETERS_CARD:
                return parameters_card(view.case, view.parameters)
            case MessageKind.CONSENT_REQUESTED:
                return consent_request(view.case, view.consent, due=consent_due_for(view.case))
            case MessageKind.CONSENT_RECORDED:
                if view.consent is None:
                    raise NotFound("no consent recorded")
                return consent_recorded(view.case, view.consent)
            case MessageKind.CONTRIBUTORS_CARD:
                return contributors_card(view.case, view.contributors, officers=s.officers())
            case MessageKind.CONTRIBUTOR_INVITED:
                contributor = next((c for c in view.contributors if c.person.user_id == person_id), None)
                if contributor is None:
                    raise NotFound("that officer is not a contributor of the case")
                return invitation(view.case, contributor, view.parameters, view.consent)
            case MessageKind.CONTRIBUTION_REMINDER | MessageKind.CONTRIBUTION_REMINDER_DUE_TODAY:
                contributor = next((c for c in view.contributors if c.person.user_id == person_id), None)
                if contributor is None:
                    raise NotFound("that officer is not a contributor of the case")
                on_the_day = kind is MessageKind.CONTRIBUTION_REMINDER_DUE_TODAY
                return contribution_reminder(view.case, deadline=contributor.deadline, on_the_day=on_the_day)
            case MessageKind.PARTNERS_CARD:
                return partners_card(
                    view.case,
                    summary=view.partner_summary,
                    invitations=view.partner_invitations,
                    contacts=s.partner_contacts(),
                    now=s.now(),
                )
            case MessageKind.MEETING_CARD:
                return meeting_card(
                    view.case,
                    view.meeting,
                    eligible=eligible_attendees(
                        view.case,
                        invitations=view.partner_invitations,
                        contributors=view.contributors,
                        review_team=s.review_team(),
                        now=s.now(),
                    ),
                    suggested=suggested_date(view.case, today=s.today()),
                    now=s.now(),
                )
            case MessageKind.PARTNER_INVITED | MessageKind.PARTNER_INVITATION_REMINDER:
                asked = _newest_invitation(view, person_id)
                if view.partner_summary is None:
                    raise NotFound("the case has no partner summary")
                if kind is MessageKind.PARTNER_INVITATION_REMINDER:
                    return partner_invitation_reminder(case_number=view.case.case_number, invitation=asked)
                colleagues = {
                    uid: p for uid, p in s.directory.partners(asked.agency).items() if uid != asked.contact.user_id
                }
                return partner_invitation(
                    case_number=view.case.case_number,
                    invitation=asked,
                    summary=view.partner_summary,
                    meeting=view.meeting,
                    colleagues=colleagues,
                    now=s.now(),
                )
            case MessageKind.OUTCOME_CARD:
                return outcome_card(view.case, view.outcome, owners=s.officers(), meeting=view.meeting, now=s.now())
            case MessageKind.SIGN_OFF_REQUESTED:
                return sign_off_request(view.case, view.outcome, now=s.now())
            case MessageKind.CHANGES_REQUESTED:
                return changes_requested(view.case, view.outcome)
            case MessageKind.OUTCOME_CIRCULATED:
                return outcome_circulated(view.case, view.outcome)
            case (
                MessageKind.ONLINE_MEETING
                | MessageKind.AGENDA_PACK
                | MessageKind.MEETING_INVITATION_FILE
                | MessageKind.LEARNING_DOCUMENT
            ):
                raise NotFound(f"{kind} is not rendered as a card")
            case MessageKind.CHRONOLOGY_DOCUMENT:
                raise NotFound("the chronology document is sent with a fresh link, not rendered here")
            case MessageKind.DELIVERY_BLOCKED:
                raise NotFound("a delivery notice is rendered with the message it reports, in the case thread only")
            case (
                MessageKind.ACTION_CARD
                | MessageKind.ACTION_ASSIGNED
                | MessageKind.ACTION_REMINDER
                | MessageKind.ACTION_ESCALATED
            ):
                raise NotFound("an action's card is rendered from the action, not the case")
            case MessageKind.WEEKLY_DIGEST | MessageKind.BOARD_SUMMARY:
                raise NotFound("a digest is rendered from the figures, not a case")
            case MessageKind.RETENTION_REVIEW_DUE:
                raise NotFound("a retention review is rendered from the case's retention, not its content")

    async def _post_in_case_thread(self, item: outbox_store.ClaimedMessage) -> None:
        """A reply in the case thread. The parameters card is one reply, updated in place at each revision."""
        s = self.services
        message = item.message
        assert message.case_id is not None  # only a digest has no case (see _send)
        thread = await case_thread(s.engine, case_id=message.case_id, purpose=TRIAGE_THREAD)
        if thread is None:
            raise NotReady("the case thread has not been started yet")
        view = await case_for_message(
            uow=s.uow(),
            case_id=message.case_id,
            now=s.now(),
            recipients=(f"channel:{s.settings.review_team_channel_id}",),
        )
        if message.kind is MessageKind.DELIVERY_BLOCKED:
            card = card_message(await self._delivery_blocked(item, view))
        else:
            card = card_message(self._render(message.kind, view))
        await self._throttle(s.settings.home_tenant, thread.conversation_id)
        purpose = UPDATED_IN_PLACE.get(message.kind)
        posted = await case_thread(s.engine, case_id=message.case_id, purpose=purpose) if purpose else None
        if posted is not None:
            await self.connector.update(posted, card)
            return
        reply_id = await self.connector.send(thread.service_url, thread.conversation_id, card)
        if purpose is not None:
            await save_case_thread(
                s.engine,
                case_id=message.case_id,
                purpose=purpose,
                thread=CaseThread(thread.service_url, thread.conversation_id, reply_id),
            )

    async def _delivery_blocked(self, item: outbox_store.ClaimedMessage, view: CaseForMessage) -> Card:
        """The notice for the lead reviewer: whom a one-to-one message did not reach, and which message."""
        person_id = item.message.person_id
        blocked = None
        if person_id is not None and item.message.case_id is not None:
            blocked = await outbox_store.blocked_message(
                self.services.engine, case_id=item.message.case_id, person_id=person_id, before_id=item.id
            )
        return delivery_blocked(view.case, person=self._name_of(view, person_id), blocked=blocked)

    def _name_of(self, view: CaseForMessage, person_id: str | None) -> str:
        """A person's name from the directory, or else as the case knows them (contributors and partner contacts
        need not be in the directory)."""
        if person_id is None:
            return "Someone on this case"
        if name := self.services.directory.name_for(person_id):
            return name
        case = view.case
        known = [
            case.nominator,
            case.nomination.sio,
            case.lead_reviewer,
            *(c.person for c in view.contributors),
            *(i.contact for i in view.partner_invitations),
        ]
        return next((p.name for p in known if p is not None and p.user_id == person_id), "Someone on this case")

    async def _online_meeting(self, message: OutboundMessage) -> None:
        """Create the Teams meeting through Microsoft Graph where that is configured; otherwise nothing to do
        (the meeting card always offers the calendar invitation)."""
        if self.online_meetings is None or message.case_id is None:
            return
        await self.online_meetings.create_or_update(message.case_id)

    async def _service_url(self) -> str:
        """Where the force's tenant was last heard from: new threads and chats start there."""
        found = await latest_service_url(self.services.engine, self.services.settings.home_tenant)
        if found is None:
            raise NotReady("no conversation with the tenant yet, so no service URL")
        return found

    async def _triage_card(self, case_id: int) -> Card:
        """The triage card as the review team's channel sees it now (reading it is a disclosure to them)."""
        s = self.services
        view = await case_for_message(
            uow=s.uow(), case_id=case_id, now=s.now(), recipients=(f"channel:{s.settings.review_team_channel_id}",)
        )
        return self._render(MessageKind.TRIAGE_CARD_CHANGED, view)


class OnlineMeetings(Protocol):
    """Creates (or moves) the Teams online meeting of a case's debrief meeting, and records its link."""

    async def create_or_update(self, case_id: int) -> None: ...


def _lane(message: OutboundMessage) -> tuple[str, str]:
    """Which conversation a message goes to, as far as the row tells: a person's chat or the case's thread."""
    if message.audience is Audience.PERSON and message.person_id is not None:
        return ("person", message.person_id)
    if message.case_id is None:
        return ("digest", str(message.subject_id))
    return ("case", str(message.case_id))


def _newest_invitation(view: CaseForMessage, person_id: str | None) -> PartnerInvitation:
    mine = [i for i in view.partner_invitations if i.contact.user_id == person_id]
    if not mine:
        raise NotFound("that person has no invitation to the case")
    return mine[-1]
