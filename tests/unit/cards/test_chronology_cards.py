"""The chronology cards: what contributors and the lead reviewer see, and the buttons they get."""

from __future__ import annotations

import json
import time as clock
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from cards.chronology import (
    ADD_ENTRY_VERB,
    CHOOSE_CASE_VERB,
    CONFLICTS_VERB,
    DOCUMENT_VERB,
    EDIT_ENTRY_VERB,
    LOCK_VERB,
    MY_ENTRIES_VERB,
    OPEN_ENTRY_VERB,
    REVIEW_ENTRY_VERB,
    SAVE_ENTRY_VERB,
    SAVE_REVIEW_VERB,
    VIEW_CHRONOLOGY_VERB,
    WITHDRAW_ENTRY_VERB,
    choose_case,
    chronology_page,
    conflicts_card,
    contribution_reminder,
    document_link,
    document_on_its_way,
    entry_form,
    entry_saved,
    entry_when,
    my_entries,
    review_form,
)
from cards.common import Card
from cards.contributors import invitation
from debrief.chronology import (
    ENTRY_FORM_FIELDS,
    PAGE_SIZE,
    ChronologyLock,
    ContactType,
    InformationType,
    Precision,
    form_values,
    merge,
    parse_entry,
)
from debrief.consent import ConsentAnswer, ConsentRecord
from debrief.contributors import Contributor
from debrief.model import CaseStatus
from debrief.parameters import Parameters, ParametersRevision, parse_parameters
from tests.support.cards import buttons, card_text, elements, inputs
from tests.support.forms import parameters_form
from tests.support.people import JORDAN, OWEN, RUTH
from tests.unit.cards.card_gallery import (
    LONG_SUMMARY,
    NOW,
    a_case,
    an_entry,
    conflicting_pairs,
    many_entries,
    sample_entries,
)

DEADLINE = date(2026, 12, 3)
CASE = a_case(CaseStatus.ACCEPTED)
PARAMETERS = parse_parameters(parameters_form(), case=CASE)
REVISION = ParametersRevision(1, PARAMETERS, OWEN, NOW, ("all",))
CONDITIONS = ConsentRecord(
    ConsentAnswer.CONSENT_WITH_CONDITIONS, RUTH, NOW, "Do not contact Victim A's family; police records only."
)


def size(card: Card) -> int:
    return len(json.dumps(card, separators=(",", ":")).encode())


# --- The entry form ----------------------------------------------------------------------------------------------


def test_the_entry_form_has_every_field_with_a_label() -> None:
    card = entry_form(CASE, parameters=REVISION, consent=None, deadline=DEADLINE)
    found = inputs(card)
    assert list(found) == list(ENTRY_FORM_FIELDS)
    assert all(field.get("label") for field in found.values())
    assert found["eventDate"]["type"] == found["riskDate"]["type"] == "Input.Date"
    assert found["eventTime"]["type"] == "Input.Time"
    assert found["missedOpportunity"]["type"] == "Input.Toggle"
    assert found["missedOpportunity"]["title"] == "Possible missed opportunity"
    assert (found["missedOpportunity"]["valueOn"], found["missedOpportunity"]["valueOff"]) == ("true", "false")
    assert {c["title"] for c in found["precision"]["choices"]} == {"Exact", "Approximate", "Date only"}
    assert {c["title"] for c in found["informationType"]["choices"]} == {"Fact", "Allegation", "Opinion"}
    assert [c["title"] for c in found["contactType"]["choices"]] == [x.label for x in ContactType]
    assert "Risk assessment (if one was done)" in card_text(card)


def test_the_entry_form_offers_the_debriefs_subjects_and_agencies() -> None:
    found = inputs(entry_form(CASE, parameters=REVISION, consent=None, deadline=DEADLINE))
    assert found["subjects"]["type"] == "Input.ChoiceSet" and found["subjects"]["isMultiSelect"] is True
    assert [c["value"] for c in found["subjects"]["choices"]] == ["Victim A", "Suspect B"]
    assert [c["value"] for c in found["sourceAgency"]["choices"]] == ["Police", "Probation Service"]
    assert (found["eventDate"]["min"], found["eventDate"]["max"]) == ("2025-11-20", "2026-11-20")


