"""Skolverket "Grundskola - Slutbetyg årskurs 9, samtliga elever", level Skolenhet.

One row per school unit: ``school_id, school_year, name, municipality, municipality_code,
organiser_type, n_students, share_all_subjects, share_eligible_vocational, merit_value`` with a
status column for each figure (markers kept, see ``markers.py``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from likvard.sources.cache import cached_reader
from likvard.sources.skolverket.banner import read_school_unit_export
from likvard.sources.skolverket.composition import ORGANISER
from likvard.sources.skolverket.markers import parse_numbers

FIGURES = {
    "Antal elever": ("n_students", 1.0),
    "Andel (%) elever som uppfyllt betygskriterierna i alla ämnen": ("share_all_subjects", 0.01),
    "Andel (%) elever behöriga till yrkesprog.": ("share_eligible", 0.01),
    "Genomsnittligt meritvärde (17 ämnen)": ("merit_value", 1.0),
}


@cached_reader
def read_grade9_results(path: str | Path) -> pd.DataFrame:
    """Read a "Slutbetyg årskurs 9 … Skolenhet.csv" export (see module docstring).

    ``share_eligible`` is the share eligible for a vocational programme (yrkesprogram), which is
    the usual measure of eligibility for upper-secondary school.
    """
    raw, year = read_school_unit_export(path, FIGURES, "Grundskola - Slutbetyg årskurs 9")
    out = pd.DataFrame(
        {
            "school_id": raw["Skol-enhetskod"].str.strip(),
            "school_year": year,
            "name": raw["Skola"].str.strip(),
            "municipality": raw["Skolkommun"].str.strip(),
            "municipality_code": raw["Kommun-kod"].str.strip().str.zfill(4),
            "organiser_type": raw["Typ av huvudman"].str.strip().map(ORGANISER).fillna(raw["Typ av huvudman"]),
        }
    )
    for col, (name, scale) in FIGURES.items():
        values, status = parse_numbers(raw[col])
        out[name] = (values * scale).to_numpy()
        out[f"{name}_status"] = status.to_numpy()
    return out
