"""Swedish labels, number formatting (decimal comma) and table helpers shared by all views."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from likvard.privacy import SUPPRESSED
from likvard.text import format_number, school_year_label  # noqa: F401  (re-exported)

LABELS: dict[str, str] = {
    "school_id": "Skolenhetskod",
    "name": "Skola",
    "school_year": "Läsår",
    "organiser": "Huvudman",
    "organiser_type": "Huvudmannatyp",
    "municipality_code": "Kommunkod",
    "area_type": "Områdestyp",
    "n_students": "Antal elever",
    "n_post_secondary": "Elever med eftergymnasialt utbildade föräldrar",
    "n_foreign_background": "Elever med utländsk bakgrund",
    "n_newly_arrived": "Nyanlända elever",
    "share_post_secondary": "Andel föräldrar med eftergymnasial utbildning (%)",
    "share_foreign_background": "Andel utländsk bakgrund (%)",
    "share_newly_arrived": "Andel nyanlända (%)",
    "share_girls": "Andel flickor (%)",
    "change_post_secondary": "Förändring andel eftergymnasial (procentenheter)",
    "change_foreign_background": "Förändring andel utländsk bakgrund (procentenheter)",
    "first_year": "Från läsår",
    "last_year": "Till läsår",
    "index": "Mått",
    "value": "Värde",
    "low": "Nedre gräns (90 %)",
    "high": "Övre gräns (90 %)",
    "baseline": "Slumpnivå",
    "local_score": "Lokalt segregationsbidrag (L)",
    "contribution": "Andel av total segregation (%)",
    "need_index": "Behovsindex",
    "need_index_low": "Behovsindex, nedre gräns",
    "need_index_high": "Behovsindex, övre gräns",
    "actual": "Faktiskt meritvärde",
    "expected": "Förväntat meritvärde",
    "deviation": "Avvikelse",
    "deviation_low": "Avvikelse, nedre gräns (90 %)",
    "deviation_high": "Avvikelse, övre gräns (90 %)",
    "share_certified": "Andel legitimerade lärare (%)",
    "trygghet": "Trygghet (0–10)",
    "studiero": "Studiero (0–10)",
    "stod": "Stöd (0–10)",
    "n_weak": "Antal svaga indikatorer",
    "weak_indicators": "Svaga indikatorer",
    "part": "Del",
    "scenario": "Scenario",
    "theil_h": "Theils H",
    "dissimilarity": "Skillnadsindex D",
    "mutual_information": "Ömsesidig information M",
    "share_first_choice": "Andel placerade på förstahandsval",
    "share_any_choice": "Andel placerade på något val",
    "mean_distance_km": "Medelavstånd (km)",
    "n_administrative": "Administrativt placerade",
    "merit_value": "Meritvärde",
    "share_eligible": "Andel behöriga (%)",
}

ORGANISER_TYPE_LABELS = {"municipal": "Kommunal", "independent": "Fristående"}
PARENT_EDUCATION_LABELS = {
    "compulsory": "Förgymnasial",
    "upper_secondary": "Gymnasial",
    "post_secondary": "Eftergymnasial",
    "unknown": "Okänd",
}
AREA_TYPE_LABELS = {
    1: "1 Stora socioekonomiska utmaningar",
    2: "2 Socioekonomiska utmaningar",
    3: "3 Socioekonomiskt blandade",
    4: "4 Goda socioekonomiska förutsättningar",
    5: "5 Mycket goda socioekonomiska förutsättningar",
}


def label(column: str) -> str:
    """The Swedish header of a column (the identifier itself when no label is known)."""
    return LABELS.get(column, column)


def format_table(df: pd.DataFrame, decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """All cells as Swedish display strings; ``decimals`` per column (default 1 for floats, 0 for ints)."""
    decimals = dict(decimals or {})
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        if col in decimals:
            d = decimals[col]
        elif pd.api.types.is_integer_dtype(s) or col.startswith("n_") or col in ("school_year", "first_year", "last_year"):
            d = 0
        else:
            d = 1
        if col in ("school_id", "name", "organiser", "municipality_code") or pd.api.types.is_string_dtype(s) and not _mixed_numeric(s):
            out[col] = s.astype(object).map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
        elif col in ("school_year", "first_year", "last_year"):
            out[col] = s.map(lambda v: v if isinstance(v, str) else school_year_label(v))
        else:
            out[col] = s.astype(object).map(lambda v, d=d: format_number(v, d))
    return out


def _mixed_numeric(s: pd.Series) -> bool:
    return any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in s.astype(object))


def swedish_headers(df: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Copy of ``df`` with Swedish column headers."""
    labels = {**LABELS, **(labels or {})}
    return df.rename(columns={c: labels.get(c, c) for c in df.columns})


def as_percent(share: pd.Series) -> pd.Series:
    """Fractions 0-1 to percent; '..' kept."""
    return share.astype(object).map(lambda v: v if isinstance(v, str) or v is None else float(v) * 100.0)


def is_marker(value: object) -> bool:
    """True for the suppression marker '..'."""
    return isinstance(value, str) and value == SUPPRESSED
