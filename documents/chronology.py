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
its lines on one page where they fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.section import Section
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from debrief.chronology import Chronology, ChronologyEntry, Conflict, EntryContent, Gap, Precision
from debrief.model import LONDON, Case, Person
from debrief.parameters import ParallelProcess, Parameters

MARKING = "OFFICIAL-SENSITIVE"
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

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Characters XML 1.0 cannot carry; a contributor's pasted text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MISSED_SHADE = "FBE4D5"
_GOOD_SHADE = "E2EFDA"
_GAP_SHADE = "EDEDED"
_LINK_COLOUR = "0563C1"


def render_chronology(*, case: Case, chronology: Chronology, produced_for: Person, produced_at: datetime) -> bytes:
    """The chronology as a .docx file, marked OFFICIAL-SENSITIVE on every page."""
    document = Document()
    styles = _install_styles(document)
    _set_up_page(document.sections[0], case)
    _set_properties(document, case, produced_at)

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
    normal = styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(4)

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

    item = styles.add_style("Listed item", WD_STYLE_TYPE.PARAGRAPH)
    item.base_style = normal
    item.paragraph_format.left_indent = Cm(0.5)
    item.paragraph_format.space_after = Pt(1)

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

    marking = styles.add_style("Marking", WD_STYLE_TYPE.PARAGRAPH)
    marking.base_style = normal
    marking.font.bold = True
    marking.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    marking.paragraph_format.space_after = Pt(0)

    return _Styles(
        entry=entry.style_id,
        detail=detail.style_id,
        item=item.style_id,
        highlight=highlight.style_id,
        gap=gap.style_id,
        marking=marking.style_id,
    )


