"""The disclosure bundle as one archive (zip): a pure function of `debrief.disclosure.DisclosureBundle`.

What the archive holds, under names that depend only on the case:

- `index.csv` and `index.docx`: the schedule a disclosure officer works from, one line per item: its number, its
  type, a description, its date and time, the people, its version and where it is in the archive. Both carry the
  OFFICIAL-SENSITIVE marking and the purpose statement (a learning review, not a witness account).
- `documents/`: the Word chronology, the agenda pack, the calendar invitation and the learning and actions
  document, rendered now by the renderers that deliver them, where the case has what each needs.
- `records/`: every record the case holds, one CSV per kind, one row per record; the first column of every row is
  its item number in the schedule.
- `audit-extract.csv`: every audit record of the case, in the order written.

Every item of the schedule is a file in the archive or a row of a records file, and every file and every record row
in the archive is an item of the schedule: nothing is in the archive that the schedule does not list.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Pt
from docx.styles.style import ParagraphStyle

from debrief.chronology import ChronologyEntry
from debrief.disclosure import DisclosureBundle, EntryVersion, Kept
from debrief.exports import Cell, ExportTable
from debrief.learning import Action, LearningPoint, Recommendation
from debrief.model import LONDON, CaseStatus, TriageOutcome
from debrief.partners import InvitationStatus, PartnerInvitation
from documents.agenda import render_agenda_pack
from documents.calendar import render_meeting_invitation
from documents.chronology import render_chronology
from documents.learning import render_learning_document
from documents.tables import to_csv
from documents.word import (
    MARKING,
    Body,
    add_item_style,
    add_marking_style,
    case_fields,
    label,
    moment,
    normal_style,
    run,
    set_properties,
    set_up_page,
    when,
)

TITLE = "Disclosure schedule"
INDEX_CSV = "index.csv"
INDEX_DOCX = "index.docx"
AUDIT_EXTRACT = "audit-extract.csv"
INDEX_COLUMNS = ("Item", "Item type", "Description", "Date and time", "Person(s)", "Version", "File in the archive")
PURPOSE = (
    "This material was produced for a homicide prevention rapid debrief: a learning review under the force's rapid "
    "debrief process, to find learning that could help prevent future homicides. It is for learning, not blame. It "
    "is not a witness account and must not be used as one, and it is not a disciplinary, misconduct or statutory "
    "review.",
    f"Handling: {MARKING}. The material is potentially disclosable in criminal proceedings under the Criminal "
    "Procedure and Investigations Act 1996 (CPIA) and is retained in full. Share it strictly on a need-to-know basis "
    "and do not forward it.",
)
NOT_KEPT = (
    "Documents are rendered as they stand when the bundle is produced. Each earlier delivery of a document is listed "
    "(to whom, when), but a copy of what was delivered is not kept.",
    "The debrief meeting is kept as it stands now (its revision number counts each change of date, time or "
    "attendees); each earlier scheduling is in the audit extract.",
    "An action is kept with its status now, who last changed it and when, and every request about it; each earlier "
    "change of status is in the audit extract.",
    "The audit extract holds every audit record of the case written before this bundle; producing this bundle is "
    "itself recorded in the audit log, as a disclosure to the person it was produced for.",
)
_INDEX_WIDTHS = (550, 1700, 4850, 1500, 2300, 800, 2870)
"""The schedule table's columns in twentieths of a point: 25.7 cm across, A4 landscape less margins."""
_HEADER_SHADE = "D9D9D9"
_DOCUMENT = "Document as it stands now"
_TRIAGE = {
    TriageOutcome.ACCEPT: "Accepted",
    TriageOutcome.DECLINE: "Declined",
    TriageOutcome.MERGE: "Merged into another case",
    TriageOutcome.REQUEST_INFORMATION: "More information requested from the nominator",
    TriageOutcome.INFORMATION_PROVIDED: "The nominator answered the review team's question",
}
_DOCUMENT_LABELS = {
    "chronology": "Word chronology",
    "agenda_pack": "Agenda pack",
    "meeting_invitation": "Calendar invitation",
    "learning": "Learning and actions document",
    "disclosure_bundle": "Disclosure bundle",
}


