"""What every Word document the debrief produces shares: the marking, the page, the properties, the fast body.

Each document (the chronology, the meeting's agenda pack) is a pure function of domain objects that returns
.docx bytes. They share the way they are built, chosen for speed: python-docx sets up the page, the styles,
the header and the footer; the body is written as WordprocessingML text (`Body`) with a handful of named
paragraph styles and parsed once (python-docx's `add_paragraph` searches the body on every call, so its cost
grows with the square of the paragraphs). They also share the words: dates and moments in UK time, an entry's
time as precisely as it is known, its source.

The marking: OFFICIAL-SENSITIVE at the top and bottom of every page (one section, the same header and footer on
every page), with the case number and "Page X of Y" in the footer, and in the file's own properties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.section import Section
from docx.shared import Cm, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from debrief.chronology import ChronologyEntry, EntryContent, Precision
from debrief.model import LONDON, Case

MARKING = "OFFICIAL-SENSITIVE"
MISSED_SHADE = "FBE4D5"
GOOD_SHADE = "E2EFDA"
LINK_COLOUR = "0563C1"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Characters XML 1.0 cannot carry; a contributor's pasted text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


# --- Styles, page and properties ----------------------------------------------------------------------------


def normal_style(document: DocxDocument) -> ParagraphStyle:
    """The template's Normal style as every document uses it: Arial 10."""
    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    return normal


def add_item_style(document: DocxDocument, normal: ParagraphStyle) -> ParagraphStyle:
    """ "Listed item": an indented line in a list (numbered by its text, not by Word's numbering)."""
    item = _paragraph_style(document, "Listed item")
    item.base_style = normal
    item.paragraph_format.left_indent = Cm(0.5)
    item.paragraph_format.space_after = Pt(1)
    return item


def add_marking_style(document: DocxDocument, normal: ParagraphStyle) -> ParagraphStyle:
    """ "Marking": the header and footer lines. It must exist before `set_up_page`."""
    marking = _paragraph_style(document, "Marking")
    marking.base_style = normal
    marking.font.bold = True
    marking.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    marking.paragraph_format.space_after = Pt(0)
    return marking


def _paragraph_style(document: DocxDocument, name: str) -> ParagraphStyle:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    return style


def set_up_page(section: Section, case_number: str) -> None:
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
    plain = bottom.add_run(f"   {case_number}   Page ")
    plain.bold = False
    page_field(bottom, "PAGE")
    of = bottom.add_run(" of ")
    of.bold = False
    page_field(bottom, "NUMPAGES")


def page_field(paragraph: Paragraph, instruction: str) -> None:
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


def set_properties(document: DocxDocument, *, title: str, produced_at: datetime) -> None:
    """Replace the template's properties: the file's own metadata carries the marking too."""
    props = document.core_properties
    utc = aware(produced_at).astimezone(UTC).replace(tzinfo=None)
    props.title = title
    props.subject = "Homicide prevention rapid debrief"
    props.category = MARKING
    props.keywords = MARKING
    props.comments = f"{MARKING}. Potentially disclosable (CPIA 1996): retain; need to know; do not forward."
    props.author = "Rapid Debrief"
    props.last_modified_by = "Rapid Debrief"
    props.created = utc
    props.modified = utc
    props.revision = 1


def external_link(document: DocxDocument, url: str) -> str:
    """The relationship id of a link to `url` outside the document (for `Body.link`)."""
    return str(document.part.relate_to(url, _HYPERLINK, is_external=True))


# --- Writing WordprocessingML -------------------------------------------------------------------------------


