"""The retention card: what it shows (numbers, dates, the hold, counts, the decisions; never case content) and which
decisions it offers in each state."""

from __future__ import annotations

import json

from cards.help import help_card
from cards.retention import ERASE_VERB, LIFT_HOLD_VERB, PLACE_HOLD_VERB, RETAIN_VERB
from debrief.permissions import Role
from tests.support.cards import buttons, card_text, folded, inputs
from tests.unit.cards.retention_gallery import HELD, retention_cards

CARDS = retention_cards()


def verbs(name: str) -> set[str]:
    return {b["verb"] for b in buttons(CARDS[name]).values()}


def test_a_due_review_offers_every_decision_with_the_case_version() -> None:
    card = CARDS["retention, review due"]
    assert set(folded(card)) == {"Retain", "Erase", "Place a legal hold"}
    assert verbs("retention, review due") == {RETAIN_VERB, ERASE_VERB, PLACE_HOLD_VERB}
    assert all(b["data"]["caseId"] == 1 and b["data"]["version"] == 4 for b in buttons(card).values())
    text = card_text(card)
    assert "2 March 2033 · due now" in text and "Chronology entries" in text and "12" in text
    found = inputs(card)
    assert found["newReviewDate"]["min"] == "2033-03-08"
    assert found["eraseConfirmed"]["value"] == "false"  # never ticked for the person
    assert {c["value"] for c in found["holdKind"]["choices"]} == {"live_proceedings", "statutory_review"}


def test_before_the_review_date_erasure_is_not_offered_and_the_card_says_why() -> None:
    assert verbs("retention, closed, review not due") == {RETAIN_VERB, PLACE_HOLD_VERB}
    assert "is not due until 2 March 2033, so it cannot be erased yet" in card_text(
        CARDS["retention, closed, review not due"]
    )


def test_an_open_case_can_only_be_held() -> None:
    assert verbs("retention, open case") == {PLACE_HOLD_VERB}
    text = card_text(CARDS["retention, open case"])
    assert "Not closed yet" in text and "Set when the case closes" in text


def test_a_held_case_shows_the_hold_and_offers_to_lift_it_not_to_erase_it() -> None:
    card = CARDS["retention, held"]
    assert verbs("retention, held") == {RETAIN_VERB, LIFT_HOLD_VERB}
    text = card_text(card)
    assert "Legal hold: live proceedings." in text and HELD in text
    assert "is under a legal hold (live proceedings), so it cannot be erased" in text


def test_bad_input_comes_back_with_every_message_named_by_its_form_and_what_was_typed() -> None:
    card = CARDS["retention with errors"]
    text = card_text(card)
    assert "Nothing has been saved" in text
    assert 'Under "Erase": Say why the case is no longer needed' in text
    assert 'Under "Retain": The next review date must be after today.' in text
    assert "changed while you were looking at it" in text
    assert inputs(card)["retainRationale"]["value"] == "Linked to a review."


def test_an_erased_case_shows_what_went_by_kind_and_count_and_offers_nothing() -> None:
    card = CARDS["retention, erased"]
    assert buttons(card) == {} and folded(card) == {}
    text = card_text(card)
    assert "Erased: nomination: 1; triage decisions: 1; chronology entries: 12" in text
    assert "What is held" not in text


def test_the_history_is_newest_first_and_the_card_stays_small() -> None:
    erased = card_text(CARDS["retention, erased"])
    assert erased.index("Erased: nomination") < erased.index("Closed; review due 2 March 2033")
    many = CARDS["retention, many decisions"]
    assert "The 10 most recent of 40." in card_text(many) and "Closed; review due" not in card_text(many)
    assert len(json.dumps(many).encode()) < 40_000


def test_no_card_carries_case_content() -> None:
    for name, card in CARDS.items():
        text = json.dumps(card)
        for content in ("CR/100200/26", "Operation", "Victim A", "North District"):
            assert content not in text, (name, content)


def test_the_help_card_tells_the_information_manager_about_retention_and_nobody_else() -> None:
    assert "**retention RD-2026-0001**" in card_text(help_card(frozenset({Role.INFORMATION_MANAGER})))
    for role in Role:
        if role is not Role.INFORMATION_MANAGER:
            assert "retention RD-2026-0001" not in card_text(help_card(frozenset({role})))
