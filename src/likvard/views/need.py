"""Shown table of the need index (``likvard.analyses.need``): the last year, highest need first,
suppressed below 10 students and for the dataset's hidden units; hidden schools last, by name
(the order is set after suppression, so a position bounds no hidden value)."""

from __future__ import annotations

from likvard.analyses.dataset import Dataset
from likvard.analyses.need import NeedResult
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.views.common import school_year_label
from likvard.views.suppression import order_after_suppression, suppress_table, suppress_units
from likvard.views.suppression import publish
from likvard.views.table import Table

VALUES = ["need_index", "need_index_low", "need_index_high"]


def need_table(result: NeedResult, ds: Dataset, settings: Settings = DEFAULTS, year: int | None = None) -> Table:
    year = result.last_year if year is None else year
    last = result.year(year)
    t = last[["school_id", "n_students", *VALUES]].copy()
    t.insert(1, "name", t["school_id"].map(ds.names()).fillna(t["school_id"]))
    t = suppress_table(t, "n_students", VALUES, totals_shown=False, min_n=settings.min_students)
    t = suppress_units(t, "school_id", ds.hidden(year, settings.min_students, settings.complementary_suppression),
                       ["n_students", *VALUES])
    t = order_after_suppression(t, "need_index", ascending=False)
    p = f"{round(100 * result.level)} %"
    return publish(Table("behovsindex", f"Behovsindex per skola {school_year_label(year)}", t.reset_index(drop=True),
                 decimals=dict.fromkeys(VALUES, 0),
                 labels={"need_index_low": f"Behovsindex, nedre gräns ({p})",
                         "need_index_high": f"Behovsindex, övre gräns ({p})"}))


MEASURE_LABELS = {
    "need_index": "Behovsindex", "share_not_post_secondary": "Andel utan eftergymnasialt utbildade föräldrar",
    "area_type": "Områdestyp", "salsa_parents": "SALSA:s föräldraindex",
    "share_area_type_1_2": "Andel boende i områdestyp 1–2",
    "disagreement": "Största skillnad i percentilrang", "disagrees": "Måtten skiljer sig",
}


def measures_table(result: NeedResult, ds: Dataset, settings: Settings = DEFAULTS) -> Table | None:
    """The need measures side by side and where they disagree (the last year; suppressed)."""
    if result.measures is None or result.measures.empty:
        return None
    t = result.measures.copy()
    if "name" not in t:
        t.insert(1, "name", t["school_id"].map(ds.names()).fillna(t["school_id"]))
    if "n_students" not in t:
        n = result.year(result.last_year).set_index("school_id")["n_students"]
        t.insert(2, "n_students", t["school_id"].map(n))
    values = [c for c in t.columns if c not in ("school_id", "name", "n_students")]
    t = suppress_table(t, "n_students", values, totals_shown=False, min_n=settings.min_students)
    t = suppress_units(t, "school_id", ds.hidden(result.last_year, settings.min_students,
                                                  settings.complementary_suppression), ["n_students", *values])
    if "need_index" in t:
        t = order_after_suppression(t, "need_index", ascending=False)
    labels = {**MEASURE_LABELS, **{f"pct_{k}": f"Percentilrang: {v}" for k, v in MEASURE_LABELS.items()}}
    return publish(Table("behovsmatt", "Behovsmått sida vid sida", t.reset_index(drop=True), labels=labels,
                 decimals={c: 0 for c in t.columns if c.startswith("pct_") or c == "disagreement"}))
