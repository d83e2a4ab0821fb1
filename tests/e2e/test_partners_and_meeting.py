"""Partners and the debrief meeting in a real browser, on two screens.

Morgan Lee (Probation Service), a partner contact, is the first Playground's current user. DS Owen Marsh, the
lead reviewer, has the second. Owen approves the partner summary and invites Morgan from the case thread.
Morgan declines an invitation to another case, accepts this one (acknowledging the handling conditions),
sees the case as a partner (the summary, not the police entry), and adds an entry from Probation's records.
Owen schedules the debrief meeting with Morgan among the attendees and downloads the agenda pack and the
calendar invitation from his personal chat. The cases are set up through the process's own services.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import docx
import icalendar
import pytest
from playwright.async_api import Browser, Download, Locator, Page, expect

from debrief import entries, partnership
from debrief.partnership import PartnerContact
from storage.database import create_engine
from storage.uow import SqlUnitOfWork
from tests.e2e.screens import Screen, another_screen, journey_stack, open_and_say_hello, quiet, settled
from tests.support.browser import Stopwatch, fill_entry, screenshot, tick
from tests.support.cards import card_text
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.forms import chronology_entry_form
from tests.support.people import JORDAN, MORGAN, OWEN, actor
from tests.support.playground import CARD, ROOT, Stack, shows

pytestmark = pytest.mark.e2e

PARTNER_CONFIG = ROOT / "infra" / "playground" / "partner.yml"
LEAD_REVIEWER_CONFIG = ROOT / "infra" / "playground" / "lead-reviewer.yml"
MORGANS_CHAT = "personal-chat-morgan"
OWENS_CHAT = "personal-chat-owen"
THIS_REFERENCE, OTHER_REFERENCE = "CR/300400/26", "CR/300500/26"
POLICE_ENTRY = "Officers attended a report of shouting at the address; Victim A declined to make a statement."
MORGANS_ENTRY = "Suspect B missed two supervision appointments in February; a warning letter was sent."
SUMMARY = (
    "Victim A was seriously injured at home in November; Suspect B has been charged. The debrief asks what "
    "probation knew of Suspect B's risk in the year before, and how information was shared with police."
)
ACKNOWLEDGEMENT = "I will handle this as OFFICIAL-SENSITIVE under the agreement above and share it with no one else"


@pytest.fixture
async def morgans_stack(tools: None, tmp_path: Path, output_dir: Path) -> AsyncIterator[Stack]:
    async with journey_stack(tmp_path, output_dir, config=PARTNER_CONFIG, name="partners") as stack:
        yield stack


@pytest.fixture
async def owens_screen(morgans_stack: Stack, browser: Browser, tmp_path: Path) -> AsyncIterator[Screen]:
    async with another_screen(morgans_stack, browser, config=LEAD_REVIEWER_CONFIG, workdir=tmp_path / "owen") as screen:
        yield screen


async def the_other_case(database_url: str) -> str:
    """Another case, to which Morgan is already invited (he will decline it)."""
    engine = create_engine(database_url)
    try:
        now = datetime.now(UTC)

        def uow() -> SqlUnitOfWork:
            return SqlUnitOfWork(engine)

        other = await a_case_collecting_its_chronology(uow=uow, now=now, invite=(JORDAN,), reference=OTHER_REFERENCE)
        assert other.id is not None
        await partnership.approve_summary(
            uow=uow(),
            actor=actor(OWEN),
            case_id=other.id,
            text="Victim C was assaulted outside a venue; the debrief asks about earlier calls from the venue.",
            now=now,
        )
        await partnership.invite_partners(
            uow=uow(),
            actor=actor(OWEN),
            case_id=other.id,
            contacts=[PartnerContact(MORGAN, "Probation Service")],
            agreement=None,
            now=now,
        )
        return other.case_number
    finally:
        await engine.dispose()


async def this_case(database_url: str) -> tuple[int, str]:
    """This case: collecting its chronology, with a police entry."""
    engine = create_engine(database_url)
    try:
        now = datetime.now(UTC)

        def uow() -> SqlUnitOfWork:
            return SqlUnitOfWork(engine)

        this = await a_case_collecting_its_chronology(uow=uow, now=now, invite=(JORDAN,), reference=THIS_REFERENCE)
        assert this.id is not None
        await entries.add_entry(
            uow=uow(), actor=actor(JORDAN), case_id=this.id, form=chronology_entry_form(summary=POLICE_ENTRY), now=now
        )
        return this.id, this.case_number
    finally:
        await engine.dispose()


async def download(page: Page, card: Locator, button: str) -> Download:
    """The button opens the link in a new tab, which turns straight into a download: listen before clicking."""
    downloads: asyncio.Queue[Download] = asyncio.Queue()
    page.on("download", downloads.put_nowait)
    page.context.on("page", lambda tab: tab.on("download", downloads.put_nowait))
    await card.get_by_text(button, exact=True).click()
    return await asyncio.wait_for(downloads.get(), timeout=15)


async def test_a_partner_declines_another_case_accepts_this_one_and_the_meeting_is_set(
    morgans_stack: Stack, page: Page, owens_screen: Screen, output_dir: Path
) -> None:
    morgans, owens = morgans_stack.playground, owens_screen.playground
    owen = owens_screen.page
    clock = Stopwatch()
    try:
        # The other case's thread starts on Morgan's Playground, this case's on Owen's: the Playground gathers a
        # card's inputs by id across the page, so two partners cards on one page would mix their values.
        await open_and_say_hello(Screen(morgans, page), personal_chat=MORGANS_CHAT)
        since_other = morgans.stream.mark()
        other_number = await the_other_case(morgans_stack.database_url)
        await morgans.stream.wait_for(
            shows(f"Rapid debrief {other_number}: invitation to Probation Service", conversation=MORGANS_CHAT),
            since=since_other,
            what="with the invitation to the other case",
        )
        await quiet(morgans.stream)
        await open_and_say_hello(owens_screen, personal_chat=OWENS_CHAT)
        since_start = owens.stream.mark()
        this_id, this_number = await this_case(morgans_stack.database_url)
        await owens.stream.wait_for(
            shows(f"Partner agencies for {this_number}"),
            since=since_start,
            what="with the partners card in the case thread",
        )
        await quiet(owens.stream)
        clock.lap("1 cases set up")

        # 2. Owen approves the partner summary and invites Morgan, from the case thread.
        await owen.get_by_label("Homicide Prevention - Review Team").click()
        await settled(owen)
        partners = owen.locator(CARD).filter(has_text=f"Partner agencies for {this_number}").last
        summary_box = partners.get_by_label("Partner summary (the lead reviewer only)")
        await summary_box.click()
        await summary_box.press_sequentially(SUMMARY)  # typed: a filled (pasted) value was sometimes not sent
        await partners.get_by_role("button", name="Approve partner summary").click()
        # The card changes in place twice (the answer, then the update everyone sees): find it by its title.
        partners = owen.locator(CARD).filter(has_text=f"Partner agencies for {this_number}").last
        await expect(partners).to_contain_text("Approved by DS Owen Marsh")
        await tick(partners, "Morgan Lee (Probation Service) · Probation Service")
        await partners.get_by_role("button", name="Invite").click()
        await expect(partners).to_contain_text("Invited")
        await expect(partners).to_contain_text("Morgan Lee")
        await screenshot(owen, output_dir / "21-partners-invited.png", tall=True)
        clock.lap("2 summary approved and partner invited")

        # 3. Morgan declines the invitation to the other case, with a reason.
        other_title = f"Rapid debrief {other_number}: invitation to Probation Service"
        this_title = f"Rapid debrief {this_number}: invitation to Probation Service"
        await morgans.stream.wait_for(shows(this_title, conversation=MORGANS_CHAT), what="with Morgan's invitation")
        other_card = page.locator(CARD).filter(has_text=other_title).last
        await other_card.get_by_role("button", name="Decline").click()
        await other_card.get_by_label("Why not? (optional; the lead reviewer sees this)").fill(
            "Suspect C is not supervised by this probation team."
        )
        await other_card.get_by_role("button", name="Decline the invitation").click()
        await expect(page.locator(CARD).filter(has_text=other_title).filter(has_text="You declined")).to_be_visible()
        clock.lap("3 declined the other case")

        # 4. Morgan accepts this one: the handling conditions must be acknowledged first.
        this_card = page.locator(CARD).filter(has_text=this_title).last
        await expect(this_card).to_contain_text(SUMMARY)
        await expect(this_card).not_to_contain_text(THIS_REFERENCE)
        await this_card.get_by_role("button", name="Accept").click()
        await expect(this_card.get_by_text("Tick to confirm")).to_be_visible()
        await tick(this_card, ACKNOWLEDGEMENT)
        await this_card.get_by_role("button", name="Accept").click()
        accepted = page.locator(CARD).filter(has_text="You accepted.").last
        await expect(accepted).to_be_visible()
        await screenshot(page, output_dir / "22-partner-accepted.png", tall=True)
        clock.lap("4 accepted")

        # 5. As a partner Morgan sees the summary, not the police entry, then adds Probation's entry.
        await accepted.get_by_role("button", name="Open the case for partners").click()
        view = page.locator(CARD).filter(has_text=f"Rapid debrief {this_number}: Probation Service").last
        await expect(view).to_contain_text(SUMMARY)
        await expect(view).not_to_contain_text(POLICE_ENTRY[:40])
        await screenshot(page, output_dir / "23-partner-view.png", tall=True)
        await view.get_by_role("button", name="Add an entry").click()
        form = page.locator(CARD).filter(has_text=f"Add to the chronology: {this_number}").last
        await expect(form.get_by_role("combobox", name="Whose record is this from?")).to_have_value("Probation Service")
        await fill_entry(
            page, form, date_text="2026-02-17", time_text=None, summary=MORGANS_ENTRY, contact="Probation", agency=None
        )
        await form.get_by_role("button", name="Add to chronology").click()
        await expect(page.locator(CARD).filter(has_text="Added to the chronology").last).to_be_visible()
        await screenshot(page, output_dir / "24-partner-entry-added.png", tall=True)
        invitation_post = await morgans.stream.wait_for(shows(this_title, conversation=MORGANS_CHAT), what="again")
        seen = await morgans.invoke(
            user_id="user-morgan",
            conversation_id=MORGANS_CHAT,
            reply_to_id=str(invitation_post["message"]["messageId"]),
            verb="partners.case.view",
            data={"caseId": this_id},
        )
        assert MORGANS_ENTRY in card_text(seen.card) and POLICE_ENTRY[:40] not in card_text(seen.card)
        clock.lap("5 partner view and entry")

        # 6. Owen schedules the meeting with Morgan among the attendees.
        meeting = owen.locator(CARD).filter(has_text=f"Debrief meeting for {this_number}").last
        await tick(meeting, "Morgan Lee (Probation Service) · Partner · Probation Service")
        await tick(meeting, "DS Owen Marsh · Lead reviewer")
        await meeting.get_by_role("button", name="Schedule the meeting").click()
        scheduled = owen.locator(CARD).filter(has_text="The meeting is scheduled.").last
        await expect(scheduled).to_contain_text("Morgan Lee")
        await screenshot(owen, output_dir / "25-meeting-scheduled.png", tall=True)
        clock.lap("6 meeting scheduled")

        # 7. The agenda pack and the calendar invitation come to Owen one to one.
        files: dict[str, bytes] = {}
        for button, what in (("Agenda pack", "Agenda pack"), ("Calendar invitation (.ics)", "Calendar invitation")):
            await owen.get_by_label("Homicide Prevention - Review Team").click()
            since = owens.stream.mark()
            card = owen.locator(CARD).filter(has_text=f"Debrief meeting for {this_number}").last
            await card.get_by_role("button", name=button).click()
            await owens.stream.wait_for(
                shows(f"{what} for {this_number} is ready", conversation=OWENS_CHAT), since=since, what=f"the {what}"
            )
            await owen.get_by_role("treeitem", name="Personal Chat").click()
            ready = owen.locator(CARD).filter(has_text=f"{what} for {this_number} is ready").last
            if what == "Agenda pack":
                await screenshot(owen, output_dir / "26-agenda-pack-link.png")
            fetched = await download(owen, ready, "Download")
            path = output_dir / (fetched.suggested_filename or f"{what}.bin")
            await fetched.save_as(path)
            files[what] = path.read_bytes()
        clock.lap("7 agenda pack and calendar invitation downloaded")

        pack = docx.Document(io.BytesIO(files["Agenda pack"]))
        assert "OFFICIAL-SENSITIVE" in " ".join(p.text for p in pack.sections[0].header.paragraphs)
        text = "\n".join(p.text for p in pack.paragraphs)
        assert this_number in text and "Morgan Lee" in text
        [event] = icalendar.Calendar.from_ical(files["Calendar invitation"]).walk("VEVENT")
        assert this_number in str(event["SUMMARY"]) and THIS_REFERENCE not in str(event.get("DESCRIPTION", ""))
    finally:
        clock.write(output_dir / "timings-partners.txt")
