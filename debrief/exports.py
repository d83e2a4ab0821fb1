"""A table someone may take away (for the board pack, or the information manager's audit extract).

Built by the service that authorised and audited the export; rendered to Excel or CSV by documents.tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

Cell = str | int | float | date | datetime | None


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True)
class ExportTable:
    name: str
    """Used for the file name and the sheet's title, e.g. "actions"."""
    title: str
    """A heading a reader understands, e.g. "Actions by case, as at 26 November 2026"."""
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
