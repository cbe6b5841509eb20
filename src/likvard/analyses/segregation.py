"""Segregation between schools: indices per year with bootstrap intervals and the random-allocation
baseline, decomposition by organiser type and area type, the change over the period, each school's
contribution, and (for published shares) the range over Skolverket's hidden cells.

Engines: ``likvard.segregation`` (indices; Theil's H = M / E, Theil 1972, Mora and Ruiz-Castillo
2011; Elbers 2023 for local scores and the change decomposition). Every function here takes a
:class:`~likvard.analyses.dataset.Dataset` and :class:`~likvard.analyses.settings.Settings` and
returns unsuppressed figures; ``likvard.views`` suppresses them for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from likvard import segregation as engine
from likvard.analyses.dataset import Dataset
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.errors import DataError
from likvard.segregation.panel import change_series, follow_schools
from likvard.segregation.published import published_indices

SERIES_INDICES = ("theil_h", "dissimilarity", "mutual_information", "normalized_exposure")
"""Indices given per year with intervals and baseline."""

CHANGE_PARTS = ("group_marginal", "unit_marginal", "additions", "removals", "structural", "total")
"""Parts of the change in M (Elbers 2023), in the order shown."""


def replicate_seed(settings: Settings, year: int) -> int:
    """The seed of one year's replications: the same year gets the same draws in every run and
    every period chosen (``seed + year``)."""
    return int(settings.seed) + int(year)


@dataclass(frozen=True)
class Decomposition:
    """M and H split into a part between groups of schools and a part within them.

    ``parts``: one row per group of schools, ``part`` (the code, e.g. ``municipal``), ``n_students,
    h_within, m_within, contribution`` (its contribution to the within part of M).
    """

    by: str
    year: int
    parts: pd.DataFrame
    total: float
    between: float
    within: float
    h_total: float
    h_between: float
    h_within: float

    @property
    def share_between(self) -> float:
        """Share of M (0–1) between the groups of schools."""
        return self.between / self.total if self.total > 0 else float("nan")


@dataclass(frozen=True)
class Change:
    """M(last) − M(first) split into parts that sum to ``parts['total']`` (Elbers 2023, Shapley)."""

    first_year: int
    last_year: int
    parts: dict[str, float]


@dataclass(frozen=True)
class FollowedChange:
    """Change in M between consecutive years on schools followed through code changes
    (``likvard.segregation.panel``): ``series`` per later year (the parts of the change, ``n_links``),
    ``links`` (code changes followed: ``school_year, old_school_id, new_school_id, name``) and
    ``not_followed`` (units that closed or opened without a match: ``school_year, school_id, name, event``)."""

    series: pd.DataFrame
    links: pd.DataFrame
    not_followed: pd.DataFrame


def followed_change(ds: Dataset) -> FollowedChange | None:
    """For published shares (post-secondary parents): the yearly change on followed schools."""
    if ds.published is None or ds.municipality_code is None or len(ds.years) < 2:
        return None
    raw = ds.published.composition
    raw = raw[(raw["municipality_code"].astype(str) == ds.municipality_code) & raw["school_year"].isin(ds.years)]
    series = change_series(raw, share="share_post_secondary")
    _, links, lost = follow_schools(raw)
    return FollowedChange(series.reset_index(drop=True), links.reset_index(drop=True), lost.reset_index(drop=True))


@dataclass(frozen=True)
class SegregationResult:
    """Everything on segregation for one grouping.

    - ``series``: per year and index: ``school_year, key, value, low, high, baseline, n_students,
      n_schools`` (interval at ``settings.level``; baseline = mean under random allocation).
    - ``latest``: every index of the last year (``likvard.segregation.indices``).
    - ``bootstrap``: the last year's bootstrap summary per index (``estimate, se, ci_low, ci_high, …``).
    - ``baseline``: the last year's random-allocation summary per index.
    - ``decompositions``: by organiser type and by area type, where known.
    - ``change``: first to last year, when there are two years or more.
    - ``contributions``: ``school_id, n_students, local_score, contribution`` (percent of M).
    - ``published_ranges``: for published shares, D and H with the range over hidden cells.
    """

    grouping: str
    year: int
    series: pd.DataFrame
    latest: dict
    bootstrap: pd.DataFrame
    baseline: pd.DataFrame
    decompositions: list[Decomposition] = field(default_factory=list)
    change: Change | None = None
    contributions: pd.DataFrame | None = None
    published_ranges: pd.DataFrame | None = None
    followed: FollowedChange | None = None
    settings: Settings = DEFAULTS

    def value(self, key: str, year: int | None = None) -> pd.Series:
        """The series row of index ``key`` in ``year`` (last year by default)."""
        y = self.year if year is None else year
        rows = self.series[(self.series["key"] == key) & (self.series["school_year"] == y)]
        if rows.empty:
            raise DataError(f"Indexet {key} saknas för läsåret {y}.")
        return rows.iloc[0]


def _usable(counts: pd.DataFrame) -> bool:
    return len(counts) >= 2 and counts.to_numpy().sum() >= 10 and (counts.sum(axis=0) > 0).sum() >= 2


def index_series(ds: Dataset, settings: Settings = DEFAULTS, grouping: str = "parent_education") -> pd.DataFrame:
    """Per year and index: value, bootstrap interval, random-allocation baseline (see SegregationResult)."""
    rows = []
    for year in ds.years:
        counts = ds.group_counts(year, grouping)
        if not _usable(counts):
            continue
        seed = replicate_seed(settings, year)
        est = engine.indices(counts)
        boot = engine.bootstrap(counts, n_replications=settings.n_replications, seed=seed, level=settings.level)
        base = engine.random_baseline(counts, n_replications=settings.n_replications, seed=seed, level=settings.level)
        for key in SERIES_INDICES:
            if key not in est:
                continue
            rows.append({
                "school_year": int(year), "key": key, "value": float(est[key]),
                "low": float(boot.loc[key, "ci_low"]), "high": float(boot.loc[key, "ci_high"]),
                "baseline": float(base.loc[key, "expected"]),
                "n_students": float(counts.to_numpy().sum()), "n_schools": len(counts),
            })
    return pd.DataFrame(rows, columns=["school_year", "key", "value", "low", "high", "baseline", "n_students", "n_schools"])


def decomposition(ds: Dataset, year: int, by: str, grouping: str = "parent_education") -> Decomposition | None:
    """M and H of ``year`` split by the schools' ``by`` column (``organiser_type``, ``area_type``);
    None when fewer than two groups of schools are known."""
    info = ds.schools.set_index("school_id")
    if by not in info or info[by].isna().all():
        return None
    counts = ds.group_counts(year, grouping)
    labels = info[by].reindex(counts.index)
    keep = labels.notna()
    counts, labels = counts[keep], labels[keep]
    if labels.nunique() < 2 or not _usable(counts):
        return None
    res = engine.decompose(counts, labels)
    parts = res["parts"][["part", "n_students", "h_within", "m_within", "contribution"]].copy()
    return Decomposition(by, int(year), parts.reset_index(drop=True),
                         *(float(res[k]) for k in ("total", "between", "within", "h_total", "h_between", "h_within")))


def change_over_period(ds: Dataset, first: int, last: int, grouping: str = "parent_education") -> Change | None:
    """The change in M from ``first`` to ``last`` in parts (``CHANGE_PARTS``); None if a year is unusable."""
    before, after = ds.group_counts(first, grouping), ds.group_counts(last, grouping)
    if first == last or not (_usable(before) and _usable(after)):
        return None
    ch = engine.change(before, after)
    return Change(int(first), int(last), {k: float(ch[k]) for k in CHANGE_PARTS})


def school_contributions(ds: Dataset, year: int, grouping: str = "parent_education") -> pd.DataFrame | None:
    """Each school's local score L_j and its share of M in percent (n_j / N · L_j / M; Elbers 2023)."""
    counts = ds.group_counts(year, grouping)
    if not _usable(counts):
        return None
    local = engine.local_scores(counts)
    n = counts.sum(axis=1)
    contrib = n / n.sum() * local
    m = float(contrib.sum())
    out = pd.DataFrame({
        "school_id": counts.index.astype(str), "n_students": n.to_numpy(), "local_score": local.to_numpy(),
        "contribution": (100.0 * contrib / m).to_numpy() if m > 0 else float("nan"),
    })
    return out.sort_values("contribution", ascending=False).reset_index(drop=True)