def test_before_parameters_subjects_are_typed_by_role() -> None:
    card = entry_form(CASE, parameters=None, consent=None, deadline=None)
    subjects = inputs(card)["subjects"]
    assert subjects["type"] == "Input.Text"
    assert "comma-separated, e.g. Victim A" in subjects["label"]
    assert len(inputs(card)["sourceAgency"]["choices"]) > 2


def test_the_entry_form_explains_what_to_record_in_the_learning_spirit() -> None:
    text = card_text(entry_form(CASE, parameters=REVISION, consent=None, deadline=DEADLINE))
    assert "not for fault" in text
    assert "not opinions about colleagues" in text
    assert "never by name" in text
    assert "No witness accounts" in text
    assert "Thu 03 Dec 2026" in text


def test_the_entry_form_shows_the_sios_conditions() -> None:
    text = card_text(entry_form(CASE, parameters=REVISION, consent=CONDITIONS, deadline=DEADLINE))
    assert "The SIO's conditions" in text
    assert "Do not contact Victim A's family; police records only." in text


def test_plain_consent_shows_no_conditions() -> None:
    plain = ConsentRecord(ConsentAnswer.CONSENT, RUTH, NOW)
    assert "conditions" not in card_text(entry_form(CASE, parameters=REVISION, consent=plain, deadline=DEADLINE))


def test_the_entry_form_keeps_what_was_typed_and_says_what_is_wrong() -> None:
    card = entry_form(
        CASE,
        parameters=REVISION,
        consent=None,
        deadline=DEADLINE,
        values={"summary": "Short", "missedOpportunity": "true", "subjects": "Victim A"},
        errors={"summary": "Write a short factual summary of the contact."},
    )
    found = inputs(card)
    assert found["summary"]["value"] == "Short"
    assert found["missedOpportunity"]["value"] == "true"
    assert found["subjects"]["value"] == "Victim A"
    text = card_text(card)
    assert "Please check 1 field below. Nothing has been saved yet." in text
    assert "Write a short factual summary of the contact." in text


def test_adding_and_editing_use_their_own_verbs() -> None:
    added = buttons(entry_form(CASE, parameters=REVISION, consent=None, deadline=DEADLINE))
    assert added["Add to chronology"]["verb"] == ADD_ENTRY_VERB
    assert added["Add to chronology"]["data"] == {"verb": ADD_ENTRY_VERB, "caseId": 1}
    entry = sample_entries()[0]
    edited = entry_form(
        CASE, parameters=REVISION, consent=None, deadline=DEADLINE, values=form_values(entry.content), entry_id=7
    )
    save = buttons(edited)["Save changes"]
    assert save["verb"] == SAVE_ENTRY_VERB and save["data"] == {"verb": SAVE_ENTRY_VERB, "caseId": 1, "entryId": 7}
    assert inputs(edited)["summary"]["value"] == entry.content.summary
    assert inputs(edited)["precision"]["value"] == "exact"


def test_the_edited_form_parses_back_to_the_same_entry() -> None:
    entry = sample_entries()[0]
    card = entry_form(
        CASE, parameters=REVISION, consent=None, deadline=DEADLINE, values=form_values(entry.content), entry_id=1
    )
    submitted = {name: field.get("value", "") for name, field in inputs(card).items()}
    assert parse_entry(submitted, parameters=PARAMETERS, now=NOW) == entry.content


def test_the_dialog_form_uses_submit_not_execute() -> None:
    card = entry_form(CASE, parameters=REVISION, consent=None, deadline=DEADLINE, in_dialog=True)
    assert elements(card, "Action.Execute") == []
    submits = elements(card, "Action.Submit")
    assert [s["data"] for s in submits] == [{"verb": ADD_ENTRY_VERB, "caseId": 1}]
    assert submits[0]["title"] == "Add to chronology"


