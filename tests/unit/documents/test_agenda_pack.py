"""The debrief meeting's agenda pack: what attendees have in front of them, read back as Word shows it.

Each test renders fictional domain objects, opens the bytes with python-docx and reads the pack as a person
would: the marking on every page, the meeting in UK time, why the meeting is held, who comes, what the debrief
looks at, the key questions in order, the key issues (verified entries only), the themes, the conflicts still
open and the running order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from debrief.chronology import (
    Chronology,
    ChronologyEntry,
    ChronologyLock,
    ContactType,
    Precision,
    Review,
    RiskGrade,
    merge,
)
from debrief.meetings import Meeting
from debrief.model import Case, CaseStatus, Person
from debrief.parameters import ParallelProcess, Parameters
from debrief.partners import InvitationStatus, PartnerInvitation
from documents.agenda import one_line, render_agenda_pack, share_out
from tests.support.docx import assert_marked_on_every_page, everything, section, texts
from tests.support.people import CASEY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM
from tests.unit.cards.card_gallery import a_case, an_entry

# Winter: GMT, so UK time is UTC. The summer tests below use BST.
MEETING_AT = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
VERIFIED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PRODUCED_AT = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)
JOIN_URL = "https://teams.microsoft.com/l/meetup-join/fictional-meeting-0001"
SAM = Person("00000000-0000-4000-8000-0000000000b1", "Sam Rivers")  # a fictional housing officer

PARAMETERS = Parameters(
    look_back_from=date(2025, 12, 1),
    look_back_to=date(2026, 11, 20),
    subjects=("Victim A", "Suspect B"),
    agencies=("Police", "Probation Service", "Housing"),
    questions=(
        "Were the earlier domestic abuse reports risk-assessed and graded consistently?",
        "Was information shared with probation when the risk rose?",
        "Did housing know of the risk when Victim A asked to move?",
    ),
    parallel_processes=frozenset({ParallelProcess.DARDR, ParallelProcess.CORONER}),
)

CONTRIBUTOR_RATIONALE = "A repeat DASH after the second call could have moved the case to MARAC sooner."
UNVERIFIED_SUMMARY = "Neighbour reported raised voices at the address late at night; nobody was seen."
UNVERIFIED_RATIONALE = "The neighbour's call could have been linked to the earlier reports."
UNVERIFIED_GOOD_SUMMARY = "Housing officer made a same-day safeguarding referral after the home visit."
DISAGREED_RATIONALE = "The warning marker could have been added on the day of the s136 detention."
WITHDRAWN_SUMMARY = "Entry recorded against the wrong address and withdrawn by its contributor."


def verified(**review: object) -> Review:
    return Review(verified_by=OWEN, verified_at=VERIFIED_AT, **review)  # type: ignore[arg-type]


def with_rationale(entry: ChronologyEntry, rationale: str) -> ChronologyEntry:
    entry.content = replace(entry.content, missed_opportunity=True, missed_opportunity_rationale=rationale)
    return entry


def the_entries() -> list[ChronologyEntry]:
    """Eight contacts and one withdrawn, given out of order: merge() numbers the eight 1 to 8 in time order."""
    withdrawn = an_entry(90, date(2026, 7, 1), summary=WITHDRAWN_SUMMARY, review=verified(missed_opportunity=True))
    withdrawn.withdrawn_at = VERIFIED_AT
    return [
        # 5: verified good practice, three themes.
        an_entry(
            50,
            date(2026, 3, 3),
            precision=Precision.DATE_ONLY,
            contact=ContactType.MARAC,
            agency="Probation Service",
            summary="Victim A's case was heard at MARAC; actions were agreed for probation and housing.",
            review=verified(
                good_practice=True,
                themes=("Multi-agency working (MARAC/MAPPA)", "Good practice", "Risk assessment and grading"),
            ),
        ),
        # 1: not verified, flagged by its contributor: counted, never quoted.
        with_rationale(
            an_entry(10, date(2026, 1, 5), at=time(23, 50), summary=UNVERIFIED_SUMMARY),
            UNVERIFIED_RATIONALE,
        ),
        # 2: verified; the contributor's possible missed opportunity, agreed by the review team.
        with_rationale(
            an_entry(
                20,
                date(2026, 1, 12),
                at=time(21, 40),
                summary="Victim A called 999 to report Suspect B shouting outside the address; officers attended.",
                review=verified(missed_opportunity=True, themes=("Risk assessment and grading", "Coercive control")),
            ),
            CONTRIBUTOR_RATIONALE,
        ),
        # 3 and 4: two accounts of one call that disagree on the risk grade; 3 is verified, 4 is not.
        an_entry(
            30,
            date(2026, 2, 2),
            at=time(14, 0),
            reference="CAD 2202",
            grade=RiskGrade.MEDIUM,
            summary="Call handler graded the call after Victim A reported threats by text message.",
            review=verified(themes=("Risk assessment and grading",)),
        ),
        replace(
            an_entry(
                40,
                date(2026, 2, 2),
                at=time(14, 5),
                reference="CAD-2202",
                grade=RiskGrade.HIGH,
                summary="Second account of the call about threats by text message, from the attending officer.",
                review=Review(themes=("Risk assessment and grading",)),  # themes, not yet verified: not counted
            ),
            contributor=TOM,
        ),
        # 6: verified; a possible missed opportunity raised by the review team (no contributor's rationale).
        an_entry(
            60,
            date(2026, 4, 10),
            at=time(9, 30),
            precision=Precision.APPROXIMATE,
            contact=ContactType.PROBATION,
            agency="Probation Service",
            subjects=("Suspect B",),
            summary="Suspect B attended a probation appointment and mentioned tension at home.",
            review=verified(missed_opportunity=True, themes=("Information sharing",)),
        ),
        # 7: good practice flagged but not yet verified: not quoted.
        an_entry(
            70,
            date(2026, 5, 1),
            contact=ContactType.HOUSING,
            agency="Housing",
            summary=UNVERIFIED_GOOD_SUMMARY,
            review=Review(good_practice=True),
        ),
        # 8: verified; the contributor raised a possible missed opportunity, the review team did not agree.
        with_rationale(
            an_entry(
                80,
                date(2026, 6, 20),
                at=time(10, 5),
                contact=ContactType.S136,
                subjects=("Suspect B",),
                summary="Suspect B was detained under section 136 and taken to a place of safety.",
                review=verified(missed_opportunity=False),
            ),
            DISAGREED_RATIONALE,
        ),
        withdrawn,
    ]


def the_case() -> Case:
    case = a_case(CaseStatus.ACCEPTED)
    case.nomination = replace(case.nomination, incident_at=datetime(2026, 11, 20, 22, 15, tzinfo=UTC))
    return case


def a_chronology(*, parameters: Parameters | None = PARAMETERS) -> Chronology:
    return merge(the_entries(), parameters=parameters, lock=ChronologyLock(OWEN, VERIFIED_AT + timedelta(hours=2)))


def a_meeting(**fields: object) -> Meeting:
    values: dict[str, object] = {
        "case_id": 1,
        "starts_at": MEETING_AT,
        "duration_minutes": 90,
        "attendees": (OWEN, RUTH, JORDAN, MORGAN, SAM),
        "scheduled_by": OWEN,
        "scheduled_at": VERIFIED_AT,
        "location": "Room 2.14, Northgate police station",
        "join_url": JOIN_URL,
    }
    values.update(fields)
    return Meeting(**values)  # type: ignore[arg-type]


def the_partners() -> list[PartnerInvitation]:
    def invitation(agency: str, contact: Person, status: InvitationStatus) -> PartnerInvitation:
        return PartnerInvitation(
            case_id=1,
            agency=agency,
            contact=contact,
            invited_by=OWEN,
            invited_at=VERIFIED_AT,
            answer_by=date(2026, 12, 8),
            agreement="Fictional information-sharing agreement",
            status=status,
        )

    return [
        invitation("Probation Service", MORGAN, InvitationStatus.ACCEPTED),
        invitation("Housing", SAM, InvitationStatus.ACCEPTED),
        invitation("Ambulance service", CASEY, InvitationStatus.DECLINED),  # invited, declined, not attending
    ]


def render(
    *,
    parameters: Parameters | None = PARAMETERS,
    chronology: Chronology | None = None,
    meeting: Meeting | None = None,
) -> DocxDocument:
    data = render_agenda_pack(
        case=the_case(),
        parameters=parameters,
        chronology=chronology if chronology is not None else a_chronology(parameters=parameters),
        meeting=meeting if meeting is not None else a_meeting(),
        partners=the_partners(),
        produced_for=PRIYA,
        produced_at=PRODUCED_AT,
    )
    return Document(BytesIO(data))


@cache
def the_pack() -> DocxDocument:
    """Rendered once and only read by the tests."""
    return render()


# --- Marking, title and the meeting --------------------------------------------------------------------------


def test_the_pack_is_marked_official_sensitive_on_every_page() -> None:
    document = the_pack()
    assert_marked_on_every_page(document, case_number="RD-2026-0001")
    assert document.core_properties.title == "Rapid debrief meeting: agenda pack – RD-2026-0001"


def test_the_title_block_names_the_case_and_the_meeting_in_uk_time() -> None:
    lines = texts(the_pack())
    assert lines[0] == "Rapid debrief meeting: agenda pack"
    assert "Case: RD-2026-0001" in lines
    meeting = section(the_pack(), "The meeting")
    assert "When: Tuesday 8 Dec 2026, 10:00 to 11:30 (UK time, GMT)" in meeting
    assert "Length: 1 hour 30 minutes" in meeting
    assert "Where: Room 2.14, Northgate police station" in meeting
    assert "Teams meeting: join the meeting in Microsoft Teams" in meeting
    assert "Arranged by: DS Owen Marsh" in meeting
    assert "Produced for: DS Priya Natt, 2 Dec 2026 16:30 (UK time)" in meeting


def test_the_teams_link_opens_the_meeting() -> None:
    links = [r.target_ref for r in the_pack().part.rels.values() if r.reltype.endswith("/hyperlink")]
    assert links == [JOIN_URL]
    anchors = list(the_pack().element.body.iter(qn("w:hyperlink")))
    assert len(anchors) == 1 and anchors[0].get(qn("r:id")) is not None


def test_a_summer_meeting_is_shown_in_british_summer_time() -> None:
    summer = a_meeting(starts_at=datetime(2027, 6, 15, 8, 30, tzinfo=UTC), duration_minutes=120)
    meeting = section(render(meeting=summer), "The meeting")
    assert "When: Tuesday 15 Jun 2027, 09:30 to 11:30 (UK time, BST)" in meeting
    assert "Length: 2 hours" in meeting


def test_a_meeting_with_no_place_or_link_yet_says_where_is_to_be_confirmed() -> None:
    meeting = section(render(meeting=a_meeting(location=None, join_url=None)), "The meeting")
    assert "Where: to be confirmed by the lead reviewer" in meeting
    assert not any(line.startswith("Teams meeting") for line in meeting)
    online = section(render(meeting=a_meeting(location=None)), "The meeting")
    assert "Where: online only, in Microsoft Teams" in online


# --- Purpose and attendees -----------------------------------------------------------------------------------


def test_the_purpose_says_learning_not_blame_no_evidence_and_how_the_record_is_handled() -> None:
    purpose = " ".join(section(the_pack(), "Purpose of the meeting"))
    assert "for learning, not blame" in purpose
    assert "not a review of any individual's conduct" in purpose
    assert "not a rehearsal of evidence" in purpose
    assert "witness accounts" in purpose
    assert "The record of who attended, the notes of the meeting and this pack are potentially disclosable" in purpose
    assert "Criminal Procedure and Investigations Act 1996 (CPIA)" in purpose
    assert "need-to-know" in purpose
    assert "do not forward" in purpose


def test_attendees_are_listed_with_their_part_and_partners_with_their_agency() -> None:
    attendees = section(the_pack(), "Attendees")
    assert attendees[0].startswith("5 people invited.")
    assert attendees[1:] == [
        "DS Owen Marsh – lead reviewer",
        "DCI Ruth Okafor – senior investigating officer (SIO)",
        "PC Jordan Ellis – contributed to the chronology",
        "Morgan Lee – Probation Service (partner agency)",  # the directory's "(Probation Service)" shown once
        "Sam Rivers – Housing (partner agency)",
    ]
    assert "Casey Holt" not in everything(the_pack()), "a partner who declined and is not attending is not listed"


# --- Parameters and key questions ----------------------------------------------------------------------------


def test_the_parameters_say_what_the_debrief_looks_at() -> None:
    parameters = section(the_pack(), "What the debrief looks at")
    assert parameters == [
        "Look-back window: 1 Dec 2025 to 20 Nov 2026",
        "Subjects (by role): Victim A, Suspect B",
        "Agencies: Police, Probation Service, Housing",
        "Parallel processes: Domestic Abuse Related Death Review; Coroner. The debrief must not pre-empt them.",
    ]


def test_the_key_questions_are_numbered_agenda_items_in_their_order() -> None:
    questions = section(the_pack(), "Key questions")
    assert questions[1:] == [f"{n}. {q}" for n, q in enumerate(PARAMETERS.questions, 1)]


def test_the_running_order_takes_the_key_questions_one_by_one_and_fills_the_meeting() -> None:
    order = section(the_pack(), "Suggested running order")[1:]
    titles = [line.split(" (")[0] for line in order]
    assert titles == [
        "1. 10:00  Welcome and purpose",
        "2. 10:10  The chronology",
        "3. 10:25  Key question 1",
        "4. 10:40  Key question 2",
        "5. 10:50  Key question 3",
        "6. 11:00  Learning and actions",
        "7. 11:20  Close",
    ]
    for n, question in enumerate(PARAMETERS.questions, 1):
        assert order[1 + n].endswith(f": {question}")
    assert "learning, not blame" in order[0]
    assert order[-1].startswith("7. 11:20  Close (10 minutes)"), "the last item ends when the meeting does (11:30)"


def test_time_is_shared_out_to_the_minute_in_five_minute_slots_where_it_can_be() -> None:
    assert share_out(90, [10, 20, 35, 25, 10]) == [10, 20, 30, 20, 10]
    for total, items in ((15, 14), (45, 7), (90, 7), (480, 14), (17, 3)):
        shares = share_out(total, [1.0] * items)
        assert sum(shares) == total and min(shares) >= 1
    assert all(s % 5 == 0 for s in share_out(60, [10, 20, 35, 25, 10]))


def test_parameters_not_yet_set_are_said_so_and_the_running_order_goes_on_without_questions() -> None:
    document = render(parameters=None)
    assert section(document, "What the debrief looks at") == [
        "Parameters: not yet set. The lead reviewer has not yet defined what this debrief looks at."
    ]
    assert section(document, "Key questions") == [
        "No key questions have been set yet; the lead reviewer sets them with the parameters."
    ]
    order = section(document, "Suggested running order")[1:]
    assert [line.split("  ")[1].split(" (")[0] for line in order] == [
        "Welcome and purpose",
        "The chronology",
        "Learning and actions",
        "Close",
    ]


# --- Key issues: verified entries only -----------------------------------------------------------------------


def test_only_verified_missed_opportunities_are_key_issues_with_the_contributors_rationale() -> None:
    missed = section(the_pack(), "Possible missed opportunities (2)")
    headings = [line for line in missed if line.startswith("Entry ")]
    assert headings == [
        "Entry 2  ·  12 Jan 2026 21:40  ·  999 call  ·  Police",
        "Entry 6  ·  10 Apr 2026 about 09:30  ·  Probation  ·  Probation Service",
    ]
    assert "Summary: Victim A called 999 to report Suspect B shouting outside the address; officers attended." in missed
    assert (
        "What could be learnt (raised by the contributor and agreed by the review team): " + CONTRIBUTOR_RATIONALE
        in missed
    )
    assert "Raised by the review team." in missed
    assert "Themes: Risk assessment and grading; Coercive control" in missed


def test_good_practice_key_issues_are_verified_entries_only() -> None:
    good = section(the_pack(), "Good practice (1)")
    assert [line for line in good if line.startswith("Entry ")] == [
        "Entry 5  ·  3 Mar 2026 (time not known)  ·  MARAC  ·  Probation Service"
    ]


def test_no_unverified_withdrawn_or_overruled_text_appears_anywhere_in_the_pack() -> None:
    text = everything(the_pack())
    for hidden in (
        UNVERIFIED_SUMMARY,
        UNVERIFIED_RATIONALE,
        UNVERIFIED_GOOD_SUMMARY,
        "Second account of the call",  # entry 4, in a conflict but not verified
        WITHDRAWN_SUMMARY,
        DISAGREED_RATIONALE,  # verified, but the review team did not record it as a missed opportunity
    ):
        assert hidden not in text
    issues = section(the_pack(), "Key issues from the chronology")
    assert issues[0].startswith("The chronology was locked by DS Owen Marsh")
    assert "It has 8 entries, 5 verified" in issues[0]


def test_themes_count_the_verified_entries_in_each() -> None:
    themes = section(the_pack(), "Themes")
    assert themes[1:] == [
        "Risk assessment and grading: 3 entries (2, 3, 5)",  # entry 4's theme is not yet verified
        "Coercive control: 1 entry (2)",
        "Information sharing: 1 entry (6)",
        "Multi-agency working (MARAC/MAPPA): 1 entry (5)",
        "Good practice: 1 entry (5)",
    ]


def test_possible_conflicts_still_open_are_counted_by_entry_number() -> None:
    conflicts = section(the_pack(), "Possible conflicts still open")
    assert conflicts[0].startswith("1 pair of entries may describe the same contact but differ.")
    assert conflicts[1:] == ["Entries 3 and 4: differ on risk grade"]


def test_a_summary_becomes_one_line_cut_at_a_word() -> None:
    long = "Victim A described months of controlling behaviour.\nSuspect B " + "checked the phone daily " * 20
    line = one_line(long)
    assert "\n" not in line and line.endswith(" …") and len(line) <= 162
    assert line.startswith("Victim A described months of controlling behaviour. Suspect B checked")
    assert one_line("Short  summary,\n on two lines.") == "Short summary, on two lines."


def test_an_empty_chronology_has_no_key_issues_yet() -> None:
    document = render(chronology=merge([], parameters=PARAMETERS, lock=None))
    assert section(document, "Possible missed opportunities (0)") == ["None among the verified entries so far."]
    assert section(document, "Good practice (0)") == ["None noted among the verified entries so far."]
    assert section(document, "Themes") == ["No learning themes have been recorded on verified entries yet."]
    assert section(document, "Possible conflicts still open") == [
        "No entries appear to disagree about the same contact."
    ]
    assert section(document, "Key issues from the chronology")[0].startswith("The chronology is a draft")


def test_the_pack_speaks_of_learning_and_never_blames_anyone() -> None:
    text = everything(the_pack()).lower()
    for word in ("fail", "fault", "error", "negligen", "culpab", "to blame", "mistake"):
        assert word not in text
    assert text.count("blame") == text.count("not blame")


def test_a_long_chronology_lists_exactly_its_verified_flags() -> None:
    entries = []
    for n in range(1, 1001):
        flagged_missed, flagged_good, is_verified = n % 20 == 0, n % 25 == 0, n % 3 != 0
        review = Review(
            verified_by=OWEN if is_verified else None,
            verified_at=VERIFIED_AT if is_verified else None,
            missed_opportunity=True if flagged_missed else None,
            good_practice=flagged_good,
            themes=("Information sharing",) if n % 7 == 0 else (),
        )
        entries.append(an_entry(n, date(2025, 12, 1) + timedelta(days=n % 350), at=time(n % 24, n % 60), review=review))
    chronology = merge(entries, parameters=PARAMETERS, lock=None)
    document = render(chronology=chronology)
    checked = [e for e in chronology.entries if e.review.verified]
    missed = sum(1 for e in checked if e.missed_opportunity)
    good = sum(1 for e in checked if e.review.good_practice)
    themed = sum(1 for e in checked if e.review.themes)
    assert missed and good
    assert len(
        [t for t in section(document, f"Possible missed opportunities ({missed})") if t.startswith("Entry ")]
    ) == (missed)
    assert len([t for t in section(document, f"Good practice ({good})") if t.startswith("Entry ")]) == good
    assert section(document, "Themes")[1].startswith(f"Information sharing: {themed} entries (")
    assert section(document, "Themes")[1].endswith(f" and {themed - 15} more)")
