"""Read a CSV, Excel or Parquet file into a raw table of strings, keeping the user's row numbers.

CSV: the delimiter (``;``, ``,`` or tab) is sniffed from the header line; UTF-8 with or without
BOM, UTF-16 with BOM (Excel's "Unicode text"), else Windows-1252 (Excel's "CSV" on Swedish
Windows). A UTF-8 file with a stray Windows-1252 byte is refused (naming the line) rather than
read garbled; so are NUL bytes, other programs' files renamed ``.csv`` (recognised by their first
bytes) and fields over :data:`MAX_FIELD_CHARS` characters. Excel: the first sheet of an .xlsx
file (python-calamine); merged header cells are refused. Parquet: via pyarrow. Every cell becomes
a stripped string or None when empty; headers are stripped and lower-cased (``headers`` keeps
them as written). The index holds the row number as the
user sees it: header = row 1, first data row = row 2 (CSV and Excel); for Parquet, which has no
header row, the first row is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.sources.errors import Issue, RegisterValidationError

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
MAX_FIELD_CHARS = 2_000
"""Longest cell accepted (a school name is under 100 characters); longer ones are refused."""
_CSV_PARSE_LIMIT = 100_000_000
"""Field size the CSV parser is allowed (far above MAX_FIELD_CHARS, so a long field is reported
with its row and column rather than as a parser error)."""

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "en PNG-bild"), (b"\xff\xd8\xff", "en JPEG-bild"), (b"GIF8", "en GIF-bild"),
    (b"%PDF", "en PDF-fil"), (b"PK\x03\x04", "en zip-fil (t.ex. en Excel-fil .xlsx eller ett Word-dokument)"),
    (b"\xd0\xcf\x11\xe0", "en fil från äldre Office (t.ex. Excel .xls)"), (b"PAR1", "en Parquet-fil"),
    (b"\x1f\x8b", "en gzip-komprimerad fil"), (b"SQLite format 3", "en SQLite-databas"),
    (b"{\\rtf", "ett RTF-dokument"),
)
"""First bytes of files that are not text tables, with a Swedish description."""

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass
class RawTable:
    """Strings as read (None for empty), index = user row numbers; ``fmt`` names the format.

    ``frame`` has lower-cased headers; ``headers`` the same headers as written in the file.
    """

    frame: pd.DataFrame
    fmt: str
    delimiter: str | None = None
    encoding: str | None = None
    headers: list[str] = field(default_factory=list)


def _reject(path: Path, message: str, value: str | None = None) -> RegisterValidationError:
    return RegisterValidationError([Issue(path.name, None, None, value, message)])


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def describe_binary(data: bytes) -> str | None:
    """What kind of non-text file ``data`` starts like (Swedish), or None."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