def test_the_entry_form_stays_small() -> None:
    card = entry_form(
        CASE,
        parameters=REVISION,
        consent=CONDITIONS,
        deadline=DEADLINE,
        values=form_values(replace(sample_entries()[3].content, summary=LONG_SUMMARY[:2000])),
        errors={name: "Please check this field against the record." for name in ENTRY_FORM_FIELDS},
        entry_id=4,
    )
    assert size(card) < 25_000


# --- What the contributor sees next ------------------------------------------------------------------------------


def test_the_saved_entry_is_recapped_with_a_way_to_the_next() -> None:
    entry = sample_entries()[3]
    card = entry_saved(CASE, entry, yours=3, deadline=DEADLINE)
    text = card_text(card)
    assert "Added to the chronology" in text
    assert "20 Jun 2026 10:05" in text and "Section 136" in text
    assert "You have added 3 entries" in text
    assert LONG_SUMMARY[:150] in text and LONG_SUMMARY[:400] not in text
    found = buttons(card)
    assert found["Add another"]["data"] == {"verb": OPEN_ENTRY_VERB, "caseId": 1}
    assert found["My entries"]["data"] == {"verb": MY_ENTRIES_VERB, "caseId": 1}


def test_one_entry_is_one_entry() -> None:
    assert "You have added 1 entry " in card_text(entry_saved(CASE, sample_entries()[0], yours=1, deadline=None))


def test_my_entries_offer_edit_and_withdraw_for_each_current_entry() -> None:
    entries = sample_entries()
    card = my_entries(CASE, [entries[3], entries[0]], locked=False)
    edits = [a for a in elements(card, "Action.Execute") if a["verb"] == EDIT_ENTRY_VERB]
    withdraws = [a for a in elements(card, "Action.Execute") if a["verb"] == WITHDRAW_ENTRY_VERB]
    assert [a["data"]["entryId"] for a in edits] == [1, 4]  # in time order
    assert [a["data"]["entryId"] for a in withdraws] == [1, 4]
    assert all(a["style"] == "destructive" for a in withdraws)
    assert "Add an entry" in buttons(card)
    text = card_text(card)
    assert "Verified by the lead reviewer" in text and "Not yet verified" in text


def test_withdrawing_asks_first() -> None:
    card = my_entries(CASE, [sample_entries()[0]], locked=False)
    [ask] = elements(card, "Action.ShowCard")
    assert ask["title"] == "Withdraw"
    assert "cannot be put back" in card_text(ask["card"])
    [confirm] = [a for a in elements(ask["card"], "Action.Execute") if a["verb"] == WITHDRAW_ENTRY_VERB]
    assert confirm["title"] == "Yes, withdraw it"


def test_a_withdrawn_entry_is_shown_as_kept_for_the_record() -> None:
    withdrawn = replace(sample_entries()[0], withdrawn_at=NOW + timedelta(days=3))
    card = my_entries(CASE, [withdrawn], locked=False)
    assert "Withdrawn" in card_text(card) and "kept for the record" in card_text(card)
    assert "Edit" not in buttons(card) and "Withdraw" not in buttons(card)


def test_a_locked_chronology_offers_no_edit_or_withdraw() -> None:
    card = my_entries(CASE, sample_entries(), locked=True)
    assert buttons(card) == {}
    assert "locked" in card_text(card) and "can no longer be changed" in card_text(card)
    page = chronology_page(CASE, merge(sample_entries(), parameters=PARAMETERS, lock=_lock()), page=1)
    verbs = {a["verb"] for a in elements(page, "Action.Execute")}
    assert REVIEW_ENTRY_VERB not in verbs and LOCK_VERB not in verbs
    assert "Locked by DS Owen Marsh" in card_text(page)


