"""Learning and actions in a real browser: DS Owen Marsh, the lead reviewer, is the Playground's current user.

After the debrief meeting Owen records an action on the learning-and-actions card in the case thread, naming
himself as its owner, and asks the SIO to sign off. DCI Ruth Okafor approves through the Playground's API (as
Teams would deliver her press). The action then reaches Owen's personal chat and the case's actions thread;
Owen completes it with evidence, and the card shows it, there and in the actions thread. The case and the
meeting are set up through the process's own services on the bot's database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from debrief import clocks, meetings
from debrief.model import LONDON
from debrief.permissions import Role
from storage.database import create_engine
from storage.uow import SqlUnitOfWork
from tests.e2e.screens import Screen, journey_stack, open_and_say_hello, quiet, settled
from tests.support.browser import Stopwatch, choose, screenshot
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.people import DIRECTORY, JORDAN, OWEN, actor
from tests.support.playground import CARD, ROOT, Stack, shows

pytestmark = pytest.mark.e2e

LEAD_REVIEWER_CONFIG = ROOT / "infra" / "playground" / "lead-reviewer.yml"
OWENS_CHAT = "personal-chat-owen"
REVIEW_CHANNEL = "19:homicide-prevention-review-team@thread.tacv2"
RUTH_USER = "user-ruth"
REFERENCE = "CR/400500/26"
ACTION = "Add an address history check to the risk grading guidance for call handlers."
EVIDENCE = "Guidance version 4 published on the intranet on 3 March and briefed to every call-handling team."


@pytest.fixture
async def owens_stack(tools: None, tmp_path: Path, output_dir: Path) -> AsyncIterator[Stack]:
    async with journey_stack(tmp_path, output_dir, config=LEAD_REVIEWER_CONFIG, name="actions") as stack:
        yield stack


async def a_case_whose_meeting_has_taken_place(database_url: str) -> str:
    """Collecting its chronology, with a debrief meeting (Owen and Jordan invited) on the last working day."""
    engine = create_engine(database_url)
    try:
        now = datetime.now(UTC)
        case = await a_case_collecting_its_chronology(
            uow=lambda: SqlUnitOfWork(engine), now=now, invite=(JORDAN,), reference=REFERENCE
        )
        assert case.id is not None
        today = now.astimezone(LONDON).date()
        day = today - timedelta(days=1)
        while not clocks.is_working_day(day):
            day -= timedelta(days=1)
        await meetings.schedule_meeting(
            uow=SqlUnitOfWork(engine),
            actor=actor(OWEN),
            case_id=case.id,
            form={
                "meetingDate": day.isoformat(),
                "meetingTime": "10:00",
                "durationMinutes": "90",
                "attendeeIds": f"{OWEN.user_id},{JORDAN.user_id}",
            },
            review_team=DIRECTORY.people_with(Role.REVIEW_TEAM),
            now=datetime.combine(day - timedelta(days=7), datetime.min.time(), tzinfo=LONDON),  # planned a week before
        )
        return case.case_number
    finally:
        await engine.dispose()


async def type_into(card: Locator, label: str, text: str) -> None:
    """Typed, not filled: in a channel thread a filled value was sometimes not sent with the card."""
    box = card.get_by_label(label)
    await box.click()
    await box.press_sequentially(text)


async def test_an_action_is_recorded_signed_off_and_completed_with_evidence(
    owens_stack: Stack, page: Page, output_dir: Path
) -> None:
    playground = owens_stack.playground
    owen = Screen(playground, page)
    clock = Stopwatch()
    try:
        await open_and_say_hello(owen, personal_chat=OWENS_CHAT)
        since = playground.stream.mark()
        case_number = await a_case_whose_meeting_has_taken_place(owens_stack.database_url)
        thread_post = await playground.stream.wait_for(
            shows(f"Learning and actions for {case_number}"), since=since, what="with the learning and actions card"
        )
        thread_id = str(thread_post["actionConversationId"])
        await quiet(playground.stream)
        clock.lap("1 case and meeting set up")

        # 2. Owen records an action after the meeting, with himself as its owner.
        await page.get_by_label("Homicide Prevention - Review Team").click()
        await settled(page)
        outcome = page.locator(CARD).filter(has_text=f"Learning and actions for {case_number}").last
        await outcome.get_by_role("button", name="Add an action").click()
        await choose(page, outcome, "Owner", "DS Owen Marsh")
        await choose(page, outcome, "Priority", "High")
        await choose(page, outcome, "Theme", "Risk assessment and grading")
        await outcome.get_by_role("radio", name="In force", exact=True).check()
        await type_into(outcome, "Due in how many working days?", "20")
        await type_into(outcome, "What is to be done", ACTION)
        await outcome.get_by_role("button", name="Add the action").click()
        outcome = page.locator(CARD).filter(has_text=f"Learning and actions for {case_number}").last
        await expect(outcome).to_contain_text(ACTION)
        await screenshot(page, output_dir / "31-action-recorded.png", tall=True)
        await outcome.get_by_role("button", name="Ask the SIO to sign off").click()
        await expect(page.locator(CARD).filter(has_text="The SIO has been asked").last).to_be_visible()
        clock.lap("2 action recorded, sign-off asked")

        # 3. The SIO approves (her press through the Playground's API, in the case thread).
        since_approval = playground.stream.mark()
        approved = await playground.invoke(
            user_id=RUTH_USER,
            conversation_id=thread_id,
            reply_to_id=str(thread_post["message"]["messageId"]),
            verb="outcome.sign_off.approve",
            data={"caseId": int(case_number.rsplit("-", 1)[1])},
        )
        assert approved.status == 200, approved.body
        await playground.stream.wait_for(
            shows(f"An action from the rapid debrief {case_number} is yours", conversation=OWENS_CHAT),
            since=since_approval,
            what="with the action for its owner",
        )
        await playground.stream.wait_for(
            shows(f"Actions from the rapid debrief {case_number}", conversation=REVIEW_CHANNEL),
            since=since_approval,
            what="starting the actions thread",
        )
        await quiet(playground.stream)
        clock.lap("3 approved and circulated")

        # 4. Owen, as the action's owner, completes it with evidence from his personal chat.
        await page.get_by_role("treeitem", name="Personal Chat").click()
        await settled(page)
        # Found by the action, not its heading: the bot may already have brought this copy up to date in place
        # (with the actions thread's copy), which gives it the action's own heading.
        mine = page.locator(CARD).filter(has_text=ACTION).filter(has_text="Owner").last
        await expect(mine).to_contain_text(case_number)
        await screenshot(page, output_dir / "32-action-for-its-owner.png", tall=True)
        await mine.get_by_role("button", name="Complete").click()
        await type_into(mine, "What shows it is done?", EVIDENCE)
        await mine.get_by_role("button", name="Mark it as complete").click()
        # The answer, then the bot's update of every copy of the card, replace it in place: find it by the evidence.
        done = page.locator(CARD).filter(has_text=EVIDENCE).last
        await expect(done).to_contain_text("Complete, by DS Owen Marsh")
        await screenshot(page, output_dir / "33-action-complete.png", tall=True)

        # 5. The action's card in the actions thread shows it too (updated in place by the bot).
        def in_the_actions_thread(event: dict[str, object]) -> bool:
            conversation = str(event.get("actionConversationId", ""))
            return conversation.startswith(f"{REVIEW_CHANNEL};messageid=") and shows(EVIDENCE, action="updateMessage")(
                event
            )

        await playground.stream.wait_for(
            in_the_actions_thread, since=since_approval, what="updating the action's card in the actions thread"
        )
        await page.get_by_label("Homicide Prevention - Review Team").click()
        await settled(page)
        shown = page.locator(CARD).filter(has_text=EVIDENCE).last
        await expect(shown).to_contain_text("Complete")
        await screenshot(page, output_dir / "34-actions-thread.png", tall=True)
        clock.lap("4 completed with evidence, shown everywhere")
    finally:
        clock.write(output_dir / "timings-actions.txt")