@dataclass(frozen=True)
class Item:
    """One line of the schedule: a file of the archive, or (with `row`) one row of a records file."""

    number: int
    kind: str
    description: str
    at: datetime | date | None
    people: str
    version: str
    file: str
    row: int | None = None

    @property
    def location(self) -> str:
        return f"{self.file}, row {self.row}" if self.row is not None else self.file


@dataclass
class _Records:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)


class Schedule:
    """The items in the order they are numbered, and the records files their rows are written to."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.records: dict[str, _Records] = {}

    def record(
        self,
        file: str,
        title: str,
        columns: tuple[str, ...],
        cells: tuple[Cell, ...],
        *,
        kind: str,
        description: str,
        at: datetime | date | None,
        people: Sequence[str],
        version: object = "",
    ) -> None:
        """A row of `file` (its first cell the item's number) and its item in the schedule."""
        records = self.records.setdefault(file, _Records(title, columns))
        assert len(cells) == len(columns), file
        number = len(self.items) + 1
        records.rows.append((number, *cells))
        self.items.append(
            Item(number, kind, description, at, _people(people), str(version), file, row=len(records.rows))
        )

    def file(
        self, name: str, *, kind: str, description: str, at: datetime | date | None, people: Sequence[str]
    ) -> None:
        self.items.append(Item(len(self.items) + 1, kind, description, at, _people(people), "", name))

    def tables(self, case_number: str) -> dict[str, ExportTable]:
        return {
            name: ExportTable(
                name=name.removeprefix("records/").removesuffix(".csv"),
                title=f"{records.title} – {case_number}",
                columns=("Item", *records.columns),
                rows=tuple(records.rows),
            )
            for name, records in self.records.items()
        }


def bundle_filename(case_number: str) -> str:
    return f"{case_number}-disclosure-bundle.zip"


def render_disclosure_bundle(bundle: DisclosureBundle) -> bytes:
    """The archive's bytes: the same bundle gives the same names, in the same order, with the same contents."""
    case_number = bundle.case.case_number
    schedule = Schedule()
    documents: list[tuple[str, bytes]] = []
    if bundle.erased_at is None:
        _case_records(schedule, bundle)
        _chronology_records(schedule, bundle)
        _partner_records(schedule, bundle)
        _meeting_records(schedule, bundle)
        _outcome_records(schedule, bundle)
        _delivery_records(schedule, bundle)
        documents = _documents(schedule, bundle)
    audit = audit_extract(bundle)
    schedule.file(
        AUDIT_EXTRACT,
        kind="Audit extract",
        description=f"Every audit record of the case ({len(bundle.audit)}), in the order written: who did what, "
        "when, why, and to whom anything was disclosed",
        at=bundle.produced_at,
        people=[],
    )
    files: list[tuple[str, bytes]] = [
        (INDEX_CSV, to_csv(index_table(bundle, schedule.items))),
        (INDEX_DOCX, render_index(bundle, schedule.items)),
        *documents,
        *((name, to_csv(table)) for name, table in schedule.tables(case_number).items()),
        (AUDIT_EXTRACT, to_csv(audit)),
    ]
    return _zip(files, bundle.produced_at)


# --- The schedule -------------------------------------------------------------------------------------------


def erased_note(bundle: DisclosureBundle) -> str | None:
    """What an erased case's bundle says about itself; None for a case whose content is kept."""
    if bundle.erased_at is None:
        return None
    return (
        f"The content of {bundle.case.case_number} was erased on {moment(bundle.erased_at)} (UK time) after its "
        "retention review (MoPI). Only its case number, its dates and its audit trail are kept, so this bundle holds "
        "the schedule and the audit extract only."
    )


def index_table(bundle: DisclosureBundle, items: Sequence[Item]) -> ExportTable:
    produced = f"produced {moment(bundle.produced_at)} (UK time) for {bundle.produced_for.name}"
    erased = f" {note}" if (note := erased_note(bundle)) else ""
    return ExportTable(
        name="index",
        title=f"{TITLE} for {bundle.case.case_number}, {produced}.{erased} {' '.join(PURPOSE)}",
        columns=INDEX_COLUMNS,
        rows=tuple(
            (item.number, item.kind, item.description, item.at, item.people, item.version, item.location)
            for item in items
        ),
    )


def audit_extract(bundle: DisclosureBundle) -> ExportTable:
    return ExportTable(
        name="audit-extract",
        title=f"Audit extract – {bundle.case.case_number}: every record of the case before this bundle was produced "
        f"({moment(bundle.produced_at)} UK time), in the order written",
        columns=("Record", "At", "Actor id", "Actor", "Action", "Category", "Outcome", "Justification", "Recipients"),
        rows=tuple(
            (
                n,
                r.at,
                r.actor_id,
                r.actor_name,
                r.action,
                r.category.value,
                r.outcome.value,
                r.justification,
                "; ".join(r.recipients),
            )
            for n, r in enumerate(bundle.audit, 1)
        ),
    )


def render_index(bundle: DisclosureBundle, items: Sequence[Item]) -> bytes:
    """The schedule as a Word document: A4 landscape, marked OFFICIAL-SENSITIVE on every page."""
    document = Document()
    cell_style = _install_styles(document)
    section = document.sections[0]
    set_up_page(section, bundle.case.case_number)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    set_properties(document, title=f"{TITLE} – {bundle.case.case_number}", produced_at=bundle.produced_at)

    body = _Body()
    body.paragraph(run(TITLE), style="Title")
    if (erased := erased_note(bundle)) is not None:
        body.field("Case", bundle.case.case_number)
        body.paragraph(label(erased))
    else:
        case_fields(body, bundle.case)
    body.field("Produced for", f"{bundle.produced_for.name}, {moment(bundle.produced_at)} (UK time)")
    body.field("Items", str(len(items)))
    body.heading("Purpose and handling")
    for text in PURPOSE:
        body.paragraph(run(text))
    if bundle.erased_at is None:
        body.heading("What is not kept")
        for text in NOT_KEPT:
            body.paragraph(run(text))
    body.heading("Schedule")
    body.table(items, cell_style)
    body.write_into(document)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class _Body(Body):
    def table(self, items: Sequence[Item], cell_style: str) -> None:
        self._parts.append(_table(items, cell_style))


def _install_styles(document: DocxDocument) -> str:
    normal = normal_style(document)
    add_item_style(document, normal)
    add_marking_style(document, normal)
    cell = document.styles.add_style("Table text", WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(cell, ParagraphStyle)
    cell.base_style = normal
    cell.font.size = Pt(8)
    cell.paragraph_format.space_after = Pt(0)
    return str(cell.style_id)


def _table(items: Sequence[Item], cell_style: str) -> str:
    """A bordered table, its header row repeated on every page; WordprocessingML text, like the other documents."""
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
    borders = "".join(border.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))

    def cell(content: str, width: int, shade: str | None = None) -> str:
        fill = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{fill}</w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{cell_style}"/></w:pPr>{content}</w:p></w:tc>'
        )

    xml = [
        "<w:tbl><w:tblPr>"
        '<w:tblW w:w="0" w:type="auto"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr><w:tblGrid>" + "".join(f'<w:gridCol w:w="{width}"/>' for width in _INDEX_WIDTHS) + "</w:tblGrid>",
        "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>",
        *(cell(label(title), width, _HEADER_SHADE) for title, width in zip(INDEX_COLUMNS, _INDEX_WIDTHS, strict=True)),
        "</w:tr>",
    ]
    for item in items:
        at = moment(item.at) if isinstance(item.at, datetime) else (_day(item.at) if item.at else "")
        texts = (str(item.number), item.kind, item.description, at, item.people, item.version, item.location)
        xml.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        xml.extend(cell(run(text), width) for text, width in zip(texts, _INDEX_WIDTHS, strict=True))
        xml.append("</w:tr>")
    xml.append("</w:tbl>")
    return "".join(xml)


