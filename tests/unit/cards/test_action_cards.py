"""The action card everyone sees (owner, working group, review team), and the owner's first message about it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from cards.actions import (
    APPROVE_REQUEST_VERB,
    BLOCK_VERB,
    COMPLETE_VERB,
    OPEN_ACTION_VERB,
    REFUSE_REQUEST_VERB,
    REQUEST_DUE_DATE_VERB,
    REQUEST_NOT_DOING_VERB,
    START_VERB,
    action_assigned,
    action_card,
)
from cards.common import Card
from debrief.actions import ActionView, RequestKind, RequestState
from debrief.learning import ActionStatus
from debrief.model import CaseStatus
from tests.support.cards import buttons, card_text, elements, folded, inputs
from tests.support.people import PRIYA, RUTH, TOM
from tests.unit.cards.card_gallery import (
    ACTION_CASE_ID,
    ACTION_NOW,
    BLOCKED_REASON,
    EVIDENCE,
    MORE_TIME_REASON,
    NOT_DOING_REASON,
    OVERDUE_NOW,
    a_case,
    a_request,
    an_action,
    an_action_view,
    every_card,
    longest_action_view,
)

CARDS = every_card()
MINE = {name: card for name, card in CARDS.items() if name.startswith("action ")}
STATUS_FOLDS = {"Blocked", "Complete"}
REQUEST_FOLDS = {"Not doing it", "A new due date"}


def verbs(card: Any) -> list[str]:
    return [a["verb"] for a in elements(card, "Action.Execute")]


def card_for(view: ActionView | None = None, *, now: datetime = ACTION_NOW, **kwargs: Any) -> Card:
    return action_card(view if view is not None else an_action_view(), case_id=ACTION_CASE_ID, now=now, **kwargs)


def with_status(status: ActionStatus, note: str | None = None) -> Card:
    return card_for(an_action_view(an_action(status, note=note)))


def test_the_verbs_are_the_agreed_strings() -> None:
    assert (START_VERB, BLOCK_VERB, COMPLETE_VERB, OPEN_ACTION_VERB) == (
        "action.start",
        "action.block",
        "action.complete",
        "action.open",
    )
    assert (REQUEST_NOT_DOING_VERB, REQUEST_DUE_DATE_VERB, APPROVE_REQUEST_VERB, REFUSE_REQUEST_VERB) == (
        "action.request.not_doing",
        "action.request.due_date",
        "action.request.approve",
        "action.request.refuse",
    )


def test_every_button_carries_the_action_and_the_case() -> None:
    for name, card in MINE.items():
        for action in elements(card, "Action.Execute"):
            data = action["data"]
            assert data["actionId"] == 1 and data["caseId"] == ACTION_CASE_ID, f"{name}: {action['title']}"
            assert type(data["actionId"]) is int and type(data["caseId"]) is int


def test_the_card_names_the_action_and_the_case_and_shows_its_details() -> None:
    text = card_text(card_for())
    assert "Action 1 for RD-2026-0001" in text
    assert "Brief call handlers on linking repeat domestic calls to earlier reports." in text
    fact_set = {f["title"]: f["value"] for f in elements(card_for(), "FactSet")[0]["facts"]}
    assert fact_set == {
        "Owner": TOM.name,
        "Due": "Fri 18 Dec 2026",
        "Priority": "High",
        "Theme": "Risk assessment and grading",
        "Route": "In force",
        "Status": "Not started",
    }


def test_the_status_says_who_changed_it_and_when() -> None:
    text = card_text(with_status(ActionStatus.IN_PROGRESS))
    assert "In progress, by Insp Tom Baird on Wed 09 Dec 2026, 11:30" in text


def test_an_action_without_an_id_is_not_carded() -> None:
    with pytest.raises(ValueError, match="saved action"):
        card_for(an_action_view(an_action(id=None)))


# --- The owner's buttons -----------------------------------------------------------------------------------------


def test_a_final_action_offers_no_buttons() -> None:
    for status, note in ((ActionStatus.COMPLETE, EVIDENCE), (ActionStatus.NOT_DOING, NOT_DOING_REASON)):
        # Even a request left pending when the action closed is not offered for a decision.
        view = an_action_view(an_action(status, note=note), a_request(RequestKind.DUE_DATE))
        card = card_for(view)
        assert verbs(card) == [], status
        assert folded(card) == {}, status
        assert inputs(card) == {}, status
        assert "Its status no longer changes." in card_text(card)
        assert "Only the owner or the working group" not in card_text(card)


def test_starting_is_offered_when_not_started_or_blocked() -> None:
    for status, offered in (
        (ActionStatus.NOT_STARTED, True),
        (ActionStatus.BLOCKED, True),
        (ActionStatus.IN_PROGRESS, False),
    ):
        card = with_status(status, BLOCKED_REASON if status is ActionStatus.BLOCKED else None)
        assert ("Start" in buttons(card)) is offered, status
        if offered:
            assert buttons(card)["Start"]["verb"] == START_VERB
        assert "Only the owner or the working group can change the status." in card_text(card)


def test_blocking_asks_what_is_blocking_it() -> None:
    for status in (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS):
        form = folded(with_status(status))["Blocked"]
        reason = inputs(form)["blockedReason"]
        assert reason["isRequired"] is True and reason["isMultiline"] is True
        assert reason["label"] == "What is blocking it?"
        assert verbs(form) == [BLOCK_VERB]
    assert "Blocked" not in folded(with_status(ActionStatus.BLOCKED, BLOCKED_REASON))


def test_completing_asks_for_evidence() -> None:
    for status in (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED):
        form = folded(with_status(status, BLOCKED_REASON if status is ActionStatus.BLOCKED else None))["Complete"]
        evidence = inputs(form)["evidence"]
        assert evidence["isRequired"] is True and evidence["isMultiline"] is True
        assert evidence["label"] == "What shows it is done?"
        assert evidence["errorMessage"]
        assert verbs(form) == [COMPLETE_VERB]


def test_the_status_note_is_labelled_by_status() -> None:
    for status, note, label in (
        (ActionStatus.BLOCKED, BLOCKED_REASON, "**What is blocking it:**"),
        (ActionStatus.COMPLETE, EVIDENCE, "**Evidence of completion:**"),
        (ActionStatus.NOT_DOING, NOT_DOING_REASON, "**Reason:**"),
    ):
        text = card_text(with_status(status, note))
        assert label in text and note in text, status


def test_asking_to_change_offers_not_doing_and_a_new_due_date() -> None:
    forms = folded(card_for())
    assert set(forms) == STATUS_FOLDS | REQUEST_FOLDS
    not_doing = inputs(forms["Not doing it"])
    assert set(not_doing) == {"reason"}
    assert not_doing["reason"]["isRequired"] is True
    assert verbs(forms["Not doing it"]) == [REQUEST_NOT_DOING_VERB]
    new_due = inputs(forms["A new due date"])
    assert set(new_due) == {"newDueWorkingDays", "reason"}
    assert new_due["newDueWorkingDays"]["type"] == "Input.Number"
    assert new_due["newDueWorkingDays"]["label"] == "New due date, in working days from today"
    assert (new_due["newDueWorkingDays"]["min"], new_due["newDueWorkingDays"]["max"]) == (1, 260)
    assert verbs(forms["A new due date"]) == [REQUEST_DUE_DATE_VERB]
    assert "Only they can agree not doing an action, or a new due date." in card_text(card_for())


def test_every_input_is_labelled() -> None:
    for name, card in MINE.items():
        for field in inputs(card).values():
            assert field.get("label"), (name, field["id"])


# --- The working group's decision --------------------------------------------------------------------------------


def test_a_pending_request_offers_the_working_groups_decision() -> None:
    for kind, what, reason in (
        (RequestKind.NOT_DOING, "not doing this action", NOT_DOING_REASON),
        (RequestKind.DUE_DATE, "a new due date of Fri 15 Jan 2027", MORE_TIME_REASON),
    ):
        card = card_for(an_action_view(an_action(ActionStatus.IN_PROGRESS), a_request(kind)))
        text = card_text(card)
        assert f"**Waiting for the working group:** {what}" in text
        assert reason in text
        assert "Asked by Insp Tom Baird on Tue 08 Dec 2026, 11:30" in text
        assert "**For the working group:**" in text
        assert buttons(card)["Approve"]["verb"] == APPROVE_REQUEST_VERB
        assert buttons(card)["Refuse"]["verb"] == REFUSE_REQUEST_VERB
        # No second request while one waits; the owner can still move the status on.
        assert not set(folded(card)) & REQUEST_FOLDS
        assert set(folded(card)) == STATUS_FOLDS


def test_without_a_pending_request_there_is_nothing_to_decide() -> None:
    decided = card_for(an_action_view(an_action(), a_request(state=RequestState.REFUSED)))
    assert APPROVE_REQUEST_VERB not in verbs(decided)
    assert REFUSE_REQUEST_VERB not in verbs(decided)
    assert "Waiting for the working group" not in card_text(decided)


def test_the_latest_decided_request_is_shown() -> None:
    older = a_request(RequestKind.NOT_DOING, RequestState.REFUSED, request_id=1)
    newer = replace(
        a_request(RequestKind.DUE_DATE, RequestState.APPROVED, request_id=2),
        decided_at=ACTION_NOW - timedelta(hours=1),
    )
    for requests in ((older, newer), (newer, older)):
        text = card_text(card_for(an_action_view(an_action(due=date(2027, 1, 15)), *requests)))
        assert (
            "**Last request to the working group:** a new due date of Fri 15 Jan 2027, approved by DS Priya Natt on "
            "Thu 10 Dec 2026, 10:30." in text
        )
        assert MORE_TIME_REASON in text
        assert NOT_DOING_REASON not in text


def test_an_agreed_not_doing_reason_is_not_repeated() -> None:
    text = card_text(CARDS["action card, not doing"])
    assert text.count(NOT_DOING_REASON) == 1
    assert f"approved by {PRIYA.name}" in text


# --- Overdue -----------------------------------------------------------------------------------------------------


def test_overdue_is_shown() -> None:
    card = card_for(an_action_view(an_action(ActionStatus.IN_PROGRESS)), now=OVERDUE_NOW)
    text = card_text(card)
    assert "Fri 18 Dec 2026 · overdue" in text
    assert "Overdue: it was due on Fri 18 Dec 2026." in text
    assert "ask the working group for a new due date" in text

    assert "overdue" not in card_text(card_for(now=ACTION_NOW)).lower()
    on_the_day = datetime(2026, 12, 18, 23, 30, tzinfo=UTC)
    assert "overdue" not in card_text(card_for(now=on_the_day)).lower()
    done = an_action_view(an_action(ActionStatus.COMPLETE, note=EVIDENCE))
    assert "overdue" not in card_text(card_for(done, now=OVERDUE_NOW)).lower()


def test_overdue_is_judged_in_uk_time() -> None:
    summer = an_action_view(an_action(due=date(2027, 6, 10)))
    # 23:30 UTC on the due day is 00:30 the next day in London (BST).
    assert "overdue" in card_text(card_for(summer, now=datetime(2027, 6, 10, 23, 30, tzinfo=UTC)))
    assert "overdue" not in card_text(card_for(summer, now=datetime(2027, 6, 10, 22, 30, tzinfo=UTC)))


# --- Messages and errors -----------------------------------------------------------------------------------------


def test_errors_in_a_folded_form_are_also_named_at_the_top() -> None:
    card = CARDS["action card with errors in a request"]
    top = card_text(card["body"][:4])
    assert 'Under "A new due date": Give the new due date in working days from today (1 to 260).' in top
    assert "Say why it needs more time" in top
    forms = folded(card)
    due_date = inputs(forms["A new due date"])
    assert due_date["newDueWorkingDays"]["value"] == 0
    assert due_date["reason"]["value"] == "Busy"
    assert "Say why it needs more time" in card_text(forms["A new due date"])
    # The other request's reason is left alone.
    assert "value" not in inputs(forms["Not doing it"])["reason"]
    assert "Say why it needs more time" not in card_text(forms["Not doing it"])

    evidence = CARDS["action card with errors"]
    assert 'Under "Complete": Say what shows it is done' in card_text(evidence["body"][:4])
    assert inputs(folded(evidence)["Complete"])["evidence"]["value"] == "Done"


def test_a_reason_without_its_verb_goes_to_the_not_doing_form() -> None:
    card = card_for(errors={"reason": "Say why."}, values={"reason": "Short"})
    assert 'Under "Not doing it": Say why.' in card_text(card["body"][:4])
    assert inputs(folded(card)["Not doing it"])["reason"]["value"] == "Short"


def test_an_error_with_no_form_on_the_card_is_shown_plainly() -> None:
    card = CARDS["action card with an error, already decided"]
    top = card_text(card["body"][:4])
    assert "Nothing has been decided." in top
    assert "There is no request waiting for a decision." in top
    assert "Under" not in top
    blocked = card_for(
        an_action_view(an_action(ActionStatus.BLOCKED, note=BLOCKED_REASON)),
        errors={"blockedReason": "Say what is blocking it."},
    )
    assert 'Under "Blocked"' not in card_text(blocked["body"][:4])


def test_a_message_is_shown_at_the_top() -> None:
    assert "Started." in card_text(CARDS["action card, in progress"]["body"][:3])


# --- The owner's first message -----------------------------------------------------------------------------------


def test_the_owner_is_thanked_and_given_the_same_card() -> None:
    view = an_action_view()
    assigned = action_assigned(view, case_id=ACTION_CASE_ID, now=ACTION_NOW)
    text = card_text(assigned)
    assert "An action from the rapid debrief RD-2026-0001 is yours" in text
    assert "Thank you for taking it on." in text
    assert "learning, not blame" in text
    assert "Brief call handlers on linking repeat domestic calls to earlier reports." in text
    card = card_for(view)
    assert verbs(assigned) == verbs(card)
    assert set(folded(assigned)) == set(folded(card))
    assert inputs(assigned).keys() == inputs(card).keys()


# --- What the cards may carry ------------------------------------------------------------------------------------


def test_the_card_shows_no_case_detail() -> None:
    nomination = a_case(CaseStatus.ACCEPTED).nomination
    for name, card in MINE.items():
        text = json.dumps(card)
        for detail in (
            nomination.incident_reference,
            nomination.operation_name,
            nomination.policing_area,
            nomination.scope_reason,
            "Victim A",
            "Suspect B",
            RUTH.name,  # the SIO
        ):
            assert detail is not None and detail not in text, (name, detail)
        assert "RD-2026-0001" in card_text(card), name


def test_no_blaming_words_on_the_cards() -> None:
    for name, card in MINE.items():
        text = card_text(card).lower().replace("learning, not blame", "")
        for word in ("blame", "fault", "failed", "failure", "culpab", "negligen"):
            assert word not in text, (name, word)


def test_every_state_is_in_the_gallery() -> None:
    assert len(MINE) == 18
    for name in (
        "action card, not started",
        "action card, in progress",
        "action card, blocked",
        "action card, complete",
        "action card, not doing",
        "action card, asked not to do it",
        "action card, asked for a new due date",
        "action card, new due date approved",
        "action card, not doing refused",
        "action card, overdue",
        "action card with errors",
        "action assigned",
    ):
        assert name in MINE, name


@pytest.mark.parametrize("name", sorted(MINE))
def test_cards_stay_small(name: str) -> None:
    assert len(json.dumps(MINE[name]).encode()) < 12_000


def test_the_longest_texts_stay_small() -> None:
    view = longest_action_view()
    for card in (
        card_for(view, now=OVERDUE_NOW, errors={"evidence": "Say what shows it is done."}, values={"evidence": "x"}),
        action_assigned(view, case_id=ACTION_CASE_ID, now=OVERDUE_NOW),
    ):
        assert len(json.dumps(card).encode()) < 12_000
