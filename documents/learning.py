"""The debrief's learning and actions as a Word document: what the SIO signs off and the attendees receive.

A pure function of the domain objects: `render_learning_document` takes the case, the outcome (learning points,
recommendations, actions and the latest sign-off), the meeting, whom it is produced for and when, and returns
.docx bytes.

What it says, in order: the marking (header and footer of every page, with the case number and "Page X of Y"),
the title block with where the sign-off stands (approved by the SIO, or a draft not yet approved for
circulation), why it exists and how it is handled, the meeting (its date and who attended, or who was invited
while attendance is not recorded), the learning points grouped by theme with gaps and good practice marked,
the recommendations with their route, and the actions as a table.

It goes to the meeting's attendees once the SIO approves, partners among them, so it names the case by its
number only: no incident reference, operation name or policing area. Everything is worded for learning about
how agencies worked together, never as findings about individuals.

Built like the other documents (`documents.word`): the body is WordprocessingML text parsed once. The actions
table is written the same way; an outcome has tens of actions, not thousands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Cm, Pt
from docx.styles.style import ParagraphStyle

from debrief.learning import Action, LearningKind, LearningPoint, Outcome, SignOff, SignOffState
from debrief.meetings import Meeting
from debrief.model import Case, Person
from debrief.themes import DEFAULT_THEMES
from documents.agenda import meeting_time
from documents.word import (
    GOOD_SHADE,
    MARKING,
    Body,
    add_item_style,
    add_marking_style,
    count,
    day,
    label,
    moment,
    normal_style,
    run,
    set_properties,
    set_up_page,
)

TITLE = "Rapid debrief: learning and actions"
DRAFT = "Draft – not yet approved for circulation"
GAP_SHADE = "FFF2CC"
"""A gap is marked in a light yellow: something to do differently, not a finding against anyone."""
_HEADER_SHADE = "D9D9D9"

PURPOSE = (
    "This document records the learning, recommendations and actions agreed at a homicide prevention rapid "
    "debrief. It is for learning, not blame: it describes what could work better, and what worked well, in how "
    "police and partner agencies responded, so that future homicides may be prevented. It is not a review of any "
    "individual's conduct, and it is not a disciplinary, misconduct or statutory review.",
    "Each learning point is marked as a gap (something that could work better) or good practice (something worth "
    "repeating). Actions are described without personal data: each owner is sent their action on its own.",
    f"Handling: {MARKING}. This document is potentially disclosable in criminal proceedings under the Criminal "
    "Procedure and Investigations Act 1996 (CPIA) and must be retained: do not delete or alter it or any copy. "
    "Share it strictly on a need-to-know basis and do not forward it; partners handle it under their "
    "information-sharing agreement. It is circulated to the debrief meeting's attendees only once the senior "
    "investigating officer (SIO) has approved it.",
)

ACTION_COLUMNS: tuple[tuple[str, int], ...] = (
    ("No.", 400),
    ("Action", 2700),
    ("Owner", 1350),
    ("Due", 1100),
    ("Priority", 800),
    ("Theme", 1350),
    ("Route", 1100),
    ("Status", 838),
)
"""The actions table's columns and their widths in twentieths of a point (17 cm across, the page less margins)."""


def render_learning_document(
    *, case: Case, outcome: Outcome, meeting: Meeting | None, produced_for: Person, produced_at: datetime
) -> bytes:
    """The learning and actions as a .docx file, marked OFFICIAL-SENSITIVE on every page."""
    document = Document()
    styles = _install_styles(document)
    set_up_page(document.sections[0], case.case_number)
    set_properties(document, title=f"{TITLE} – {case.case_number}", produced_at=produced_at)

    body = _Body(styles)
    _title_block(body, case, outcome, produced_for, produced_at)
    body.heading("Purpose")
    for text in PURPOSE:
        body.paragraph(run(text))
    _meeting(body, meeting)
    _learning(body, outcome.learning)
    _recommendations(body, outcome)
    _actions(body, outcome.actions)
    body.write_into(document)

    out = BytesIO()
    document.save(out)
    return out.getvalue()