class Body:
    """Paragraphs as WordprocessingML text, parsed once and put into the document before its section settings."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def paragraph(self, *runs: str, style: str | None = None, shade: str | None = None) -> None:
        """A paragraph of runs (from `run`, `label`) in a style (by its id), optionally shaded."""
        properties = ""
        if style is not None or shade is not None:
            properties = "<w:pPr>"
            if style is not None:
                properties += f'<w:pStyle w:val="{style}"/>'
            if shade is not None:
                properties += f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>'
            properties += "</w:pPr>"
        self._parts.append(f"<w:p>{properties}{''.join(runs)}</w:p>")

    def field(self, name: str, value: str, *, style: str | None = None) -> None:
        """A line that reads "Name: value", the name in bold."""
        self._parts.append(
            (f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else "<w:p>")
            + label(f"{name}: ")
            + run(value)
            + "</w:p>"
        )

    def let_page_break_after(self) -> None:
        """The last paragraph need not share a page with the next: it ends a group kept together."""
        last = self._parts[-1]
        style = last.find("<w:pStyle ")
        if style >= 0:
            end = last.index("/>", style) + 2  # keepNext follows pStyle in a paragraph's properties
            self._parts[-1] = f'{last[:end]}<w:keepNext w:val="0"/>{last[end:]}'

    def heading(self, text: str, *, level: int = 1) -> None:
        self.paragraph(run(text), style=f"Heading{level}")  # the template's style ids: Heading1, Heading2

    def write_into(self, document: DocxDocument) -> None:
        body = document.element.body
        parsed = parse_xml(f"<w:body {nsdecls('w', 'r')}>{''.join(self._parts)}</w:body>")
        section = body.sectPr
        if section is not None:
            body.remove(section)
        body.extend(list(parsed))
        if section is not None:
            body.append(section)


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def label(text: str) -> str:
    """A bold run."""
    return f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def link(relationship_id: str, text: str) -> str:
    """A run that opens the address of `relationship_id` (from `external_link`)."""
    return (
        f'<w:hyperlink r:id="{relationship_id}" w:history="1"><w:r><w:rPr>'
        f'<w:color w:val="{LINK_COLOUR}"/><w:u w:val="single"/></w:rPr>'
        f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:hyperlink>'
    )


def escape(text: str) -> str:
    text = _NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        text = text.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
    return text


class Numbers:
    """Each entry's number in this chronology (1 is the earliest), for cross-references and links.

    Every document numbers a chronology's entries the same way, so "entry 12" in the agenda pack is entry 12
    in the chronology document of the same chronology.
    """

    def __init__(self, entries: Sequence[ChronologyEntry]) -> None:
        self._by_object = {id(e): n for n, e in enumerate(entries, 1)}
        self._by_id = {e.id: n for n, e in enumerate(entries, 1) if e.id is not None}

    def of(self, entry: ChronologyEntry) -> int:
        number = self._by_object.get(id(entry))
        if number is None and entry.id is not None:
            number = self._by_id.get(entry.id)
        return number if number is not None else 0

    def link(self, number: int, *, label: str | None = None) -> str:
        """A link to the entry's bookmark ("entry_N") in a document that has one."""
        text = escape(label or f"Entry {number}")
        if number <= 0:
            return run("an entry not in this chronology")
        return (
            f'<w:hyperlink w:anchor="entry_{number}" w:history="1"><w:r><w:rPr><w:b/>'
            f'<w:color w:val="{LINK_COLOUR}"/><w:u w:val="single"/></w:rPr>'
            f'<w:t xml:space="preserve">{text}</w:t></w:r></w:hyperlink>'
        )


# --- The case -----------------------------------------------------------------------------------------------


def case_fields(body: Body, case: Case) -> None:
    """The lines that say which case a document is about: number, operation, reference, incident, SIO, lead."""
    nomination = case.nomination
    body.field("Case", case.case_number)
    body.field("Operation", nomination.operation_name or "none given")
    body.field("Crime or incident reference", nomination.incident_reference)
    incident = (
        f"{nomination.offence_type.label} ({nomination.context.label.lower()}, {nomination.harm.label.lower()}), "
        f"{moment(nomination.incident_at)}, {nomination.policing_area}"
    )
    body.field("Incident", incident)
    body.field("SIO", nomination.sio.name)
    if case.lead_reviewer is not None:
        body.field("Lead reviewer", case.lead_reviewer.name)


# --- Words --------------------------------------------------------------------------------------------------


def when(content: EntryContent) -> str:
    """When the contact happened, as precisely as it is known: no more, no less."""
    on = day(content.event_date)
    t = content.event_time
    if content.precision is Precision.DATE_ONLY or t is None:
        return f"{on} (time not known)"
    if content.precision is Precision.APPROXIMATE:
        return f"{on} about {t:%H:%M}"
    return f"{on} {t:%H:%M}"


def source(content: EntryContent) -> str:
    reference = f", reference {content.source_reference}" if content.source_reference else ", no reference"
    return f"{content.source_agency} – {content.source_system}{reference}"


def day(value: date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def moment(value: datetime) -> str:
    """A moment in UK local time (Europe/London, GMT or BST), 24-hour clock."""
    local = aware(value).astimezone(LONDON)
    return f"{day(local.date())} {local:%H:%M}"


def aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def numbers_list(numbers: Iterable[int]) -> str:
    listed = [str(n) for n in numbers]
    if not listed:
        return "none identified so far."
    return ("entry " if len(listed) == 1 else "entries ") + ", ".join(listed) + "."