# --- The records ----------------------------------------------------------------------------------------------


def _case_records(schedule: Schedule, b: DisclosureBundle) -> None:
    case, n = b.case, b.case.nomination
    schedule.record(
        "records/nomination.csv",
        "The nomination",
        (
            "Case",
            "Incident reference",
            "Operation",
            "Incident at",
            "Offence type",
            "Domestic or non-domestic",
            "Homicide or near miss",
            "Policing area",
            "Daily management meeting",
            "Why it is in scope",
            "SIO",
            "Nominated by",
            "Nominated at",
            "Status now",
            "Lead reviewer",
        ),
        (
            case.case_number,
            n.incident_reference,
            n.operation_name,
            n.incident_at,
            n.offence_type.label,
            n.context.label,
            n.harm.label,
            n.policing_area,
            n.dmm_date,
            n.scope_reason,
            n.sio.name,
            case.nominator.name,
            case.nominated_at,
            case.status.label,
            case.lead_reviewer.name if case.lead_reviewer else None,
        ),
        kind="Nomination",
        description=f"Nomination: {n.offence_type.label} ({n.context.label.lower()}, {n.harm.label.lower()}), "
        f"{n.policing_area}",
        at=case.nominated_at,
        people=[case.nominator.name],
    )
    for d in case.decisions:
        outcome = _TRIAGE[d.outcome]
        schedule.record(
            "records/triage-decisions.csv",
            "Triage decisions",
            ("Decision", "By", "At", "Lead reviewer", "Reason, question or answer", "Merged into"),
            (
                outcome,
                d.decided_by.name,
                d.decided_at,
                d.lead_reviewer.name if d.lead_reviewer else None,
                d.reason,
                d.merged_into_case_number,
            ),
            kind="Triage",
            description=outcome,
            at=d.decided_at,
            people=[d.decided_by.name],
        )
    for p in b.parameters:
        x = p.parameters
        schedule.record(
            "records/parameters.csv",
            "Parameters of the debrief, every revision",
            (
                "Revision",
                "Set by",
                "Set at",
                "Changed",
                "Look back from",
                "Look back to",
                "Subjects",
                "Agencies",
                "Questions",
                "Parallel processes",
            ),
            (
                p.revision,
                p.set_by.name,
                p.set_at,
                ", ".join(p.changed),
                x.look_back_from,
                x.look_back_to,
                "; ".join(x.subjects),
                "; ".join(x.agencies),
                "\n".join(x.questions),
                "; ".join(sorted(q.label for q in x.parallel_processes)),
            ),
            kind="Parameters",
            description=f"Parameters, revision {p.revision} (changed: {', '.join(p.changed)})",
            at=p.set_at,
            people=[p.set_by.name],
            version=p.revision,
        )
    for c in b.consents:
        schedule.record(
            "records/sio-consent.csv",
            "The SIO's answers about consent",
            ("Answer", "By", "At", "Conditions or reason"),
            (c.answer.label, c.by.name, c.at, c.text),
            kind="SIO consent",
            description=c.answer.label + (" (conditions recorded)" if c.text else ""),
            at=c.at,
            people=[c.by.name],
        )
    for contributor in b.contributors:
        schedule.record(
            "records/contributors.csv",
            "Officers invited to contribute to the chronology",
            ("Contributor", "Invited by", "Invited at", "Contributions due"),
            (contributor.person.name, contributor.invited_by.name, contributor.invited_at, contributor.deadline),
            kind="Contributor invitation",
            description=f"{contributor.person.name} invited to add what they know to the chronology",
            at=contributor.invited_at,
            people=[contributor.person.name, contributor.invited_by.name],
        )


