"""The disclosure bundle as an archive: opened the way a disclosure officer would, and the schedule checked against
what is in it, both ways.

`open_bundle` reads a zip back into the schedule, the records files and the documents; the storage test uses it to
compare the same archive with the database.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, replace
from datetime import date, timedelta

import docx
from docx.enum.section import WD_ORIENT
from icalendar import Calendar

from debrief import disclosure, nominations
from debrief.disclosure import DisclosureBundle
from debrief.model import NominationRules
from debrief.partners import PartnerInvitation
from debrief.permissions import Role
from documents.disclosure import (
    AUDIT_EXTRACT,
    INDEX_COLUMNS,
    INDEX_CSV,
    INDEX_DOCX,
    partner_response,
    render_disclosure_bundle,
)
from tests.support.docx import assert_marked_on_every_page, everything, table_rows
from tests.support.forms import nomination_form
from tests.support.people import DIRECTORY, JORDAN, MORGAN, OWEN, actor
from tests.unit.debrief.test_disclosure import ALEX, PRODUCED, whole_debrief_on_the_fake
from tests.unit.fakes import FakeUnitOfWork

MARKING = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class Table:
    """A CSV file of the archive: its marking line, its title, its header and its rows."""

    marking: str
    title: str
    columns: list[str]
    rows: list[dict[str, str]]


@dataclass(frozen=True)
class Opened:
    names: list[str]
    files: dict[str, bytes]
    index: Table
    tables: dict[str, Table]
    """Every CSV file but the index, by name."""

    def items(self) -> dict[int, dict[str, str]]:
        return {int(row["Item"]): row for row in self.index.rows}


def read_csv(data: bytes) -> Table:
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    columns = lines[2]
    return Table(lines[0][0], lines[1][0], columns, [dict(zip(columns, line, strict=True)) for line in lines[3:]])


def open_bundle(data: bytes) -> Opened:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        files = {name: archive.read(name) for name in names}
    tables = {name: read_csv(content) for name, content in files.items() if name.endswith(".csv") and name != INDEX_CSV}
    return Opened(names, files, read_csv(files[INDEX_CSV]), tables)


async def rendered() -> tuple[DisclosureBundle, Opened]:
    uow, made = await whole_debrief_on_the_fake()
    found = await disclosure.bundle(uow=uow, actor=actor(ALEX), now=PRODUCED, case_id=made.case_id)
    return found, open_bundle(render_disclosure_bundle(found))


def assert_schedule_matches_archive(opened: Opened) -> None:
    """Every item is a file of the archive or a row of a records file it names, and every file and every record
    row of the archive is an item: nothing is in the archive that the schedule does not list."""
    items = opened.items()
    assert list(items) == list(range(1, len(items) + 1))
    assert opened.index.columns == list(INDEX_COLUMNS)
    listed_files: set[str] = set()
    listed_rows: set[tuple[str, int]] = set()
    for number, item in items.items():
        file, _, row = item["File in the archive"].partition(", row ")
        assert file in opened.files, item
        if row:
            record = opened.tables[file].rows[int(row) - 1]
            assert int(record["Item"]) == number, (item, record)
            listed_rows.add((file, int(row)))
        else:
            listed_files.add(file)
    for name, table in opened.tables.items():
        if name.startswith("records/"):
            assert table.columns[0] == "Item"
            assert {(name, n) for n in range(1, len(table.rows) + 1)} <= listed_rows, name
    record_files = {file for file, _ in listed_rows}
    assert set(opened.names) == {INDEX_CSV, INDEX_DOCX} | listed_files | record_files
    assert not listed_files & record_files


async def test_the_schedule_lists_everything_in_the_archive_and_nothing_else() -> None:
    found, opened = await rendered()
    assert_schedule_matches_archive(opened)
    assert opened.names[:2] == [INDEX_CSV, INDEX_DOCX] and AUDIT_EXTRACT in opened.names
    kinds = [row["Item type"] for row in opened.index.rows]
    for kind, expected in (
        ("Nomination", 1),
        ("Triage", 1),
        ("Parameters", 2),
        ("SIO consent", 1),
        ("Contributor invitation", 2),
        ("Chronology entry", 9),
        ("Chronology lock", 1),
        ("Partner summary", 1),
        ("Partner invitation", 2),
        ("Debrief meeting", 1),
        ("Meeting attendance", 4),
        ("Learning point", 1),
        ("Recommendation", 2),
        ("Action", 1),
        ("Action request", 1),
        ("SIO sign-off", 1),
        ("Circulation", 1),
        ("Document delivery", 2),
        ("Document as it stands now", 4),
        ("Audit extract", 1),
    ):
        assert kinds.count(kind) == expected, kind
    assert len(opened.tables[AUDIT_EXTRACT].rows) == len(found.audit)


async def test_the_schedule_is_marked_and_says_what_the_material_is_for() -> None:
    _, opened = await rendered()
    assert opened.index.marking == MARKING
    title = opened.index.title
    assert title.startswith("Disclosure schedule for RD-2026-0001, produced 7 Dec 2026 10:00 (UK time) for Alex Rowan")
    assert "rapid debrief process" in title and "not a witness account" in title and "CPIA" in title
    assert all(table.marking == MARKING for table in opened.tables.values())

    document = docx.Document(io.BytesIO(opened.files[INDEX_DOCX]))
    assert_marked_on_every_page(document, case_number="RD-2026-0001")
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    words = everything(document)
    assert "It is not a witness account" in words and "learning review under the force's rapid debrief" in words
    [schedule] = document.tables
    rows = table_rows(schedule)
    assert rows[0] == list(INDEX_COLUMNS)
    assert [row[0] for row in rows[1:]] == [row["Item"] for row in opened.index.rows]
    assert [row[6] for row in rows[1:]] == [row["File in the archive"] for row in opened.index.rows]


async def test_every_version_of_every_entry_is_there_with_who_changed_what() -> None:
    _, opened = await rendered()
    rows = {(r["Entry"], r["Version"]): r for r in opened.tables["records/chronology-entries.csv"].rows}
    assert rows[("1", "1")]["Change"] == "added" and rows[("1", "1")]["Latest version"] == "no"
    assert rows[("1", "2")]["Change"] == "edited: summary" and rows[("1", "2")]["Changed by"] == "PC Jordan Ellis"
    assert rows[("1", "2")]["Summary"].startswith("Victim A called 999: Suspect B had threatened her")
    assert rows[("1", "3")]["Change"] == "verified" and rows[("1", "3")]["Verified by"] == "DS Owen Marsh"
    assert rows[("3", "2")]["Change"] == "withdrawn" and rows[("3", "2")]["Changed by"] == "Insp Tom Baird"
    assert (
        rows[("3", "1")]["Entry now"].startswith("Withdrawn") and rows[("2", "1")]["Entry now"] == "In the chronology"
    )
    assert rows[("4", "1")]["Contributor"] == "Morgan Lee (Probation Service)"
    assert rows[("4", "1")]["Time known"] == "Date only" and rows[("4", "1")]["Event time"] == ""
    withdrawn = [
        r for r in opened.index.rows if r["Item type"] == "Chronology entry" and r["Description"].startswith("Entry 3")
    ]
    assert [r["Version"] for r in withdrawn] == ["1 of 2", "2 of 2"]
    assert all(r["Description"].endswith("the entry is withdrawn") for r in withdrawn)


async def test_invitations_responses_and_attendance_are_records() -> None:
    _, opened = await rendered()
    invitations = opened.tables["records/partner-invitations.csv"].rows
    assert [(r["Contact"], r["Response"]) for r in invitations] == [
        ("Morgan Lee (Probation Service)", "Accepted"),
        ("Robin Shaw (Probation Service)", "Declined"),
    ]
    assert invitations[0]["Acknowledgement"].startswith("Acknowledged handling as OFFICIAL-SENSITIVE")
    assert invitations[1]["Reason given"] == "On leave until January." and invitations[1]["Acknowledgement"] == ""
    attendance = opened.tables["records/attendance.csv"].rows
    assert [(r["Person"], r["Attended"]) for r in attendance] == [
        ("DS Owen Marsh", "yes"),
        ("DCI Ruth Okafor", "yes"),
        ("PC Jordan Ellis", "no"),
        ("Morgan Lee (Probation Service)", "yes"),
    ]
    contributors = opened.tables["records/contributors.csv"].rows
    assert [r["Contributor"] for r in contributors] == ["Insp Tom Baird", "PC Jordan Ellis"]
    removed = [(r["Recommendation"], r["Removed by"]) for r in opened.tables["records/recommendations.csv"].rows]
    assert removed == [("1", ""), ("2", "DS Owen Marsh")]
    [action] = opened.tables["records/actions.csv"].rows
    assert (action["Status"], action["Status last changed by"]) == ("In progress", "Insp Tom Baird")
    [request] = opened.tables["records/action-requests.csv"].rows
    assert (request["Asked for"], request["Decision"], request["Decided by"]) == (
        "A new due date",
        "Refused",
        "Supt Dana Reeve",
    )
    deliveries = opened.tables["records/document-deliveries.csv"].rows
    assert [(r["Document"], r["For"], r["Outcome"]) for r in deliveries] == [
        ("Word chronology", "DS Owen Marsh", "fetched 27 Nov 2026 14:02"),
        ("Agenda pack", "DS Priya Natt", "not used; expired"),
    ]


async def test_the_documents_are_rendered_as_they_stand_now() -> None:
    found, opened = await rendered()
    documents = sorted(n for n in opened.names if n.startswith("documents/"))
    assert documents == [
        "documents/RD-2026-0001-agenda-pack.docx",
        "documents/RD-2026-0001-chronology.docx",
        "documents/RD-2026-0001-debrief-meeting.ics",
        "documents/RD-2026-0001-learning-and-actions.docx",
    ]
    chronology = docx.Document(io.BytesIO(opened.files["documents/RD-2026-0001-chronology.docx"]))
    assert_marked_on_every_page(chronology, case_number="RD-2026-0001")
    assert "Produced for: Alex Rowan (information manager)" in everything(chronology)
    learning = everything(docx.Document(io.BytesIO(opened.files["documents/RD-2026-0001-learning-and-actions.docx"])))
    assert "Approved by the SIO" in learning
    invitation = Calendar.from_ical(opened.files["documents/RD-2026-0001-debrief-meeting.ics"])
    assert found.meeting is not None
    [event] = invitation.walk("VEVENT")
    assert event.decoded("dtstart") == found.meeting.starts_at


async def test_the_same_bundle_gives_the_same_names_and_records() -> None:
    found, first = await rendered()
    second = open_bundle(render_disclosure_bundle(found))
    assert first.names == second.names
    assert all(first.files[n] == second.files[n] for n in first.names if n.endswith(".csv"))


async def test_a_nomination_not_yet_triaged_has_its_records_and_no_documents() -> None:
    uow = FakeUnitOfWork()
    case = await nominations.nominate(
        uow=uow,
        actor=actor(JORDAN),
        form=nomination_form(),
        now=PRODUCED - timedelta(days=1),
        rules=NominationRules(),
        sios=DIRECTORY.people_with(Role.SIO),
    )
    assert case.id is not None
    found = await disclosure.bundle(uow=uow, actor=actor(ALEX), now=PRODUCED, case_id=case.id)
    opened = open_bundle(render_disclosure_bundle(found))
    assert_schedule_matches_archive(opened)
    assert opened.names == [INDEX_CSV, INDEX_DOCX, "records/nomination.csv", AUDIT_EXTRACT]
    [nomination] = opened.tables["records/nomination.csv"].rows
    assert (nomination["Case"], nomination["Status now"], nomination["Nominated by"]) == (
        "RD-2026-0001",
        "Nominated",
        "PC Jordan Ellis",
    )


def test_an_unanswered_invitation_past_its_date_is_disclosed_as_expired() -> None:
    invitation = PartnerInvitation(
        case_id=1,
        agency="Probation Service",
        contact=MORGAN,
        invited_by=OWEN,
        invited_at=PRODUCED - timedelta(days=20),
        answer_by=date(2026, 11, 24),
        agreement="Local agreement",
    )
    assert partner_response(invitation, PRODUCED) == "Expired (not answered by 24 Nov 2026)"
    assert partner_response(replace(invitation, answer_by=date(2026, 12, 9)), PRODUCED) == "Awaiting an answer"


async def test_an_erased_case_gives_only_the_schedule_and_the_audit_extract_and_says_so() -> None:
    uow, made = await whole_debrief_on_the_fake()
    erased_at = PRODUCED - timedelta(days=1)
    async with uow:
        case = await uow.cases.get(made.case_id)
        assert case is not None
        await uow.retention.erase(case, at=erased_at)
        await uow.commit()
    kept = [r for r in uow.committed_audit if r.case_id == made.case_id]

    asked = await disclosure.request_bundle(uow=uow, actor=actor(ALEX), case_number="RD-2026-0001", now=PRODUCED)
    assert (asked.id, asked.erased_at) == (made.case_id, erased_at)
    found = await disclosure.bundle(uow=uow, actor=actor(ALEX), now=PRODUCED, case_id=made.case_id)
    assert found.erased_at == erased_at and list(found.audit) == [*kept, uow.committed_audit[-2]]
    opened = open_bundle(render_disclosure_bundle(found))
    assert opened.names == [INDEX_CSV, INDEX_DOCX, AUDIT_EXTRACT]
    assert_schedule_matches_archive(opened)
    assert [r["Item type"] for r in opened.index.rows] == ["Audit extract"]
    assert len(opened.tables[AUDIT_EXTRACT].rows) == len(kept) + 1  # and the request for this bundle
    assert "was erased on 6 Dec 2026 10:00 (UK time) after its retention review" in opened.index.title
    words = everything(docx.Document(io.BytesIO(opened.files[INDEX_DOCX])))
    assert "schedule and the audit extract only" in words
    assert "[erased]" not in words and "Operation Larkspur" not in words
