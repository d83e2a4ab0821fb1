import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from debrief.exports import ExportFormat, ExportTable
from documents import tables

TABLE = ExportTable(
    name="actions",
    title="Actions by case, as at 26 November 2026",
    columns=("Case", "Action", "Due", "Changed"),
    rows=(
        (
            "RD-2026-0001",
            "Refresh coercive-control training",
            date(2026, 12, 1),
            datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        ),
        ("RD-2026-0002", '=HYPERLINK("x")', None, None),
    ),
)


def test_a_csv_export_carries_the_marking_and_every_row() -> None:
    text = tables.to_csv(TABLE).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    assert rows[2] == ["Case", "Action", "Due", "Changed"]
    assert rows[3] == ["RD-2026-0001", "Refresh coercive-control training", "2026-12-01", "2026-11-02 09:30:00 UTC"]
    assert len(rows) == 5


def test_text_a_spreadsheet_would_run_as_a_formula_stays_text() -> None:
    text = tables.to_csv(TABLE).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    sheet = load_workbook(io.BytesIO(tables.to_xlsx(TABLE))).active
    assert sheet is not None
    assert sheet["B5"].value == '\'=HYPERLINK("x")'
    assert sheet["B5"].data_type == "s"


def test_an_excel_export_opens_with_the_marking_header_and_dates() -> None:
    sheet = load_workbook(io.BytesIO(tables.render(TABLE, ExportFormat.XLSX))).active
    assert sheet is not None
    assert sheet["A1"].value == "OFFICIAL-SENSITIVE"
    assert [cell.value for cell in sheet[3]] == list(TABLE.columns)
    assert sheet["C4"].value == datetime(2026, 12, 1)
    assert sheet["D4"].value == "2026-11-02 09:30:00 UTC"
    assert tables.filename(TABLE, ExportFormat.XLSX, on=date(2026, 11, 26)) == "rapid-debrief-actions-2026-11-26.xlsx"