def test_no_entries_yet() -> None:
    card = my_entries(CASE, [], locked=False)
    assert "You have not added any entries yet." in card_text(card)
    assert "Add an entry" in buttons(card)


def test_many_entries_stay_within_the_size_limit() -> None:
    card = my_entries(CASE, many_entries(60), locked=False)
    assert size(card) < 28_000
    assert "of 60" in card_text(card)


def test_the_invitation_offers_adding_an_entry() -> None:
    contributor = Contributor(JORDAN, OWEN, NOW, DEADLINE)
    found = buttons(invitation(CASE, contributor, REVISION, CONDITIONS))
    assert found["Add an entry"]["data"] == {"verb": OPEN_ENTRY_VERB, "caseId": 1}
    assert found["My entries"]["data"] == {"verb": MY_ENTRIES_VERB, "caseId": 1}


def test_the_reminder_is_gentle_and_gives_the_day() -> None:
    before = card_text(contribution_reminder(CASE, deadline=DEADLINE, on_the_day=False))
    on_the_day = card_text(contribution_reminder(CASE, deadline=DEADLINE, on_the_day=True))
    assert "due by Thu 03 Dec 2026" in before
    assert "due today" in on_the_day
    assert "nobody is in trouble" in before
    assert set(buttons(contribution_reminder(CASE, deadline=DEADLINE, on_the_day=True))) == {
        "Add an entry",
        "My entries",
    }


# --- When, as people read it -------------------------------------------------------------------------------------


def test_times_say_how_well_they_are_known() -> None:
    day = date(2026, 3, 14)
    assert entry_when(an_entry(1, day, at=time(21, 40)).content) == "14 Mar 2026 21:40"
    approximate = an_entry(1, day, at=time(21, 40), precision=Precision.APPROXIMATE)
    assert entry_when(approximate.content) == "14 Mar 2026 about 21:40"
    assert entry_when(an_entry(1, day, precision=Precision.DATE_ONLY).content) == "14 Mar 2026 (time not known)"


# --- The lead reviewer's chronology ------------------------------------------------------------------------------


def _lock() -> ChronologyLock:
    return ChronologyLock(OWEN, NOW + timedelta(days=8))


def test_a_page_shows_counts_and_entries_in_time_order() -> None:
    chronology = merge(sample_entries(), parameters=PARAMETERS, lock=None)
    card = chronology_page(CASE, chronology, page=1)
    text = card_text(card)
    assert "Chronology for RD-2026-0001" in text and "Operation Kestrel" in text
    facts = {f["title"]: f["value"] for f in elements(card, "FactSet")[0]["facts"]}
    assert facts["Entries"] == "4"
    assert facts["Verified"] == "1"
    assert facts["Not yet verified"] == "3"
    assert facts["Possible conflicts"] == "1"
    assert facts["Gaps in recorded contact"] == "4"
    order = [text.index(s) for s in ("1. 12 Jan 2026 21:40", "2. 12 Jan 2026 about 23:10", "3. 3 Mar 2026 (time")]
    assert order == sorted(order)
    assert "Verified by DS Owen Marsh" in text and "Not yet verified" in text
    assert "Possible missed opportunity" in text and "Good practice" in text
    assert "Themes: Risk assessment and grading" in text
    assert "From Insp Tom Baird" in text
    assert "Victim A, Suspect B" in text and "CAD 1234 12/01/26" in text


def test_a_page_shows_gaps_between_entries() -> None:
    card = chronology_page(CASE, merge(sample_entries(), parameters=PARAMETERS, lock=None), page=1)
    text = card_text(card)
    gap = "No recorded contact from 13 Jan 2026 to 2 Mar 2026 (49 days)"
    assert gap in text
    assert text.index("2. 12 Jan 2026") < text.index(gap) < text.index("3. 3 Mar 2026")
    assert any(c.get("style") == "emphasis" and gap in card_text(c) for c in elements(card, "Container"))


