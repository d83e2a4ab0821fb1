"""The oversight dashboard tab in Chromium, at a laptop's 1366×768, against a bot with a fictional year of debriefs.

The Agents Playground cannot host tabs, so the page is loaded directly and only Teams itself is replaced: the Teams
JavaScript SDK's address is answered with a tiny stand-in whose getAuthToken() returns an access token signed by the
local Entra ID. The bot still validates that token exactly as in production (signature against the JWKS, issuer,
tenant, audience, expiry, scope) and takes the person's roles from the directory.

The board member sees the figures as charts; the working group's Supt Dana Reeve sees open actions case by case with
the overdue ones first and marked, and downloads an Excel export; the information manager searches the audit log,
gets a bad filter explained next to its field, and exports; an officer is told who the dashboard is for.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook
from playwright.async_api import Browser, Download, Page, Route, expect

from debrief.model import Person
from tests.integration.http.test_dashboard_tab import ALEX, DANA, NOW, SAM, Seeded, a_year_of_debriefs
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.browser import Stopwatch
from tests.support.entra import LocalEntra, start_local_entra, tab_env
from tests.support.people import JORDAN
from tests.support.playground import is_local

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
SDK = "**/tab/static/MicrosoftTeams.min.js"


def teams_stand_in(token: str) -> str:
    """Just enough of the Teams SDK for the page: it is in Teams, and Teams gives it this person's token."""
    return (
        "window.microsoftTeams = {\n"
        "  app: { initialize: function () { return Promise.resolve(); } },\n"
        f"  authentication: {{ getAuthToken: function () {{ return Promise.resolve({json.dumps(token)}); }} }}\n"
        "};\n"
    )


@dataclass
class Tab:
    bot: RunningBot
    entra: LocalEntra
    seeded: Seeded


@pytest.fixture
def entra() -> Iterator[LocalEntra]:
    provider = start_local_entra()
    yield provider
    provider.stop()


@pytest.fixture
async def tab(tools: None, entra: LocalEntra, tmp_path: Path) -> AsyncIterator[Tab]:
    env = tab_env(f"sqlite+aiosqlite:///{tmp_path}/debrief.db", entra)
    async with running_bot(env, clock=lambda: NOW, run_dispatcher=False) as bot:
        yield Tab(bot, entra, await a_year_of_debriefs(bot.services.uow))


async def _local_only(route: Route) -> None:
    if is_local(route.request.url):
        await route.continue_()
    else:
        await route.abort()


async def workbook(download: Download) -> Workbook:
    """The downloaded file, opened as Excel opens it (openpyxl)."""
    content = await asyncio.to_thread(Path(await download.path()).read_bytes)
    return openpyxl.load_workbook(io.BytesIO(content))


