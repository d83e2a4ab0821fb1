"""Reading a Word document the way a person does, with python-docx: its lines, sections, tables and page marks."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.section import _Footer, _Header
from docx.table import Table
from docx.text.paragraph import Paragraph


def texts(document: DocxDocument) -> list[str]:
    """The text of every paragraph in the body, in order (tables not included)."""
    return [p.text for p in document.paragraphs]


def table_rows(table: Table) -> list[list[str]]:
    """The text of every cell in a table, row by row."""
    return [[cell.text for cell in row.cells] for row in table.rows]


def everything(document: DocxDocument) -> str:
    """All the words in the body: every paragraph, then every table cell, one a line."""
    cells = [cell for table in document.tables for row in table_rows(table) for cell in row]
    return "\n".join(texts(document) + cells)


def heading_level(paragraph: Paragraph) -> int | None:
    """1 for a "Heading 1" paragraph, 2 for "Heading 2"…; None for any other paragraph."""
    name = paragraph.style.name if paragraph.style is not None else None
    return int(name.removeprefix("Heading ")) if name and name.startswith("Heading ") else None


def section(document: DocxDocument, heading: str) -> list[str]:
    """The lines under a heading, up to the next heading of the same or a higher level."""
    paragraphs = document.paragraphs
    levels = [heading_level(p) for p in paragraphs]
    start = next(i for i, p in enumerate(paragraphs) if p.text == heading and levels[i] is not None)
    level = levels[start]
    assert level is not None
    end = next(
        (i for i in range(start + 1, len(paragraphs)) if (other := levels[i]) is not None and other <= level),
        len(paragraphs),
    )
    return [p.text for p in paragraphs[start + 1 : end]]


def shading(paragraph: Paragraph) -> str | None:
    """The paragraph's background fill (a hex colour such as "FDE9D9"), or None when it is not shaded."""
    properties = paragraph._p.pPr
    shd = properties.find(qn("w:shd")) if properties is not None else None
    return shd.get(qn("w:fill")) if shd is not None else None


def page_headers_and_footers(document: DocxDocument) -> tuple[list[_Header], list[_Footer]]:
    """Every header and footer a page can show: each section's own, and its first page's where that differs."""
    headers: list[_Header] = []
    footers: list[_Footer] = []
    for part in document.sections:
        headers.append(part.header)
        footers.append(part.footer)
        if part.different_first_page_header_footer:
            headers.append(part.first_page_header)
            footers.append(part.first_page_footer)
    return headers, footers


def assert_marked_on_every_page(
    document: DocxDocument, *, case_number: str, marking: str = "OFFICIAL-SENSITIVE"
) -> None:
    """Every page's header carries the marking and every footer the marking, the case number and "Page X of Y".

    Odd and even pages share their headers and footers, no header is linked to an earlier section's, and the
    document's properties carry the marking as its category.
    """
    assert not document.settings.odd_and_even_pages_header_footer
    headers, footers = page_headers_and_footers(document)
    for header in headers:
        header_text = " ".join(p.text for p in header.paragraphs)
        assert not header.is_linked_to_previous, header_text
        assert marking in header_text, header_text
    for footer in footers:
        footer_text = " ".join(p.text for p in footer.paragraphs)
        assert marking in footer_text, footer_text
        assert case_number in footer_text, footer_text
        fields = [i.text.strip() for i in footer._element.iter(qn("w:instrText"))]
        assert fields == ["PAGE", "NUMPAGES"], "Page X of Y"
    assert document.core_properties.category == marking
