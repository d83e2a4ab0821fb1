"""The chronology as a Word document: what the review team takes to the debrief and keeps for disclosure.

Each test renders fictional domain objects, opens the bytes with python-docx and reads the document as a
person would: the marking on every page, why the document exists, the parameters, where the chronology stands,
the entries in time order with the gaps where they fall, the learning points highlighted, and conflicting
accounts side by side.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from debrief.chronology import Chronology, ChronologyEntry, ChronologyLock, Review, merge, parse_entry
from debrief.model import Case, CaseStatus, Person
from debrief.parameters import ParallelProcess, Parameters
from documents.chronology import render_chronology
from tests.support.docx import assert_marked_on_every_page, section, shading, texts
from tests.support.people import JORDAN, OWEN, PRIYA
from tests.unit.cards.card_gallery import a_case

# Autumn 2026, British Summer Time: every moment below is shown an hour ahead of UTC.
INCIDENT_AT = datetime(2026, 10, 3, 20, 30, tzinfo=UTC)
RECORDED_AT = datetime(2026, 10, 6, 13, 2, tzinfo=UTC)
VERIFIED_AT = datetime(2026, 10, 7, 8, 30, tzinfo=UTC)
LOCKED_AT = datetime(2026, 10, 7, 16, 0, tzinfo=UTC)
PRODUCED_AT = datetime(2026, 10, 8, 7, 45, tzinfo=UTC)

PARAMETERS = Parameters(
    look_back_from=date(2025, 10, 3),
    look_back_to=date(2026, 10, 3),
    subjects=("Victim A", "Suspect B"),
    agencies=("Police", "Probation Service"),
    questions=(
        "Were earlier domestic abuse reports risk-assessed?",
        "Was information shared with probation?",
    ),
    parallel_processes=frozenset({ParallelProcess.DARDR, ParallelProcess.CORONER}),
)
RATIONALE = "Three reports in a month could have prompted a referral to MARAC."


def the_case() -> Case:
    case = a_case(CaseStatus.ACCEPTED)
    case.nomination = replace(case.nomination, incident_at=INCIDENT_AT)
    return case


def an_entry(
    entry_id: int, review: Review | None = None, contributor: Person = JORDAN, **fields: str
) -> ChronologyEntry:
    form: dict[str, object] = {
        "eventDate": "2026-02-06",
        "precision": "exact",
        "eventTime": "09:15",
        "sourceAgency": "Police",
        "sourceSystem": "Incident log",
        "sourceReference": "",
        "contactType": "attendance",
        "subjects": "Victim A",
        "summary": "Officers attended after a report of shouting at the address.",
        "informationType": "fact",
        "actionAndOutcome": "",
        "missedOpportunity": "false",
        "missedOpportunityRationale": "",
    }
    form.update(fields)
    content = parse_entry(form, parameters=PARAMETERS, now=PRODUCED_AT)
    return ChronologyEntry(1, content, contributor, RECORDED_AT, id=entry_id, review=review or Review())


VERIFIED = Review(verified_by=OWEN, verified_at=VERIFIED_AT, themes=("Risk assessment and grading",))


def the_entries() -> list[ChronologyEntry]:
    """Five contacts, given out of order: merge() puts them in time order, as the service does."""
    return [
        an_entry(
            4,
            contactType="attendance",
            eventTime="11:00",
            sourceReference="INC-0417",
            riskTool="DASH",
            riskGrade="high",
            riskDate="2026-02-06",
            summary="Second officer's account of the same attendance at the address.",
            contributor=PRIYA,
        ),
        an_entry(
            5,
            Review(verified_by=OWEN, verified_at=VERIFIED_AT, good_practice=True),
            precision="approximate",
            eventTime="14:30",
            sourceAgency="Probation Service",
            sourceSystem="Case management system",
            contactType="probation",
            subjects="Suspect B",
            summary="Probation officer shared the attendance with the police domestic abuse team the same day.",
        ),
        an_entry(
            1,
            VERIFIED,
            eventDate="2025-12-31",
            eventTime="21:40",
            contactType="call_999",
            sourceSystem="Command and control",
            sourceReference="CC-1231-0442",
            subjects="Victim A,Suspect B",
            summary="Victim A called to report that Suspect B had threatened her.",
            riskTool="DASH",
            riskGrade="medium",
            riskDate="2025-12-31",
            actionAndOutcome="Suspect B arrested; released under investigation.",
            missedOpportunity="true",
            missedOpportunityRationale=RATIONALE,
        ),
        an_entry(
            3,
            sourceReference="INC-0417",
            riskTool="DASH",
            riskGrade="standard",
            riskDate="2026-02-06",
        ),
        an_entry(
            2,
            precision="date_only",
            eventTime="",
            contactType="da_report",
            summary="Domestic abuse report recorded from a neighbour's concern.",
            informationType="allegation",
        ),
    ]


def a_chronology(*, locked: bool = True, parameters: Parameters | None = PARAMETERS) -> Chronology:
    lock = ChronologyLock(OWEN, LOCKED_AT) if locked else None
    return merge(the_entries(), parameters=parameters, lock=lock)


def render(chronology: Chronology | None = None) -> DocxDocument:
    """The document for this chronology (by default the five entries above), opened as Word would open it."""
    if chronology is None:
        return _the_document()
    data = render_chronology(case=the_case(), chronology=chronology, produced_for=OWEN, produced_at=PRODUCED_AT)
    return Document(BytesIO(data))


@cache
def _the_document() -> DocxDocument:
    """Rendered once and only read by the tests."""
    return render(a_chronology())


def entry_block(document: DocxDocument, number: int) -> list[Paragraph]:
    """The paragraphs of one entry: from its heading up to the next entry, gap or section."""
    paragraphs = document.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text.startswith(f"Entry {number}  ·"))
    block = [paragraphs[start]]
    for paragraph in paragraphs[start + 1 :]:
        if paragraph.style is not None and paragraph.style.name != "Entry detail" and not _highlighted(paragraph):
            break
        block.append(paragraph)
    return block


def _highlighted(paragraph: Paragraph) -> bool:
    return paragraph.style is not None and paragraph.style.name == "Learning highlight"


# --- Marking and purpose -------------------------------------------------------------------------------------


def test_the_document_is_marked_official_sensitive_on_every_page() -> None:
    assert_marked_on_every_page(render(), case_number="RD-2026-0001")


def test_the_title_block_names_the_case_and_says_for_whom_and_when_in_uk_time() -> None:
    lines = texts(render())
    assert lines[0] == "Rapid debrief chronology"
    assert "Case: RD-2026-0001" in lines
    assert "Operation: Operation Kestrel" in lines
    assert "Produced for: DS Owen Marsh, 8 Oct 2026 08:45 (UK time)" in lines  # 07:45 UTC in British Summer Time
    assert any(line.startswith("Incident: Attempted murder") and "3 Oct 2026 21:30" in line for line in lines)


def test_the_purpose_statement_says_learning_not_blame_and_how_the_document_is_handled() -> None:
    purpose = " ".join(section(render(), "Purpose of this document"))
    assert "for learning, not blame" in purpose
    assert "not a review of any individual's conduct" in purpose
    assert "not a witness account" in purpose
    assert "Criminal Procedure and Investigations Act 1996 (CPIA)" in purpose
    assert "potentially disclosable" in purpose
    assert "must be retained" in purpose
    assert "need-to-know" in purpose
    assert "do not forward it" in purpose


# --- Parameters and status -----------------------------------------------------------------------------------


def test_the_parameters_say_what_the_debrief_looks_at() -> None:
    parameters = section(render(), "Parameters")
    assert "Look-back window: 3 Oct 2025 to 3 Oct 2026" in parameters
    assert "Subjects (by role): Victim A, Suspect B" in parameters
    assert "Agencies: Police, Probation Service" in parameters
    assert "1. Were earlier domestic abuse reports risk-assessed?" in parameters
    assert "2. Was information shared with probation?" in parameters
    assert (
        "Parallel processes: Domestic Abuse Related Death Review; Coroner. The debrief must not pre-empt them."
        in parameters
    )


def test_a_chronology_whose_parameters_are_not_yet_set_says_so() -> None:
    parameters = section(render(a_chronology(parameters=None)), "Parameters")
    assert parameters == ["Parameters: not yet set. The lead reviewer has not yet defined what this debrief looks at."]


def test_a_locked_chronology_says_who_locked_it_and_when_and_how_much_is_verified() -> None:
    status = section(render(), "Status")
    assert "Status: Locked by DS Owen Marsh, 7 Oct 2026 17:00: entries can no longer change." in status
    assert any(line.startswith("Entries: 5 entries, 2 verified (3 not yet verified)") for line in status)


def test_a_draft_chronology_says_it_is_not_yet_locked() -> None:
    status = section(render(a_chronology(locked=False)), "Status")
    assert "Status: Draft – not yet locked: entries may still be added or changed." in status


# --- The entries ---------------------------------------------------------------------------------------------


def test_entries_are_in_time_order_and_a_date_only_entry_comes_first_within_its_day() -> None:
    headings = [line for line in texts(render()) if line.startswith("Entry ") and "  ·  " in line]
    assert headings == [
        "Entry 1  ·  31 Dec 2025 21:40  ·  999 call",
        "Entry 2  ·  6 Feb 2026 (time not known)  ·  Domestic abuse report",
        "Entry 3  ·  6 Feb 2026 09:15  ·  Attendance",
        "Entry 4  ·  6 Feb 2026 11:00  ·  Attendance",
        "Entry 5  ·  6 Feb 2026 about 14:30  ·  Probation",
    ]


def test_each_entry_shows_what_was_recorded_where_it_came_from_and_who_recorded_it() -> None:
    first = [p.text for p in entry_block(render(), 1)]
    assert first[1:] == [
        "Source: Police – Command and control, reference CC-1231-0442",
        "Subjects: Victim A, Suspect B",
        "Information type: Fact",
        "Summary: Victim A called to report that Suspect B had threatened her.",
        "Risk assessment: DASH, graded Medium, 31 Dec 2025",
        "Action and outcome: Suspect B arrested; released under investigation.",
        "Recorded by: PC Jordan Ellis, 6 Oct 2026 14:02",
        "Verification: Verified by DS Owen Marsh, 7 Oct 2026 09:30",
        "Themes: Risk assessment and grading",
        f"Possible missed opportunity (raised by the contributor): {RATIONALE}",
    ]


def test_an_entry_not_yet_verified_says_so() -> None:
    second = [p.text for p in entry_block(render(), 2)]
    assert "Verification: Not yet verified" in second
    assert "Information type: Allegation" in second
    assert "Source: Police – Incident log, no reference" in second


def test_a_possible_missed_opportunity_is_highlighted_with_the_contributors_rationale() -> None:
    highlighted = [p for p in entry_block(render(), 1) if p.text.startswith("Possible missed opportunity")]
    assert len(highlighted) == 1
    paragraph = highlighted[0]
    assert RATIONALE in paragraph.text
    assert shading(paragraph) is not None
    assert paragraph.runs[0].text == "Possible missed opportunity" and paragraph.runs[0].bold


def test_good_practice_is_highlighted() -> None:
    highlighted = [p for p in entry_block(render(), 5) if p.text.startswith("Good practice")]
    assert len(highlighted) == 1
    assert shading(highlighted[0]) is not None
    assert highlighted[0].runs[0].bold


def test_a_missed_opportunity_the_review_team_did_not_agree_keeps_the_contributors_note_without_highlight() -> None:
    entries = the_entries()
    first = next(e for e in entries if e.id == 1)
    first.review = replace(first.review, missed_opportunity=False)
    block = entry_block(render(merge(entries, parameters=PARAMETERS, lock=None)), 1)
    assert not any(p.text.startswith("Possible missed opportunity") for p in block)
    note = next(p for p in block if p.text.startswith("Contributor's note"))
    assert RATIONALE in note.text and shading(note) is None


def test_gaps_in_recorded_contact_are_shown_where_they_fall() -> None:
    lines = texts(render())
    gap = lines.index("No recorded contact from 1 Jan 2026 to 5 Feb 2026 (36 days)")
    assert lines[gap - 1].startswith("Possible missed opportunity")  # the end of entry 1
    assert lines[gap + 1].startswith("Entry 2  ·")
    assert lines.index("No recorded contact from 3 Oct 2025 to 30 Dec 2025 (89 days)") < lines.index(
        "Entry 1  ·  31 Dec 2025 21:40  ·  999 call"
    )
    assert lines[-1] == "No recorded contact from 7 Feb 2026 to 3 Oct 2026 (239 days)"


def test_possible_conflicts_name_both_entries_and_their_differences_and_both_accounts_stay() -> None:
    document = render()
    conflicts = section(document, "Possible conflicts between entries")
    assert "Entries 3 and 4 differ on time, risk grade" in conflicts
    assert "Time: entry 3 records 6 Feb 2026 09:15; entry 4 records 6 Feb 2026 11:00." in conflicts
    assert "Risk grade: entry 3 records Standard (DASH); entry 4 records High (DASH)." in conflicts
    assert any(
        line.startswith("Entry 4: Police – Incident log, reference INC-0417; recorded by DS Priya Natt")
        for line in conflicts
    )
    assert "Risk assessment: DASH, graded Standard, 6 Feb 2026" in [p.text for p in entry_block(document, 3)]
    assert "Risk assessment: DASH, graded High, 6 Feb 2026" in [p.text for p in entry_block(document, 4)]


def test_the_summary_lists_the_learning_points_by_entry_number() -> None:
    summary = section(render(), "Summary of learning points")
    assert "Possible missed opportunities (1): entry 1." in summary
    assert "Entry 1 – 31 Dec 2025 21:40, 999 call, Police" in summary
    assert "Good practice (1): entry 5." in summary
    assert "Entry 5 – 6 Feb 2026 about 14:30, Probation, Probation Service" in summary


def test_an_empty_chronology_says_nothing_has_been_recorded_yet() -> None:
    empty = merge([], parameters=None, lock=None)
    chronology = section(render(empty), "Chronology")
    assert "No entries have been recorded yet." in chronology
    assert "Possible missed opportunities (0): none identified so far." in section(
        render(empty), "Summary of learning points"
    )


def test_text_a_contributor_typed_is_kept_exactly_even_with_markup_characters_and_line_breaks() -> None:
    entry = an_entry(1, summary='Caller said <b>"get out"</b> & left.\nSecond line of the account.')
    # A control character XML cannot carry (pasted from another system) is left out, not allowed to break the file.
    entry.content = replace(entry.content, action_and_outcome="Advice given.\x0c Safeguarding referral made.")
    entries = [entry]
    block = [p.text for p in entry_block(render(merge(entries, parameters=PARAMETERS, lock=None)), 1)]
    assert 'Summary: Caller said <b>"get out"</b> & left.\nSecond line of the account.' in block
    assert "Action and outcome: Advice given. Safeguarding referral made." in block


def test_the_same_chronology_renders_to_a_document_that_opens_with_every_entry_once() -> None:
    document = render()
    headings = [line for line in texts(document) if line.startswith("Entry ") and "  ·  " in line]
    assert len(headings) == len(a_chronology().entries)
    bookmarks = [b.get(qn("w:name")) for b in document.element.body.iter(qn("w:bookmarkStart"))]
    assert bookmarks == [f"entry_{n}" for n in range(1, 6)]