def test_a_long_summary_is_cut_on_the_page() -> None:
    card = chronology_page(CASE, merge(sample_entries(), parameters=PARAMETERS, lock=None), page=1)
    text = card_text(card)
    assert LONG_SUMMARY[:250] in text and LONG_SUMMARY[:320] not in text and "…" in text


def test_each_entry_has_a_review_button_that_remembers_the_page() -> None:
    chronology = merge(many_entries(25), parameters=PARAMETERS, lock=None)
    card = chronology_page(CASE, chronology, page=2)
    reviews = [a for a in elements(card, "Action.Execute") if a["verb"] == REVIEW_ENTRY_VERB]
    assert len(reviews) == PAGE_SIZE
    assert all(a["data"]["page"] == 2 and a["data"]["caseId"] == 1 for a in reviews)
    assert [a["data"]["entryId"] for a in reviews] == [e.id for e in chronology.entries[10:20]]
    assert "11. " in card_text(card) and "20. " in card_text(card)


def test_paging_goes_back_and_forward() -> None:
    chronology = merge(many_entries(25), parameters=PARAMETERS, lock=None)
    middle = chronology_page(CASE, chronology, page=2)
    assert "Page 2 of 3" in card_text(middle)
    found = buttons(middle)
    assert found["Previous"]["data"] == {"verb": VIEW_CHRONOLOGY_VERB, "caseId": 1, "page": 1}
    assert found["Next"]["data"] == {"verb": VIEW_CHRONOLOGY_VERB, "caseId": 1, "page": 3}
    first, last = chronology_page(CASE, chronology, page=1), chronology_page(CASE, chronology, page=99)
    assert "Previous" not in buttons(first) and "Next" in buttons(first)
    assert "Next" not in buttons(last) and "Page 3 of 3" in card_text(last)
    single = chronology_page(CASE, merge(sample_entries(), parameters=PARAMETERS, lock=None), page=1)
    assert "Previous" not in buttons(single) and "Next" not in buttons(single)


def test_the_page_offers_conflicts_lock_and_the_document() -> None:
    card = chronology_page(CASE, merge(sample_entries(), parameters=PARAMETERS, lock=None), page=1)
    found = buttons(card)
    assert found["Possible conflicts (1)"]["verb"] == CONFLICTS_VERB
    assert found["Lock the chronology"]["verb"] == LOCK_VERB
    assert found["Lock the chronology"]["style"] == "destructive"
    assert found["Word document"]["data"] == {"verb": DOCUMENT_VERB, "caseId": 1, "page": 1}
    assert "Locking needs every entry verified" in card_text(card)


def test_no_conflicts_no_conflicts_button() -> None:
    card = chronology_page(CASE, merge(many_entries(5), parameters=PARAMETERS, lock=None), page=1)
    assert not any(title.startswith("Possible conflicts") for title in buttons(card))


def test_an_empty_chronology_says_so() -> None:
    card = chronology_page(CASE, merge([], parameters=PARAMETERS, lock=None), page=1)
    assert "No entries yet" in card_text(card)
    assert "No recorded contact from 20 Nov 2025 to 20 Nov 2026" in card_text(card)


def test_a_chronology_page_stays_under_28_kb() -> None:
    long = [replace(e, content=replace(e.content, summary=LONG_SUMMARY[:2000])) for e in many_entries(30)]
    for page in (1, 2, 3):
        card = chronology_page(CASE, merge(long, parameters=PARAMETERS, lock=None), page=page, message="Saved.")
        assert size(card) < 28_000


def test_the_last_page_of_a_long_chronology_builds_quickly() -> None:
    parameters = Parameters(date(2016, 11, 21), date(2026, 11, 20), ("Victim A", "Suspect B"), ("Police",), ("?",))
    entries = [
        an_entry(n, date(2016, 11, 21) + timedelta(days=n % 3650), at=time(n % 24, n % 60), summary=LONG_SUMMARY)
        for n in range(1, 5001)
    ]
    chronology = merge(entries, parameters=parameters, lock=None)
    timings = []
    for _ in range(5):
        started = clock.perf_counter()
        chronology_page(CASE, chronology, page=chronology.pages)
        timings.append(clock.perf_counter() - started)
    assert min(timings) < 0.05


