"""The learning and actions document: what the SIO signs off and the attendees receive, read back as Word shows it.

Each test renders fictional domain objects, opens the bytes with python-docx and reads the document as a person
would: the marking on every page, the sign-off (approved, or a draft), the purpose, the meeting and who attended,
the learning grouped by theme, the recommendations and the actions table.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from debrief.learning import (
    Action,
    ActionStatus,
    LearningKind,
    LearningPoint,
    Outcome,
    Priority,
    Route,
    SignOff,
    SignOffState,
)
from debrief.meetings import Meeting
from debrief.model import Case, CaseStatus
from documents.learning import DRAFT, render_learning_document
from tests.support.docx import (
    assert_marked_on_every_page,
    everything,
    heading_level,
    section,
    shading,
    table_rows,
    texts,
)
from tests.support.people import JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM
from tests.unit.cards.card_gallery import AFTER_MEETING, a_case, a_meeting, a_sign_off, an_outcome

PRODUCED_AT = datetime(2026, 12, 8, 14, 30, tzinfo=UTC)


def the_case() -> Case:
    return a_case(CaseStatus.ACCEPTED)


def render(outcome: Outcome | None = None, *, meeting: Meeting | None = None, no_meeting: bool = False) -> DocxDocument:
    data = render_learning_document(
        case=the_case(),
        outcome=outcome if outcome is not None else approved(),
        meeting=None if no_meeting else (meeting if meeting is not None else a_meeting()),
        produced_for=PRIYA,
        produced_at=PRODUCED_AT,
    )
    return Document(BytesIO(data))


def approved() -> Outcome:
    return an_outcome(sign_off=a_sign_off(SignOffState.APPROVED))


@cache
def the_document() -> DocxDocument:
    """Rendered once and only read by the tests."""
    return render()


# --- Marking, title, sign-off ---------------------------------------------------------------------------------


def test_the_document_is_marked_official_sensitive_on_every_page() -> None:
    document = the_document()
    assert_marked_on_every_page(document, case_number="RD-2026-0001")
    assert document.core_properties.title == "Rapid debrief: learning and actions – RD-2026-0001"


def test_the_title_block_names_the_case_and_who_it_was_produced_for() -> None:
    lines = texts(the_document())
    assert lines[0] == "Rapid debrief: learning and actions"
    assert "Case: RD-2026-0001" in lines
    assert "Lead reviewer: DS Owen Marsh" in lines
    assert "Senior investigating officer (SIO): DCI Ruth Okafor" in lines
    assert "Produced for: DS Priya Natt, 8 Dec 2026 14:30 (UK time)" in lines
    assert "Version: 7" in lines


def test_an_approved_document_says_who_approved_it_and_when() -> None:
    lines = texts(the_document())
    assert (
        "Approved by the SIO, DCI Ruth Okafor, on 7 Dec 2026 16:00 (UK time), for circulation to the attendees."
        in lines
    )
    assert not any(DRAFT in line for line in lines)


def test_an_approved_document_says_when_it_was_circulated() -> None:
    circulated = replace(approved(), circulated_at=AFTER_MEETING + timedelta(hours=8))
    assert "Circulated: to the debrief meeting's attendees, 7 Dec 2026 17:00 (UK time)" in texts(render(circulated))


def test_a_draft_says_it_is_not_yet_approved_and_where_the_sign_off_stands() -> None:
    cases = {
        "The SIO has not yet been asked to sign it off.": an_outcome(),
        "Waiting for the SIO's sign-off, asked on 7 Dec 2026 11:00 (UK time).": an_outcome(
            sign_off=a_sign_off(SignOffState.REQUESTED)
        ),
        "The SIO asked for changes on 7 Dec 2026 16:00 (UK time).": an_outcome(
            sign_off=a_sign_off(SignOffState.CHANGES_REQUESTED, comment="Please reword learning point 3.")
        ),
        "It has changed since the SIO approved an earlier version on 7 Dec 2026 16:00; the SIO has not yet approved "
        "this version.": replace(approved(), version=8),
    }
    for detail, outcome in cases.items():
        lines = texts(render(outcome))
        assert f"{DRAFT}. {detail}" in lines, detail
        assert not any(line.startswith("Approved by the SIO") for line in lines)
    assert "Please reword" not in everything(render(cases["The SIO asked for changes on 7 Dec 2026 16:00 (UK time)."]))


def test_the_purpose_says_learning_not_blame_and_how_it_is_handled() -> None:
    purpose = " ".join(section(the_document(), "Purpose"))
    assert "for learning, not blame" in purpose
    assert "not a review of any individual's conduct" in purpose
    assert "potentially disclosable" in purpose
    assert "Criminal Procedure and Investigations Act 1996 (CPIA)" in purpose
    assert "need-to-know" in purpose
    assert "do not forward" in purpose


def test_the_document_names_the_case_by_its_number_only() -> None:
    text = everything(the_document())
    nomination = the_case().nomination
    for detail in (nomination.incident_reference, nomination.operation_name, nomination.policing_area):
        assert detail is not None and detail not in text
    assert nomination.scope_reason not in text


# --- The meeting ----------------------------------------------------------------------------------------------


def test_the_meeting_lists_those_invited_until_attendance_is_recorded() -> None:
    meeting = section(the_document(), "The debrief meeting")
    assert meeting[0] == "When: Friday 4 Dec 2026, 10:00 to 11:30 (UK time, GMT)"
    assert meeting[1] == "Invited: 5 people (attendance has not been recorded)"
    assert meeting[2:] == [OWEN.name, PRIYA.name, RUTH.name, JORDAN.name, MORGAN.name]


def test_the_meeting_lists_who_attended_once_recorded() -> None:
    meeting = a_meeting()
    meeting.record_attendance((OWEN, RUTH, TOM), by=OWEN, now=meeting.ends_at)
    lines = section(render(meeting=meeting), "The debrief meeting")
    assert lines[1] == "Attended: 3 people (recorded by DS Owen Marsh)"
    assert lines[2:] == [OWEN.name, RUTH.name, TOM.name]


def test_without_a_meeting_it_says_so() -> None:
    assert section(render(no_meeting=True), "The debrief meeting") == ["No debrief meeting is recorded for this case."]


# --- Learning, recommendations, actions -----------------------------------------------------------------------


def test_learning_is_grouped_by_theme_with_gaps_and_good_practice_marked() -> None:
    at = AFTER_MEETING
    extra = (
        LearningPoint(
            1, "Risk assessment and grading", LearningKind.GOOD_PRACTICE, "The DASH was done at once.", OWEN, at
        ),
        LearningPoint(
            1, "Risk assessment and grading", LearningKind.GAP, "Grading was not looked at again later.", OWEN, at
        ),
        LearningPoint(1, "A theme of the force's own", LearningKind.GAP, "Handover notes were brief.", OWEN, at),
    )
    outcome = replace(approved(), learning=approved().learning + extra)
    document = render(outcome)
    learning = section(document, "Learning")
    assert learning[0] == "6 learning points: 4 gaps and 2 good practice, grouped by theme."
    assert section(document, "Risk assessment and grading") == [
        "1. Gap: The repeat call was not linked to the earlier reports, so the risk was not looked at again.",
        "2. Gap: Grading was not looked at again later.",
        "3. Good practice: The DASH was done at once.",
    ]
    themes = [p.text for p in document.paragraphs if heading_level(p) == 2]
    assert themes == [
        "Risk assessment and grading",
        "Information sharing",
        "Multi-agency working (MARAC/MAPPA)",
        "A theme of the force's own",
    ], "the default themes in their order, then any others"
    assert section(document, "Multi-agency working (MARAC/MAPPA)") == [
        "5. Good practice: The MARAC referral was made the same day and every agency had actions by the next meeting."
    ]


def test_gaps_and_good_practice_are_shaded_differently() -> None:
    fills = {}
    for paragraph in the_document().paragraphs:
        if paragraph.text.startswith(("1. Gap", "3. Good practice")):
            fill = shading(paragraph)
            assert fill is not None
            fills[paragraph.text.split(":")[0]] = fill
    assert len(set(fills.values())) == 2, fills


def test_recommendations_have_their_route() -> None:
    assert section(the_document(), "Recommendations") == [
        "1. Add a prompt to check for linked reports when a domestic call is graded. – In force",
        "2. Agree with probation how call-outs to a supervised person's address are shared within a day. – "
        "Partnership route",
    ]


def test_the_actions_table_has_a_row_per_action() -> None:
    tables = the_document().tables
    assert len(tables) == 1
    rows = table_rows(tables[0])
    assert rows[0] == ["No.", "Action", "Owner", "Due", "Priority", "Theme", "Route", "Status"]
    assert rows[1] == [
        "1",
        "Brief call handlers on linking repeat domestic calls to earlier reports.",
        "Insp Tom Baird",
        "18 Dec 2026",
        "High",
        "Risk assessment and grading",
        "In force",
        "Not started",
    ]
    assert rows[2][2:] == [
        "DS Priya Natt",
        "15 Jan 2027",
        "Medium",
        "Information sharing",
        "Partnership route",
        "In progress",
    ]
    header = tables[0].rows[0]._tr
    assert header.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None, "the header repeats on every page"


def test_tens_of_actions_fit_in_the_table() -> None:
    many = tuple(
        Action(
            1,
            f"Action number {n}: brief the teams on the updated guidance & check it is used <as agreed>.",
            TOM,
            date(2027, 1, 1) + timedelta(days=n),
            Priority.LOW,
            "Training",
            Route.IN_FORCE,
            OWEN,
            AFTER_MEETING,
            id=n,
            status=ActionStatus.COMPLETE,
        )
        for n in range(1, 41)
    )
    document = render(replace(approved(), actions=many))
    rows = document.tables[0].rows
    assert len(rows) == 41
    assert rows[40].cells[1].text.endswith("check it is used <as agreed>.")
    assert section(document, "Actions")[0].startswith("40 actions.")


def test_an_empty_outcome_says_nothing_is_recorded() -> None:
    document = render(Outcome())
    assert section(document, "Learning") == ["No learning points have been recorded."]
    assert section(document, "Recommendations") == ["No recommendations have been recorded."]
    assert section(document, "Actions")[0] == "No actions have been recorded."
    assert document.tables == []


def test_no_blaming_words() -> None:
    for outcome in (approved(), an_outcome(), Outcome()):
        text = everything(render(outcome)).lower().replace("for learning, not blame", "")
        for word in ("blame", "fault", "failed", "failure", "culpab", "negligen", "should have", "at fault"):
            assert word not in text, word


def test_an_unrecorded_answer_time_still_reads() -> None:
    odd = replace(approved(), sign_off=SignOff(7, SignOffState.APPROVED, OWEN, AFTER_MEETING, answered_by=RUTH))
    assert any("on a date not recorded" in line for line in texts(render(odd)))