PUBLISHED_SHARES = ("share_post_secondary", "share_foreign_background")


def published_ranges(ds: Dataset) -> pd.DataFrame | None:
    """Two-group D and H per year from Skolverket's shares with the range over its hidden cells
    (``likvard.segregation.published_indices``): ``school_year, characteristic, n_units,
    n_units_uncertain, n_students_uncertain`` and ``<index>, <index>_low, <index>_high,
    <index>_excluded`` for D and H."""
    if ds.published is None or ds.municipality_code is None:
        return None
    raw = ds.published.composition
    raw = raw[(raw["municipality_code"].astype(str) == ds.municipality_code) & raw["school_year"].isin(ds.years)]
    parts = []
    for share in PUBLISHED_SHARES:
        if share not in raw or f"{share}_status" not in raw:
            continue
        res = published_indices(raw, share=share, by=None)
        res.insert(1, "characteristic", share)
        parts.append(res)
    if not parts:
        return None
    out = pd.concat(parts, ignore_index=True)
    keep = ["school_year", "characteristic", "n_units", "n_units_uncertain", "n_students_uncertain"] + [
        f"{i}{suf}" for i in ("dissimilarity", "theil_h") for suf in ("", "_low", "_high", "_excluded")]
    return out[[c for c in keep if c in out]].sort_values(["characteristic", "school_year"]).reset_index(drop=True)


