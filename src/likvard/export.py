"""Everything Likvärd writes for users goes through here: CSV in one Swedish dialect, Excel, JSON.

- CSV (``--format csv``): one file per table, semicolon-separated, lines ending in CR LF (RFC 4180;
  a cell holding a line break is quoted), decimal comma, UTF-8 with BOM
  (Swedish Excel opens it as it is), Swedish headers, school names beside codes, numbers rounded
  to the table's decimals, school years as ``2024/25``, suppressed figures as ``..``.
- Excel (``--format xlsx``): one workbook, a contents sheet and one sheet per table; numbers stay
  numbers with a display format, suppressed cells hold ``..``.
- JSON (``--format json``): one file ``{"title", "tables": {key: {"title", "note", "columns":
  {code: Swedish header}, "rows": [{code: value}]}}, "summary"}``; keys are the code names,
  numbers are numbers (rounded to the shown decimals), suppressed figures are the string ``..``.
Files are written whole or not at all (a temporary file, then a rename).

Only tables that have passed disclosure control (``Table.disclosed``, set by
``likvard.views.suppression.publish``) are written; any other raises ``DisclosureError``. Text
cells that a spreadsheet would run as a formula (beginning with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) get a leading ``'`` in CSV and Excel, and Excel cells holding text are always
stored as text, never as formulas (``likvard.disclosure.safe``); numbers stay numbers.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from likvard.disclosure import DisclosureError, safe_text
from likvard.errors import ParameterError
from likvard.privacy import SUPPRESSED
from likvard.views.table import Table

Format = Literal["csv", "xlsx", "json"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "json")
_YEAR_COLUMNS = ("school_year", "first_year", "last_year")
_TEXT_COLUMNS = ("school_id", "name", "municipality_code", "organiser")
_BAD_SHEET = str.maketrans({c: "_" for c in "[]:*?/\\"})


def check_format(fmt: str) -> Format:
    """``fmt`` if it is a known format, else a Swedish error naming the choices."""
    if fmt not in FORMATS:
        raise ParameterError("--format", f"'{fmt}' är inget känt format; välj {', '.join(FORMATS)}.")
    return fmt  # type: ignore[return-value]


def _school_year(value: object) -> object:
    if isinstance(value, str) or value is None or (isinstance(value, float) and math.isnan(value)):
        return value
    y = int(value)  # type: ignore[call-overload]
    return f"{y}/{(y + 1) % 100:02d}"


def with_names(table: Table, names: Mapping[str, str] | None) -> Table:
    """``table`` with a ``name`` column right after ``school_id`` when it has codes but no names."""
    df = table.data
    if names is None or "school_id" not in df or "name" in df:
        return table
    out = df.copy()
    out.insert(out.columns.get_loc("school_id") + 1, "name", out["school_id"].astype(str).map(names).fillna(""))
    return dataclasses.replace(table, data=out)


def require_disclosed(tables: Sequence[Table]) -> None:
    """Raise ``DisclosureError`` unless every table has passed disclosure control."""
    for t in tables:
        if not getattr(t, "disclosed", False):
            raise DisclosureError(
                f"Tabellen '{t.title}' ({t.key}) har inte gått igenom röjandekontrollen och skrivs inte ut."
            )


def _csv_cell(value: object, decimals: int, column: str) -> str:
    if value is None:
        return ""
    if column in _YEAR_COLUMNS:
        value = _school_year(value)
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nej"
    if isinstance(value, (int, np.integer)) and column not in _TEXT_COLUMNS:
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return ""
        rounded = round(float(value), decimals) + 0.0  # no "-0,0"
        return f"{rounded:.{decimals}f}".replace(".", ",")
    return safe_text(str(value))


def csv_frame(table: Table) -> pd.DataFrame:
    """The table as the CSV shows it: Swedish headers, every cell a rounded string."""
    df = table.data
    out = pd.DataFrame(index=range(len(df)))
    for col in df.columns:
        d = table.decimals_of(col)
        out[safe_text(table.header(col))] = [_csv_cell(v, d, col) for v in df[col].astype(object)]
    return out


def _atomic(path: Path, write) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_csv(table: Table, path: Path) -> Path:
    """One table as a Swedish CSV file (see the module docstring)."""
    require_disclosed([table])
    frame = csv_frame(table)
    return _atomic(Path(path), lambda tmp: frame.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig",
                                                            lineterminator="\r\n"))


def sheet_name(key: str, used: set[str]) -> str:
    """An Excel-safe sheet name (max 31 characters, not beginning or ending with ``'``), unique
    within the workbook."""
    base = key.translate(_BAD_SHEET)[:31].strip("'") or "tabell"
    name, i = base, 2
    while name.lower() in used:
        suffix = f"_{i}"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


def _xlsx_cell(value: object, column: str) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if column in _YEAR_COLUMNS:
        return _school_year(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str):
        return safe_text(value)
    return value


def _xml_text(text: str) -> str:
    """``text`` as an XML reader (Excel's too) reads it back: a carriage return is a line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class XlsxBook:
    """The workbook of ``write_xlsx``, one table at a time: ``add(table)`` writes its sheet, ``close()``
    writes the first sheet naming them all and moves the file into place (``discard()`` leaves
    nothing behind). Text goes in with ``write_string``, so it is never read as a formula, a number
    or a link; empty texts and non-finite numbers are left as empty cells."""

    def __init__(self, path: Path, title: str = "") -> None:
        import xlsxwriter

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.tmp")
        self._title = title
        self._wb = xlsxwriter.Workbook(str(self._tmp), {"in_memory": True, "strings_to_formulas": False,
                                                         "strings_to_numbers": False, "strings_to_urls": False})
        self._bold = self._wb.add_format({"bold": True})
        self._formats: dict[str, object] = {}
        self._index = self._wb.add_worksheet("Innehåll")
        self._used = {"innehåll"}
        self._entries: list[tuple[str, Table]] = []

    def _number_format(self, code: str) -> object:
        if code not in self._formats:
            self._formats[code] = self._wb.add_format({"num_format": code})
        return self._formats[code]

    def add(self, table: Table) -> None:
        """The table's sheet (the table must have passed disclosure control)."""
        import datetime

        require_disclosed([table])
        name = sheet_name(table.key, self._used)
        self._entries.append((name, table))
        ws = self._wb.add_worksheet(name)
        columns = list(table.data.columns)
        decimals = []
        for j, col in enumerate(columns):
            d = table.decimals_of(col)
            decimals.append(self._number_format("0" if d == 0 else "0." + "0" * d))
            head = safe_text(table.header(col))
            if head:
                ws.write_string(0, j, _xml_text(head), self._bold)
            else:
                ws.write_blank(0, j, None, self._bold)
            # in pixels (7 a character), so that the file holds exactly this width in characters
            ws.set_column_pixels(j, j, 7 * min(45, max(10, len(table.header(col)) + 2)))
        ws.freeze_panes(1, 0)
        write_string, write_number = ws.write_string, ws.write_number
        for i, row in enumerate(table.data.itertuples(index=False), start=1):
            for j, (v, col) in enumerate(zip(row, columns)):
                value = _xlsx_cell(v, col)
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    write_string(i, j, _xml_text(value) if "\r" in value else value)
                elif isinstance(value, float):
                    if math.isfinite(value):
                        write_number(i, j, value, decimals[j])
                elif isinstance(value, bool):
                    ws.write_boolean(i, j, value)
                elif isinstance(value, int):
                    write_number(i, j, value)
                elif isinstance(value, datetime.datetime):
                    ws.write_datetime(i, j, value, self._number_format("yyyy-mm-dd h:mm:ss"))
                elif isinstance(value, datetime.date):
                    ws.write_datetime(i, j, value, self._number_format("yyyy-mm-dd"))
                else:
                    ws.write(i, j, value)

    def close(self) -> Path:
        """Write the first sheet and the file; returns its path."""
        import xlsxwriter.exceptions

        index = self._index

        def text(row: int, col: int, value: str, cell_format: object = None) -> None:
            index.write_string(row, col, _xml_text(value), cell_format)

        text(0, 0, safe_text(self._title or "Likvärd"), self._wb.add_format({"bold": True, "font_size": 14}))
        for j, head in enumerate(("Flik", "Tabell", "Not")):
            text(2, j, head, self._bold)
        for i, (name, table) in enumerate(self._entries, start=3):
            for j, entry in enumerate((name, safe_text(table.title), safe_text(table.note))):
                if entry:
                    text(i, j, entry)
        text(len(self._entries) + 4, 0, f"Uppgifter som bygger på färre än 10 elever, eller som skulle kunna räknas "
                                        f"fram ur andra uppgifter, visas som {SUPPRESSED} (se docs/sekretess.md).")
        try:
            try:
                self._wb.close()
            except xlsxwriter.exceptions.FileCreateError as exc:  # a full disk etc.: the OSError, as from any file
                cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
                raise cause from None
            os.replace(self._tmp, self.path)
        finally:
            self._tmp.unlink(missing_ok=True)
        return self.path

    def discard(self) -> None:
        """Leave no file (the workbook is not written)."""
        self._tmp.unlink(missing_ok=True)


def write_xlsx(tables: Sequence[Table], path: Path, title: str = "") -> Path:
    """One sheet per table plus a first sheet naming them (XlsxWriter; see :class:`XlsxBook`).

    Headers are bold, floats carry their column's number format (``0``, ``0.0`` …), column widths
    follow the headers, the header row is frozen, and every text cell is stored as text."""
    require_disclosed(tables)
    book = XlsxBook(Path(path), title)
    try:
        for table in tables:
            book.add(table)
    except BaseException:
        book.discard()
        raise
    return book.close()


def _json_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    return value


def json_ready(obj: object) -> object:
    """``obj`` with numpy/pandas values and non-finite floats made JSON-safe (NaN -> null)."""
    if isinstance(obj, Mapping):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return [json_ready(r) for r in obj.to_dict("records")]
    if isinstance(obj, np.ndarray):
        return json_ready(obj.tolist())
    return _json_value(obj)


def write_json(tables: Sequence[Table], path: Path, title: str = "", summary: Mapping | None = None) -> Path:
    """All tables (and a summary) in one JSON file (see the module docstring)."""
    require_disclosed(tables)
    doc = {
        "title": title,
        "tables": {
            t.key: {"title": t.title, "note": t.note, "columns": {c: t.header(c) for c in t.data.columns},
                    "rows": json_ready(t.data)}
            for t in tables
        },
        "summary": json_ready(dict(summary or {})),
    }
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    return _atomic(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_tables(
    tables: Sequence[Table], out_dir: Path, fmt: str = "csv", stem: str = "tabeller", title: str = "",
    names: Mapping[str, str] | None = None, summary: Mapping | None = None,
) -> list[Path]:
    """Write ``tables`` into ``out_dir`` in ``fmt``; school names from ``names`` are added beside
    codes. CSV also writes the summary as ``<stem>.json``. Returns the paths written."""
    fmt = check_format(fmt)
    require_disclosed(tables)
    out_dir = Path(out_dir)
    shown = [with_names(t, names) for t in tables]
    if fmt == "csv":
        paths = [write_csv(t, out_dir / f"{t.key}.csv") for t in shown]
        if summary:
            paths.append(write_json([], out_dir / f"{stem}.json", title, summary))
        return paths
    if fmt == "xlsx":
        paths = [write_xlsx(shown, out_dir / f"{stem}.xlsx", title)]
        if summary:
            paths.append(write_json([], out_dir / f"{stem}_sammanfattning.json", title, summary))
        return paths
    return [write_json(shown, out_dir / f"{stem}.json", title, summary)]


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv` back (strings; for tests and round trips)."""
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