_ENTRY_COLUMNS = (
    "Entry",
    "Version",
    "Latest version",
    "Change",
    "Changed by",
    "Changed at",
    "Contributor",
    "Recorded at",
    "Entry now",
    "Event date",
    "Event time",
    "Time known",
    "Source agency",
    "Source system",
    "Source reference",
    "Contact type",
    "Subjects",
    "Summary",
    "Fact, allegation or opinion",
    "Risk assessment tool",
    "Risk grade",
    "Risk assessed on",
    "Action taken and outcome",
    "Possible missed opportunity (contributor)",
    "Rationale",
    "Verified by",
    "Verified at",
    "Missed opportunity (lead reviewer)",
    "Good practice",
    "Themes",
)


def _chronology_records(schedule: Schedule, b: DisclosureBundle) -> None:
    now = {e.id: e for e in b.entries}
    latest = {v.entry_id: v.version for v in b.entry_versions}
    previous: dict[int, ChronologyEntry] = {}
    for kept in b.entry_versions:
        e, content, review = kept.entry, kept.entry.content, kept.entry.review
        risk = content.risk_assessment
        current = now.get(kept.entry_id)
        withdrawn_at = current.withdrawn_at if current is not None else None
        withdrawn = withdrawn_at is not None
        status = f"Withdrawn {moment(withdrawn_at)}" if withdrawn_at is not None else "In the chronology"
        change = entry_change(previous.get(kept.entry_id), kept)
        previous[kept.entry_id] = e
        schedule.record(
            "records/chronology-entries.csv",
            "Chronology entries, every version (withdrawn entries too)",
            _ENTRY_COLUMNS,
            (
                kept.entry_id,
                kept.version,
                "yes" if kept.version == latest[kept.entry_id] else "no",
                change,
                kept.changed_by.name,
                kept.changed_at,
                e.contributor.name,
                e.recorded_at,
                status,
                content.event_date,
                content.event_time.strftime("%H:%M") if content.event_time else None,
                content.precision.label,
                content.source_agency,
                content.source_system,
                content.source_reference,
                content.contact_type.label,
                "; ".join(content.subjects),
                content.summary,
                content.information_type.label,
                risk.tool if risk else None,
                risk.grade.label if risk else None,
                risk.assessed_on if risk else None,
                content.action_and_outcome,
                "yes" if content.missed_opportunity else "no",
                content.missed_opportunity_rationale,
                review.verified_by.name if review.verified_by else None,
                review.verified_at,
                _yes_no(review.missed_opportunity),
                "yes" if review.good_practice else "no",
                "; ".join(review.themes),
            ),
            kind="Chronology entry",
            description=f"Entry {kept.entry_id}: {content.contact_type.label}, {when(content)}, "
            f"{content.source_agency} – {change}" + ("; the entry is withdrawn" if withdrawn else ""),
            at=kept.changed_at,
            people=list(dict.fromkeys([e.contributor.name, kept.changed_by.name])),
            version=f"{kept.version} of {latest[kept.entry_id]}",
        )
    lock = b.chronology.lock
    if lock is not None:
        schedule.record(
            "records/chronology-lock.csv",
            "The chronology lock",
            ("Locked by", "Locked at"),
            (lock.locked_by.name, lock.locked_at),
            kind="Chronology lock",
            description="The chronology was locked: no entry can be added or changed after this",
            at=lock.locked_at,
            people=[lock.locked_by.name],
        )


