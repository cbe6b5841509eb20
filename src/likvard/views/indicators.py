"""Shown table of the indicators against need (``likvard.analyses.indicators``)."""

from __future__ import annotations


from likvard.analyses.dataset import Dataset
from likvard.analyses.indicators import Indicators
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.privacy import SUPPRESSED
from likvard.views.common import school_year_label
from likvard.views.suppression import order_after_suppression, suppress_table, suppress_units
from likvard.views.suppression import publish
from likvard.views.table import Table

INDICATOR_NAMES = {"trygghet": "trygghet", "studiero": "studiero", "stod": "stöd",
                   "share_certified": "legitimerade lärare", "need": "högt behov"}
NEED_LABELS = {"need_index": "Behovsindex",
               "share_not_post_secondary": "Andel elever utan eftergymnasialt utbildade föräldrar (%)"}


def indicator_table(result: Indicators, ds: Dataset, settings: Settings = DEFAULTS) -> Table:
    raw = result.table.copy()
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
