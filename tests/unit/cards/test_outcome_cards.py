"""The learning and actions cards: the lead reviewer's card, the SIO's sign-off, circulation and changes requested."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from cards.common import Card
from cards.outcomes import (
    ADD_ACTION_VERB,
    ADD_LEARNING_VERB,
    ADD_RECOMMENDATION_VERB,
    APPROVE_VERB,
    LEARNING_DOCUMENT_VERB,
    MAX_ITEMS_SHOWN,
    OPEN_OUTCOME_VERB,
    REMOVE_ITEM_VERB,
    REQUEST_CHANGES_VERB,
    REQUEST_SIGN_OFF_VERB,
    changes_requested,
    outcome_card,
    outcome_circulated,
    sign_off_request,
)
from debrief.learning import Outcome, SignOff, SignOffState
from debrief.meetings import Meeting
from debrief.model import CaseStatus
from debrief.themes import DEFAULT_THEMES
from tests.support.cards import buttons, card_text, elements, folded, inputs
from tests.support.people import CASEY, OWEN, PRIYA, RUTH, TOM
from tests.unit.cards.card_gallery import (
    AFTER_MEETING,
    NOW,
    OWNERS,
    a_case,
    a_meeting,
    a_sign_off,
    an_outcome,
    every_card,
    many_outcome_items,
)

CASE = a_case(CaseStatus.ACCEPTED)
CARDS = every_card()
OURS = ("outcome,", "outcome with", "outcome circulated", "sign-off", "changes requested")
MINE = {name: card for name, card in CARDS.items() if any(word in name for word in OURS)}
COMMENT = "Learning point 3 should say what probation could have been told, not only when."


def verbs(card: Any) -> list[str]:
    return [a["verb"] for a in elements(card, "Action.Execute")]


def card_for(outcome: Outcome, *, meeting: Meeting | None = None, now: datetime = AFTER_MEETING, **kwargs: Any) -> Card:
    return outcome_card(
        CASE, outcome, owners=OWNERS, meeting=meeting if meeting is not None else a_meeting(), now=now, **kwargs
    )


def test_the_verbs_are_the_agreed_strings() -> None:
    assert (OPEN_OUTCOME_VERB, ADD_LEARNING_VERB, ADD_RECOMMENDATION_VERB, ADD_ACTION_VERB) == (
        "outcome.open",
        "outcome.learning.add",
        "outcome.recommendation.add",
        "outcome.action.add",
    )
    assert (REMOVE_ITEM_VERB, REQUEST_SIGN_OFF_VERB, APPROVE_VERB, REQUEST_CHANGES_VERB, LEARNING_DOCUMENT_VERB) == (
        "outcome.item.remove",
        "outcome.sign_off.request",
        "outcome.sign_off.approve",
        "outcome.sign_off.changes",
        "outcome.document",
    )


def test_every_button_carries_the_case() -> None:
    for name, card in MINE.items():
        for action in elements(card, "Action.Execute"):
            assert action["data"]["caseId"] == CASE.id, f"{name}: {action['title']}"


# --- The lead reviewer's card ------------------------------------------------------------------------------------


def test_no_forms_before_the_meeting() -> None:
    for meeting, now in ((None, AFTER_MEETING), (a_meeting(), NOW)):
        card = outcome_card(CASE, Outcome(), owners=OWNERS, meeting=meeting, now=now)
        text = card_text(card)
        assert "recorded after the debrief meeting" in text
        assert inputs(card) == {}
        assert folded(card) == {}
        assert verbs(card) == []
    assert "No meeting is scheduled yet" in card_text(
        outcome_card(CASE, Outcome(), owners=OWNERS, meeting=None, now=AFTER_MEETING)
    )


def test_the_forms_open_once_the_meeting_has_started() -> None:
    meeting = a_meeting()
    card = card_for(Outcome(), now=meeting.starts_at)
    assert set(folded(card)) == {"Add a learning point", "Add a recommendation", "Add an action"}
    assert "recorded after the debrief meeting" not in card_text(card)


def test_the_heading_names_the_case() -> None:
    assert "Learning and actions for RD-2026-0001" in card_text(card_for(an_outcome()))


def test_each_form_has_its_fields_labelled_and_its_verb() -> None:
    forms = folded(card_for(an_outcome()))
    learning = inputs(forms["Add a learning point"])
    assert set(learning) == {"learningTheme", "learningKind", "learningText"}
    assert [c["value"] for c in learning["learningTheme"]["choices"]] == list(DEFAULT_THEMES)
    assert [c["value"] for c in learning["learningKind"]["choices"]] == ["gap", "good_practice"]
    assert learning["learningText"]["isMultiline"] is True
    assert verbs(forms["Add a learning point"]) == [ADD_LEARNING_VERB]

    recommendation = inputs(forms["Add a recommendation"])
    assert set(recommendation) == {"recommendationText", "recommendationRoute"}
    assert [c["value"] for c in recommendation["recommendationRoute"]["choices"]] == ["in_force", "partnership"]
    assert verbs(forms["Add a recommendation"]) == [ADD_RECOMMENDATION_VERB]

    action = inputs(forms["Add an action"])
    assert set(action) == {
        "actionDescription",
        "actionOwnerId",
        "actionDueWorkingDays",
        "actionPriority",
        "actionTheme",
        "actionRoute",
    }
    assert action["actionDueWorkingDays"]["label"] == "Due in how many working days?"
    assert [c["value"] for c in action["actionPriority"]["choices"]] == ["high", "medium", "low"]
    assert verbs(forms["Add an action"]) == [ADD_ACTION_VERB]
    for form in forms.values():
        for field in inputs(form).values():
            assert field.get("label"), field["id"]


def test_owners_are_listed_by_name() -> None:
    owner = inputs(folded(card_for(an_outcome()))["Add an action"])["actionOwnerId"]
    names = [c["title"] for c in owner["choices"]]
    assert names == sorted(p.name for p in (TOM, PRIYA, OWEN, CASEY))
    assert {c["value"] for c in owner["choices"]} == set(OWNERS)


def test_without_owners_no_action_can_be_added() -> None:
    card = outcome_card(CASE, an_outcome(), owners={}, meeting=a_meeting(), now=AFTER_MEETING)
    form = folded(card)["Add an action"]
    assert "actionOwnerId" not in inputs(form)
    assert verbs(form) == []
    assert "Nobody in the directory can own an action yet" in card_text(form)


def test_the_action_form_warns_against_names() -> None:
    form = folded(card_for(an_outcome()))["Add an action"]
    warning = card_text(form)
    assert "No names" in warning
    assert "no people from the case" in warning
    assert "the owner is sent the action on its own, without the case" in warning


def test_items_are_listed_with_their_details() -> None:
    text = card_text(card_for(an_outcome()))
    assert "**Risk assessment and grading** · Gap: The repeat call was not linked" in text
    assert "**Multi-agency working (MARAC/MAPPA)** · Good practice: The MARAC referral" in text
    assert "Add a prompt to check for linked reports when a domestic call is graded. **(In force)**" in text
    assert "Brief call handlers on linking repeat domestic calls to earlier reports." in text
    assert "Owner: Insp Tom Baird · due Fri 18 Dec 2026 · High priority" in text
    assert "Information sharing · Partnership route · In progress" in text


def test_each_item_can_be_removed_unless_the_sio_is_looking_at_it() -> None:
    removes = [a for a in elements(card_for(an_outcome()), "Action.Execute") if a["verb"] == REMOVE_ITEM_VERB]
    found = {(a["data"]["kind"], a["data"]["itemId"]) for a in removes}
    assert found == {
        ("learning", 1),
        ("learning", 2),
        ("learning", 3),
        ("recommendation", 1),
        ("recommendation", 2),
    } | {
        ("action", 1),
        ("action", 2),
    }
    assert all(a["title"] == "Remove" and a["data"]["caseId"] == CASE.id for a in removes)

    waiting = card_for(an_outcome(sign_off=a_sign_off(SignOffState.REQUESTED)))
    assert REMOVE_ITEM_VERB not in verbs(waiting)
    assert "items cannot be removed" in card_text(waiting)


def test_a_long_outcome_shows_the_latest_items_and_points_to_the_document() -> None:
    many = many_outcome_items(MAX_ITEMS_SHOWN + 5)
    card = card_for(many)
    text = card_text(card)
    assert f"Showing the latest {MAX_ITEMS_SHOWN}: the Word document has all {MAX_ITEMS_SHOWN + 5}." in text
    removes = [a["data"] for a in elements(card, "Action.Execute") if a["verb"] == REMOVE_ITEM_VERB]
    learning = [d["itemId"] for d in removes if d["kind"] == "learning"]
    assert learning == list(range(6, MAX_ITEMS_SHOWN + 6))


def test_errors_in_a_folded_form_are_also_named_at_the_top() -> None:
    card = card_for(
        an_outcome(),
        errors={"actionOwnerId": "Choose the owner from the list.", "learningText": "Write the learning point."},
        values={"actionDescription": "Brief the call handlers", "actionDueWorkingDays": "15", "learningKind": "gap"},
    )
    top = " ".join(card_text(element) for element in card["body"][:4])
    assert 'Under "Add a learning point": Write the learning point.' in top
    assert 'Under "Add an action": Choose the owner from the list.' in top
    assert "Add a recommendation" not in top
    forms = folded(card)
    assert "Choose the owner from the list." in card_text(forms["Add an action"])
    action = inputs(forms["Add an action"])
    assert action["actionDescription"]["value"] == "Brief the call handlers"
    assert action["actionDueWorkingDays"]["value"] == 15
    assert inputs(forms["Add a learning point"])["learningKind"]["value"] == "gap"


def test_sign_off_is_offered_only_when_there_is_something_new_to_sign() -> None:
    ask = "Ask the SIO to sign off"
    assert ask not in buttons(card_for(Outcome())), "nothing recorded"
    assert ask in buttons(card_for(an_outcome())), "never asked"
    assert ask not in buttons(card_for(an_outcome(sign_off=a_sign_off(SignOffState.REQUESTED)))), "waiting"
    assert ask not in buttons(card_for(an_outcome(sign_off=a_sign_off(SignOffState.APPROVED)))), "approved"
    changes = an_outcome(sign_off=a_sign_off(SignOffState.CHANGES_REQUESTED, comment=COMMENT))
    assert ask not in buttons(card_for(changes)), "changes requested, nothing changed yet"
    assert ask in buttons(card_for(replace(changes, version=8))), "changed since the SIO asked for changes"
    approved = an_outcome(sign_off=a_sign_off(SignOffState.APPROVED))
    assert ask in buttons(card_for(replace(approved, version=8))), "changed since approval"
    assert buttons(card_for(an_outcome()))[ask]["verb"] == REQUEST_SIGN_OFF_VERB


def test_the_sign_off_state_is_shown() -> None:
    assert "not asked yet" in card_text(card_for(an_outcome()))
    waiting = card_text(card_for(an_outcome(sign_off=a_sign_off(SignOffState.REQUESTED))))
    assert "Waiting for the SIO" in waiting and RUTH.name in waiting
    approved = card_text(card_for(an_outcome(sign_off=a_sign_off(SignOffState.APPROVED))))
    assert "Approved by the SIO" in approved and "Mon 07 Dec 2026, 16:00" in approved
    circulated = an_outcome(
        sign_off=a_sign_off(SignOffState.APPROVED), circulated_at=AFTER_MEETING + timedelta(hours=8)
    )
    assert "Circulated to the meeting's attendees on Mon 07 Dec 2026, 17:00" in card_text(card_for(circulated))
    changed = card_text(card_for(replace(circulated, version=8)))
    assert "Changed since the SIO approved it" in changed
    for outcome in (an_outcome(), circulated):
        assert "Any change after approval needs the SIO's sign-off again" in card_text(card_for(outcome))


def test_the_sios_comment_is_shown_prominently() -> None:
    card = card_for(an_outcome(sign_off=a_sign_off(SignOffState.CHANGES_REQUESTED, comment=COMMENT)))
    comment = next(e for e in elements(card, "TextBlock") if e["text"] == COMMENT)
    assert comment["weight"] == "Bolder"
    assert "Changes requested by the SIO" in card_text(card)


def test_the_word_document_is_offered_once_there_is_something_to_print() -> None:
    assert "Word document" not in buttons(card_for(Outcome()))
    assert buttons(card_for(an_outcome()))["Word document"]["verb"] == LEARNING_DOCUMENT_VERB


# --- The SIO's sign-off ------------------------------------------------------------------------------------------


def requested() -> Outcome:
    return an_outcome(sign_off=a_sign_off(SignOffState.REQUESTED))


def test_the_sio_is_asked_to_approve_for_circulation_with_a_summary() -> None:
    card = sign_off_request(CASE, requested(), now=AFTER_MEETING)
    text = card_text(card)
    assert "approve the learning and actions" in text
    assert "for circulation to the attendees of the debrief meeting" in text
    assert "Nothing is circulated before you approve" in text
    assert "3 (2 gaps, 1 good practice)" in text
    assert "The repeat call was not linked to the earlier reports" in text
    assert "Agree with probation how call-outs" in text
    assert "Brief call handlers on linking repeat domestic calls" in text
    assert set(buttons(card)) >= {"Word document", "Approve", "Send the request for changes"}
    assert buttons(card)["Approve"]["verb"] == APPROVE_VERB
    assert buttons(card)["Approve"]["data"]["outcomeVersion"] == 7
    assert buttons(card)["Word document"]["verb"] == LEARNING_DOCUMENT_VERB


def test_requesting_changes_needs_a_comment() -> None:
    form = folded(sign_off_request(CASE, requested(), now=AFTER_MEETING))["Request changes"]
    comment = inputs(form)["signOffComment"]
    assert comment["isRequired"] is True and comment["isMultiline"] is True and comment["label"]
    assert verbs(form) == [REQUEST_CHANGES_VERB]


def test_an_error_in_the_comment_is_named_at_the_top() -> None:
    card = sign_off_request(
        CASE,
        requested(),
        now=AFTER_MEETING,
        errors={"signOffComment": "Say what should change."},
        values={"signOffComment": "Fix"},
    )
    assert 'Under "Request changes": Say what should change.' in card_text(card["body"])
    assert inputs(folded(card)["Request changes"])["signOffComment"]["value"] == "Fix"


def test_an_answered_request_shows_the_answer_and_no_buttons_to_answer_again() -> None:
    approved = sign_off_request(CASE, an_outcome(sign_off=a_sign_off(SignOffState.APPROVED)), now=AFTER_MEETING)
    assert "Approved by DCI Ruth Okafor on Mon 07 Dec 2026, 16:00: circulated to the attendees" in card_text(approved)
    assert APPROVE_VERB not in verbs(approved) and folded(approved) == {}

    changes = an_outcome(sign_off=a_sign_off(SignOffState.CHANGES_REQUESTED, comment=COMMENT))
    card = sign_off_request(CASE, changes, now=AFTER_MEETING)
    assert COMMENT in card_text(card)
    assert verbs(card) == [] and folded(card) == {}


def test_a_request_overtaken_by_changes_is_superseded() -> None:
    for outcome in (replace(requested(), version=8), replace(requested(), sign_off=None)):
        card = sign_off_request(CASE, outcome, now=AFTER_MEETING)
        assert "changed the learning and actions since asking you" in card_text(card)
        assert verbs(card) == [] and folded(card) == {}


# --- Circulation and changes requested ---------------------------------------------------------------------------


def test_the_circulated_message_shows_no_case_detail() -> None:
    approved = an_outcome(sign_off=a_sign_off(SignOffState.APPROVED))
    card = outcome_circulated(CASE, approved)
    text = json.dumps(card)
    nomination = CASE.nomination
    for detail in (
        nomination.incident_reference,
        nomination.operation_name,
        nomination.policing_area,
        nomination.scope_reason,
        "Victim A",
        RUTH.name,
        "repeat call",  # no learning text
        "Brief call handlers",  # no action text
    ):
        assert detail is not None and detail not in text, detail
    visible = card_text(card)
    assert "RD-2026-0001" in visible
    assert "approved by the senior investigating officer (SIO)" in visible
    assert "OFFICIAL-SENSITIVE" in visible and "do not forward" in visible and "disclosable" in visible
    assert "3 (2 gaps, 1 good practice)" in visible
    assert buttons(card)["Word document"]["verb"] == LEARNING_DOCUMENT_VERB


def test_changes_requested_in_the_case_thread_shows_the_comment_and_opens_the_card() -> None:
    card = changes_requested(CASE, an_outcome(sign_off=a_sign_off(SignOffState.CHANGES_REQUESTED, comment=COMMENT)))
    assert COMMENT in card_text(card)
    assert "DCI Ruth Okafor asked for changes" in card_text(card)
    assert buttons(card)["Open the learning and actions"]["verb"] == OPEN_OUTCOME_VERB
    assert buttons(card)["Open the learning and actions"]["data"] == {"verb": OPEN_OUTCOME_VERB, "caseId": CASE.id}


def test_no_blaming_words_on_the_cards() -> None:
    for name, card in MINE.items():
        text = card_text(card).lower().replace("learning, not blame", "")
        for word in ("blame", "fault", "failed", "failure", "culpab", "negligen"):
            assert word not in text, (name, word)


def test_every_state_is_in_the_gallery() -> None:
    assert len(MINE) == 25
    assert {"outcome, many items", "sign-off request, many items", "outcome circulated"} <= set(MINE)


@pytest.mark.parametrize("name", sorted(MINE))
def test_cards_stay_under_28_kb(name: str) -> None:
    assert len(json.dumps(MINE[name]).encode()) < 28_000


def test_a_sign_off_without_an_answer_time_still_reads() -> None:
    odd = SignOff(7, SignOffState.APPROVED, OWEN, AFTER_MEETING)
    assert "a date not recorded" in card_text(card_for(an_outcome(sign_off=odd)))
