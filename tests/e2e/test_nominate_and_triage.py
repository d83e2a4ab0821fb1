"""The first journey in a real browser: PC Jordan Ellis nominates, the review team accepts, Jordan hears back.

Jordan is the Playground's current user, so everything Jordan does goes through the page. DS Priya Natt
(review team) presses Accept through the Playground's API, as Teams would deliver her press; her decision
must then reach everyone's screen through the bot's own card update. Screenshots of each step land in
test-output/e2e/.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from cards.triage import ACCEPT_VERB
from tests.support.browser import Stopwatch, choose, fill_date, screenshot, send, shown_date
from tests.support.cards import card_text
from tests.support.people import OWEN
from tests.support.playground import CARD, BotMessage, Stack, action_data, card_of, shows

pytestmark = pytest.mark.e2e

PERSONAL_CHAT = "personal-chat-jordan"
REVIEW_CHANNEL = "19:homicide-prevention-review-team@thread.tacv2"
PRIYA_USER = "user-priya"  # DS Priya Natt, review team (Playground user id)
JORDAN_USER = "user-jordan"  # PC Jordan Ellis, the nominating officer and current user

SCOPE_REASON = "Victim A had three domestic abuse reports in the past year; two DASH assessments were completed."
DMM_ERROR = "The daily management meeting cannot be before the incident."


async def fill_form(page: Page, card: Locator, *, incident: date, dmm: date) -> None:
    """Choices first, then dates and time, then text: choosing after typing can clear typed text."""
    await choose(page, card, "Offence type", "Homicide")
    await choose(page, card, "Senior investigating officer (SIO)", "DCI Ruth Okafor")
    await card.get_by_role("radio", name="Domestic", exact=True).check()
    await card.get_by_role("radio", name="Homicide", exact=True).check()
    await fill_date(card, "Date of the incident", incident)
    await fill_date(card, "Daily management meeting date", dmm)
    # Input.Time renders as a Fluent time picker (a combobox of half hours) that also takes typed 24-hour time.
    time_field = card.get_by_label("Time of the incident (best estimate)")
    await time_field.fill("21:30")
    await time_field.press("Enter")
    await card.get_by_label("Crime or incident reference").fill("CR/100200/26")
    await card.get_by_label("Operation name (if any)").fill("Operation Kestrel")
    await card.get_by_label("Policing area").fill("North District")
    await card.get_by_label("Why is this incident in scope?").fill(SCOPE_REASON)


async def expect_form(card: Locator, *, incident: date, dmm: date) -> None:
    """Read every value back before pressing the button: the page must hold what the test meant to send."""
    await expect(card.get_by_role("combobox", name="Offence type")).to_have_value("Homicide")
    await expect(card.get_by_role("combobox", name="Senior investigating officer (SIO)")).to_have_value(
        "DCI Ruth Okafor"
    )
    await expect(card.get_by_role("radio", name="Domestic", exact=True)).to_be_checked()
    await expect(card.get_by_role("radio", name="Homicide", exact=True)).to_be_checked()
    await expect(card.get_by_label("Date of the incident")).to_have_value(shown_date(incident))
    await expect(card.get_by_label("Daily management meeting date")).to_have_value(shown_date(dmm))
    await expect(card.get_by_label("Time of the incident (best estimate)")).to_have_value("9:30 PM")
    await expect(card.get_by_label("Crime or incident reference")).to_have_value("CR/100200/26")
    await expect(card.get_by_label("Operation name (if any)")).to_have_value("Operation Kestrel")
    await expect(card.get_by_label("Policing area")).to_have_value("North District")
    await expect(card.get_by_label("Why is this incident in scope?")).to_have_value(SCOPE_REASON)


async def test_nominate_fix_a_mistake_then_review_team_accepts(stack: Stack, page: Page, output_dir: Path) -> None:
    playground = stack.playground
    stream = playground.stream
    clock = Stopwatch()
    case_pattern = rf"RD-{datetime.now(UTC).year}-\d{{4}}"  # the session's other journeys may open cases too
    incident = date.today() - timedelta(days=6)
    try:
        # 1. Jordan asks for the form in the personal chat.
        await page.goto(playground.url)
        await send(page, "nominate")
        form = page.locator(CARD).last
        submit = form.get_by_role("button", name="Submit nomination")
        await expect(submit).to_be_visible()
        clock.lap("1 form shown")

        # 2. One mistake: the daily management meeting is dated before the incident.
        await fill_form(page, form, incident=incident, dmm=incident - timedelta(days=1))
        await expect_form(form, incident=incident, dmm=incident - timedelta(days=1))
        await submit.click()
        error = form.get_by_text(DMM_ERROR)
        await expect(error).to_be_visible()
        await expect(form.get_by_text("Please check 1 field below. Nothing has been saved yet.")).to_be_visible()
        await screenshot(page, output_dir / "02-nomination-mistake.png", tall=True)
        clock.lap("2 mistake shown on the card")

        # 3. Jordan corrects the date; everything else was kept; the card becomes the receipt.
        await fill_date(form, "Daily management meeting date", incident + timedelta(days=1))
        await expect_form(form, incident=incident, dmm=incident + timedelta(days=1))
        since_nomination = stream.mark()
        await submit.click()
        receipt = page.locator(CARD).last
        await expect(receipt).to_contain_text(re.compile(rf"Thank you: case {case_pattern} is with the review team"))
        found = re.search(case_pattern, await receipt.inner_text())
        assert found is not None
        case_number = found.group(0)
        await expect(receipt).to_contain_text("Your nomination has been saved.")
        await expect(page.get_by_text(DMM_ERROR)).to_have_count(0)
        await screenshot(page, output_dir / "03-nomination-received.png")
        clock.lap("3 nomination received")

        # 4. The bot starts a thread in the review team's channel (through its outbox).
        triage_post: BotMessage = await stream.wait_for(
            shows(f"Triage {case_number}", action="createMessage", conversation=REVIEW_CHANNEL),
            since=since_nomination,
            what="with the triage card in the review channel",
        )
        triage_id = str(triage_post["message"]["messageId"])
        thread_id = f"{REVIEW_CHANNEL};messageid={triage_id}"  # the thread the bot started with this post
        accept_data = {**action_data(card_of(triage_post), ACCEPT_VERB), "leadReviewerId": OWEN.user_id}
        assert isinstance(accept_data["caseId"], int)
        await page.get_by_label("Homicide Prevention - Review Team").click()
        triage = page.locator(CARD).last
        await expect(triage).to_contain_text(f"Triage {case_number}: homicide, domestic")
        await expect(triage).to_contain_text("Nominated by PC Jordan Ellis")
        await expect(triage.get_by_role("button", name="Accept")).to_be_visible()
        await screenshot(page, output_dir / "04-triage-card-in-channel.png", tall=True)
        clock.lap("4 triage card in the channel")

        # 5a. Jordan is not on the review team: pressing Accept in the page is refused, and nothing changes.
        await choose(page, triage, "Lead reviewer", "DS Owen Marsh")
        await expect(triage.get_by_role("combobox", name="Lead reviewer")).to_have_value("DS Owen Marsh")
        await triage.get_by_role("button", name="Accept").click()
        await expect(page.locator(CARD).last).to_contain_text("Only members of the review team can triage")
        await screenshot(page, output_dir / "05-triage-refused-for-nominator.png")
        refused = await playground.invoke(
            user_id=JORDAN_USER,
            conversation_id=thread_id,
            reply_to_id=triage_id,
            verb=ACCEPT_VERB,
            data=accept_data,
        )
        assert refused.status == 200, refused.body
        assert "Only members of the review team can triage" in card_text(refused.card)
        clock.lap("5a refusal for the nominator")

        # 5b. DS Priya Natt accepts with DS Owen Marsh as lead; the bot updates the card for everyone.
        since_accept = stream.mark()
        accepted = await playground.invoke(
            user_id=PRIYA_USER,
            conversation_id=thread_id,
            reply_to_id=triage_id,
            verb=ACCEPT_VERB,
            data=accept_data,
        )
        assert accepted.status == 200, accepted.body
        answer = card_text(accepted.card)
        assert "Accepted by DS Priya Natt" in answer
        assert "Lead reviewer: DS Owen Marsh." in answer
        update = await stream.wait_for(
            shows("Accepted by DS Priya Natt", action="updateMessage", conversation=REVIEW_CHANNEL),
            since=since_accept,
            what="updating the triage card",
        )
        assert str(update["message"]["messageId"]) == triage_id
        # The thread now also holds the parameters card (a reply): find the triage card by its title.
        decided = page.locator(CARD).filter(has_text=f"Triage {case_number}").first
        await expect(decided).to_contain_text("Accepted by DS Priya Natt")
        await expect(decided).to_contain_text("Lead reviewer: DS Owen Marsh.")
        await expect(decided.get_by_role("button", name="Accept")).to_have_count(0)
        await screenshot(page, output_dir / "06-triage-accepted.png", tall=True)
        clock.lap("5b accepted by the review team")
        await stream.wait_for(
            shows(f"Parameters for {case_number}", action="createMessage"),
            since=since_accept,
            what="asking the lead reviewer for the parameters in the case thread",
        )

        # 6. Jordan hears the outcome in the personal chat.
        outcome = f"{case_number} will have a rapid debrief"
        await stream.wait_for(
            shows(outcome, action="createMessage", conversation=PERSONAL_CHAT),
            since=since_accept,
            what="telling the nominator the outcome",
        )
        await page.get_by_role("treeitem", name="Personal Chat").click()
        message = page.locator(CARD).filter(has_text=outcome)
        await expect(message).to_be_visible()
        await expect(message).to_contain_text("DS Owen Marsh will lead the debrief")
        await screenshot(page, output_dir / "07-outcome-for-nominator.png")
        clock.lap("6 outcome in the personal chat")
    finally:
        clock.write(output_dir / "timings.txt")
