"""Swedish labels and shown tables for expected results, school effects and need measures."""

from __future__ import annotations

import pandas as pd

from likvard.views.suppression import suppress_table

EXPECTED_LABELS = {
    "school_id": "Skolenhetskod", "n_students": "Antal elever", "n_years": "Antal läsår",
    "raw_effect": "Avvikelse (rå, meritpoäng)", "raw_se": "Medelfel (rå)", "shrinkage": "Krympning",
    "effect": "Skoleffekt (meritpoäng)", "se": "Medelfel", "low": "Nedre gräns (90 %)",
    "high": "Övre gräns (90 %)", "prob_above": "Sannolikhet över förväntan", "school_year": "Läsår",
    "deviation": "Avvikelse (meritpoäng)", "shown": "Visas", "mean_risk": "Medelrisk att inte bli behörig",
    "need_index": "Behovsindex", "need_index_low": "Behovsindex, nedre gräns",
    "need_index_high": "Behovsindex, övre gräns", "model": "Modell", "tau2": "Varians mellan skolor",
    "sigma2": "Varians inom skolor", "icc": "Andel av variationen mellan skolor",
    "explained_between": "Förklarad andel av skillnaderna mellan skolor",
    "school_share_post_secondary": "Sammansättning: andel eftergymnasialt utbildade föräldrar (poäng 0→100 %)",
    "school_share_post_secondary_se": "Medelfel, föräldrarnas utbildning",
    "school_share_foreign_background": "Sammansättning: andel utländsk bakgrund (poäng 0→100 %)",
    "school_share_foreign_background_se": "Medelfel, utländsk bakgrund",
    "icc_own_background": "Andel mellan skolor, givet egen bakgrund",
    "between_explained_by_composition": "Andel av skillnaderna mellan skolor som sammansättningen förklarar",
    "share_not_post_secondary": "Andel utan eftergymnasialt utbildade föräldrar",
    "share_area_type_1_2": "Andel boende i områdestyp 1–2", "disagreement": "Största skillnad i percentilrang",
    "disagrees": "Måtten skiljer sig",
}
"""Headers of the ``likvard expected`` tables and the report's school-effect section."""

MODEL_NAMES = {
    "empty": "Endast läsår",
    "own_background": "Egen bakgrund",
    "own_background_and_composition": "Egen bakgrund och skolans sammansättning",
}

EFFECT_VALUES = ["raw_effect", "effect", "low", "high", "prob_above"]


def effects_shown(effects: pd.DataFrame) -> pd.DataFrame:
    """Pooled school effects with every figure of schools with fewer than 10 students as ``..``."""
    values = [c for c in ("n_years", "raw_se", "se", "shrinkage", *EFFECT_VALUES) if c in effects]
    return suppress_table(effects, "n_students", values, totals_shown=False)


def variance_table(variance: pd.DataFrame) -> pd.DataFrame:
    """``variance_between_schools`` output with Swedish model names."""
    return variance.assign(model=variance["model"].map(MODEL_NAMES).fillna(variance["model"]))


def verdict(low: float, high: float) -> str:
    """Plain-Swedish reading of a 90 % interval of a school effect."""
    if low > 0:
        return "tydligt över förväntan"
    if high < 0:
        return "tydligt under förväntan"
    return "inom förväntan"