def entry_change(before: ChronologyEntry | None, kept: EntryVersion) -> str:
    """What this version changed from the one before: "added", "edited: summary", "verified", "withdrawn"…"""
    after = kept.entry
    if before is None:
        return "added"
    changes = []
    if after.withdrawn_at is not None and before.withdrawn_at is None:
        changes.append("withdrawn")
    if edited := after.content.changed_fields(before.content):
        # An edit also clears the verification: the lead reviewer verifies the new account.
        changes.append("edited: " + ", ".join(name.replace("_", " ") for name in edited))
    elif after.review.verified and not before.review.verified:
        changes.append("verified")
    elif after.review != before.review:
        changes.append("lead reviewer's flags or themes changed")
    return "; ".join(changes) or "saved again, unchanged"


def _partner_records(schedule: Schedule, b: DisclosureBundle) -> None:
    for s in b.partner_summaries:
        schedule.record(
            "records/partner-summaries.csv",
            "The partner summary, every revision",
            ("Revision", "Approved by", "Approved at", "Text"),
            (s.revision, s.approved_by.name, s.approved_at, s.text),
            kind="Partner summary",
            description=f"Partner summary, revision {s.revision}: the only case text partners see",
            at=s.approved_at,
            people=[s.approved_by.name],
            version=s.revision,
        )
    for i in b.partner_invitations:
        response = partner_response(i, b.produced_at)
        accepted = i.status is InvitationStatus.ACCEPTED
        schedule.record(
            "records/partner-invitations.csv",
            "Partner invitations and their responses",
            (
                "Invitation",
                "Agency",
                "Contact",
                "Invited by",
                "Invited at",
                "Answer by",
                "Information-sharing agreement",
                "Response",
                "Answered at",
                "Acknowledgement",
                "Reason given",
                "Delegated to",
                "Delegated from invitation",
                "Access until",
            ),
            (
                i.id,
                i.agency,
                i.contact.name,
                i.invited_by.name,
                i.invited_at,
                i.answer_by,
                i.agreement,
                response,
                i.answered_at,
                "Acknowledged handling as OFFICIAL-SENSITIVE under the agreement, shared with no one else"
                if accepted
                else None,
                i.decline_reason,
                i.delegated_to.name if i.delegated_to else None,
                i.delegated_from_id,
                i.access_until,
            ),
            kind="Partner invitation",
            description=f"{i.agency}: {i.contact.name} invited – {response}",
            at=i.invited_at,
            people=[i.contact.name, i.invited_by.name],
        )


