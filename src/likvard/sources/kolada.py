"""Kolada's municipal key figures (KPI:er, RKA) as downloaded in long form.

``read_kolada_kpis(path)``: one row per KPI, municipality, year and gender: ``kpi,
municipality_code`` (4 digits), ``municipality, year`` (the KPI's year as Kolada gives it: for
school KPIs measured in the spring, 2024 = läsåret 2023/24), ``gender`` (``T`` total, ``K``, ``M``),
``value`` (float, NaN where Kolada gives none) and ``status`` (Kolada's reason for a missing value,
e.g. ``Missing``, ``Privacy``; empty otherwise). ``read_kolada_titles(path)``: KPI id -> title.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from likvard.sources.skolverket.errors import SourceFileError

COLUMNS = ("kpi", "municipality_id", "municipality", "year", "gender", "value")


def read_kolada_kpis(path: str | Path) -> pd.DataFrame:
    """Read a long Kolada export (``kpi, municipality_id, municipality, year, gender, value[, status]``)."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SourceFileError(path, f"filen kan inte läsas som en CSV-fil från Kolada ({type(exc).__name__}).") from exc
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise SourceFileError(path, f"kolumner saknas: {', '.join(missing)}; väntade Koladas långa format ({', '.join(COLUMNS)}).")
    code = raw["municipality_id"].str.strip()
    bad = ~code.str.fullmatch(r"\d{1,4}")
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 2
        raise SourceFileError(path, f"rad {row}, kolumn municipality_id: '{code[bad].iloc[0]}' är ingen kommunkod.")
    year = pd.to_numeric(raw["year"], errors="coerce")
    if year.isna().any():
        row = int(year.isna().to_numpy().argmax()) + 2
        raise SourceFileError(path, f"rad {row}, kolumn year: '{raw['year'][year.isna()].iloc[0]}' är inget årtal.")
    value = pd.to_numeric(raw["value"].str.replace(",", ".", regex=False), errors="coerce")
    text = raw["value"].str.strip()
    unreadable = value.isna() & (text != "") & ~text.str.lower().isin(("nan", "na", "null"))
    if unreadable.any():
        row = int(unreadable.to_numpy().argmax()) + 2
        raise SourceFileError(path, f"rad {row}, kolumn value: '{text[unreadable].iloc[0]}' är inget tal.")
    return pd.DataFrame(
        {
            "kpi": raw["kpi"].str.strip(),
            "municipality_code": code.str.zfill(4),
            "municipality": raw["municipality"].str.strip(),
            "year": year.astype(int),
            "gender": raw["gender"].str.strip(),
            "value": value.astype(float),
            "status": raw["status"].str.strip() if "status" in raw else "",
        }
    )


def read_kolada_titles(path: str | Path) -> dict[str, str]:
    """KPI id -> Swedish title from ``kpi, kpi_titel``."""
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if not {"kpi", "kpi_titel"} <= set(raw.columns):
        raise SourceFileError(path, "kolumnerna kpi och kpi_titel saknas.")
    return dict(zip(raw["kpi"].str.strip(), raw["kpi_titel"].str.strip()))
