"""Need index per school: the mean predicted risk of not becoming eligible for upper-secondary
school, scaled so that the mean is 100, with an interval from the model's uncertainty.

From registers: ``likvard.expected.need_index`` (a logistic model of each student's risk from own
background, SCB-style). From published files: ``expected.need_published.composition_need_index``
(a fractional logit of the schools' share eligible on their composition, fitted on every school
of the country; mean over the country's students = 100).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from likvard.analyses._reuse import reuse
from likvard.analyses.dataset import Dataset
from likvard.analyses.expected import grade9_results
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.expected.need import need_index as engine_need_index
from likvard.expected.need_published import (
    authority_need_measures,
    composition_need_index,
    need_disagreement,
    rank_correlations,
)

DISAGREEMENT = 40.0
"""Percentile ranks apart at which two need measures are said to disagree about a school."""


@dataclass(frozen=True)
class NeedResult:
    """``table``: ``school_id, school_year, n_students, need_index, need_index_low,
    need_index_high`` (+ ``mean_risk`` from registers), one row per school and year;
    ``reference``: what 100 means (the authority's students, or the country's)."""

    table: pd.DataFrame
    reference: str
    level: float
    measures: pd.DataFrame | None = None
    """Per school of the last year: each need measure, their largest disagreement in percentile
    rank (``disagreement``) and ``disagrees`` (at least ``DISAGREEMENT`` apart)."""
    correlations: pd.DataFrame | None = None
    """Spearman correlations between the measures (positive = agreement on need)."""

    def year(self, year: int) -> pd.DataFrame:
        """Rows of one school year, highest need first."""
        t = self.table[self.table["school_year"] == year]
        return t.sort_values("need_index", ascending=False).reset_index(drop=True)

    @property
    def last_year(self) -> int:
        return int(self.table["school_year"].max())


def has_eligibility(students: pd.DataFrame) -> bool:
    """True when some grade-9 students have a known eligibility (what the need model is fitted on)."""
    if "eligible" not in students or "grade" not in students:
        return False
    return bool(students.loc[students["grade"].astype(int) == 9, "eligible"].notna().any())


def need(ds: Dataset, settings: Settings = DEFAULTS) -> NeedResult | None:
    """The need index of the dataset's schools, or None when the data allow none."""
    if ds.has_students and ds.data is not None:
        st = ds.data.students
        st = st[st["school_year"].isin(ds.years)]
        if not has_eligibility(st):
            return None
        res = engine_need_index(st, n_replications=settings.n_replications, seed=settings.seed, level=settings.level)
        res["school_id"] = res["school_id"].astype(str)
        measures = authority_need_measures(st, ds.data.areas if not ds.data.areas.empty else None, res)
        measures["school_id"] = measures["school_id"].astype(str)
        return NeedResult(res.reset_index(drop=True), "huvudmannens elever samma läsår", settings.level, measures)
    got = grade9_results(ds.published)
    if got is None or ds.published is None:
        return None
    results, fit_year = got
    if results["share_eligible"].notna().sum() < 50:
        return None
    year = ds.last_year
    comp = ds.published.composition
    res = reuse("published_need", [ds.published, results], (fit_year, year, settings.n_replications, settings.seed,
                                                    settings.level),
                lambda: composition_need_index(comp, results, fit_year, year, n_replications=settings.n_replications,
                                               seed=settings.seed, level=settings.level), keep=True).copy()
    res["school_id"] = res["school_id"].astype(str)
    res = res[res["school_id"].isin(set(ds.composition["school_id"].astype(str)))].copy()
    res.insert(1, "school_year", year)
    measures, correlations = published_need_measures(ds, res, year)
    return NeedResult(res.reset_index(drop=True), "landets elever", settings.level, measures, correlations)


def published_need_measures(ds: Dataset, need_table: pd.DataFrame, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The need index beside the share without post-secondary-educated parents, the area type and
    SALSA's parental index, with where they disagree (``need_published.need_disagreement``)."""
    files = ds.published
    assert files is not None
    need = need_table.set_index("school_id")
    comp = files.composition
    this = comp.loc[comp["school_year"] == year, ["school_id", "share_post_secondary"]]  # two columns of the country's
    this = this.drop_duplicates("school_id").set_index("school_id")
    measures = pd.DataFrame({"need_index": need["need_index"],
                             "share_not_post_secondary": 1 - this["share_post_secondary"].reindex(need.index)})
    higher = {"need_index": True, "share_not_post_secondary": True}
    area = comp[["school_id", "school_year", "area_type"]].dropna(subset=["area_type"])
    area = area.sort_values("school_year", kind="stable").drop_duplicates("school_id", keep="last")
    if len(area):
        measures["area_type"] = area.set_index("school_id")["area_type"].reindex(need.index)
        higher["area_type"] = False
    if files.skolkarta is not None and "salsa_parents" in files.skolkarta:
        k = files.skolkarta[["school_id", "salsa_parents"]].drop_duplicates("school_id").set_index("school_id")
        measures["salsa_parents"] = k["salsa_parents"].reindex(need.index)
        higher["salsa_parents"] = False
    dis = need_disagreement(measures, higher, threshold=DISAGREEMENT)
    return dis.rename_axis("school_id").reset_index(), rank_correlations(measures, higher)
