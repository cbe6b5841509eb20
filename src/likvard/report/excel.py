"""The report's tables as an Excel workbook: one sheet per table, Swedish headers (openpyxl).

Numbers stay numbers (with a Swedish display format); suppressed cells hold the text ``..``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from likvard.report.model import ReportTable
from likvard.views.common import LABELS, school_year_label

_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})


def sheet_name(key: str, used: set[str]) -> str:
    """An Excel-safe sheet name (max 31 characters), unique within the workbook."""
    base = key.translate(_BAD)[:31] or "tabell"
    name, i = base, 2
    while name.lower() in used:
        suffix = f"_{i}"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


def _cell(value: object, column: str) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if column in ("school_year", "first_year", "last_year") and not isinstance(value, str):
        return school_year_label(int(value))
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def write_workbook(tables: Sequence[ReportTable], path: Path, title: str = "") -> Path:
    """Write one sheet per table (plus a first sheet naming the tables); returns ``path``."""
    wb = Workbook()
    index = wb.active
    index.title = "Innehåll"
    index.append([title or "Likvärd"])
    index["A1"].font = Font(bold=True, size=14)
    index.append([])
    index.append(["Flik", "Tabell", "Not"])
    for c in index[3]:
        c.font = Font(bold=True)
    used = {"innehåll"}
    for table in tables:
        name = sheet_name(table.key, used)
        index.append([name, table.title, table.note])
        ws = wb.create_sheet(name)
        labels = {**LABELS, **table.labels}
        columns = list(table.data.columns)
        ws.append([labels.get(c, c) for c in columns])
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in table.data.itertuples(index=False):
            ws.append([_cell(v, c) for v, c in zip(row, columns)])
        for j, col in enumerate(columns, start=1):
            d = table.decimals.get(col, 1)
            fmt = "0" if d == 0 else "0." + "0" * d
            letter = get_column_letter(j)
            for cell in ws[letter][1:]:
                if isinstance(cell.value, float):
                    cell.number_format = fmt
            ws.column_dimensions[letter].width = min(45, max(10, len(str(labels.get(col, col))) + 2))
        ws.freeze_panes = "A2"
    index.append([])
    index.append(["Uppgifter som bygger på färre än 10 elever visas som .. (Skolverkets praxis)."])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