def partner_response(invitation: PartnerInvitation, now: datetime) -> str:
    if invitation.expired(now):
        return f"Expired (not answered by {_day(invitation.answer_by)})"
    if invitation.status is InvitationStatus.INVITED:
        return "Awaiting an answer"
    if invitation.status is InvitationStatus.DELEGATED and invitation.delegated_to is not None:
        return f"Delegated to {invitation.delegated_to.name}"
    return invitation.status.label


def _meeting_records(schedule: Schedule, b: DisclosureBundle) -> None:
    m = b.meeting
    if m is None:
        return
    schedule.record(
        "records/meeting.csv",
        "The debrief meeting as it stands",
        (
            "Revision",
            "Starts at",
            "Ends at",
            "Minutes",
            "Location",
            "Teams meeting",
            "Invited",
            "Scheduled (or last moved) by",
            "Scheduled at",
        ),
        (
            m.revision,
            m.starts_at,
            m.ends_at,
            m.duration_minutes,
            m.location,
            "yes" if m.join_url else "no",
            "; ".join(p.name for p in m.attendees),
            m.scheduled_by.name,
            m.scheduled_at,
        ),
        kind="Debrief meeting",
        description=f"Debrief meeting on {moment(m.starts_at)} (UK time); earlier schedules are in the audit extract",
        at=m.scheduled_at,
        people=[m.scheduled_by.name],
        version=m.revision,
    )
    attended = {p.user_id for p in m.attended} if m.attended is not None else None
    by = m.attendance_recorded_by
    for person in m.attendees:
        if attended is None:
            outcome, went = "attendance not recorded", None
        else:
            went = person.user_id in attended
            outcome = "attended" if went else "did not attend"
        schedule.record(
            "records/attendance.csv",
            "Who was invited to the debrief meeting and who attended",
            ("Person", "Invited", "Attended", "Recorded by", "Recorded at"),
            (person.name, "yes", _yes_no(went), by.name if by else None, m.attendance_recorded_at),
            kind="Meeting attendance",
            description=f"{person.name}: invited, {outcome}",
            at=m.attendance_recorded_at,
            people=[person.name],
        )


