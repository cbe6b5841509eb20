"""Flattened exports of Skolverket's Planned Educations API v4 (school statistics with SALSA).

``read_skolkarta``: one row per school unit with grade-9 results 2024/25 and SALSA
(``salsa_actual`` = faktiskt meritvärde, ``salsa_expected`` = modellberäknat, ``salsa_deviation``,
``salsa_parents`` = the grade-9 cohort's mean parental education, index about 1-3), yearly merit
values ``merit_value_<autumn year>`` 2020-2024, eligibility ``share_eligible_<year>`` (fractions),
and the latest Skolenkät means. ``read_pe_statistics``: the long files (one row per unit, measure
and year) with the API's value types kept as status.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.sources.cache import cached_reader
from likvard.sources.skolverket.errors import SourceFileError
from likvard.sources.skolverket.markers import parse_numbers

ORGANISER = {"Kommunal": "municipal", "Enskild": "independent", "Statlig": "state", "Region": "region"}

_RENAME = {
    "skolenhetskod": "school_id",
    "skolenhet_namn": "name",
    "kommun": "municipality",
    "ort": "locality",
    "huvudmannatyp": "organiser_type",
    "lat": "lat",
    "lng": "lon",
    "senaste_lasar": "latest_school_year",
    "meritvarde": "merit_value",
    "behorighet": "share_eligible",
    "andelGodkand": "share_all_subjects",
    "andel_legitimerade_larare": "share_certified_teachers",
    "antal_elever_ca": "n_students_approx",
    "salsaActual": "salsa_actual",
    "salsaCalc": "salsa_expected",
    "salsaDev": "salsa_deviation",
    "salsaReqDev": "salsa_requirement_deviation",
    "salsaParents": "salsa_parents",
    "np": "np_mean",
}
_PERCENT = ("share_eligible", "share_all_subjects", "share_certified_teachers")


@cached_reader
def read_skolkarta(path: str | Path) -> pd.DataFrame:
    """Read ``skolkarta_grundskolor_ak9_*.csv`` (see module docstring)."""
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for col in ("skolenhetskod", "salsaActual", "salsaCalc", "meritvarde"):
        if col not in raw.columns:
            raise SourceFileError(path, f"kolumnen '{col}' saknas; förväntade en export med SALSA per skolenhet.")
    out = pd.DataFrame({"school_id": raw["skolenhetskod"].str.strip().str.zfill(8)})
    for src, dst in _RENAME.items():
        if src == "skolenhetskod" or src not in raw.columns:
            continue
        if src in ("skolenhet_namn", "kommun", "ort", "senaste_lasar"):
            out[dst] = raw[src].str.strip()
        elif src == "huvudmannatyp":
            out[dst] = raw[src].str.strip().map(ORGANISER).fillna(raw[src])
        else:
            values, _ = parse_numbers(raw[src])
            out[dst] = values.to_numpy() / (100.0 if dst in _PERCENT else 1.0)
    for col in raw.columns:
        m = re.fullmatch(r"(meritvarde|behorighet|np)_(\d{4})_\d{2}", col)
        if m:
            name = {"meritvarde": "merit_value", "behorighet": "share_eligible", "np": "np_mean"}[m.group(1)]
            values, _ = parse_numbers(raw[col])
            out[f"{name}_{m.group(2)}"] = values.to_numpy() / (100.0 if name == "share_eligible" else 1.0)
        elif col.startswith("enkat_"):
            values, status = parse_numbers(raw[col])
            out[col.replace("enkat_", "survey_")] = values.to_numpy() if status.eq("value").any() else raw[col].to_numpy()
    return out


@cached_reader
def read_pe_statistics(path: str | Path) -> pd.DataFrame:
    """Long statistics (``skolenhetskod, matt, lasar, varde, vardetyp``) as ``school_id, measure,
    school_year, value, status``; ``school_year`` is the autumn year, ``status`` the API's value type
    (EXISTS, MISSING, OMITTED_DUE_TO_BASED_ON_FEW_PUPILS, ...)."""
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    need = {"skolenhetskod", "matt", "lasar", "varde"}
    if not need <= set(raw.columns):
        raise SourceFileError(path, f"kolumner saknas: {', '.join(sorted(need - set(raw.columns)))}.")
    values, _ = parse_numbers(raw["varde"].str.replace("cirka", "", regex=False))
    return pd.DataFrame(
        {
            "school_id": raw["skolenhetskod"].str.strip().str.zfill(8),
            "measure": raw["matt"].str.strip(),
            "school_year": pd.to_numeric(raw["lasar"].str.slice(0, 4), errors="coerce").astype("Int64"),
            "value": values.to_numpy(),
            "status": raw["vardetyp"].to_numpy() if "vardetyp" in raw else np.where(values.notna(), "EXISTS", "MISSING"),
        }
    )