async def open_tab(browser: Browser, tab: Tab, person: Person, *, teams: str | None = None) -> Page:
    """The Oversight tab as `person` sees it in Teams: the page, signed in with their Entra ID token (or with
    `teams` as the stand-in for the SDK)."""
    context = await browser.new_context(viewport=LAPTOP, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.route("**/*", _local_only)
    script = teams if teams is not None else teams_stand_in(tab.entra.token(person))

    async def stand_in(route: Route) -> None:
        await route.fulfill(status=200, content_type="application/javascript", body=script)

    await page.route(SDK, stand_in)  # registered last, so it answers first
    await page.goto(f"{tab.bot.url}/tab/dashboard")
    return page


async def test_the_board_working_group_and_information_manager_each_see_their_dashboard(
    browser: Browser, tab: Tab, output_dir: Path
) -> None:
    watch = Stopwatch()

    # The board: figures as charts, with no case numbers; no actions tab.
    board = await open_tab(browser, tab, SAM)
    await expect(board.locator("#who")).to_have_text("Signed in as ACC Sam Whitlock")
    figures = board.locator("#figures")
    await expect(figures.get_by_role("heading", name="Cases by stage")).to_be_visible()
    await expect(figures.locator("svg[role=img]")).to_have_count(6)
    await expect(board.locator("#views")).to_be_hidden()  # one view only
    assert "RD-2026-" not in await figures.inner_html()
    await expect(board.locator(".marking").first).to_have_text("OFFICIAL-SENSITIVE")
    await expect(board.locator("#exports-figures button")).to_have_text(
        ["Themes by quarter (Excel)", "Themes by quarter (CSV)", "Timeliness (Excel)", "Timeliness (CSV)"]
    )
    await board.screenshot(path=str(output_dir / "41-oversight-board.png"))
    await board.screenshot(path=str(output_dir / "41b-oversight-board-full.png"), full_page=True)
    async with board.expect_download() as waiting:
        await board.get_by_role("button", name="Timeliness (Excel)").click()
    download = await waiting.value
    assert download.suggested_filename == "rapid-debrief-timeliness-2026-11-26.xlsx"
    sheet = (await workbook(download)).active
    assert sheet is not None and sheet["A1"].value == "OFFICIAL-SENSITIVE"
    await board.context.close()
    watch.lap("board: figures and an export")

    # The working group: actions case by case, overdue first and marked; the full list as an Excel export.
    group = await open_tab(browser, tab, DANA)
    await group.get_by_role("tab", name="Actions by case").click()
    rows = group.locator(".actions-table tbody tr")
    await expect(rows).to_have_count(5)
    await expect(rows.first).to_have_class("overdue")
    await expect(rows.first.locator(".badge")).to_have_text("Overdue")
    await expect(group.locator("#actions")).to_contain_text("5 open actions, 3 overdue")
    await group.screenshot(path=str(output_dir / "42-oversight-working-group-actions.png"))
    async with group.expect_download() as waiting:
        await group.get_by_role("button", name="All actions (Excel)").click()
    download = await waiting.value
    sheet = (await workbook(download)).active
    assert sheet is not None
    exported = {row[2] for row in list(sheet.iter_rows(values_only=True))[3:]}
    assert exported == set(tab.seeded.action_texts)
    await group.get_by_role("tab", name="Figures").click()
    await expect(group.locator("#figures svg[role=img]")).to_have_count(6)
    await group.context.close()
    watch.lap("working group: actions, export, figures")

    # The information manager: a bad filter is explained next to its field; a search; an export.
    manager = await open_tab(browser, tab, ALEX)
    await expect(manager.get_by_role("heading", name="Search the audit log")).to_be_visible()
    await expect(manager.locator("#audit-results")).to_contain_text("Records 1 to 50 of")
    await manager.get_by_label("Case number").fill("12345")
    await manager.get_by_role("button", name="Search", exact=True).click()
    await expect(manager.locator("#error-case_number")).to_have_text(
        "Give a case number like RD-2026-0001, or leave it empty."
    )
    await expect(manager.get_by_label("Case number")).to_have_attribute("aria-invalid", "true")
    await manager.screenshot(path=str(output_dir / "43a-oversight-audit-filter-mistake.png"))
    await manager.get_by_label("Case number").fill("RD-2026-0002")
    await manager.get_by_label("Category").select_option("alteration")
    await manager.get_by_role("button", name="Search", exact=True).click()
    await expect(manager.locator("#error-case_number")).to_be_empty()
    results = manager.locator("#audit-results tbody tr")
    await expect(results.first).to_contain_text("RD-2026-0002")
    await expect(results.first).to_contain_text("Alteration")
    await manager.screenshot(path=str(output_dir / "43-oversight-audit-search.png"))
    async with manager.expect_download() as waiting:
        await manager.get_by_role("button", name="Export to Excel").click()
    download = await waiting.value
    sheet = (await workbook(download)).active
    assert sheet is not None
    assert {row[7] for row in list(sheet.iter_rows(values_only=True))[3:]} == {"RD-2026-0002"}
    await manager.context.close()
    watch.lap("information manager: search and export")

    # An officer: no oversight role, so nothing but who the dashboard is for.
    officer = await open_tab(browser, tab, JORDAN)
    await expect(officer.locator("#problem")).to_contain_text(
        "The oversight dashboard is for the homicide prevention board"
    )
    await expect(officer.locator("#views")).to_be_hidden()
    await expect(officer.locator("main")).not_to_contain_text("RD-2026-")
    await officer.screenshot(path=str(output_dir / "44-oversight-refused-officer.png"))
    await officer.context.close()
    watch.lap("officer: refused")

    # Teams itself cannot sign someone in (the app's single sign-on is not set up in their tenant, say).
    failing = (
        "window.microsoftTeams = { app: { initialize: function () { return Promise.resolve(); } },"
        " authentication: { getAuthToken: function () { return Promise.reject(new Error('resourceRequiresConsent')); }"
        " } };"
    )
    unsigned = await open_tab(browser, tab, DANA, teams=failing)
    await expect(unsigned.locator("#problem")).to_contain_text(
        "Teams could not sign you in (resourceRequiresConsent). Reload the tab"
    )
    await unsigned.context.close()
    watch.write(output_dir / "timings-oversight.txt")


async def test_in_development_mode_a_fictional_person_is_chosen_on_the_page(
    browser: Browser, tools: None, tmp_path: Path, output_dir: Path
) -> None:
    """`make run` has no Entra ID: the page offers the development directory's people instead, clearly labelled."""
    async with running_bot(
        development_env(f"sqlite+aiosqlite:///{tmp_path}/debrief.db"), clock=lambda: NOW, run_dispatcher=False
    ) as bot:
        await a_year_of_debriefs(bot.services.uow)
        context = await browser.new_context(viewport=LAPTOP, locale="en-GB", timezone_id="Europe/London")
        page = await context.new_page()
        await page.route("**/*", _local_only)
        try:
            await page.goto(f"{bot.url}/tab/dashboard")
            await expect(page.get_by_role("heading", name="Development sign-in")).to_be_visible()
            await page.get_by_label("Sign in as").select_option(label="Supt Dana Reeve (officer, working_group)")
            await page.screenshot(path=str(output_dir / "45-oversight-development-sign-in.png"))
            await page.get_by_role("button", name="Sign in", exact=True).click()
            await expect(page.locator("#who")).to_have_text("Signed in as Supt Dana Reeve (development sign-in)")
            await expect(page.locator("#figures svg[role=img]")).to_have_count(6)
            await page.get_by_label("Sign in as").select_option(label="PC Jordan Ellis (officer)")
            await page.get_by_role("button", name="Sign in", exact=True).click()
            await expect(page.locator("#problem")).to_contain_text("The oversight dashboard is for")
            await expect(page.locator("#figures")).to_be_empty()
        finally:
            await context.close()