# --- Styles -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    item: str
    cell: str
    status: str


class _Body(Body):
    def __init__(self, styles: _Styles) -> None:
        super().__init__()
        self.styles = styles

    def table(self, columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[str]]) -> None:
        """A bordered table with a header row repeated on every page; each cell is plain text."""
        border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
        borders = "".join(border.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        xml = [
            "<w:tbl><w:tblPr>"
            '<w:tblW w:w="0" w:type="auto"/>'
            f"<w:tblBorders>{borders}</w:tblBorders>"
            '<w:tblLayout w:type="fixed"/>'
            '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
            '<w:tblLook w:val="0020" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
            'w:noHBand="1" w:noVBand="1"/>'
            "</w:tblPr><w:tblGrid>" + "".join(f'<w:gridCol w:w="{width}"/>' for _, width in columns) + "</w:tblGrid>"
        ]
        xml.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
        for title, width in columns:
            xml.append(self._cell(label(title), width, shade=_HEADER_SHADE))
        xml.append("</w:tr>")
        for row in rows:
            xml.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            for text, (_, width) in zip(row, columns, strict=True):
                xml.append(self._cell(run(text), width))
            xml.append("</w:tr>")
        xml.append("</w:tbl>")
        self._parts.append("".join(xml))

    def _cell(self, content: str, width: int, *, shade: str | None = None) -> str:
        fill = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{fill}</w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{self.styles.cell}"/></w:pPr>{content}</w:p></w:tc>'
        )


def _install_styles(document: DocxDocument) -> _Styles:
    normal = normal_style(document)
    item = add_item_style(document, normal)
    add_marking_style(document, normal)

    cell = _style(document, "Table text")
    cell.base_style = normal
    cell.font.size = Pt(8.5)
    cell.paragraph_format.space_after = Pt(0)

    status = _style(document, "Sign-off status")
    status.base_style = normal
    status.font.bold = True
    status.paragraph_format.space_before = Pt(6)
    status.paragraph_format.space_after = Pt(6)
    status.paragraph_format.left_indent = Cm(0.2)
    return _Styles(item=item.style_id, cell=cell.style_id, status=status.style_id)


def _style(document: DocxDocument, name: str) -> ParagraphStyle:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    return style


# --- The title block and the sign-off -----------------------------------------------------------------------


def _title_block(body: _Body, case: Case, outcome: Outcome, produced_for: Person, produced_at: datetime) -> None:
    body.paragraph(run(TITLE), style="Title")
    body.field("Case", case.case_number)
    if case.lead_reviewer is not None:
        body.field("Lead reviewer", case.lead_reviewer.name)
    body.field("Senior investigating officer (SIO)", case.nomination.sio.name)
    body.field("Version", str(outcome.version))
    body.field("Produced for", f"{produced_for.name}, {moment(produced_at)} (UK time)")
    body.paragraph(
        run(sign_off_status(case, outcome)),
        style=body.styles.status,
        shade=GOOD_SHADE if outcome.approved else GAP_SHADE,
    )
    if outcome.circulated_at is not None and outcome.approved:
        body.field("Circulated", f"to the debrief meeting's attendees, {moment(outcome.circulated_at)} (UK time)")


def sign_off_status(case: Case, outcome: Outcome) -> str:
    """Where the sign-off stands: "Approved by the SIO, DCI … on …", or the draft wording and why."""
    s = outcome.sign_off
    if outcome.approved:
        assert s is not None
        return f"Approved by the SIO, {_sio(case, s)}, on {_answered(s)} (UK time), for circulation to the attendees."
    if s is None:
        detail = "The SIO has not yet been asked to sign it off."
    elif s.outcome_version != outcome.version:
        earlier = {
            SignOffState.APPROVED: f"the SIO approved an earlier version on {_answered(s)}",
            SignOffState.CHANGES_REQUESTED: f"the SIO asked for changes on {_answered(s)}",
            SignOffState.REQUESTED: f"the SIO was asked on {moment(s.requested_at)}",
        }[s.state]
        detail = f"It has changed since {earlier}; the SIO has not yet approved this version."
    elif s.state is SignOffState.REQUESTED:
        detail = f"Waiting for the SIO's sign-off, asked on {moment(s.requested_at)} (UK time)."
    else:
        detail = f"The SIO asked for changes on {_answered(s)} (UK time)."
    return f"{DRAFT}. {detail}"


