"""The chronology's rules: what an entry must say, the order entries are read in, conflicts and gaps."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from debrief.chronology import (
    ChronologyEntry,
    ContactType,
    Gap,
    Precision,
    RiskGrade,
    find_conflicts,
    find_gaps,
    form_values,
    merge,
    ordered,
    parse_entry,
    parse_review,
)
from debrief.errors import InvalidInput
from debrief.parameters import parse_parameters
from tests.support.forms import chronology_entry_form, parameters_form
from tests.support.people import JORDAN, OWEN, TOM
from tests.unit.cards.card_gallery import a_case
from tests.unit.debrief.test_parameters import NOW

PARAMETERS = parse_parameters(parameters_form(), case=a_case())


def entry(entry_id: int, *, by=JORDAN, recorded: int = 0, **changes: str) -> ChronologyEntry:  # type: ignore[no-untyped-def]
    content = parse_entry(chronology_entry_form(**changes), parameters=PARAMETERS, now=NOW)
    return ChronologyEntry(
        case_id=1, content=content, contributor=by, recorded_at=NOW + timedelta(minutes=recorded), id=entry_id
    )


def errors_for(**changes: str) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        parse_entry(chronology_entry_form(**changes), parameters=PARAMETERS, now=NOW)
    return raised.value.field_errors


def test_a_complete_entry_is_accepted_with_every_field() -> None:
    content = parse_entry(chronology_entry_form(), parameters=PARAMETERS, now=NOW)
    assert content.event_date == date(2026, 3, 14)
    assert content.event_time == time(21, 40)
    assert content.contact_type is ContactType.CALL_999
    assert content.subjects == ("Victim A", "Suspect B")
    assert content.risk_assessment is not None and content.risk_assessment.grade is RiskGrade.MEDIUM
    assert form_values(content)["summary"] == chronology_entry_form()["summary"]


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"eventDate": "14/03/2026"}, "eventDate", "for example 2026-03-14"),
        ({"eventDate": "2026-12-25"}, "eventDate", "cannot be in the future"),
        ({"eventDate": "2024-01-10"}, "eventDate", "inside that window"),
        ({"precision": "", "eventTime": ""}, "precision", "exact, approximate or date only"),
        ({"eventTime": "9pm"}, "eventTime", "HH:MM"),
        ({"precision": "date_only"}, "eventTime", "Leave the time empty"),
        ({"sourceAgency": "Fire service"}, "sourceAgency", "agencies in scope"),
        ({"sourceSystem": ""}, "sourceSystem", "Name the system"),
        ({"contactType": "telegram"}, "contactType", "type of contact"),
        ({"subjects": ""}, "subjects", "at least one subject"),
        ({"subjects": "Victim A,Jane Example"}, "subjects", "debrief's parameters"),
        ({"summary": "call"}, "summary", "short factual summary"),
        ({"informationType": "rumour"}, "informationType", "fact, an allegation or an opinion"),
        ({"riskGrade": ""}, "riskGrade", "standard, medium or high"),
        ({"riskTool": "", "riskGrade": "", "riskDate": "2026-03-14"}, "riskTool", "Name the risk assessment tool"),
        ({"missedOpportunity": "true"}, "missedOpportunityRationale", "what the opportunity was"),
        ({"missedOpportunityRationale": "Referral"}, "missedOpportunityRationale", "or leave this empty"),
    ],
)
def test_bad_input_says_what_is_wrong_with_each_field(changes: dict[str, str], field: str, says: str) -> None:
    assert says in errors_for(**changes)[field]


def test_every_problem_is_reported_at_once() -> None:
    found = errors_for(eventDate="", sourceSystem="", summary="", informationType="")
    assert {"eventDate", "sourceSystem", "summary", "informationType"} <= set(found)


def test_a_time_later_today_is_in_the_future() -> None:
    today = NOW.date().isoformat()
    assert "future" in errors_for(eventDate=today, eventTime="23:59")["eventTime"]


def test_without_parameters_subjects_are_still_by_role_only() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_entry(chronology_entry_form(subjects="Jane Example"), parameters=None, now=NOW)
    assert "role and letter only" in raised.value.field_errors["subjects"]


def test_entries_are_read_in_time_order_with_date_only_entries_first_in_their_day() -> None:
    late = entry(1, eventTime="22:10")
    early = entry(2, eventTime="08:05", precision="approximate")
    day_only = entry(3, precision="date_only", eventTime="", recorded=5)
    day_before = entry(4, eventDate="2026-03-13", eventTime="23:59")
    withdrawn = entry(5, eventDate="2026-01-02")
    withdrawn.withdraw(now=NOW)
    assert [e.id for e in ordered([late, early, day_only, day_before, withdrawn])] == [4, 3, 2, 1]


def test_entries_at_the_same_moment_keep_the_order_they_were_recorded_in() -> None:
    second = entry(7, recorded=10)
    first = entry(8, recorded=1)
    assert [e.id for e in ordered([second, first])] == [8, 7]


def test_accounts_of_the_same_event_that_disagree_are_conflicts_and_both_are_kept() -> None:
    jordan = entry(1)
    tom = entry(2, by=TOM, eventTime="23:30", riskGrade="high")
    [conflict] = find_conflicts(ordered([jordan, tom]))
    assert {conflict.first.id, conflict.second.id} == {1, 2}
    assert conflict.differences == ("time", "risk grade")
    assert jordan.content.event_time == time(21, 40) and tom.content.event_time == time(23, 30)


def test_accounts_that_agree_are_not_conflicts() -> None:
    assert (
        find_conflicts(ordered([entry(1), entry(2, by=TOM, eventTime="21:55", summary="Same call, told again.")])) == ()
    )


def test_the_same_day_contact_type_and_subject_is_the_same_event_even_without_a_reference() -> None:
    a = entry(1, sourceReference="", subjects="Victim A")
    b = entry(2, by=TOM, sourceReference="", subjects="Victim A,Suspect B")
    [conflict] = find_conflicts(ordered([a, b]))
    assert conflict.differences == ("subjects",)


def test_different_events_are_not_compared() -> None:
    a = entry(1, sourceReference="INC-1")
    b = entry(2, sourceReference="INC-2", contactType="attendance", riskGrade="high")
    assert find_conflicts(ordered([a, b])) == ()


def test_stretches_of_the_window_with_no_contact_are_gaps() -> None:
    entries = ordered([entry(1, eventDate="2026-03-14"), entry(2, eventDate="2026-03-20")])
    gaps = find_gaps(entries, parameters=PARAMETERS)
    assert gaps == (Gap(date(2025, 11, 20), date(2026, 3, 13)), Gap(date(2026, 3, 21), date(2026, 11, 20)))
    assert gaps[0].days == 114


def test_a_short_quiet_spell_is_not_a_gap() -> None:
    entries = ordered([entry(1, eventDate="2026-03-14"), entry(2, eventDate="2026-04-01")])
    assert all(g.start != date(2026, 3, 15) for g in find_gaps(entries, parameters=PARAMETERS))


def test_no_parameters_no_window_so_no_gaps() -> None:
    assert find_gaps(ordered([entry(1)]), parameters=None) == ()


def test_pages_hold_ten_entries_and_each_gap_appears_before_the_entry_that_ends_it() -> None:
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(12)] + [date(2026, 6, 1)]
    chronology = merge(
        [entry(n + 1, eventDate=d.isoformat()) for n, d in enumerate(days)], parameters=PARAMETERS, lock=None
    )
    assert chronology.pages == 2
    first, second = chronology.page(1), chronology.page(2)
    assert [g.start for g in first.gaps] == [date(2025, 11, 20)]
    assert [g.start for g in second.gaps] == [date(2026, 1, 13), date(2026, 6, 2)]
    rows = second.rows()
    assert isinstance(rows[2], Gap) and isinstance(rows[-1], Gap)
    assert chronology.page(99).number == 2


def test_an_edit_needs_verifying_again_and_names_what_changed() -> None:
    e = entry(1)
    e.set_review(parse_review({"verified": "true", "themes": "Coercive control"}, by=OWEN, now=NOW))
    changed = e.edit(parse_entry(chronology_entry_form(eventTime="21:45"), parameters=PARAMETERS, now=NOW), now=NOW)
    assert changed == ("event_time",)
    assert not e.review.verified
    assert e.review.themes == ("Coercive control",)
    assert e.version == 3


def test_an_edit_that_changes_nothing_is_refused() -> None:
    e = entry(1)
    with pytest.raises(InvalidInput):
        e.edit(e.content, now=NOW)


def test_the_reviewer_decides_the_missed_opportunity_flag_once_they_have_looked() -> None:
    e = entry(1, missedOpportunity="true", missedOpportunityRationale="A referral to the IDVA service was not made.")
    assert e.missed_opportunity
    e.set_review(parse_review({"verified": "true", "missedOpportunity": "false"}, by=OWEN, now=NOW))
    assert not e.missed_opportunity
    assert e.content.missed_opportunity_rationale  # the contributor's account is unchanged


def test_themes_come_from_the_list() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_review({"themes": "Blame"}, by=OWEN, now=NOW)
    assert "Choose themes from the list" in raised.value.field_errors["themes"]


def test_precision_labels_read_plainly() -> None:
    assert [p.label for p in Precision] == ["Exact", "Approximate", "Date only"]
