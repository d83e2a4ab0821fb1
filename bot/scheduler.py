"""Scheduled work, in its own loop: reminders to contributors, partners and action owners, the escalation of overdue
actions, the working group's weekly digest and the board's quarterly summary, closing finished cases and their
retention reviews (safe on many instances)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.metrics import Metrics
from bot.services import Services
from debrief import action_reminders, digests, reminders, retention
from debrief.permissions import Role

log = logging.getLogger(__name__)


async def run_scheduler(
    services: Services,
    stop: asyncio.Event,
    *,
    on_queued: Callable[[], None] | None = None,
    metrics: Metrics | None = None,
) -> None:
    """Every interval, do the scheduled work that is due (reminders, digests, closing cases, retention reviews); the
    dispatcher sends what it queues. Each is its own round: one failing (and retried at the next interval) holds up
    none of the others."""
    settings = services.settings
    rounds: tuple[tuple[str, Callable[[], Awaitable[int]]], ...] = (
        ("contribution", lambda: reminders.send_due_reminders(uow=services.uow, now=services.now())),
        ("partner", lambda: reminders.send_due_partner_reminders(uow=services.uow, now=services.now())),
        (
            "action",
            lambda: action_reminders.send_due_action_reminders(
                uow=services.uow,
                now=services.now(),
                rules=settings.action_reminders,
                working_group=f"channel:{settings.escalation_channel_id}",
            ),
        ),
        (
            "digest",
            lambda: digests.send_due_digests(uow=services.uow, now=services.now()),
        ),
        # Closing finished cases queues nothing; the retention round then sends the cards whose review is due.
        (
            "case closure",
            lambda: retention.close_finished_cases(
                uow=services.uow, now=services.now(), years=settings.retention_years
            ),
        ),
        (
            "retention review",
            lambda: retention.send_due_reviews(
                uow=services.uow,
                now=services.now(),
                information_managers=services.directory.people_with(Role.INFORMATION_MANAGER),
                rules=settings.action_reminders,
            ),
        ),
    )
    while not stop.is_set():
        queued = 0
        for name, round_ in rounds:
            try:
                found = await round_()
            except Exception:
                log.warning("the %s round failed; will retry", name, exc_info=True)
                if metrics is not None:
                    metrics.count_round(name, failed=True)
                continue
            if metrics is not None:
                metrics.count_round(name, failed=False)
            if found:
                log.info("the %s round found %s", name, found)
            queued += found
        if queued and on_queued is not None:
            on_queued()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.scheduler_interval_s)