# --- Reviewing one entry -----------------------------------------------------------------------------------------


def test_the_review_form_shows_the_entry_in_full() -> None:
    entry = replace(sample_entries()[3], updated_at=NOW + timedelta(days=2))
    text = card_text(review_form(CASE, entry, number=4, page=1, conflicts=()))
    assert "Entry 4 in the chronology for RD-2026-0001" in text
    assert entry.content.summary in text
    assert entry.content.action_and_outcome is not None and entry.content.action_and_outcome in text
    assert "A second DASH was not completed" in text
    assert "PC Jordan Ellis" in text
    assert "Fri 27 Nov 2026, 10:04" in text  # recorded
    assert "Sat 28 Nov 2026, 10:00" in text  # changed
    assert InformationType.FACT.label in text and "Command and control log" in text


def test_the_review_form_starts_from_the_current_review() -> None:
    marac = sample_entries()[2]
    found = inputs(review_form(CASE, marac, number=3, page=2, conflicts=()))
    assert found["verified"]["value"] == "false"
    assert found["verified"]["title"] == "Verified against the source record"
    assert found["goodPractice"]["value"] == "true"
    assert found["missedOpportunity"]["value"] == "false"
    assert found["themes"]["value"] == "Multi-agency working (MARAC/MAPPA),Good practice"
    assert found["themes"]["isMultiSelect"] is True
    missed = inputs(review_form(CASE, sample_entries()[3], number=4, page=2, conflicts=()))
    assert missed["missedOpportunity"]["value"] == "true"


def test_the_review_form_saves_and_goes_back_to_its_page() -> None:
    found = buttons(review_form(CASE, sample_entries()[2], number=3, page=2, conflicts=()))
    assert found["Save review"]["data"] == {"verb": SAVE_REVIEW_VERB, "caseId": 1, "entryId": 3, "page": 2}
    assert found["Back to the chronology"]["data"] == {"verb": VIEW_CHRONOLOGY_VERB, "caseId": 1, "page": 2}


def test_the_review_form_keeps_what_was_chosen_and_says_what_is_wrong() -> None:
    card = review_form(
        CASE,
        sample_entries()[0],
        number=1,
        page=1,
        conflicts=(),
        values={"verified": "false", "themes": "Weapons"},
        errors={"themes": "Choose themes from the list."},
    )
    assert inputs(card)["verified"]["value"] == "false"
    assert inputs(card)["themes"]["value"] == "Weapons"
    assert "Choose themes from the list." in card_text(card)


def test_conflicting_accounts_are_shown_side_by_side() -> None:
    chronology = merge(sample_entries(), parameters=PARAMETERS, lock=None)
    first, second = chronology.entries[0], chronology.entries[1]
    review = review_form(CASE, second, number=2, page=1, conflicts=chronology.conflicts)
    columns = elements(review, "ColumnSet")[0]["columns"]
    assert len(columns) == 2
    assert "This entry" in card_text(columns[0]) and "about 23:10" in card_text(columns[0])
    assert "21:40" in card_text(columns[1]) and "PC Jordan Ellis" in card_text(columns[1])
    assert "differs on time, risk grade" in card_text(review)

    card = conflicts_card(CASE, chronology, page=3)
    text = card_text(card)
    assert "Differs on: time, risk grade" in text
    assert "Both accounts are kept as given" in text and "source record" in text
    columns = elements(card, "ColumnSet")[0]["columns"]
    left, right = card_text(columns[0]), card_text(columns[1])
    assert "Entry 1" in left and "Risk grade: Medium" in left and first.content.summary in left
    assert "Entry 2" in right and "Risk grade: High" in right and second.content.summary in right
    assert "Insp Tom Baird" in right and "999 call" in right and "Victim A, Suspect B" in right
    assert buttons(card)["Back to the chronology"]["data"] == {"verb": VIEW_CHRONOLOGY_VERB, "caseId": 1, "page": 3}