def _set_up_page(section: Section, case: Case) -> None:
    """A4, with the marking at the top and bottom of every page (one section, same header on every page)."""
    section.page_width = Cm(21)
    section.page_height = Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    section.header_distance = section.footer_distance = Cm(1)
    section.different_first_page_header_footer = False

    header = section.header
    header.is_linked_to_previous = False
    top = header.paragraphs[0]
    top.style = "Marking"
    top.add_run(MARKING)

    footer = section.footer
    footer.is_linked_to_previous = False
    bottom = footer.paragraphs[0]
    bottom.style = "Marking"
    bottom.add_run(MARKING)
    plain = bottom.add_run(f"   {case.case_number}   Page ")
    plain.bold = False
    _field(bottom, "PAGE")
    of = bottom.add_run(" of ")
    of.bold = False
    _field(bottom, "NUMPAGES")


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES): Word and LibreOffice fill in the number on every page."""
    run = '<w:rPr><w:b w:val="0"/></w:rPr>'
    for xml in (
        f'<w:r {nsdecls("w")}>{run}<w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}>{run}<w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>',
        f'<w:r {nsdecls("w")}>{run}<w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r {nsdecls('w')}>{run}<w:t>1</w:t></w:r>",
        f'<w:r {nsdecls("w")}>{run}<w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(xml))


def _set_properties(document: DocxDocument, case: Case, produced_at: datetime) -> None:
    """Replace the template's properties: the file's own metadata carries the marking too."""
    props = document.core_properties
    utc = _aware(produced_at).astimezone(UTC).replace(tzinfo=None)
    props.title = f"{TITLE} – {case.case_number}"
    props.subject = "Homicide prevention rapid debrief"
    props.category = MARKING
    props.keywords = MARKING
    props.comments = f"{MARKING}. Potentially disclosable (CPIA 1996): retain; need to know; do not forward."
    props.author = "Rapid Debrief"
    props.last_modified_by = "Rapid Debrief"
    props.created = utc
    props.modified = utc
    props.revision = 1


# --- The front matter ---------------------------------------------------------------------------------------


def _title_block(body: _Body, case: Case, produced_for: Person, produced_at: datetime) -> None:
    nomination = case.nomination
    body.paragraph(_run(TITLE), style="Title")  # the template's style ids: Title, Heading1
    body.field("Case", case.case_number)
    body.field("Operation", nomination.operation_name or "none given")
    body.field("Crime or incident reference", nomination.incident_reference)
    incident = (
        f"{nomination.offence_type.label} ({nomination.context.label.lower()}, {nomination.harm.label.lower()}), "
        f"{_moment(nomination.incident_at)}, {nomination.policing_area}"
    )
    body.field("Incident", incident)
    body.field("SIO", nomination.sio.name)
    if case.lead_reviewer is not None:
        body.field("Lead reviewer", case.lead_reviewer.name)
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


class _Body:
    """Paragraphs as WordprocessingML text, parsed once and put into the document before its section settings."""

    def __init__(self, styles: _Styles) -> None:
        self.styles = styles
        self._parts: list[str] = []

    def paragraph(self, *runs: str, style: str | None = None, shade: str | None = None) -> None:
        """A paragraph of runs (from `_run`, `_label`) in a style (by its id), optionally shaded."""
        properties = ""
        if style is not None or shade is not None:
            properties = "<w:pPr>"
            if style is not None:
                properties += f'<w:pStyle w:val="{style}"/>'
            if shade is not None:
                properties += f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>'
            properties += "</w:pPr>"
        self._parts.append(f"<w:p>{properties}{''.join(runs)}</w:p>")

    def field(self, label: str, value: str, *, style: str | None = None) -> None:
        self._parts.append(
            (f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else "<w:p>")
            + _label(f"{label}: ")
            + _run(value)
            + "</w:p>"
        )

    def let_page_break_after(self) -> None:
        """The last paragraph need not share a page with the next: it ends a group kept together."""
        last = self._parts[-1]
        style = last.find("<w:pStyle ")
        if style >= 0:
            end = last.index("/>", style) + 2  # keepNext follows pStyle in a paragraph's properties
            self._parts[-1] = f'{last[:end]}<w:keepNext w:val="0"/>{last[end:]}'

    def heading(self, text: str) -> None:
        self.paragraph(_run(text), style="Heading1")

    def write_into(self, document: DocxDocument) -> None:
        body = document.element.body
        parsed = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self._parts)}</w:body>")
        section = body.sectPr
        if section is not None:
            body.remove(section)
        body.extend(list(parsed))
        if section is not None:
            body.append(section)


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{_escape(text)}</w:t></w:r>'


def _label(text: str) -> str:
    return f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{_escape(text)}</w:t></w:r>'


def _escape(text: str) -> str:
    text = _NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        text = text.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
    return text


class _Numbers:
    """Each entry's number in this chronology (1 is the earliest), for cross-references and links."""

    def __init__(self, entries: Sequence[ChronologyEntry]) -> None:
        self._by_object = {id(e): n for n, e in enumerate(entries, 1)}
        self._by_id = {e.id: n for n, e in enumerate(entries, 1) if e.id is not None}

    def of(self, entry: ChronologyEntry) -> int:
        number = self._by_object.get(id(entry))
        if number is None and entry.id is not None:
            number = self._by_id.get(entry.id)
        return number if number is not None else 0

    def link(self, number: int, *, label: str | None = None) -> str:
        text = _escape(label or f"Entry {number}")
        if number <= 0:
            return _run("an entry not in this chronology")
        return (
            f'<w:hyperlink w:anchor="entry_{number}" w:history="1"><w:r><w:rPr><w:b/>'
            f'<w:color w:val="{_LINK_COLOUR}"/><w:u w:val="single"/></w:rPr>'
            f'<w:t xml:space="preserve">{text}</w:t></w:r></w:hyperlink>'
        )


# --- Words --------------------------------------------------------------------------------------------------


def _when(content: EntryContent) -> str:
    """When the contact happened, as precisely as it is known: no more, no less."""
    day = _day(content.event_date)
    t = content.event_time
    if content.precision is Precision.DATE_ONLY or t is None:
        return f"{day} (time not known)"
    if content.precision is Precision.APPROXIMATE:
        return f"{day} about {t:%H:%M}"
    return f"{day} {t:%H:%M}"


def _source(content: EntryContent) -> str:
    reference = f", reference {content.source_reference}" if content.source_reference else ", no reference"
    return f"{content.source_agency} – {content.source_system}{reference}"


def _day(value: date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _moment(value: datetime) -> str:
    """A moment in UK local time (Europe/London, GMT or BST), 24-hour clock."""
    local = _aware(value).astimezone(LONDON)
    return f"{_day(local.date())} {local:%H:%M}"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _numbers_list(numbers: Iterable[int]) -> str:
    listed = [str(n) for n in numbers]
    if not listed:
        return "none identified so far."
    return ("entry " if len(listed) == 1 else "entries ") + ", ".join(listed) + "."
