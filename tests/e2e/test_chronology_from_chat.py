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
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from playwright.async_api import Browser, Download, Page, expect

from debrief.chronology import ENTRY_FORM_FIELDS
from storage.database import create_engine
from storage.uow import SqlUnitOfWork
from tests.e2e.screens import Screen, another_screen, journey_stack, open_and_say_hello
from tests.support.browser import Stopwatch, fill_entry, screenshot, send, tick
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.forms import chronology_entry_form
from tests.support.people import JORDAN, TOM
from tests.support.playground import CARD, NOMINATING_OFFICER_CONFIG, ROOT, Stack, shows

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


@pytest.fixture
async def own_stack(tools: None, tmp_path: Path, output_dir: Path) -> AsyncIterator[Stack]:
    async with journey_stack(tmp_path, output_dir, config=NOMINATING_OFFICER_CONFIG, name="chronology") as stack:
        yield stack


@pytest.fixture
async def owens_screen(own_stack: Stack, browser: Browser, tmp_path: Path) -> AsyncIterator[Screen]:
    async with another_screen(own_stack, browser, config=LEAD_REVIEWER_CONFIG, workdir=tmp_path / "owen") as screen:
        yield screen


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


async def test_officers_add_entries_and_the_lead_reviewer_verifies_locks_and_downloads(
    own_stack: Stack, page: Page, owens_screen: Screen, output_dir: Path
) -> None:
    stack = own_stack
    jordans, owens = stack.playground, owens_screen.playground
    clock = Stopwatch()
    try:
        # Both screens open (each Playground tells the bot where its users are), then the case is set up.
        await page.goto(jordans.url)
        await expect(page.locator('[data-lexical-editor="true"]')).to_be_visible()
        await open_and_say_hello(owens_screen, personal_chat=OWENS_CHAT)  # new channel threads start on his screen
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
