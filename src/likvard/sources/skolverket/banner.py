"""Skolverket's "Sök statistik" CSV exports: a banner, a header row, data, footnotes.

The banner (4-8 lines) names the table and the school year ("Valt läsår: 2023/24"); the header
row starts with ``Skola;`` (school level) or ``Kommun;`` (municipality level); footnote rows
follow the data. Files are UTF-8 with BOM, ``;``-separated.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from likvard.sources.skolverket.errors import SourceFileError


@dataclass(frozen=True)
class BannerTable:
    """The data rows as strings, the banner's title and school year, and the header's file line."""

    frame: pd.DataFrame
    title: str
    school_year: int | None
    header_line: int  # 1-based line number of the header row in the file


def read_school_unit_export(path: str | Path, required, expected: str) -> tuple[pd.DataFrame, int]:
    """A school-unit export (header row ``Skola;…``) with its school year; raises a Swedish
    ``SourceFileError`` naming the missing columns and the ``expected`` kind of file."""
    path = Path(path)
    table = read_banner_csv(path, ("Skola;",), key_column="Skol-enhetskod")
    missing = [c for c in required if c not in table.frame.columns]
    if missing:
        raise SourceFileError(
            path, f"kolumner saknas på rubrikraden (rad {table.header_line}): {', '.join(missing)}. "
            f"Förväntade Skolverkets export '{expected}' på skolenhetsnivå."
        )
    match = re.search(r"(20\d\d)", path.name)
    year = table.school_year or (int(match.group(1)) if match else None)
    if year is None:
        raise SourceFileError(path, "läsåret framgår varken av raden 'Valt läsår' eller av filnamnet.")
    return table.frame, year


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_banner_csv(path: str | Path, header_prefixes: tuple[str, ...] = ("Skola;",), key_column: str | None = None) -> BannerTable:
    """Read an export; rows without a value in ``key_column`` (footnotes, blanks) are dropped."""
    path = Path(path)
    text = _read_text(path)
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith(header_prefixes)), None)
    if header is None:
        raise SourceFileError(
            path, f"hittade ingen rubrikrad som börjar med {' eller '.join(repr(p) for p in header_prefixes)}; "
            "är det rätt fil från Skolverkets statistik?"
        )
    banner = lines[:header]
    title = next((b.strip(";").strip() for b in banner[1:] if b.strip(";").strip() and not b.startswith("Valt")), "")
    year = None
    for b in banner:
        m = re.search(r"Valt läsår:\s*(\d{4})/\d{2}", b)
        if m:
            year = int(m.group(1))
    frame = pd.read_csv(
        io.StringIO("\n".join(lines[header:])), sep=";", dtype=str, keep_default_na=False, na_values=[], engine="c"
    )
    frame = frame.loc[:, [c for c in frame.columns if not str(c).startswith("Unnamed")]]
    frame.columns = [str(c).strip() for c in frame.columns]
    key = key_column or frame.columns[1]
    if key not in frame.columns:
        raise SourceFileError(path, f"kolumnen '{key}' saknas i rubrikraden (rad {header + 1}).")
    # data rows carry a numeric key (school unit code or municipality code); footnotes do not
    keep = frame[key].str.strip().str.fullmatch(r"\d{4,9}").fillna(False)
    frame = frame[keep].reset_index(drop=True)
    frame.attrs["first_line"] = header + 2
    return BannerTable(frame=frame, title=title, school_year=year, header_line=header + 1)
