"""Read a CSV, Excel or Parquet file into a raw table of strings, keeping the user's row numbers.

CSV: the delimiter (``;``, ``,`` or tab) is sniffed from the header line; UTF-8 with or without
BOM, falling back to cp1252 and latin-1 (Excel's "CSV" on Swedish Windows). Excel: the first
sheet of an .xlsx file (openpyxl). Parquet: via pyarrow. Every cell becomes a stripped string or
None when empty; headers are stripped and lower-cased. The index holds the row number as the
user sees it: header = row 1, first data row = row 2 (CSV and Excel); for Parquet, which has no
header row, the first row is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.sources.errors import Issue, RegisterValidationError

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


@dataclass
class RawTable:
    """Strings as read (None for empty), index = user row numbers; ``fmt`` names the format."""

    frame: pd.DataFrame
    fmt: str
    delimiter: str | None = None
    encoding: str | None = None


def _reject(path: Path, message: str, value: str | None = None) -> RegisterValidationError:
    return RegisterValidationError([Issue(path.name, None, None, value, message)])


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (BOM optional), else cp1252, else latin-1."""
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of ``;``, tab and ``,`` in the header line (``;`` wins ties)."""
    counts = {d: header_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return str(v).strip() or None


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip().lstrip("\ufeff").lower() for c in frame.columns]
    names = list(frame.columns)
    out = {}
    for i in range(len(names)):
        col = frame.iloc[:, i]
        text = col.astype(object).map(_text) if col.dtype != object else col
        text = pd.Series(text.to_numpy(dtype=object), index=frame.index).astype("string").str.strip()
        text = text.mask(text == "")
        out[i] = text.astype(object).where(text.notna(), None)
    result = pd.DataFrame(out, index=frame.index, dtype=object)
    result.columns = names  # duplicated names are kept, for the reader to report
    # drop rows that are entirely empty (trailing blank lines, empty Excel rows)
    return result[result.notna().any(axis=1)] if len(result.columns) else result


def read_csv_text(text: str, name: str) -> tuple[pd.DataFrame, str]:
    """Parse CSV text into strings; index = row numbers (header = 1)."""
    first = text.split("\n", 1)[0]
    delim = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows = list(reader)
    if not rows:
        raise RegisterValidationError([Issue(name, None, None, None, "Filen är tom: en rubrikrad med kolumnnamn behövs.")])
    header = rows[0]
    body = rows[1:]
    width = len(header)
    issues = []
    fixed = []
    for i, r in enumerate(body, start=2):
        if len(r) == 0 or all(not c.strip() for c in r):
            fixed.append([""] * width)
            continue
        if len(r) != width:
            issues.append(
                Issue(name, i, None, delim.join(r)[:80],
                      f"Raden har {len(r)} fält men rubrikraden har {width}. Kontrollera avgränsare "
                      f"({delim!r}) och citattecken på raden.")
            )
            r = (r + [""] * width)[:width]
        fixed.append(r)
    if issues:
        raise RegisterValidationError(issues)
    frame = pd.DataFrame(fixed, columns=header, index=pd.RangeIndex(2, 2 + len(fixed)), dtype=object)
    return frame, delim


def _excel_cell(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return str(v)


def read_excel(path: Path) -> pd.DataFrame:
    """First sheet of an .xlsx file; index = Excel row numbers."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise _reject(path, "Excelfilens första blad är tomt: en rubrikrad med kolumnnamn behövs.")
    header = [("" if h is None else str(h)) for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = [[_excel_cell(v) for v in (list(r) + [None] * width)[:width]] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, index=pd.RangeIndex(2, 2 + len(body)), dtype=object)


def _parquet_column(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.map(lambda v: None if pd.isna(v) else ("true" if v else "false"))
    if pd.api.types.is_float_dtype(s):
        arr = s.to_numpy(dtype=float, na_value=np.nan)
        return pd.Series(
            [None if np.isnan(v) else (str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v)))
             for v in arr], index=s.index, dtype=object)
    return s.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))


def read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file as strings; index = row numbers starting at 1."""
    df = pd.read_parquet(path)
    df = df.reset_index(drop=True)
    out = pd.DataFrame({c: _parquet_column(df[c]) for c in df.columns}, dtype=object)
    out.index = pd.RangeIndex(1, 1 + len(out))
    return out


def read_raw(path: str | Path) -> RawTable:
    """Read any supported file into a :class:`RawTable`, or raise RegisterValidationError."""
    path = Path(path)
    if not path.exists():
        raise _reject(path, "Filen finns inte. Kontrollera sökvägen.", str(path))
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        try:
            frame = read_excel(path)
        except RegisterValidationError:
            raise
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise _reject(path, f"Filen kunde inte läsas som Excel (.xlsx): {exc}") from exc
        return RawTable(_clean(frame), "xlsx")
    if suffix in PARQUET_SUFFIXES:
        try:
            frame = read_parquet(path)
        except Exception as exc:
            raise _reject(path, f"Filen kunde inte läsas som Parquet: {exc}") from exc
        return RawTable(_clean(frame), "parquet")
    if suffix in CSV_SUFFIXES or suffix == "":
        text, enc = decode(path.read_bytes())
        try:
            frame, delim = read_csv_text(text, path.name)
        except RegisterValidationError as exc:
            raise RegisterValidationError([Issue(path.name, i.row, i.column, i.value, i.message) for i in exc.issues]) from None
        except csv.Error as exc:
            raise _reject(path, f"Filen kunde inte läsas som CSV: {exc}") from exc
        return RawTable(_clean(frame), "csv", delim, enc)
    raise _reject(
        path,
        "Okänd filtyp. Använd CSV (.csv, med ; eller , som avgränsare), Excel (.xlsx) eller Parquet (.parquet).",
        path.suffix,
    )
