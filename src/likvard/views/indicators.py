"""Shown table of the indicators against need (``likvard.analyses.indicators``)."""

from __future__ import annotations


import numpy as np
import pandas as pd

from likvard.analyses.dataset import Dataset
from likvard.analyses.indicators import Indicators
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.disclosure import MIN_SHOWN_TEACHERS
from likvard.privacy import SUPPRESSED
from likvard.views.common import school_year_label
from likvard.views.suppression import order_after_suppression, suppress_table, suppress_units
from likvard.views.suppression import publish
from likvard.views.table import Table

INDICATOR_NAMES = {"trygghet": "trygghet", "studiero": "studiero", "stod": "stöd",
                   "share_certified": "legitimerade lärare", "need": "högt behov"}
NEED_LABELS = {"need_index": "Behovsindex",
               "share_not_post_secondary": "Andel elever utan eftergymnasialt utbildade föräldrar (%)"}


STAFF_FIGURES = ("share_certified", "lead_teachers_per_100")


def _staff_rule(raw: pd.DataFrame) -> pd.DataFrame:
    """Teacher figures of a school with fewer than ``MIN_SHOWN_TEACHERS`` teachers read ``..``, and
    its certification is not counted among its weak indicators (that it is in the weakest quarter
    would bound the hidden share)."""
    if "n_teachers" not in raw:
        return raw
    few = ~(pd.to_numeric(raw["n_teachers"], errors="coerce") >= MIN_SHOWN_TEACHERS).to_numpy()
    few &= raw[[c for c in STAFF_FIGURES if c in raw]].notna().any(axis=1).to_numpy()
    out = raw.copy()
    for c in STAFF_FIGURES:
        if c in out:
            v = out[c].astype(object)
            v[few] = SUPPRESSED
            out[c] = v
    lists = [w.split(",") if w else [] for w in out["weak_indicators"]]
    for i in np.flatnonzero(few):
        if "share_certified" in lists[i]:
            lists[i] = [c for c in lists[i] if c != "share_certified"]
            out.loc[out.index[i], "n_weak"] = float(out["n_weak"].iloc[i]) - 1
    out["weak_indicators"] = [",".join(w) for w in lists]
    return out


def indicator_table(result: Indicators, ds: Dataset, settings: Settings = DEFAULTS) -> Table:
    """Indicators and need per school, suppressed: fewer than 10 students and the dataset's hidden
    schools, and the staff rule for teacher figures (:func:`_staff_rule`)."""
    raw = _staff_rule(result.table)
    cols = [c for c in ("need", "trygghet", "studiero", "stod", "share_certified", "lead_teachers_per_100") if c in raw]
    raw["weak_indicators"] = [", ".join(INDICATOR_NAMES.get(c, c) for c in w.split(",") if c) for w in raw["weak_indicators"]]
    keep = ["school_id", "name", "n_students", *cols, "n_weak", "weak_indicators"]
    t = suppress_table(raw[keep], "n_students", [*cols, "n_weak"], totals_shown=False, min_n=settings.min_students)
    t = suppress_units(t, "school_id", ds.hidden(result.year, settings.min_students, settings.complementary_suppression),
                       ["n_students", *cols, "n_weak"])
    t["weak_indicators"] = [SUPPRESSED if n == SUPPRESSED else w for n, w in zip(t["n_students"], t["weak_indicators"])]
    t = order_after_suppression(t, "n_weak", ascending=False)
    return publish(Table("indikatorer", f"Indikatorer och behov per skola {school_year_label(result.year)}", t.reset_index(drop=True),
                 labels={"need": NEED_LABELS[result.need_measure], "share_certified": "Andel legitimerade lärare (%)",
                         "lead_teachers_per_100": "Förstelärare per 100 elever"},
                 decimals={"n_weak": 0}))


def certification_by_need(shown: pd.DataFrame, min_schools: int = 8) -> tuple[float, float] | None:
    """Student-weighted share of certified teachers (%) in the quarter of schools with the highest
    need and in the quarter with the lowest, computed from the *shown* indicator table only (rows
    whose need, share and number of students are numbers), so that the two means tell nothing of
    a hidden school; ``None`` with fewer than ``min_schools`` such schools."""
    if not {"need", "share_certified", "n_students"} <= set(shown.columns):
        return None

    def num(col: str) -> pd.Series:
        return pd.to_numeric(shown[col].astype(object).where(shown[col].astype(object) != SUPPRESSED), errors="coerce")

    r = pd.DataFrame({"need": num("need"), "share": num("share_certified"), "n": num("n_students")}).dropna()
    if len(r) < min_schools:
        return None
    q = r["need"].quantile([0.25, 0.75])
    hi, lo = r[r["need"] >= q.iloc[1]], r[r["need"] <= q.iloc[0]]
    if not len(hi) or not len(lo):
        return None
    return (float((hi["share"] * hi["n"]).sum() / hi["n"].sum()), float((lo["share"] * lo["n"]).sum() / lo["n"].sum()))