def decode(data: bytes, name: str = "filen") -> tuple[str, str]:
    """Text and encoding of a text table file, or RegisterValidationError saying what is wrong.

    UTF-16 with BOM; UTF-8 (BOM optional); a file with no valid UTF-8 multi-byte sequence is
    Windows-1252 (latin-1 for the five bytes cp1252 leaves undefined). A file with both valid
    UTF-8 sequences and invalid bytes has mixed encodings and is refused, naming the line.
    """
    def reject(message: str, row: int | None = None) -> RegisterValidationError:
        return RegisterValidationError([Issue(name, row, None, None, message)])

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise reject("Filen börjar som UTF-16 men innehåller ogiltiga tecken. Spara den på nytt som "
                         "CSV UTF-8.") from None
    what = describe_binary(data)
    if what is not None:
        raise reject(f"Filen är inte en textfil med en tabell utan ser ut att vara {what}. "
                     "Välj rätt fil, eller spara tabellen som CSV (.csv) eller Excel (.xlsx) med rätt filändelse.")
    nul = data.find(b"\x00")
    if nul >= 0:
        head = data[:2000]
        if head.count(b"\x00") * 3 >= len(head):
            raise reject("Filen ser ut att vara sparad som UTF-16 utan byte-ordningsmärke (BOM). Spara den "
                         "på nytt som CSV UTF-8 (i Excel: Spara som → CSV UTF-8).")
        raise reject("Filen innehåller ett NUL-tecken (byte 0), som inte hör hemma i en textfil: den är "
                     "troligen skadad eller inte en CSV-fil. Ta bort tecknet eller spara filen på nytt.",
                     _line_of(data, nul))
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(data) is not None:
            raise reject(
                "Filen har blandad teckenkodning: den är i huvudsak UTF-8 men har ett tecken i en annan "
                "kodning (troligen Windows-1252, t.ex. ett å, ä eller ö inklistrat från ett annat program). "
                "Rätta tecknet på raden, eller spara hela filen på nytt som CSV UTF-8.",
                _line_of(data, exc.start)) from None
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


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
    frame.columns = [str(c).strip().lstrip("\ufeff").strip().lower() for c in frame.columns]
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
    previous_limit = csv.field_size_limit(min(_CSV_PARSE_LIMIT, sys.maxsize))
    try:
        rows = list(reader)
    except csv.Error as exc:
        line = reader.line_num
        detail = ("ett fält är längre än vad som kan läsas" if "field larger" in str(exc)
                  else "ett citattecken eller radbrytning står fel")
        raise RegisterValidationError([Issue(name, line or None, None, None,
                                             f"Filen kunde inte läsas som CSV: {detail} (nära rad {line}). "
                                             "Kontrollera citattecknen på raden.")]) from None
    finally:
        csv.field_size_limit(previous_limit)
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
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    return str(v)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_excel(path: Path) -> pd.DataFrame:
    """First sheet of an .xlsx file; index = Excel row numbers (header = row 1).

    Merged cells in the header row are refused: a merged ``home_x``/``home_y`` header would
    otherwise leave one column without a name and its values unread.
    """
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    if not workbook.sheet_names:
        raise _reject(path, "Excelfilen har inga blad.")
    sheet = workbook.get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)
    merged = sheet.merged_cell_ranges or []
    issues = []
    for (r0, c0), (r1, c1) in merged:
        if r0 == 0:
            ref = f"{column_letter(c0)}1:{column_letter(c1)}{r1 + 1}"
            issues.append(Issue(path.name, 1, None, ref,
                                f"Rubrikcellerna {ref} är sammanslagna. Varje kolumn behöver en egen rubrik: "
                                "dela upp de sammanslagna cellerna (Excel: Start → Sammanfoga och centrera → "
                                "Dela upp celler) och skriv ett kolumnnamn i varje."))
    if issues:
        raise RegisterValidationError(issues)
    if not rows:
        raise _reject(path, "Excelfilens första blad är tomt: en rubrikrad med kolumnnamn behövs.")
    header = [str(_excel_cell(h) or "") for h in rows[0]]
    while header and header[-1].strip() == "":
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
    if path.is_dir():
        raise _reject(path, "Sökvägen är en mapp, inte en fil.", str(path))
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise _reject(path, f"Filen kunde inte läsas ({exc.strerror}). Kontrollera rättigheterna.") from None
    if suffix in EXCEL_SUFFIXES:
        if not head.startswith(b"PK\x03\x04"):
            what = describe_binary(head)
            if what is not None:
                hint = f" utan ser ut att vara {what}"
            elif head and b"\x00" not in head:
                hint = " utan ser ut att vara en textfil (CSV?): byt i så fall filändelsen till .csv"
            else:
                hint = ""
            raise _reject(path, f"Filen heter .xlsx men är inte en Excel-arbetsbok{hint}. "
                          "Öppna den i Excel och spara som Excel-arbetsbok (.xlsx).")
        try:
            frame = read_excel(path)
        except RegisterValidationError:
            raise
        except Exception:  # noqa: BLE001 - calamine raises several kinds on a broken file; its text is English
            raise _reject(path, "Excelfilen kunde inte läsas: den är skadad, lösenordsskyddad eller inte en "
                          "Excel-arbetsbok. Öppna den i Excel och spara den på nytt som .xlsx.") from None
        headers = [str(c).strip().lstrip("\ufeff").strip() for c in frame.columns]
        return RawTable(_clean(frame), "xlsx", headers=headers)
    if suffix in PARQUET_SUFFIXES:
        if not head.startswith(b"PAR1"):
            raise _reject(path, "Filen heter .parquet men är inte en Parquet-fil. Välj rätt fil.")
        try:
            frame = read_parquet(path)
        except Exception:  # noqa: BLE001 - pyarrow's many error kinds, all English: one Swedish message
            raise _reject(path, "Parquet-filen kunde inte läsas: den är skadad eller i ett format som inte "
                          "stöds. Skriv den på nytt, eller använd CSV eller Excel.") from None
        headers = [str(c).strip() for c in frame.columns]
        return RawTable(_clean(frame), "parquet", headers=headers)
    if suffix in CSV_SUFFIXES or suffix == "":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _reject(path, f"Filen kunde inte läsas ({exc.strerror}).") from None
        if head.startswith(b"PK\x03\x04"):
            raise _reject(path, "Filen heter .csv men är en zip-fil, troligen en Excel-arbetsbok: byt "
                          "filändelsen till .xlsx eller spara den som CSV.")
        try:
            text, enc = decode(data, path.name)
            frame, delim = read_csv_text(text, path.name)
        except RegisterValidationError as exc:
            raise RegisterValidationError([Issue(path.name, i.row, i.column, i.value, i.message) for i in exc.issues]) from None
        headers = [str(c).strip().lstrip("\ufeff").strip() for c in frame.columns]
        return RawTable(_clean(frame), "csv", delim, enc, headers=headers)
    raise _reject(
        path,
        "Okänd filtyp. Använd CSV (.csv, med ; eller , som avgränsare), Excel (.xlsx) eller Parquet (.parquet).",
        path.suffix,
    )