def _outcome_records(schedule: Schedule, b: DisclosureBundle) -> None:
    record = b.outcome_record
    for kept_point in record.learning:
        point: LearningPoint = kept_point.item
        schedule.record(
            "records/learning-points.csv",
            "Learning points (removed ones too)",
            ("Learning point", "Theme", "Gap or good practice", "Text", "Recorded by", "Recorded at", *_REMOVED),
            (
                point.id,
                point.theme,
                point.kind.label,
                point.text,
                point.recorded_by.name,
                point.recorded_at,
                *_removed(kept_point),
            ),
            kind="Learning point",
            description=f"{point.kind.label}: {point.theme}{_removed_note(kept_point)}",
            at=point.recorded_at,
            people=[point.recorded_by.name],
        )
    for kept_recommendation in record.recommendations:
        r: Recommendation = kept_recommendation.item
        schedule.record(
            "records/recommendations.csv",
            "Recommendations (removed ones too)",
            ("Recommendation", "Text", "Route", "Recorded by", "Recorded at", *_REMOVED),
            (r.id, r.text, r.route.label, r.recorded_by.name, r.recorded_at, *_removed(kept_recommendation)),
            kind="Recommendation",
            description=f"Recommendation {r.id} ({r.route.label.lower()}){_removed_note(kept_recommendation)}",
            at=r.recorded_at,
            people=[r.recorded_by.name],
        )
    for kept_action in record.actions:
        a: Action = kept_action.item
        changed_by = a.status_changed_by
        schedule.record(
            "records/actions.csv",
            "Actions with their status now (removed ones too); each change of status is in the audit extract",
            (
                "Action",
                "Description",
                "Owner",
                "Due",
                "Priority",
                "Theme",
                "Route",
                "Status",
                "Evidence or reason",
                "Status last changed by",
                "Status last changed at",
                "Created by",
                "Created at",
                "Version",
                *_REMOVED,
            ),
            (
                a.id,
                a.description,
                a.owner.name,
                a.due,
                a.priority.label,
                a.theme,
                a.route.label,
                a.status.label,
                a.status_note,
                changed_by.name if changed_by else None,
                a.status_changed_at,
                a.created_by.name,
                a.created_at,
                a.version,
                *_removed(kept_action),
            ),
            kind="Action",
            description=f"Action {a.id}: {a.status.label.lower()}, due {_day(a.due)}{_removed_note(kept_action)}",
            at=a.created_at,
            people=list(dict.fromkeys([a.owner.name, a.created_by.name])),
            version=a.version,
        )
    for q in b.action_requests:
        schedule.record(
            "records/action-requests.csv",
            "Requests about actions, for the working group to decide",
            (
                "Request",
                "Action",
                "Asked for",
                "Reason",
                "New due date",
                "Requested by",
                "Requested at",
                "Decision",
                "Decided by",
                "Decided at",
            ),
            (
                q.id,
                q.action_id,
                q.kind.label,
                q.reason,
                q.new_due,
                q.requested_by.name,
                q.requested_at,
                q.state.label,
                q.decided_by.name if q.decided_by else None,
                q.decided_at,
            ),
            kind="Action request",
            description=f"Action {q.action_id}: {q.kind.label.lower()} – {q.state.label.lower()}",
            at=q.requested_at,
            people=[q.requested_by.name, *([q.decided_by.name] if q.decided_by else [])],
        )
    for s in record.sign_offs:
        schedule.record(
            "records/sign-offs.csv",
            "The SIO's sign-off of the learning and actions, every request",
            ("Outcome version", "State", "Requested by", "Requested at", "Answered by", "Answered at", "Comment"),
            (
                s.outcome_version,
                s.state.label,
                s.requested_by.name,
                s.requested_at,
                s.answered_by.name if s.answered_by else None,
                s.answered_at,
                s.comment,
            ),
            kind="SIO sign-off",
            description=f"Version {s.outcome_version} of the learning and actions – {s.state.label}",
            at=s.answered_at or s.requested_at,
            people=[s.requested_by.name, *([s.answered_by.name] if s.answered_by else [])],
            version=s.outcome_version,
        )
    if b.outcome.circulated_at is not None:
        schedule.record(
            "records/circulation.csv",
            "Circulation of the approved learning and actions",
            ("Outcome version", "Circulated at"),
            (b.outcome.version, b.outcome.circulated_at),
            kind="Circulation",
            description="The approved learning and actions were sent to the meeting's attendees, one to one",
            at=b.outcome.circulated_at,
            people=[],
            version=b.outcome.version,
        )