def analyse_segregation(
    ds: Dataset, settings: Settings = DEFAULTS, grouping: str = "parent_education", year: int | None = None,
    follow: bool = False,
) -> SegregationResult:
    """Every segregation figure of ``ds`` for ``grouping``; ``year`` (default the last) is the year
    of the decompositions, contributions and the full index table. ``follow``: also the yearly change
    on schools followed through code changes (published shares only; a few seconds more).

    For published files the result is kept between runs (``reuse_for_published``): the same files,
    municipality, years, settings and seed give the same replicates, so they are drawn once."""
    from likvard.analyses._reuse import reuse_for_published

    return reuse_for_published("segregation", ds, (settings, grouping, year, follow),
                               lambda: _analyse_segregation(ds, settings, grouping, year, follow))


def _analyse_segregation(ds: Dataset, settings: Settings, grouping: str, year: int | None,
                         follow: bool) -> SegregationResult:
    year = ds.last_year if year is None else int(year)
    if year not in ds.years:
        raise DataError(f"Läsåret {year} finns inte i underlaget (finns: {', '.join(map(str, ds.years))}).")
    counts = ds.group_counts(year, grouping)
    if not _usable(counts):
        raise DataError(
            f"Läsåret {year} har för få skolor eller elever med känd grupp för att mäta segregation "
            f"({len(counts)} skolor, {int(counts.to_numpy().sum())} elever)."
        )
    seed = replicate_seed(settings, year)
    latest = engine.indices(counts)
    if grouping == "parent_education" and len(counts.columns) > 2:
        latest["ordinal_information"] = engine.ordinal_information(counts)
    boot = engine.bootstrap(counts, n_replications=settings.n_replications, seed=seed, level=settings.level)
    base = engine.random_baseline(counts, n_replications=settings.n_replications, seed=seed, level=settings.level)
    decs = [d for d in (decomposition(ds, year, by, grouping) for by in ("organiser_type", "area_type")) if d is not None]
    return SegregationResult(
        grouping=grouping, year=year, series=index_series(ds, settings, grouping), latest=latest,
        bootstrap=boot, baseline=base, decompositions=decs,
        change=change_over_period(ds, ds.first_year, year, grouping) if ds.first_year < year else None,
        contributions=school_contributions(ds, year, grouping),
        published_ranges=published_ranges(ds) if grouping == "parent_education" else None,
        followed=followed_change(ds) if follow and grouping == "parent_education" else None,
        settings=settings,
    )
