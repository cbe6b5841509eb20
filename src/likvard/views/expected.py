"""Swedish labels and shown tables for expected results, school effects and need measures."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from likvard.analyses.dataset import Dataset
from likvard.analyses.expected import PublishedExpected, SchoolEffects
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.views.common import as_percent
from likvard.disclosure import protect
from likvard.privacy import SUPPRESSED
from likvard.views.suppression import order_after_suppression, suppress_table, suppress_units
from likvard.views.suppression import publish
from likvard.views.table import Table

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


def effect_tables(result: SchoolEffects, ds: Dataset, settings: Settings = DEFAULTS) -> list[Table]:
    """Shown tables of ``analyses.expected.SchoolEffects``: effects (suppressed: fewer than 10
    grade-9 students pooled, and the dataset's hidden units of the last year), variance, schools
    that succeed."""

    e = result.effects.copy()
    e.insert(1, "name", e["school_id"].map(ds.names()).fillna(e["school_id"]))
    e["verdict"] = [verdict(lo, hi) for lo, hi in zip(e["low"], e["high"])]
    cols = ["school_id", "name", "n_students", "n_years", *EFFECT_VALUES, "verdict"]
    shown = suppress_table(e[cols], "n_students", ["n_years", *EFFECT_VALUES], totals_shown=False,
                           min_n=settings.min_students)
    hidden = ds.hidden(ds.last_year, settings.min_students, settings.complementary_suppression)
    shown = suppress_units(shown, "school_id", hidden, ["n_students", "n_years", *EFFECT_VALUES])
    shown.loc[shown["effect"].astype(str) == "..", "verdict"] = ".."
    shown = order_after_suppression(shown, "effect", ascending=False)
    p = f"{round(100 * result.level)} %"
    tables = [
        publish(Table("skoleffekter", "Skoleffekter med osäkerhet", shown,
              decimals={"effect": 1, "low": 1, "high": 1, "raw_effect": 1, "prob_above": 2},
              labels={**EXPECTED_LABELS, "verdict": "Bedömning", "low": f"Nedre gräns ({p})",
                      "high": f"Övre gräns ({p})"})),
        publish(Table("variation_mellan_skolor", "Variation mellan skolor", variance_table(result.variance),
              decimals={"tau2": 0, "sigma2": 0, "icc": 3, "explained_between": 2}, labels=EXPECTED_LABELS)),
    ]
    yearly = yearly_table(result, ds, shown, settings)
    tables.append(publish(Table("skoleffekter_per_lasar", "Avvikelse från förväntan per skola och läsår", yearly,
                                decimals={"deviation": 1, "se": 1}, labels=EXPECTED_LABELS)))
    if len(result.succeeding):
        listed = result.succeeding.copy()
        listed.insert(1, "name", listed["school_id"].map(ds.names()))
        listed = suppress_units(listed, "school_id", hidden, [c for c in listed.columns if c not in ("school_id", "name")])
        tables.append(publish(Table("lyckas", "Skolor som lyckas trots utmaningar", listed,
                            decimals={"need_index": 0, "effect": 1, "low": 1, "high": 1, "prob_above": 2},
                            labels=EXPECTED_LABELS)))
    return tables


def yearly_table(result: SchoolEffects, ds: Dataset, pooled: pd.DataFrame, settings: Settings = DEFAULTS) -> pd.DataFrame:
    """Deviation per school and year, suppressed together with the pooled table ``pooled`` (the
    shown effects table): a year with fewer than 10 grade-9 students, a school hidden that year or
    in the pooled table, and enough further years that the pooled number of students minus the
    shown years never gives a hidden year's students (``likvard.disclosure.protect``)."""
    yearly = result.yearly.drop(columns=["shown"]).copy()
    yearly["school_id"] = yearly["school_id"].astype(str)
    yearly.insert(1, "name", yearly["school_id"].map(ds.names()).fillna(yearly["school_id"]))
    n = pd.to_numeric(yearly["n_students"], errors="coerce").fillna(0.0)
    keys = list(zip(yearly["school_id"], yearly["school_year"].astype(int)))
    values: dict[Hashable, float] = dict(zip(keys, n))
    pooled_hidden = set(pooled.loc[pooled["n_students"].astype(str) == SUPPRESSED, "school_id"].astype(str))
    primary = {k for k in keys if values[k] < settings.min_students or k[0] in pooled_hidden
               or k[0] in ds.hidden(k[1], settings.min_students, settings.complementary_suppression)}
    totals: dict = {}
    for k in keys:
        if k[0] not in pooled_hidden:
            totals.setdefault(k[0], []).append(k)
    hidden = protect(values, totals, primary, min_total=0).hidden
    mask = np.array([k in hidden for k in keys])
    for col in ("n_students", "deviation", "se"):
        vals = yearly[col].astype(object)
        vals[mask] = SUPPRESSED
        yearly[col] = vals
    return yearly.reset_index(drop=True)


def published_expected_tables(result: PublishedExpected, ds: Dataset, settings: Settings = DEFAULTS) -> list[Table]:
    """SALSA (as published) and Likvärd's own model, suppressed below 10 grade-9 students."""

    hidden = ds.hidden(ds.last_year, settings.min_students, settings.complementary_suppression)
    tables: list[Table] = []
    for key, title, t, values in (
        ("salsa", "Faktiskt och förväntat meritvärde (SALSA)", result.salsa, ["actual", "expected", "deviation"]),
        ("forvantat_likvard", "Faktiskt och förväntat meritvärde (Likvärds modell)", result.own,
         ["actual", "expected", "deviation", "se", "low", "high"]),
    ):
        if t is None or t.empty:
            continue
        t = t.copy()
        t.insert(1, "name", t["school_id"].map(ds.names()).fillna(t["school_id"]))
        shown = suppress_table(t, "n_students", values, totals_shown=False, min_n=settings.min_students)
        shown = suppress_units(shown, "school_id", hidden, ["n_students", *values])
        if "reliably" in shown:
            shown.loc[shown["deviation"].astype(str) == "..", "reliably"] = ".."
        shown = order_after_suppression(shown, "deviation", ascending=False)
        p = f"{round(100 * result.level)} %"
        tables.append(publish(Table(key, title, shown, decimals={"se": 1},
                            labels={"n_students": "Elever i årskurs 9", "reliably": "Bedömning",
                                    "low": f"Avvikelse, nedre gräns ({p})", "high": f"Avvikelse, övre gräns ({p})"})))
    return tables


def trend_table(trend: pd.DataFrame, ds: Dataset, settings: Settings = DEFAULTS) -> Table:
    """Merit value and eligibility per school and year; a year with fewer than 10 grade-9 students
    (or a hidden school) reads ``..``."""

    t = trend.copy()
    t.insert(1, "name", t["school_id"].map(ds.names()).fillna(t["school_id"]))
    t["share_eligible"] = as_percent(t["share_eligible"])
    n = pd.to_numeric(t["n_students"], errors="coerce")
    # a year resting on fewer than min_students grade-9 students, or a hidden school, reads '..';
    # published series without a count keep Skolverket's own suppression
    small = (n < settings.min_students).to_numpy()
    hidden = ds.hidden(ds.last_year, settings.min_students, settings.complementary_suppression)
    mask = small | t["school_id"].isin(hidden).to_numpy()
    shown = t.copy()
    for col in ("merit_value", "share_eligible", "n_students"):
        vals = shown[col].astype(object)
        vals[mask] = ".."
        shown[col] = vals
    return publish(Table("resultat_per_lasar", "Meritvärde och behörighet per skola och läsår", shown,
                 decimals={"merit_value": 1, "share_eligible": 1},
                 labels={"n_students": "Elever i årskurs 9", "merit_value": "Meritvärde",
                         "share_eligible": "Andel behöriga till yrkesprogram (%)"}))

