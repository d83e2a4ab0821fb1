"""Driving the Playground's page: typing, choosing, dates, screenshots and per-step timings for the journeys."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

from playwright.async_api import Locator, Page

from tests.support.playground import MESSAGE_BOX


class Stopwatch:
    """Per-step timings, written next to the screenshots so a slow step is easy to spot."""

    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.laps: list[tuple[str, float]] = []

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.laps.append((step, now - self.last))
        self.last = now

    def write(self, path: Path) -> None:
        lines = [f"{seconds:6.2f} s  {step}" for step, seconds in self.laps]
        lines.append(f"{time.monotonic() - self.start:6.2f} s  total")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def typed_date(day: date) -> str:
    """What to type into the Playground's date picker (it accepts ISO dates and shows them in words)."""
    return day.isoformat()


def shown_date(day: date) -> str:
    """How the Playground's date picker shows a date once chosen, e.g. 'November 20, 2026'."""
    return f"{day.strftime('%B')} {day.day}, {day.year}"


async def screenshot(page: Page, path: Path, *, tall: bool = False) -> None:
    """A picture of the page; `tall` grows the window first, as the chat pane clips a long card otherwise."""
    if not tall:
        await page.screenshot(path=str(path))
        return
    normal = page.viewport_size
    await page.set_viewport_size({"width": normal["width"] if normal else 1400, "height": 2000})
    try:
        await page.wait_for_timeout(200)  # let the chat pane lay itself out again
        await page.screenshot(path=str(path))
    finally:
        if normal:
            await page.set_viewport_size(normal)


async def send(page: Page, text: str) -> None:
    box = page.locator(MESSAGE_BOX)
    await box.click()
    await box.type(text)
    await box.press("Enter")


async def choose(page: Page, card: Locator, label: str, option: str) -> None:
    """A compact ChoiceSet renders as a combobox whose options open in a list outside the card."""
    await card.get_by_role("combobox", name=label).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def fill_date(card: Locator, label: str, day: date) -> None:
    field = card.get_by_label(label)
    await field.fill(typed_date(day))
    await field.press("Tab")


async def tick(card: Locator, name: str) -> None:
    """A check box of a multi-select or a toggle: the Playground names it by its aria-label."""
    await card.locator(f'input[type="checkbox"][aria-label="{name}"]').check()


async def fill_entry(
    page: Page,
    card: Locator,
    *,
    date_text: str,
    time_text: str | None,
    summary: str,
    contact: str = "999 call",
    agency: str | None = "Police",
) -> None:
    """Choices first, then date and time, then text: choosing after typing can clear typed text."""
    await card.get_by_role("radio", name="Exact" if time_text else "Date only", exact=True).check()
    if agency is not None:  # None: the form has already chosen it (a partner's own agency)
        await choose(page, card, "Whose record is this from?", agency)
    await choose(page, card, "Type of contact", contact)
    await tick(card, "Victim A")
    await card.get_by_role("radio", name="Fact", exact=True).check()
    await fill_date(card, "Date of the contact", datetime.fromisoformat(date_text).date())
    if time_text:
        time_field = card.get_by_label("Time (24-hour; leave empty for date only)")
        await time_field.fill(time_text)
        await time_field.press("Enter")
    await card.get_by_label("System or record").fill("Incident log")
    await card.get_by_label("What happened (facts from the record, people by role)").fill(summary)