_REMOVED = ("Removed by", "Removed at")


def _removed(kept: Kept[Any]) -> tuple[Cell, Cell]:
    return (kept.removed.by.name, kept.removed.at) if kept.removed else (None, None)


def _removed_note(kept: Kept[Any]) -> str:
    return f" (removed {moment(kept.removed.at)})" if kept.removed else ""


def _delivery_records(schedule: Schedule, b: DisclosureBundle) -> None:
    for d in b.deliveries:
        what = _DOCUMENT_LABELS.get(d.kind, d.kind)
        if d.used_at is not None:
            outcome = f"fetched {moment(d.used_at)}"
        elif d.expires_at <= b.produced_at:
            outcome = "not used; expired"
        else:
            outcome = "not used yet"
        schedule.record(
            "records/document-deliveries.csv",
            "Documents delivered one to one (each link or file offer; the copies delivered are not kept)",
            ("Document", "For", "Offered at", "Offer expired at", "Fetched at", "Outcome"),
            (what, d.requester.name, d.created_at, d.expires_at, d.used_at, outcome),
            kind="Document delivery",
            description=f"{what} offered to {d.requester.name}: {outcome}",
            at=d.created_at,
            people=[d.requester.name],
        )


# --- The documents as they stand -----------------------------------------------------------------------------


def _documents(schedule: Schedule, b: DisclosureBundle) -> list[tuple[str, bytes]]:
    """Each document the case has what it needs for, rendered now for the person the bundle is produced for."""
    case, number, meeting = b.case, b.case.case_number, b.meeting
    found: list[tuple[str, str, Callable[[], bytes]]] = []
    if case.status is CaseStatus.ACCEPTED:
        found.append(
            (
                f"documents/{number}-chronology.docx",
                f"The Word chronology: {len(b.chronology.entries)} current entries in time order",
                lambda: render_chronology(
                    case=case, chronology=b.chronology, produced_for=b.produced_for, produced_at=b.produced_at
                ),
            )
        )
    if meeting is not None:
        found.append(
            (
                f"documents/{number}-agenda-pack.docx",
                "The agenda pack for the debrief meeting",
                lambda: render_agenda_pack(
                    case=case,
                    parameters=b.latest_parameters,
                    chronology=b.chronology,
                    meeting=meeting,
                    partners=b.partner_invitations,
                    produced_for=b.produced_for,
                    produced_at=b.produced_at,
                ),
            )
        )
        found.append(
            (
                f"documents/{number}-debrief-meeting.ics",
                f"The calendar invitation to the debrief meeting (revision {meeting.revision})",
                lambda: render_meeting_invitation(
                    case_number=number, meeting=meeting, organiser=meeting.scheduled_by, produced_at=b.produced_at
                ),
            )
        )
    if not b.outcome.empty:
        found.append(
            (
                f"documents/{number}-learning-and-actions.docx",
                f"The learning and actions document, version {b.outcome.version}",
                lambda: render_learning_document(
                    case=case,
                    outcome=b.outcome,
                    meeting=meeting,
                    produced_for=b.produced_for,
                    produced_at=b.produced_at,
                ),
            )
        )
    rendered = []
    for name, description, render in found:
        schedule.file(name, kind=_DOCUMENT, description=description, at=b.produced_at, people=[b.produced_for.name])
        rendered.append((name, render()))
    return rendered


# --- Words and the archive -------------------------------------------------------------------------------------


def _people(names: Sequence[str]) -> str:
    return "; ".join(dict.fromkeys(n for n in names if n))


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _zip(files: Sequence[tuple[str, bytes]], produced_at: datetime) -> bytes:
    """One zip, each file stamped with the moment the bundle was produced (UK time), so names, order and dates
    depend only on the bundle."""
    stamp = produced_at.astimezone(LONDON).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, content)
    return out.getvalue()
