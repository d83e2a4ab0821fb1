"""The chronology journey in a real browser, on two screens.

PC Jordan Ellis (the first Playground's current user) is invited to an accepted, consented case and adds
two entries from the invitation card, the first with a mistake, then a third from a group chat message with
the "Add to chronology" message action, in its dialog. Insp Tom Baird adds a Teams message through the same
message action (his invokes go through the Playground's API, as Teams would deliver them). DS Owen Marsh,
the lead reviewer, has his own Playground (a second instance with him as current user): he opens the merged
chronology from the case thread, verifies each entry, locks the chronology and downloads the Word document
from his personal chat. The case is set up through the process's own services on the bot's database; the
nomination and triage screens have their own journey.
"""

from __future__ import annotations

import asyncio
import io
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from playwright.async_api import Browser, BrowserContext, Download, Locator, Page, expect

from debrief.chronology import ENTRY_FORM_FIELDS
from storage.database import create_engine
from storage.uow import SqlUnitOfWork
from tests.e2e.conftest import _local_only
from tests.support.browser import Stopwatch, choose, fill_date, screenshot, send
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.forms import chronology_entry_form
from tests.support.people import JORDAN, TOM
from tests.support.playground import (
    CARD,
    ROOT,
    ConversationStream,
    ManagedProcess,
    Playground,
    Stack,
    free_port,
    running_stack,
    shows,
    start_playground,
)

pytestmark = pytest.mark.e2e

LEAD_REVIEWER_CONFIG = ROOT / "infra" / "playground" / "lead-reviewer.yml"
REVIEW_CHANNEL = "19:homicide-prevention-review-team@thread.tacv2"
JORDANS_CHAT = "personal-chat-jordan"
OWENS_CHAT = "personal-chat-owen"
TOM_USER = "user-tom"
REFERENCE = "CR/200300/26"
CONDITIONS = "Do not approach witnesses; route any question about the investigation through the SIO."
JORDANS_MESSAGE = "Victim A was seen at the GP surgery on 20 April with an injury to her arm."
TOMS_MESSAGE = "Suspect B was seen outside Victim A's address at about 22:30 on 14 March; a neighbour called 999."


@dataclass
class SecondScreen:
    playground: Playground
    page: Page


@pytest.fixture
async def own_stack(tools: None, tmp_path: Path, output_dir: Path) -> AsyncIterator[Stack]:
    """A bot and Jordan's Playground of its own: this journey's second Playground must not outlive its bot."""
    try:
        async with running_stack(tmp_path / "stack") as running:
            yield running
    finally:
        for name in ("bot.log", "playground.log"):
            if (tmp_path / "stack" / name).is_file():
                shutil.copy(tmp_path / "stack" / name, output_dir / f"chronology-{name}")


@pytest.fixture
async def owens_screen(
    own_stack: Stack, browser: Browser, tmp_path: Path, output_dir: Path
) -> AsyncIterator[SecondScreen]:
    """A second Playground with DS Owen Marsh as its current user, against the same bot, and a page on it."""
    port = free_port()
    bot_port = int(own_stack.bot_url.rsplit(":", 1)[1])
    process: ManagedProcess = await start_playground(
        port=port,
        bot_port=bot_port,
        config=LEAD_REVIEWER_CONFIG,
        workdir=tmp_path / "owen",
        log_path=tmp_path / "owen-playground.log",
    )
    stream = await ConversationStream(f"ws://127.0.0.1:{port}/_ws_conversation/v1/conversations/stream").start()
    context: BrowserContext = await browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="en-US", timezone_id="UTC"
    )
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.route("**/*", _local_only)
    try:
        yield SecondScreen(Playground(port, stream, own_stack.playground.session), page)
    finally:
        await context.close()
        await stream.stop()
        await process.stop()


async def a_case_on_the_bots_database(database_url: str) -> tuple[int, str]:
    engine = create_engine(database_url)
    try:
        case = await a_case_collecting_its_chronology(
            uow=lambda: SqlUnitOfWork(engine),
            now=datetime.now(UTC),
            invite=(JORDAN, TOM),
            reference=REFERENCE,
            conditions=CONDITIONS,
        )
        assert case.id is not None
        return case.id, case.case_number
    finally:
        await engine.dispose()


async def tick(card: Locator, name: str) -> None:
    """A check box of a multi-select or a toggle: the Playground names it by its aria-label."""
    await card.locator(f'input[type="checkbox"][aria-label="{name}"]').check()


async def fill_entry(
    page: Page, card: Locator, *, date_text: str, time_text: str | None, summary: str, contact: str = "999 call"
) -> None:
    """Choices first, then date and time, then text: choosing after typing can clear typed text."""
    await card.get_by_role("radio", name="Exact" if time_text else "Date only", exact=True).check()
    await choose(page, card, "Whose record is this from?", "Police")
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


