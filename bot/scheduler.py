"""Scheduled work, in its own loop: reminders to contributors and partners (safe on many instances)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.services import Services
from debrief import reminders

log = logging.getLogger(__name__)


async def run_scheduler(
    services: Services, stop: asyncio.Event, *, on_queued: Callable[[], None] | None = None
) -> None:
    """Every interval, queue the reminders that are due; the dispatcher sends them."""
    while not stop.is_set():
        try:
            queued = await reminders.send_due_reminders(uow=services.uow, now=services.now())
            queued += await reminders.send_due_partner_reminders(uow=services.uow, now=services.now())
            if queued:
                log.info("queued %s contribution reminders", queued)
                if on_queued is not None:
                    on_queued()
        except Exception:
            log.warning("reminder round failed; will retry", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=services.settings.scheduler_interval_s)
