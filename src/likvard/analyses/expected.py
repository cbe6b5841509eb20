"""Expected results and school effects.

From an authority's registers: school effects pooled over years with empirical-Bayes intervals
(``likvard.expected.shrinkage``), the share of the variation between schools and the composition
effect (``expected.student_level``), and the schools that succeed despite challenges
(``expected.succeed``). From published files: Skolverket's SALSA and Likvärd's own cross-fitted
school-level model (``expected.school_level``: each school's expected value from a model fitted on
other schools of the whole country the same year), and per-school trends of merit value and
eligibility.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.analyses._reuse import reuse
from likvard.analyses.dataset import Dataset
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.errors import DataError
from likvard.expected import student_level as sl
from likvard.expected.need import need_index
from likvard.expected.school_level import composition_features, cross_fitted, r_squared
from likvard.expected.shrinkage import pooled_school_effects, student_residuals, within_school_variance, yearly_deviations
from likvard.expected.succeed import schools_succeeding
from likvard.sources.published import PublishedFiles


@dataclass(frozen=True)
class SchoolEffects:
    """School effects on the merit value from registers.

    - ``effects``: one row per school, ``school_id, n_students, n_years, raw_effect, raw_se, effect,
      se, low, high, prob_above, shrinkage`` (interval at ``level``), largest effect first.
    - ``yearly``: per school and year ``n_students, deviation, se, shown``.
    - ``variance``: ``model, tau2, sigma2, icc`` (+ ``explained_between``) for the empty model, own
      background, and own background with composition.
    - ``composition``: the composition effect (coefficients with standard errors, ``n_schools``).
    - ``composition_by_year``: the same per school year.
    - ``succeeding``: schools with need index ≥ 110 and a reliably positive effect over ≥ 2 years.
    - ``tau2``, ``sigma2``: between-school (REML) and within-school residual variance.
    """

    effects: pd.DataFrame
    yearly: pd.DataFrame
    variance: pd.DataFrame
    composition: dict
    composition_by_year: pd.DataFrame
    succeeding: pd.DataFrame
    tau2: float
    sigma2: float
    level: float

    @property
    def n_above(self) -> int:
        """Schools whose whole interval lies above zero."""
        return int((self.effects["low"] > 0).sum())

    @property
    def n_below(self) -> int:
        return int((self.effects["high"] < 0).sum())


def grade9_students(ds: Dataset) -> pd.DataFrame:
    """The registers' students of the dataset's years (all grades: composition needs them)."""
    if ds.data is None or ds.data.students.empty:
        raise DataError("Skoleffekter kräver elevregister med meritvärden i årskurs 9 (importera 'students').")
    st = ds.data.students
    g9 = st[st["grade"].astype(int) == 9] if "grade" in st else st.iloc[:0]
    if "merit_value" not in st or g9["merit_value"].notna().sum() == 0:
        raise DataError("Skoleffekter kräver meritvärden för elever i årskurs 9; elevregistret har inga.")
    return st[st["school_year"].isin(ds.years)]


def school_effects(ds: Dataset, settings: Settings = DEFAULTS, need: pd.DataFrame | None = None) -> SchoolEffects:
    """School effects, variance between schools, composition effect and schools that succeed
    (``need``: the need index table of the same students, computed here when not given)."""
    st = grade9_students(ds)
    fit = student_residuals(st)
    effects = pooled_school_effects(fit, level=settings.level)
    effects["school_id"] = effects["school_id"].astype(str)
    effects = effects.sort_values(["effect", "school_id"], ascending=[False, True]).reset_index(drop=True)
    if need is None:
        from likvard.analyses.need import has_eligibility

        need = (need_index(st, n_replications=settings.n_replications, seed=settings.seed, level=settings.level)
                if has_eligibility(st) else pd.DataFrame({"school_id": pd.Series(dtype=str),
                                                           "need_index": pd.Series(dtype=float)}))
    need = need.assign(school_id=need["school_id"].astype(str))
    return SchoolEffects(
        effects=effects,
        yearly=yearly_deviations(fit),
        variance=sl.variance_between_schools(st),
        composition=sl.composition_effect(st),
        composition_by_year=sl.composition_by_year(st),
        succeeding=schools_succeeding(effects, need),
        tau2=fit.tau2,
        sigma2=within_school_variance(fit.table),
        level=settings.level,
    )


@dataclass(frozen=True)
class PublishedExpected:
    """Expected grade-9 results of the municipality's schools from published files.

    - ``salsa``: ``school_id, n_students, actual, expected, deviation`` (Skolverket's SALSA 2024/25
      as published, without uncertainty); None when the file is absent.
    - ``own``: Likvärd's cross-fitted model on the composition, ``school_id, n_students, actual,
      expected, deviation, se, low, high, reliably`` for ``outcome`` in ``year``; None without results.
    - ``r2``: R² of the own model over every school of the country (cross-fitted).
    """

    salsa: pd.DataFrame | None
    own: pd.DataFrame | None
    year: int | None
    r2: float | None
    n_schools_country: int
    level: float


def grade9_results(files: PublishedFiles | None) -> tuple[pd.DataFrame, int] | None:
    """Per school unit of the whole country: ``merit_value, share_eligible, n_students`` (grade 9)
    of the latest year with results (Slutbetyg, else the school map's series), and that year
    (the same table again while the files are the same; not to be changed by the caller)."""
    if files is None:
        return None
    return reuse("grade9_results", [files.grade9, files.skolkarta], None, lambda: _grade9_results(files))


def _grade9_results(files: PublishedFiles) -> tuple[pd.DataFrame, int] | None:
    if files.grade9 is not None and len(files.grade9):
        g = files.grade9.sort_values("school_year").drop_duplicates("school_id", keep="last")
        year = int(g["school_year"].max())
        g = g[g["school_year"] == year].set_index("school_id")
        return g[["merit_value", "share_eligible", "n_students"]], year
    if files.skolkarta is not None:
        k = files.skolkarta.drop_duplicates("school_id").set_index("school_id")
        years = sorted(int(c.rsplit("_", 1)[1]) for c in k.columns if c.startswith("merit_value_"))
        if years:
            year = years[-1]
            comp = files.composition[files.composition["school_year"] == year].drop_duplicates("school_id")
            n9 = comp.set_index("school_id")["students_grade_9"].reindex(k.index)
            out = pd.DataFrame({"merit_value": k[f"merit_value_{year}"], "share_eligible": k.get(f"share_eligible_{year}"),
                                "n_students": n9})
            return out, year
    return None


def published_expected(ds: Dataset, settings: Settings = DEFAULTS) -> PublishedExpected | None:
    """SALSA and Likvärd's own expected merit value for the municipality's schools (None when
    neither can be had); kept between runs per version of the files (``reuse_for_published``)."""
    from likvard.analyses._reuse import reuse_for_published

    return reuse_for_published("published_expected_municipality", ds, settings,
                               lambda: _published_expected(ds, settings))


def _published_expected(ds: Dataset, settings: Settings) -> PublishedExpected | None:
    ids = set(ds.composition["school_id"].astype(str))
    salsa = None
    files = ds.published
    if files is not None and files.skolkarta is not None and "salsa_expected" in files.skolkarta:
        sk = files.skolkarta.copy()
        sk["school_id"] = sk["school_id"].astype(str)
        sk = sk[sk["school_id"].isin(ids)].dropna(subset=["salsa_expected"])
        counts = None
        if files.grade9 is not None:
            g9 = files.grade9.sort_values("school_year").drop_duplicates("school_id", keep="last")
            counts = dict(zip(g9["school_id"].astype(str), g9["n_students"].astype(float)))
        salsa = pd.DataFrame({
            "school_id": sk["school_id"],
            "n_students": sk["school_id"].map(counts) if counts is not None else sk.get("n_students_approx"),
            "actual": sk["salsa_actual"].astype(float),
            "expected": sk["salsa_expected"].astype(float),
            "deviation": sk["salsa_deviation"].astype(float),
        }).sort_values("deviation", ascending=False).reset_index(drop=True)
    own, year, r2, n_country = None, None, None, 0
    got = grade9_results(files)
    if got is not None and files is not None:
        results, year = got
        comp = files.composition
        if (comp["school_year"] == year).any() and results["merit_value"].notna().sum() >= 50:
            cf = reuse("published_expected", [files, results], (year, settings.seed),
                       lambda: cross_fitted(composition_features(comp, year), results["merit_value"], None, folds=10,
                                            seed=settings.seed), keep=True).copy()
            n_country = len(cf)
            r2 = r_squared(cf["actual"].to_numpy(), cf["expected"].to_numpy())
            cf["school_id"] = cf["school_id"].astype(str)
            mine = cf[cf["school_id"].isin(ids)].copy()
            from scipy.special import ndtri  # the normal quantile (scipy.stats.norm.ppf)

            z = float(ndtri(0.5 + settings.level / 2))
            mine["low"] = mine["deviation"] - z * mine["se"]
            mine["high"] = mine["deviation"] + z * mine["se"]
            mine["reliably"] = np.where(mine["low"] > 0, "över", np.where(mine["high"] < 0, "under", "inom"))
            mine["n_students"] = mine["school_id"].map(results["n_students"].to_dict())
            own = mine[["school_id", "n_students", "actual", "expected", "deviation", "se", "low", "high", "reliably"]]
            own = own.sort_values("deviation", ascending=False).reset_index(drop=True)
    if salsa is None and own is None:
        return None
    return PublishedExpected(salsa, own, year, r2, n_country, settings.level)


def results_trend(ds: Dataset) -> pd.DataFrame | None:
    """Per school and year: ``school_id, school_year, n_students`` (grade 9), ``merit_value,
    share_eligible`` (fraction). From registers: means of the grade-9 students; from published
    files: the school map's series 2020/21–2024/25."""
    ids = set(ds.composition["school_id"].astype(str))
    if ds.has_students and ds.data is not None:
        st = ds.data.students
        g9 = st[(st["school_year"].isin(ds.years)) & (st["grade"].astype(int) == 9)]
        if g9.empty or "merit_value" not in g9:
            return None
        g9 = g9.assign(school_id=g9["school_id"].astype(str),
                       eligible=g9["eligible"].astype(float) if "eligible" in g9 else np.nan)
        out = g9.groupby(["school_id", "school_year"]).agg(
            n_students=("student_id", "size"), merit_value=("merit_value", "mean"), share_eligible=("eligible", "mean"))
        return out.reset_index()
    files = ds.published
    if files is None or files.skolkarta is None:
        return None
    k = files.skolkarta.drop_duplicates("school_id").copy()
    k["school_id"] = k["school_id"].astype(str)
    k = k[k["school_id"].isin(ids)]
    years = sorted(int(c.rsplit("_", 1)[1]) for c in k.columns if c.startswith("merit_value_"))
    if not years:
        return None
    comp = files.composition[["school_id", "school_year", "students_grade_9"]]  # one column of the country's
    comp = comp.drop_duplicates(["school_id", "school_year"]).set_index(["school_id", "school_year"])
    rows = []
    for y in years:
        n9 = comp["students_grade_9"].reindex(pd.MultiIndex.from_arrays([k["school_id"], [y] * len(k)]))
        rows.append(pd.DataFrame({
            "school_id": k["school_id"].to_numpy(), "school_year": y, "n_students": n9.to_numpy(),
            "merit_value": k[f"merit_value_{y}"].to_numpy(),
            "share_eligible": k[f"share_eligible_{y}"].to_numpy() if f"share_eligible_{y}" in k else np.nan,
        }))
    if not rows:
        return None
    out = pd.concat(rows, ignore_index=True)
    if files.grade9 is not None:  # the exact grade-9 count where Skolverket's results file gives it
        g9 = files.grade9.set_index(["school_id", "school_year"])["n_students"]
        exact = g9.reindex(pd.MultiIndex.from_frame(out[["school_id", "school_year"]])).to_numpy()
        out["n_students"] = np.where(np.isfinite(exact), exact, out["n_students"])
    return out.dropna(subset=["merit_value", "share_eligible"], how="all").reset_index(drop=True)


OUTCOMES = ("merit_value", "share_eligible", "share_all_subjects")


@dataclass(frozen=True)
class CountryExpected:
    """Every school unit of the country, cross-fitted per outcome: ``tables[outcome]`` with
    ``school_id, actual, expected, deviation, se, reliably`` and ``summary[outcome]`` with
    ``n_schools, r2_cross_fitted, sd_of_deviation_over_se, reliably_above, reliably_below``."""

    year: int
    tables: dict[str, pd.DataFrame]
    summary: dict[str, dict]


def country_expected(files: PublishedFiles, year: int | None = None, folds: int = 10,
                     settings: Settings = DEFAULTS) -> CountryExpected:
    """Expected merit value, share eligible and share passing all subjects for every school unit
    with results (each from a model fitted on the other folds of schools, the same year)."""
    got = grade9_results(files)
    if got is None:
        raise DataError(f"Resultat för årskurs 9 saknas i {files.folder}: hittade varken Slutbetyg årskurs 9 per "
                        "skolenhet eller skolkarta_grundskolor_ak9_*.csv.")
    results, latest = got
    year = latest if year is None else int(year)
    if year != latest:
        raise DataError(f"Resultat för årskurs 9 finns för läsåret {latest}/{(latest + 1) % 100:02d}, inte {year}.")
    if "share_all_subjects" not in results and files.grade9 is not None:
        g = files.grade9.drop_duplicates("school_id", keep="last").set_index("school_id")
        results = results.assign(share_all_subjects=g["share_all_subjects"].reindex(results.index))
    comp = files.composition
    if not (comp["school_year"] == year).any():
        raise DataError(f"Elevsammansättning för läsåret {year}/{(year + 1) % 100:02d} saknas i {files.folder}.")
    feats = composition_features(comp, year)
    tables, summary = {}, {}
    for col in OUTCOMES:
        if col not in results or results[col].notna().sum() < 50:
            continue
        cf = cross_fitted(feats, results[col], None if col == "merit_value" else results["n_students"], folds=folds,
                          seed=settings.seed)
        z = cf["deviation"] / cf["se"]
        tables[col] = cf
        summary[col] = {"n_schools": len(cf), "r2_cross_fitted": r_squared(cf["actual"], cf["expected"]),
                        "sd_of_deviation_over_se": float(z.std()),
                        "reliably_above": int((cf["reliably"] == "över").sum()),
                        "reliably_below": int((cf["reliably"] == "under").sum())}
    return CountryExpected(year, tables, summary)
