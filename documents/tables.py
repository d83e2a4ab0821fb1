"""Excel and CSV from an ExportTable: the marking goes with the data, in the file itself."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from debrief.exports import Cell, ExportFormat, ExportTable

MARKING = "OFFICIAL-SENSITIVE"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def render(table: ExportTable, export_format: ExportFormat) -> bytes:
    return to_xlsx(table) if export_format is ExportFormat.XLSX else to_csv(table)


def content_type(export_format: ExportFormat) -> str:
    return XLSX if export_format is ExportFormat.XLSX else CSV


def filename(table: ExportTable, export_format: ExportFormat, *, on: date) -> str:
    return f"rapid-debrief-{table.name}-{on.isoformat()}.{export_format.value}"


def to_csv(table: ExportTable) -> bytes:
    """A marking line, the title, then the header and rows; UTF-8 with a BOM so Excel reads it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([MARKING])
    writer.writerow([table.title])
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_text(_defused(cell)) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: ExportTable) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.name[:31]
    sheet.append([MARKING])
    sheet.append([table.title])
    sheet.append(list(table.columns))
    for cell in (sheet["A1"], sheet["A2"]):
        cell.font = Font(bold=True)
    for header in sheet[3]:
        header.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_excel(_defused(cell)) for cell in row])
    sheet.freeze_panes = "A4"
    for index, column in enumerate(table.columns, start=1):
        widest = max([len(column), *(len(_text(row[index - 1])) for row in table.rows[:200])])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, widest + 2)
    workbook.properties.title = table.title
    workbook.properties.keywords = MARKING
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _defused(cell: Cell) -> Cell:
    """Text that a spreadsheet would run as a formula (=, +, -, @) is kept as text (CSV injection)."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def _excel(cell: Cell) -> str | int | float | date | None:
    """Excel keeps no time zone: datetimes go in as UTC text, so nobody mistakes them for local time."""
    if isinstance(cell, datetime):
        return _text(cell)
    return cell