async def test_officers_add_entries_and_the_lead_reviewer_verifies_locks_and_downloads(
    own_stack: Stack, page: Page, owens_screen: SecondScreen, output_dir: Path
) -> None:
    stack = own_stack
    jordans, owens = stack.playground, owens_screen.playground
    clock = Stopwatch()
    try:
        # Both screens open (each Playground tells the bot where its users are), then the case is set up.
        await page.goto(jordans.url)
        await expect(page.locator('[data-lexical-editor="true"]')).to_be_visible()
        await owens_screen.page.goto(owens.url)
        # Owen says hello, so the bot has heard from his Playground last: new channel threads start there.
        since_hello = owens.stream.mark()
        await send(owens_screen.page, "help")
        await owens.stream.wait_for(shows("Rapid Debrief", conversation=OWENS_CHAT), since=since_hello, what="help")
        since_start = owens.stream.mark()
        case_id, case_number = await a_case_on_the_bots_database(stack.database_url)
        thread_post = await owens.stream.wait_for(
            shows(f"Triage {case_number}", action="createMessage", conversation=REVIEW_CHANNEL),
            since=since_start,
            what="with the triage card in the review channel",
        )
        triage_id = str(thread_post["message"]["messageId"])
        thread_id = f"{REVIEW_CHANNEL};messageid={triage_id}"
        clock.lap("1 case set up; thread in the lead reviewer's channel")

        # 2. Jordan's invitation arrives in his personal chat, with the SIO's conditions.
        await jordans.stream.wait_for(
            shows(f"Could you help the rapid debrief on {REFERENCE}?", conversation=JORDANS_CHAT),
            what="with Jordan's invitation",
        )
        invitation = page.locator(CARD).filter(has_text=f"Could you help the rapid debrief on {REFERENCE}?").last
        await expect(invitation).to_contain_text(CONDITIONS)
        await screenshot(page, output_dir / "11-invitation-for-contributor.png", tall=True)
        await invitation.get_by_role("button", name="Add an entry").click()
        form = page.locator(CARD).filter(has_text=f"Add to the chronology: {case_number}").last
        await expect(form.get_by_role("button", name="Add to chronology")).to_be_visible()
        clock.lap("2 invitation and entry form")

        # 3. A mistake: a possible missed opportunity without saying what it was. Nothing is stored.
        await fill_entry(
            page,
            form,
            date_text="2026-03-14",
            time_text="21:40",
            summary="Victim A called 999 reporting threats from Suspect B at home. Officers attended.",
        )
        await tick(form, "Possible missed opportunity")
        await form.get_by_role("button", name="Add to chronology").click()
        mistake = "Say briefly what the opportunity was"
        await expect(form.get_by_text(mistake)).to_be_visible()
        await screenshot(page, output_dir / "12-entry-mistake.png", tall=True)
        clock.lap("3 mistake shown")

        # 4. Jordan says what the opportunity was; the entry is added; "Add another" for a second one.
        await form.get_by_label("If so, what was the opportunity? (what could be learnt)").fill(
            "A referral to the IDVA service could have been made after this call."
        )
        await form.get_by_role("button", name="Add to chronology").click()
        saved = page.locator(CARD).filter(has_text="Added to the chronology").last
        await expect(saved).to_be_visible()
        await saved.get_by_role("button", name="Add another").click()
        second = page.locator(CARD).filter(has_text=f"Add to the chronology: {case_number}").last
        await expect(second.get_by_role("button", name="Add to chronology")).to_be_visible()
        await fill_entry(
            page,
            second,
            date_text="2026-05-02",
            time_text=None,
            summary="Victim A told a neighbourhood officer that Suspect B had moved back in.",
        )
        await second.get_by_role("button", name="Add to chronology").click()
        again = page.locator(CARD).filter(has_text="Added to the chronology").last
        await expect(again).to_contain_text("2 entries")
        await screenshot(page, output_dir / "13-second-entry-added.png", tall=True)
        clock.lap("4 two entries added")

        # 4b. Jordan adds a message from the group chat with the message action: the dialog shows the form.
        await page.get_by_role("treeitem", name="Incident Desk").click()
        await send(page, JORDANS_MESSAGE)
        posted = page.get_by_text(JORDANS_MESSAGE).last
        await posted.hover()
        await page.get_by_label("Show more information").last.click()
        await page.get_by_text("Action Command").click()
        # Without a manifest the Playground asks which command: the one the manifest declares.
        await page.get_by_placeholder("Input command id or leave blanks").fill("addToChronology")
        await page.get_by_role("button", name="Create").click()
        dialog = page.locator(CARD).filter(has_text=f"Add to the chronology: {case_number}").last
        await expect(dialog.get_by_label("What happened (facts from the record, people by role)")).to_have_value(
            JORDANS_MESSAGE
        )
        await fill_entry(
            page, dialog, date_text="2026-04-20", time_text=None, summary=JORDANS_MESSAGE, contact="GP / A&E"
        )
        await screenshot(page, output_dir / "13b-message-action-dialog.png")
        await dialog.get_by_role("button", name="Add to chronology").click()
        await expect(page.get_by_text(f"Added to the chronology of {case_number}")).to_be_visible()
        await screenshot(page, output_dir / "13c-message-action-added.png")
        await page.keyboard.press("Escape")
        clock.lap("4b message action in the browser")

        # 5. Tom adds a Teams message through the message action: the dialog's card, then its submit.
        payload = {"body": {"contentType": "html", "content": f"<p>{TOMS_MESSAGE}</p>"}}
        opened = await owens.message_extension(
            user_id=TOM_USER,
            conversation_id=thread_id,
            reply_to_id=triage_id,
            name="composeExtension/fetchTask",
            value={"commandId": "addToChronology", "commandContext": "message", "messagePayload": payload},
        )
        assert opened.status == 200, opened.body
        dialog_card = opened.body["task"]["value"]["card"]["content"]
        assert TOMS_MESSAGE in card_text(dialog_card)
        toms_entry = chronology_entry_form(summary=TOMS_MESSAGE, eventTime="22:35", riskGrade="high")
        submitted = await owens.message_extension(
            user_id=TOM_USER,
            conversation_id=thread_id,
            reply_to_id=triage_id,
            name="composeExtension/submitAction",
            value={
                "commandId": "addToChronology",
                "commandContext": "message",
                "data": {
                    "verb": "chronology.entry.add",
                    "caseId": case_id,
                    **{k: toms_entry[k] for k in ENTRY_FORM_FIELDS},
                },
            },
        )
        assert submitted.status == 200, submitted.body
        assert case_number in submitted.body["task"]["value"]
        clock.lap("5 message action")

        # 6. Owen opens the merged chronology from the case thread and verifies each entry.
        owen = owens_screen.page
        await owen.get_by_label("Homicide Prevention - Review Team").click()
        contributors_card = owen.locator(CARD).filter(has_text=f"Chronology contributors for {case_number}").last
        await contributors_card.get_by_role("button", name="Open the chronology").click()
        chronology = owen.locator(CARD).filter(has_text=f"Chronology for {case_number}").last
        for summary in ("Victim A called 999", TOMS_MESSAGE[:40], JORDANS_MESSAGE[:40], "moved back in"):
            await expect(chronology).to_contain_text(summary)
        await expect(chronology).to_contain_text("No recorded contact")
        await expect(chronology.get_by_role("button", name="Possible conflicts (1)")).to_be_visible()
        await screenshot(owen, output_dir / "14-merged-chronology.png", tall=True)
        for number in (1, 2, 3, 4):
            await chronology.get_by_role("button", name="Review").nth(number - 1).click()
            review = owen.locator(CARD).filter(has_text=f"Entry {number} in the chronology for {case_number}").last
            await tick(review, "Verified against the source record")
            if number == 1:
                await tick(review, "Coercive control")
                await screenshot(owen, output_dir / "15-review-entry.png", tall=True)
            await review.get_by_role("button", name="Save review").click()
            chronology = owen.locator(CARD).filter(has_text=f"Entry {number} verified.").last
            await expect(chronology).to_be_visible()
        clock.lap("6 three entries verified")

        # 7. Owen locks the chronology and asks for the Word document, which comes to him one to one.
        await chronology.get_by_role("button", name="Lock the chronology").click()
        locked = owen.locator(CARD).filter(has_text="The chronology is locked.").last
        await expect(locked).to_be_visible()
        await screenshot(owen, output_dir / "16-chronology-locked.png", tall=True)
        since_request = owens.stream.mark()
        await locked.get_by_role("button", name="Word document").click()
        await expect(owen.locator(CARD).filter(has_text="personal chat").last).to_be_visible()
        await owens.stream.wait_for(
            shows(f"The chronology for {case_number} is ready", conversation=OWENS_CHAT),
            since=since_request,
            what="with the Word chronology's link in Owen's personal chat",
        )
        await owen.get_by_role("treeitem", name="Personal Chat").click()
        ready = owen.locator(CARD).filter(has_text=f"The chronology for {case_number} is ready").last
        await expect(ready).to_contain_text("works once")
        await screenshot(owen, output_dir / "17-word-chronology-link.png")
        # The button opens the link in a new tab, which turns straight into a download: listen before clicking.
        downloads: asyncio.Queue[Download] = asyncio.Queue()
        owen.on("download", downloads.put_nowait)
        owen.context.on("page", lambda tab: tab.on("download", downloads.put_nowait))
        await ready.get_by_text("Download the Word chronology").click()
        download = await asyncio.wait_for(downloads.get(), timeout=15)
        saved_path = output_dir / f"{case_number}-chronology.docx"
        await download.save_as(saved_path)
        clock.lap("7 locked and downloaded")

        document = docx.Document(io.BytesIO(saved_path.read_bytes()))
        header = " ".join(p.text for p in document.sections[0].header.paragraphs)
        assert "OFFICIAL-SENSITIVE" in header
        text = "\n".join(p.text for p in document.paragraphs)
        assert case_number in text
        assert "Possible missed opportunity" in text
        order = [
            text.index(s) for s in ("Victim A called 999", TOMS_MESSAGE[:40], JORDANS_MESSAGE[:40], "moved back in")
        ]
        assert order == sorted(order)
        assert "DS Owen Marsh" in text
    finally:
        clock.write(output_dir / "timings-chronology.txt")
