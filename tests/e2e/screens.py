"""More than one person's screen in a journey: a bot of the journey's own, and a Playground per person.

The Playground has no user switcher: each person who must see their own chat runs their own Playground
(another port, a configuration with them as the current user) against the same bot.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, Page, Route

from tests.support.browser import send
from tests.support.playground import (
    ConversationStream,
    Playground,
    Stack,
    free_port,
    is_local,
    running_stack,
    shows,
    start_playground,
)


@dataclass
class Screen:
    playground: Playground
    page: Page


async def _local_only(route: Route) -> None:
    """The UI asks font CDNs for files; offline those requests would hang the page, so refuse them at once."""
    if is_local(route.request.url):
        await route.continue_()
    else:
        await route.abort()


async def new_page(browser: Browser) -> Page:
    """A page in a context of its own (its own Playground session), that can reach only this machine."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.route("**/*", _local_only)
    return page


@asynccontextmanager
async def journey_stack(workdir: Path, output_dir: Path, *, config: Path, name: str) -> AsyncIterator[Stack]:
    """A bot and a first Playground of the journey's own: a second Playground must not outlive its bot."""
    try:
        async with running_stack(workdir / "stack", config=config) as running:
            yield running
    finally:
        for log in ("bot.log", "playground.log"):
            if (workdir / "stack" / log).is_file():
                shutil.copy(workdir / "stack" / log, output_dir / f"{name}-{log}")


@asynccontextmanager
async def another_screen(stack: Stack, browser: Browser, *, config: Path, workdir: Path) -> AsyncIterator[Screen]:
    """A second Playground (its current user set by `config`) against the same bot, and a page on it."""
    port = free_port()
    bot_port = int(stack.bot_url.rsplit(":", 1)[1])
    process = await start_playground(
        port=port, bot_port=bot_port, config=config, workdir=workdir, log_path=workdir / "playground.log"
    )
    stream = await ConversationStream(f"ws://127.0.0.1:{port}/_ws_conversation/v1/conversations/stream").start()
    page = await new_page(browser)
    try:
        yield Screen(Playground(port, stream, stack.playground.session), page)
    finally:
        await page.context.close()
        await stream.stop()
        await process.stop()


async def open_and_say_hello(screen: Screen, *, personal_chat: str) -> None:
    """Open the page and say hello, so the bot has heard from this Playground (new threads start where it last
    heard from the tenant)."""
    await screen.page.goto(screen.playground.url)
    since = screen.playground.stream.mark()
    await send(screen.page, "help")
    await screen.playground.stream.wait_for(
        shows("Rapid Debrief", conversation=personal_chat), since=since, what="answering hello"
    )


async def quiet(stream: ConversationStream, *, for_s: float = 1.0, at_most_s: float = 15.0) -> None:
    """Wait until the bot has stopped posting and updating cards for a moment: an update re-renders the card,
    which clears anything typed into it meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + at_most_s
    seen = stream.mark()
    while loop.time() < deadline:
        await asyncio.sleep(for_s)
        if stream.mark() == seen:
            return
        seen = stream.mark()


async def settled(page: Page, *, for_s: float = 1.0, at_most_s: float = 10.0) -> None:
    """Wait until the conversation on screen has stopped re-rendering (a re-rendered card loses what was typed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + at_most_s
    before = await page.locator(".ac-adaptiveCard").count()
    while loop.time() < deadline:
        await page.wait_for_timeout(for_s * 1000)
        now = await page.locator(".ac-adaptiveCard").count()
        if now == before:
            return
        before = now
