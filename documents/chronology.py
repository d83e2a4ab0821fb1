"""The chronology as a Word document, for the debrief meeting and the disclosure record.

A pure function of the domain objects: `render_chronology` takes the case, the merged chronology (entries
already in time order, with their conflicts and gaps), whom it is produced for and when, and returns .docx
bytes. Nothing is read from or written to anywhere else.

What the document says, in order: the marking (header and footer of every page, with the case number and
"Page X of Y"), the title block, why the document exists and how to handle it, the parameters, where the
chronology stands (locked or draft, entries, verified), a summary of the learning points (possible missed
opportunities and good practice, by entry number), possible conflicts between entries (side by side, never
merged), then every entry in time order with the gaps in recorded contact in their place.

Structure, chosen for speed: python-docx sets up the page, the styles, the header and the footer; the body is
written as WordprocessingML text with a handful of named paragraph styles and parsed once. A chronology of
5,000 entries is about 40,000 paragraphs: python-docx's `add_paragraph` took about 145 s for them on the 2-core
VM (each call searches the body, so the cost grows with the square), and a two-column table took 3 s for just
500 entries; the text takes about a second in all (`make bench`: chronology_docx_5000_entries_s). Entries are
paragraphs, not table rows, for the same reason in Word, which lays out a long table slowly; each entry keeps
its lines on one page where they fit. What the documents share (the page, the marking, the body, the words) is in
`documents.word`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Pt

from debrief.chronology import Chronology, ChronologyEntry, Conflict, EntryContent, Gap
from debrief.model import Case, Person
from debrief.parameters import ParallelProcess, Parameters
from documents.word import GOOD_SHADE as _GOOD_SHADE
from documents.word import MARKING, Body, add_item_style, add_marking_style, case_fields, normal_style
from documents.word import MISSED_SHADE as _MISSED_SHADE
from documents.word import Numbers as _Numbers
from documents.word import count as _count
from documents.word import day as _day
from documents.word import label as _label
from documents.word import moment as _moment
from documents.word import numbers_list as _numbers_list
from documents.word import run as _run
from documents.word import set_properties as _set_word_properties
from documents.word import set_up_page as _set_up_word_page
from documents.word import source as _source
from documents.word import when as _when

TITLE = "Rapid debrief chronology"
MISSED_OPPORTUNITY = "Possible missed opportunity"
GOOD_PRACTICE = "Good practice"
NOT_YET_VERIFIED = "Not yet verified"
DRAFT = "Draft – not yet locked"

PURPOSE = (
    "This chronology supports a homicide prevention rapid debrief. A rapid debrief is for learning, not blame: "
    "it looks at earlier contacts between police, partner agencies and the people involved, to understand the "
    "risks and to find learning that could help prevent future homicides. It is not a review of any "
    "individual's conduct, and it is not a disciplinary, misconduct or statutory review.",
    "It is not a witness account and must not be used as one. Entries summarise records and what officers "
    "and partners with knowledge of the incident have contributed; facts, allegations and opinions are marked "
    "as such. Accounts that may disagree are shown side by side and are never merged or changed.",
    f"Handling: {MARKING}. This document is potentially disclosable in criminal proceedings under the "
    "Criminal Procedure and Investigations Act 1996 (CPIA) and must be retained: do not delete or alter it or "
    "any copy. Share it strictly on a need-to-know basis and do not forward it; it is not circulated outside "
    "the review team until the senior investigating officer (SIO) has signed it off.",
)

_GAP_SHADE = "EDEDED"


def render_chronology(*, case: Case, chronology: Chronology, produced_for: Person, produced_at: datetime) -> bytes:
    """The chronology as a .docx file, marked OFFICIAL-SENSITIVE on every page."""
    document = Document()
    styles = _install_styles(document)
    _set_up_word_page(document.sections[0], case.case_number)
    _set_word_properties(document, title=f"{TITLE} – {case.case_number}", produced_at=produced_at)

    numbers = _Numbers(chronology.entries)
    body = _Body(styles)
    _title_block(body, case, produced_for, produced_at)
    body.heading("Purpose of this document")
    for text in PURPOSE:
        body.paragraph(_run(text))
    _parameters(body, chronology.parameters)
    _status(body, chronology)
    _summary(body, chronology, numbers)
    _conflicts(body, chronology.conflicts, numbers)
    _entries(body, chronology)
    body.write_into(document)

    out = BytesIO()
    document.save(out)
    return out.getvalue()


# --- Page, styles and properties --------------------------------------------------------------------------


class _Styles:
    def __init__(self, entry: str, detail: str, item: str, highlight: str, gap: str, marking: str) -> None:
        self.entry = entry
        self.detail = detail
        self.item = item
        self.highlight = highlight
        self.gap = gap
        self.marking = marking


def _install_styles(document: DocxDocument) -> _Styles:
    styles = document.styles
    normal = normal_style(document)

    # Borders and shading first: python-docx then puts the spacing and the rest after them, in schema order.
    entry = styles.add_style("Chronology entry", WD_STYLE_TYPE.PARAGRAPH)
    entry.element.get_or_add_pPr().append(
        parse_xml(f'<w:pBdr {nsdecls("w")}><w:top w:val="single" w:sz="4" w:space="4" w:color="A6A6A6"/></w:pBdr>')
    )
    entry.base_style = normal
    entry.font.bold = True
    entry.font.size = Pt(10.5)
    entry.paragraph_format.keep_with_next = True
    entry.paragraph_format.space_before = Pt(10)
    entry.paragraph_format.space_after = Pt(2)

    # An entry's lines stay on one page where they fit: each keeps with the next, except an entry's last line.
    detail = styles.add_style("Entry detail", WD_STYLE_TYPE.PARAGRAPH)
    detail.base_style = normal
    detail.paragraph_format.left_indent = Cm(0.5)
    detail.paragraph_format.space_after = Pt(1)
    detail.paragraph_format.keep_with_next = True

    item = add_item_style(document, normal)

    highlight = styles.add_style("Learning highlight", WD_STYLE_TYPE.PARAGRAPH)
    highlight.base_style = detail
    highlight.paragraph_format.space_before = Pt(3)
    highlight.paragraph_format.space_after = Pt(3)

    gap = styles.add_style("Chronology gap", WD_STYLE_TYPE.PARAGRAPH)
    gap.element.get_or_add_pPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:fill="{_GAP_SHADE}"/>'))
    gap.base_style = normal
    gap.font.italic = True
    gap.paragraph_format.space_before = Pt(10)
    gap.paragraph_format.space_after = Pt(4)

    marking = add_marking_style(document, normal)

    return _Styles(
        entry=entry.style_id,
        detail=detail.style_id,
        item=item.style_id,
        highlight=highlight.style_id,
        gap=gap.style_id,
        marking=marking.style_id,
    )


# --- The front matter ---------------------------------------------------------------------------------------


def _title_block(body: _Body, case: Case, produced_for: Person, produced_at: datetime) -> None:
    body.paragraph(_run(TITLE), style="Title")  # the template's style ids: Title, Heading1
    case_fields(body, case)
    body.field("Produced for", f"{produced_for.name}, {_moment(produced_at)} (UK time)")


def _parameters(body: _Body, parameters: Parameters | None) -> None:
    body.heading("Parameters")
    if parameters is None:
        body.paragraph(
            _run("Parameters: not yet set. The lead reviewer has not yet defined what this debrief looks at.")
        )
        return
    body.field("Look-back window", f"{_day(parameters.look_back_from)} to {_day(parameters.look_back_to)}")
    body.field("Subjects (by role)", ", ".join(parameters.subjects))
    body.field("Agencies", ", ".join(parameters.agencies))
    body.paragraph(_label("Key questions:"))
    for number, question in enumerate(parameters.questions, 1):
        body.paragraph(_run(f"{number}. {question}"), style=body.styles.item)
    processes = [p.label for p in ParallelProcess if p in parameters.parallel_processes]
    body.field(
        "Parallel processes",
        f"{'; '.join(processes)}. The debrief must not pre-empt them." if processes else "none flagged",
    )


def _status(body: _Body, chronology: Chronology) -> None:
    body.heading("Status")
    lock = chronology.lock
    if lock is None:
        body.field("Status", f"{DRAFT}: entries may still be added or changed.")
    else:
        body.field(
            "Status", f"Locked by {lock.locked_by.name}, {_moment(lock.locked_at)}: entries can no longer change."
        )
    total = len(chronology.entries)
    unverified = chronology.unverified
    body.field(
        "Entries",
        f"{_count(total, 'entry', 'entries')}, {total - unverified} verified ({unverified} not yet verified); "
        f"{_count(len(chronology.gaps), 'gap')} in recorded contact; "
        f"{_count(len(chronology.conflicts), 'possible conflict')}.",
    )


def _summary(body: _Body, chronology: Chronology, numbers: _Numbers) -> None:
    body.heading("Summary of learning points")
    body.paragraph(
        _run(
            "Entries flagged by contributors or the review team, for discussion at the debrief. They are "
            "points for learning about how agencies worked together, not findings about individuals."
        )
    )
    missed = [(n, e) for n, e in enumerate(chronology.entries, 1) if e.missed_opportunity]
    good = [(n, e) for n, e in enumerate(chronology.entries, 1) if e.review.good_practice]
    for heading, flagged, shade in (
        ("Possible missed opportunities", missed, _MISSED_SHADE),
        (GOOD_PRACTICE, good, _GOOD_SHADE),
    ):
        body.paragraph(_label(f"{heading} ({len(flagged)}): "), _run(_numbers_list(n for n, _ in flagged)))
        for number, entry in flagged:
            body.paragraph(
                numbers.link(number),
                _run(f" – {_when(entry.content)}, {entry.content.contact_type.label}, {entry.content.source_agency}"),
                style=body.styles.item,
                shade=shade,
            )


def _conflicts(body: _Body, conflicts: Sequence[Conflict], numbers: _Numbers) -> None:
    body.heading("Possible conflicts between entries")
    if not conflicts:
        body.paragraph(_run("No entries appear to disagree about the same contact."))
        return
    body.paragraph(
        _run(
            "These pairs of entries may describe the same contact but differ. Both accounts are kept exactly as "
            "recorded; neither has been merged or changed. The debrief may want to check the source records."
        )
    )
    for conflict in conflicts:
        first, second = numbers.of(conflict.first), numbers.of(conflict.second)
        body.paragraph(
            _label("Entries "),
            numbers.link(first, label=str(first)),
            _label(" and "),
            numbers.link(second, label=str(second)),
            _label(f" differ on {', '.join(conflict.differences)}"),
            style=body.styles.entry,
        )
        for difference in conflict.differences:
            body.paragraph(
                _label(f"{difference.capitalize()}: "),
                _run(
                    f"entry {first} records {_value(conflict.first.content, difference)}; "
                    f"entry {second} records {_value(conflict.second.content, difference)}."
                ),
                style=body.styles.detail,
            )
        for number, entry in ((first, conflict.first), (second, conflict.second)):
            body.paragraph(
                _label(f"Entry {number}: "),
                _run(f"{_source(entry.content)}; recorded by {entry.contributor.name}, {_moment(entry.recorded_at)}."),
                style=body.styles.detail,
            )
        body.let_page_break_after()


def _value(content: EntryContent, difference: str) -> str:
    match difference:
        case "date" | "time":
            return _when(content)
        case "contact type":
            return content.contact_type.label
        case "risk grade":
            risk = content.risk_assessment
            return f"{risk.grade.label} ({risk.tool})" if risk else "no risk grade"
        case "subjects":
            return ", ".join(content.subjects)
        case _:
            return "a different value"


# --- The entries --------------------------------------------------------------------------------------------


def _entries(body: _Body, chronology: Chronology) -> None:
    body.heading("Chronology")
    body.paragraph(
        _run(
            "Entries in time order. Within a day, entries whose time is not known come first. Periods of "
            "28 days or more with no recorded contact are shown where they fall."
        )
    )
    gaps = sorted(chronology.gaps, key=lambda g: g.start)
    if not chronology.entries:
        body.paragraph(_run("No entries have been recorded yet."))
    g = 0
    for number, entry in enumerate(chronology.entries, 1):
        while g < len(gaps) and gaps[g].start <= entry.content.event_date:
            _gap(body, gaps[g])
            g += 1
        _entry(body, number, entry)
    for gap in gaps[g:]:
        _gap(body, gap)


def _gap(body: _Body, gap: Gap) -> None:
    body.paragraph(_run(gap_text(gap)), style=body.styles.gap)


def gap_text(gap: Gap) -> str:
    return f"No recorded contact from {_day(gap.start)} to {_day(gap.end)} ({_count(gap.days, 'day')})"


def _entry(body: _Body, number: int, entry: ChronologyEntry) -> None:
    c = entry.content
    styles = body.styles
    detail = styles.detail
    body.paragraph(
        f'<w:bookmarkStart w:id="{number}" w:name="entry_{number}"/>'
        + _run(f"Entry {number}  ·  {_when(c)}  ·  {c.contact_type.label}")
        + f'<w:bookmarkEnd w:id="{number}"/>',
        style=styles.entry,
    )
    body.field("Source", _source(c), style=detail)
    body.field("Subjects", ", ".join(c.subjects), style=detail)
    body.field("Information type", c.information_type.label, style=detail)
    body.field("Summary", c.summary, style=detail)
    if c.risk_assessment is not None:
        risk = c.risk_assessment
        body.field("Risk assessment", f"{risk.tool}, graded {risk.grade.label}, {_day(risk.assessed_on)}", style=detail)
    if c.action_and_outcome:
        body.field("Action and outcome", c.action_and_outcome, style=detail)
    recorded = f"{entry.contributor.name}, {_moment(entry.recorded_at)}"
    if entry.updated_at is not None:
        recorded += f" (last updated {_moment(entry.updated_at)})"
    body.field("Recorded by", recorded, style=detail)
    review = entry.review
    if review.verified_by is not None:
        when = f", {_moment(review.verified_at)}" if review.verified_at is not None else ""
        body.field("Verification", f"Verified by {review.verified_by.name}{when}", style=detail)
    else:
        body.field("Verification", NOT_YET_VERIFIED, style=detail)
    if review.themes:
        body.field("Themes", "; ".join(review.themes), style=detail)
    _learning(body, entry)
    body.let_page_break_after()


def _learning(body: _Body, entry: ChronologyEntry) -> None:
    c, review = entry.content, entry.review
    rationale = c.missed_opportunity_rationale
    if entry.missed_opportunity:
        if c.missed_opportunity and review.missed_opportunity:
            who = "raised by the contributor and agreed by the review team"
        elif c.missed_opportunity:
            who = "raised by the contributor"
        else:
            who = "raised by the review team"
        runs = [_label(MISSED_OPPORTUNITY), _run(f" ({who})")]
        if rationale and c.missed_opportunity:
            runs.append(_run(f": {rationale}"))
        body.paragraph(*runs, style=body.styles.highlight, shade=_MISSED_SHADE)
    elif c.missed_opportunity and rationale:
        body.field(
            "Contributor's note",
            f"{rationale} (raised as a possible missed opportunity; the review team did not record it as one)",
            style=body.styles.detail,
        )
    if review.good_practice:
        body.paragraph(
            _label(GOOD_PRACTICE), _run(" (noted by the review team)"), style=body.styles.highlight, shade=_GOOD_SHADE
        )


# --- Writing WordprocessingML -------------------------------------------------------------------------------


class _Body(Body):
    """The document's body (see `documents.word.Body`), knowing the chronology's own paragraph styles."""

    def __init__(self, styles: _Styles) -> None:
        super().__init__()
        self.styles = styles
