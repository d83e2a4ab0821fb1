"""The digests end to end below the browser: the scheduler queues them from 09:00 on the first working day, the
dispatcher posts the weekly digest in the working group's channel and the board's summary in the board's, each once,
built from the figures as they stand (a message about no one case, through the same outbox)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import select

from debrief.model import LONDON
from storage import tables as t
from tests.integration.http.test_nomination_over_http import _until, post
from tests.support import activities
from tests.support.bot_server import development_env, running_bot
from tests.support.cards import card_text
from tests.support.connector import LocalConnector
from tests.support.oversight import NAMES, OVERDUE_TEXT, a_caseload
from tests.support.people import OWEN

WORKING_GROUP_CHANNEL = "19:rapid-debrief-working-group@thread.tacv2"
BOARD_CHANNEL = "19:homicide-prevention-board@thread.tacv2"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def posts_in(connector: LocalConnector, channel: str) -> list[Any]:
    """New threads started in a channel with a digest (the working group's channel also gets escalated actions)."""
    return [
        r
        for r in connector.sent()
        if r.method == "POST"
        and r.path.rstrip("/").endswith("/v3/conversations")
        and r.body.get("channelData", {}).get("channel", {}).get("id") == channel
        and ("Weekly digest" in card_text(r.body) or "Quarterly summary" in card_text(r.body))
    ]


async def test_the_weekly_digest_and_the_board_summary_are_posted_once_each(database_url: str) -> None:
    clock = Clock(datetime(2027, 1, 4, 8, 30, tzinfo=LONDON))  # Monday 4 January 2027, before 09:00
    env = development_env(
        database_url,
        DEBRIEF_SCHEDULER_INTERVAL_S="1",
        DEBRIEF_WORKING_GROUP_CHANNEL_ID=WORKING_GROUP_CHANNEL,
        DEBRIEF_BOARD_CHANNEL_ID=BOARD_CHANNEL,
    )
    with LocalConnector() as connector:
        async with running_bot(env, clock=clock) as bot:
            await post(bot, activities.message(OWEN, "hello", service_url=connector.url))
            await a_caseload(bot.services.uow)
            await asyncio.sleep(1.5)  # a scheduler round before 09:00: nothing
            assert posts_in(connector, WORKING_GROUP_CHANNEL) == posts_in(connector, BOARD_CHANNEL) == []

            clock.now = datetime(2027, 1, 4, 9, 5, tzinfo=LONDON)
            await _until(
                lambda: bool(posts_in(connector, WORKING_GROUP_CHANNEL) and posts_in(connector, BOARD_CHANNEL))
            )
            await asyncio.sleep(2.5)  # more rounds: nothing more
            [weekly] = posts_in(connector, WORKING_GROUP_CHANNEL)
            [board] = posts_in(connector, BOARD_CHANNEL)

            text = card_text(weekly.body)
            assert "Weekly digest for the rapid debrief working group" in text
            assert "Week beginning Monday 04 January 2027" in text and "OFFICIAL-SENSITIVE" in text
            assert "**RD-2026-0008** · action 1 · Force Control Room" in text and OVERDUE_TEXT in text
            summary = card_text(board.body)
            assert "Quarterly summary for the homicide prevention board: 2026 Q4" in summary
            assert "RD-2026" not in summary and OVERDUE_TEXT not in summary
            for name in NAMES:
                assert name not in text and name not in summary

            async with bot.services.engine.connect() as connection:
                rows = (await connection.execute(select(t.outbox.c.kind, t.outbox.c.status, t.outbox.c.case_id))).all()
                disclosed = (
                    await connection.execute(
                        select(t.audit_log.c.justification, t.audit_log.c.recipients).where(
                            t.audit_log.c.action == "oversight.digest.send"
                        )
                    )
                ).all()
            digests = sorted((kind, status) for kind, status, case_id in rows if case_id is None)
            assert digests == [("digest.board_summary", "sent"), ("digest.weekly", "sent")]
            # Prepared once each, then read for its channel when sent: a disclosure to that channel.
            assert sorted((j, tuple(r)) for j, r in disclosed) == [
                ("quarterly board summary 2026 Q4", (f"channel:{BOARD_CHANNEL}",)),
                ("quarterly board summary 2026 Q4 prepared", ()),
                ("weekly digest 2027-W01", (f"channel:{WORKING_GROUP_CHANNEL}",)),
                ("weekly digest 2027-W01 prepared", ()),
            ]
