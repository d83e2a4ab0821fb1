"""Whether the Teams activity being answered still has an uncommitted change, so the edge acknowledges an activity
early (to keep Teams' deadline when the Bot Connector is slow) only once what it asked for is durably committed.

The HTTP edge sets a `TurnWrites` for the turn; every unit of work opened inside the turn (the context is copied
into the turn's task) counts itself open until it commits or closes.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar


class TurnWrites:
    def __init__(self) -> None:
        self._open = 0
        self.settled = asyncio.Event()
        """Set while no unit of work of the turn is open and uncommitted."""
        self.settled.set()

    def opened(self) -> None:
        self._open += 1
        self.settled.clear()

    def closed(self) -> None:
        self._open -= 1
        if self._open == 0:
            self.settled.set()


CURRENT_TURN: ContextVar[TurnWrites | None] = ContextVar("CURRENT_TURN", default=None)
