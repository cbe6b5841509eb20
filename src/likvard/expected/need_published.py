"""Need measures from published data, and where different need measures disagree.

Composition need index (every school unit with published composition, grade 9 or not):
the share of students not eligible for a vocational programme, modelled across all Swedish
school units with grade-9 results of the fit year by a fractional logit on the composition
(``school_level.fit_share_model``, the ``"likvard"`` form), predicted for every unit of the year
from its composition alone and scaled so that the student-weighted mean over units is 100:

    need_s = 100 * r_s / (sum_s N_s r_s / sum_s N_s),   r_s = 1 - expit(x_s' b).

Like the student-level need index, the interval (at ``level``, default 90 %) comes from
``n_replications`` coefficient draws N(b, V).

Disagreement: several need measures of the same schools (e.g. this index, Skolverket's area type,
the share of parents without post-secondary education, SALSA's parental-education index) are put
on a common scale by their percentile rank among the schools (higher = more need); a school's
disagreement is the largest difference between two of its percentile ranks. Schools where it is at
least ``threshold`` (default 40 percentile points) are those where the choice of measure decides
whether the school looks needy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.defaults import LEVEL, N_REPLICATIONS, SEED
from likvard.errors import ParameterError
from likvard.expected.school_level import composition_features, design, fit_share_model
from likvard.validation import (
    Frame,
    Integer,
    Level,
    Real,
    Replications,
    Seed,
    validate_params,
)


@validate_params(
    composition=Frame(("school_id", "school_year", "share_post_secondary", "share_foreign_background",
                       "share_girls", "students_total"), expected="en tabell från read_composition_series"),
    results=Frame(("share_eligible", "n_students"), expected="resultat per skolenhet"),
    fit_year=Integer(min=1900, max=2200),
    year=Integer(min=1900, max=2200),
    n_replications=Replications(1),
    seed=Seed(),
    level=Level(),
)
def composition_need_index(composition: pd.DataFrame, results: pd.DataFrame, fit_year: int, year: int, *,
                           n_replications: int = N_REPLICATIONS, seed: int = SEED,
                           level: float = LEVEL) -> pd.DataFrame:
    """``school_id, n_students, expected_not_eligible, need_index, need_index_low, need_index_high``
    for every unit of ``year``. ``results``: per school (index school_id) ``share_eligible`` and
    ``n_students`` (grade 9) of ``fit_year``."""
    from scipy.special import expit  # scipy is imported where a model is used

    model = fit_share_model(composition_features(composition, fit_year), results["share_eligible"],
                            results["n_students"])
    feats = composition_features(composition, year)
    x = design(feats, form=model.form)[model.params.index]
    n = feats.loc[x.index, "n"].to_numpy(float)

    def index_for(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        risk = 1.0 - expit(x.to_numpy() @ beta)
        return 100.0 * risk / (np.sum(n * risk) / np.sum(n)), risk

    point, risk = index_for(model.params.to_numpy())
    draws = np.random.default_rng(seed).multivariate_normal(model.params.to_numpy(), model.cov.to_numpy(),
                                                           n_replications)
    sims = np.stack([index_for(b)[0] for b in draws])
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(sims, [tail, 1.0 - tail], axis=0)
    return pd.DataFrame(
        {
            "school_id": x.index,
            "n_students": n.astype(int),
            "expected_not_eligible": risk,
            "need_index": point,
            "need_index_low": np.minimum(low, point),
            "need_index_high": np.maximum(high, point),
        }
    ).reset_index(drop=True)


@validate_params(measures=Frame(expected="en tabell med behovsmått"), threshold=Real(0.0, 100.0))
def need_disagreement(measures: pd.DataFrame, more_need_when_higher: dict[str, bool], *,
                      threshold: float = 40.0) -> pd.DataFrame:
    """``measures`` indexed by school with one column per need measure. Returns per school the
    percentile rank (0-100, higher = more need) of each measure (``pct_<measure>``), the largest
    pairwise difference ``disagreement`` and ``disagrees`` (>= ``threshold``); schools lacking a
    measure are ranked on the ones they have."""
    missing = [c for c in more_need_when_higher if c not in measures.columns]
    if missing:
        raise ParameterError("more_need_when_higher", f"måttet {missing[0]!r} finns inte i measures.")
    pct = pd.DataFrame(index=measures.index)
    for col, higher in more_need_when_higher.items():
        v = measures[col].astype(float)
        pct[f"pct_{col}"] = 100.0 * (v if higher else -v).rank(pct=True, method="average")
    out = measures.join(pct)
    p = pct.to_numpy()
    out["disagreement"] = np.nanmax(p, axis=1) - np.nanmin(p, axis=1)
    out["disagrees"] = out["disagreement"] >= threshold
    return out


def rank_correlations(measures: pd.DataFrame, more_need_when_higher: dict[str, bool]) -> pd.DataFrame:
    """Spearman correlations between the measures, signed so that positive means agreement on need."""
    signed = pd.DataFrame({c: measures[c].astype(float) * (1 if h else -1) for c, h in more_need_when_higher.items()})
    return signed.corr(method="spearman")


def authority_need_measures(students: pd.DataFrame, areas: pd.DataFrame | None, need: pd.DataFrame) -> pd.DataFrame:
    """Need measures per school in the latest year of an authority's records: ``need_index`` (the
    ``need.need_index`` output given as ``need``), the share of students without post-secondary-
    educated parents and, with an area register, the share living in area types 1-2; with their
    disagreement (``need_disagreement``). Schools with fewer than 10 students are left out."""
    from likvard.tables import MIN_SHOWN_STUDENTS

    year = int(students["school_year"].max())
    now = students[students["school_year"] == year].assign(school_id=lambda d: d["school_id"].astype(str))
    g = now.groupby("school_id")
    m = pd.DataFrame({"n_students": g.size(),
                      "share_not_post_secondary": now["parent_education"].astype(str).ne("post_secondary")
                      .groupby(now["school_id"]).mean()})
    ni = need[need["school_year"] == year].assign(school_id=lambda d: d["school_id"].astype(str))
    m["need_index"] = ni.set_index("school_id")["need_index"].reindex(m.index)
    higher = {"need_index": True, "share_not_post_secondary": True}
    if areas is not None and len(areas) and "home_area" in now:
        types = areas.set_index(areas["area_id"].astype(str))["area_type"]
        t = now["home_area"].astype(str).map(types)
        m["share_area_type_1_2"] = t.le(2).groupby(now["school_id"]).mean().reindex(m.index)
        higher["share_area_type_1_2"] = True
    m = m[m["n_students"] >= MIN_SHOWN_STUDENTS]
    return need_disagreement(m, higher).reset_index(names="school_id")
