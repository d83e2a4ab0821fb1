"""Session fixtures for the browser journeys: one bot + Playground stack and one Chromium for the whole session.

Missing tools make the journeys FAIL, never skip: a green run must mean the journeys really ran.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Generator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Route, async_playwright

from tests.support.playground import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    Stack,
    ToolMissing,
    is_local,
    missing_tools,
    running_stack,
)

OUTPUT_DIR = ROOT / "test-output" / "e2e"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so the page fixture can screenshot a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """test-output/e2e at the repository root: the screenshots are the quickest review of a journey."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(scope="session")
def tools() -> None:
    if problems := missing_tools():
        pytest.fail("The browser journeys cannot run:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
async def stack(tools: None, tmp_path_factory: pytest.TempPathFactory, output_dir: Path) -> AsyncIterator[Stack]:
    """Our own bot and Playground on free ports with a fresh SQLite database; never the developer's `make run`."""
    workdir = tmp_path_factory.mktemp("e2e-stack")
    try:
        async with running_stack(workdir) as running:
            yield running
    except ToolMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    finally:
        # The bot's and the Playground's logs next to the screenshots, for diagnosing a red run.
        for name in ("bot.log", "playground.log"):
            if (workdir / name).is_file():
                shutil.copy(workdir / name, output_dir / name)


@pytest.fixture(scope="session")
async def browser(tools: None) -> AsyncIterator[Browser]:
    """Debian's Chromium, headless; `playwright install` is never needed (nor possible offline)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def _local_only(route: Route) -> None:
    """The UI asks font CDNs for files; offline those requests would hang the page, so refuse them at once."""
    if is_local(route.request.url):
        await route.continue_()
    else:
        await route.abort()


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest, output_dir: Path) -> AsyncIterator[Page]:
    """A fresh page (a fresh Playground session) that can reach only this machine; screenshots a failure."""
    # A fixed locale and time zone: the date and time pickers show and send values in them.
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.route("**/*", _local_only)
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            await page.screenshot(path=str(output_dir / f"FAILED-{request.node.name}.png"))
        await context.close()