def _sio(case: Case, sign_off: SignOff) -> str:
    return sign_off.answered_by.name if sign_off.answered_by is not None else case.nomination.sio.name


def _answered(sign_off: SignOff) -> str:
    return moment(sign_off.answered_at) if sign_off.answered_at is not None else "a date not recorded"


# --- The meeting --------------------------------------------------------------------------------------------


def _meeting(body: _Body, meeting: Meeting | None) -> None:
    body.heading("The debrief meeting")
    if meeting is None:
        body.paragraph(run("No debrief meeting is recorded for this case."))
        return
    body.field("When", meeting_time(meeting))
    if meeting.attended is not None:
        by = meeting.attendance_recorded_by
        recorded = f" (recorded by {by.name})" if by is not None else ""
        body.paragraph(label(f"Attended: {count(len(meeting.attended), 'person', 'people')}{recorded}"))
        people = meeting.attended
    else:
        body.paragraph(
            label(f"Invited: {count(len(meeting.attendees), 'person', 'people')}"),
            run(" (attendance has not been recorded)"),
        )
        people = meeting.attendees
    for person in people:
        body.paragraph(run(person.name), style=body.styles.item)


# --- Learning, recommendations, actions ---------------------------------------------------------------------


def _learning(body: _Body, points: Sequence[LearningPoint]) -> None:
    body.heading("Learning")
    if not points:
        body.paragraph(run("No learning points have been recorded."))
        return
    gaps = sum(1 for p in points if p.kind is LearningKind.GAP)
    body.paragraph(
        run(
            f"{count(len(points), 'learning point')}: {count(gaps, 'gap')} and {len(points) - gaps} good practice, "
            "grouped by theme."
        )
    )
    order = {theme: i for i, theme in enumerate(DEFAULT_THEMES)}
    by_theme: dict[str, list[LearningPoint]] = {}
    for point in points:
        by_theme.setdefault(point.theme, []).append(point)
    number = 0
    for theme in sorted(by_theme, key=lambda t: (order.get(t, len(order)), t)):
        body.heading(theme, level=2)
        listed = sorted(by_theme[theme], key=lambda p: p.kind is not LearningKind.GAP)  # gaps first, stable
        for point in listed:
            number += 1
            gap = point.kind is LearningKind.GAP
            body.paragraph(
                label(f"{number}. {point.kind.label}: "),
                run(point.text),
                style=body.styles.item,
                shade=GAP_SHADE if gap else GOOD_SHADE,
            )


def _recommendations(body: _Body, outcome: Outcome) -> None:
    body.heading("Recommendations")
    if not outcome.recommendations:
        body.paragraph(run("No recommendations have been recorded."))
        return
    for number, recommendation in enumerate(outcome.recommendations, 1):
        body.paragraph(
            label(f"{number}. "),
            run(recommendation.text),
            run(" – "),
            label(recommendation.route.label),
            style=body.styles.item,
        )


def _actions(body: _Body, actions: Sequence[Action]) -> None:
    body.heading("Actions")
    if not actions:
        body.paragraph(run("No actions have been recorded."))
        return
    body.paragraph(
        run(
            f"{count(len(actions), 'action')}. Each has one owner and a due date; the route says whether it is taken "
            "forward in force or through existing partnership arrangements."
        )
    )
    rows = [
        (
            str(number),
            action.description,
            action.owner.name,
            day(action.due),
            action.priority.label,
            action.theme,
            action.route.label,
            action.status.label,
        )
        for number, action in enumerate(actions, 1)
    ]
    body.table(ACTION_COLUMNS, rows)
    body.paragraph(run(f"End of the learning and actions. {MARKING}."))