def test_the_review_form_shows_only_the_conflicts_its_entry_is_part_of() -> None:
    chronology = merge(sample_entries(), parameters=PARAMETERS, lock=None)
    marac = chronology.entries[2]
    card = review_form(CASE, marac, number=3, page=1, conflicts=chronology.conflicts)
    assert elements(card, "ColumnSet") == []


def test_only_the_first_20_conflicts_are_listed() -> None:
    chronology = merge(conflicting_pairs(25), parameters=PARAMETERS, lock=None)
    assert len(chronology.conflicts) == 25
    card = conflicts_card(CASE, chronology, page=1)
    assert len(elements(card, "ColumnSet")) == 20
    assert "Showing the first 20 of 25" in card_text(card)
    assert size(card) < 28_000


# --- The Word document and the message action --------------------------------------------------------------------


def test_the_document_goes_to_a_personal_chat_not_the_channel() -> None:
    text = card_text(document_on_its_way(CASE))
    assert "The Word chronology is being sent to you in a personal chat" in text


def test_the_document_link_works_once_and_says_when_it_expires() -> None:
    expires = datetime(2026, 7, 1, 13, 35, tzinfo=UTC)  # 14:35 in London (summer time)
    card = document_link(CASE, url="https://debrief.example.invalid/d/once", expires_at=expires)
    text = card_text(card)
    assert "RD-2026-0001" in text
    assert "works once" in text and "14:35 (UK time)" in text
    assert "Do not forward" in text and "approved" in text
    [download] = elements(card, "Action.OpenUrl")
    assert download == {
        "type": "Action.OpenUrl",
        "title": "Download the Word chronology",
        "url": "https://debrief.example.invalid/d/once",
        "style": "positive",
    }


def test_choosing_the_case_carries_the_message_as_the_summary() -> None:
    other = a_case(CaseStatus.ACCEPTED)
    other.id, other.case_number = 2, "RD-2026-0002"
    card = choose_case([CASE, other], summary="Victim A called 101 about Suspect B.")
    found = inputs(card)
    assert found["caseId"]["label"] == "Which case is this for?"
    assert [c["title"] for c in found["caseId"]["choices"]] == [
        "RD-2026-0001 · Operation Kestrel",
        "RD-2026-0002 · Operation Kestrel",
    ]
    assert [c["value"] for c in found["caseId"]["choices"]] == ["1", "2"]
    assert found["summary"]["value"] == "Victim A called 101 about Suspect B."
    assert found["summary"]["isMultiline"] is True and "Summary" in found["summary"]["label"]
    assert elements(card, "Action.Execute") == []
    [next_button] = elements(card, "Action.Submit")
    assert next_button["title"] == "Next" and next_button["data"] == {"verb": CHOOSE_CASE_VERB}


def test_every_chronology_button_names_its_case() -> None:
    chronology = merge(sample_entries(), parameters=PARAMETERS, lock=None)
    cards: list[Card] = [
        entry_form(CASE, parameters=REVISION, consent=None, deadline=DEADLINE),
        entry_saved(CASE, sample_entries()[0], yours=1, deadline=DEADLINE),
        my_entries(CASE, sample_entries(), locked=False),
        chronology_page(CASE, chronology, page=1),
        review_form(CASE, chronology.entries[0], number=1, page=1, conflicts=chronology.conflicts),
        conflicts_card(CASE, chronology, page=1),
        contribution_reminder(CASE, deadline=DEADLINE, on_the_day=False),
    ]
    for card in cards:
        for action in elements(card, "Action.Execute"):
            assert action["data"]["caseId"] == 1
            assert all(isinstance(action["data"][k], int) for k in ("caseId", "entryId", "page") if k in action["data"])
