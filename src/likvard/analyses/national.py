"""Every municipality side by side: segregation (Theil's H of the report, with its bootstrap
interval), its trend and the municipality's rank with a rank interval.

- ``municipality_segregation`` takes one municipality's :class:`SegregationResult` (the one its
  report shows) and keeps H per year with the report's interval, plus bootstrap replicates of the
  last year's H for the ranks. The report draws every municipality's replicates from the same
  seed (``replicate_seed``), which would tie the municipalities' replicates together; the rank
  replicates are therefore drawn with a seed of each municipality's own
  (``SeedSequence(seed, spawn_key=(code, year))``), independent across municipalities.
- ``national_overview`` ranks the municipalities of the latest year (rank 1 = highest H, the most
  segregated; ties share the better rank); a municipality with fewer than ``min_students``
  students is not ranked (its H is shown as ``..`` and its rank would bound it). The rank interval is the percentile interval of the
  municipality's rank over the bootstrap replicates: ranking replicate r across municipalities is
  a draw of the joint rank (the bootstrap for ranks; Goldstein and Spiegelhalter 1996, Hall and
  Miller 2009).
- The trend is the least-squares slope of H per school year over the years with a value, and the
  change from the first to the last year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.analyses.segregation import SegregationResult
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.errors import ParameterError
from likvard.parallel.seeds import seed_int, task_seeds
from likvard.segregation.inference import bootstrap_replicates

INDEX = "theil_h"
"""The index of the overview (Theil's H, 0–1; the report's first index)."""

COLUMNS = ("municipality_code", "municipality", "school_year", "n_schools", "n_students", "theil_h",
           "theil_h_low", "theil_h_high", "first_year", "theil_h_first", "change", "trend_per_year",
           "rank", "rank_low", "rank_high", "n_ranked", "note")
"""Columns of :attr:`NationalOverview.table`."""


@dataclass(frozen=True)
class MunicipalitySegregation:
    """One municipality's part of the overview.

    ``series``: ``school_year, value, low, high, n_students, n_schools`` of H (the report's
    figures). ``replicates``: H in each bootstrap replicate of ``year`` (None when H could not be
    measured; ``note`` then says why)."""

    municipality_code: str
    municipality: str
    year: int | None
    series: pd.DataFrame
    replicates: np.ndarray | None
    note: str = ""


@dataclass(frozen=True)
class NationalOverview:
    """``table``: one row per municipality (``COLUMNS``), ordered by rank then code; ``year``:
    the school year ranked; ``level``: the interval level; ``failed``: code -> the reason a
    municipality could not be run at all."""

    table: pd.DataFrame
    year: int | None
    level: float
    n_replications: int
    failed: dict[str, str]


def municipality_segregation(code: str, name: str, seg: SegregationResult | None, counts: pd.DataFrame | None,
                             settings: Settings = DEFAULTS, note: str = "") -> MunicipalitySegregation:
    """The overview's figures of one municipality from its report's segregation result ``seg`` and
    the last year's school × group ``counts`` it was computed from (None and a ``note`` when the
    report has no segregation)."""
    empty = pd.DataFrame(columns=["school_year", "value", "low", "high", "n_students", "n_schools"])
    if seg is None or counts is None:
        return MunicipalitySegregation(str(code), str(name), None, empty, None, note)
    s = seg.series[seg.series["key"] == INDEX]
    series = s[["school_year", "value", "low", "high", "n_students", "n_schools"]].reset_index(drop=True)
    seed = seed_int(task_seeds(int(settings.seed), [(int(code), int(seg.year))])[0])
    reps = bootstrap_replicates(counts, n_replications=settings.n_replications, seed=seed)
    return MunicipalitySegregation(str(code), str(name), int(seg.year), series,
                                   reps[INDEX].to_numpy(float), note)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Rank 1 = highest; ties share the better rank (``1 + number strictly higher``), per column."""
    v = np.asarray(values, float)
    order = np.sort(v, axis=0)  # ascending per column
    higher = np.empty_like(v)
    for j in range(v.shape[1]):
        higher[:, j] = len(v) - np.searchsorted(order[:, j], v[:, j], side="right")
    return 1.0 + higher


def _slope(years: np.ndarray, values: np.ndarray) -> float:
    ok = np.isfinite(values)
    if ok.sum() < 2:
        return float("nan")
    x, y = years[ok].astype(float), values[ok]
    x = x - x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def national_overview(parts: Sequence[MunicipalitySegregation], settings: Settings = DEFAULTS,
                      failed: dict[str, str] | None = None) -> NationalOverview:
    """The overview table of ``parts`` (see the module docstring)."""
    codes = [p.municipality_code for p in parts]
    if len(set(codes)) != len(codes):
        raise ParameterError("parts", "varje kommun får bara förekomma en gång i översikten.")
    years = [p.year for p in parts if p.year is not None]
    year = max(years) if years else None
    rows = []
    ranked: list[int] = []
    reps: list[np.ndarray] = []
    for i, p in enumerate(parts):
        row: dict[str, object] = dict.fromkeys(COLUMNS, np.nan)
        row.update(municipality_code=p.municipality_code, municipality=p.municipality, note=p.note)
        s = p.series.sort_values("school_year")
        if p.year is not None and not s.empty:
            last = s[s["school_year"] == p.year].iloc[0]
            first = s.iloc[0]
            row.update(school_year=int(p.year), n_schools=float(last["n_schools"]), n_students=float(last["n_students"]),
                       theil_h=float(last["value"]), theil_h_low=float(last["low"]), theil_h_high=float(last["high"]),
                       first_year=int(first["school_year"]), theil_h_first=float(first["value"]),
                       change=float(last["value"]) - float(first["value"]),
                       trend_per_year=_slope(s["school_year"].to_numpy(), s["value"].to_numpy(float)))
            if float(last["n_students"]) < settings.min_students:
                row["note"] = (f"Färre än {settings.min_students} elever; visas som .. och rangordnas inte, så att "
                               "rangen inte avslöjar värdet.")
            elif p.year == year and p.replicates is not None and np.isfinite(float(last["value"])):
                ranked.append(i)
                reps.append(p.replicates)
            elif not p.note:
                row["note"] = f"Senaste läsåret med mätbar segregation är {p.year}, inte {year}; rangordnas inte."
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if ranked:
        n_rep = {len(r) for r in reps}
        if len(n_rep) != 1:
            raise ParameterError("parts", "alla kommuner måste ha lika många bootstrap-replikat för rangintervallen.")
        est = table.loc[ranked, "theil_h"].to_numpy(float)[:, None]
        rank = _ranks(est)[:, 0]
        rep_ranks = _ranks(np.vstack(reps))
        alpha = (1.0 - settings.level) / 2.0
        table.loc[ranked, "rank"] = rank
        table.loc[ranked, "rank_low"] = np.floor(np.quantile(rep_ranks, alpha, axis=1, method="lower"))
        table.loc[ranked, "rank_high"] = np.ceil(np.quantile(rep_ranks, 1.0 - alpha, axis=1, method="higher"))
        table.loc[ranked, "n_ranked"] = float(len(ranked))
    table = table.sort_values(["rank", "municipality_code"], na_position="last", kind="stable").reset_index(drop=True)
    return NationalOverview(table, year, float(settings.level), int(settings.n_replications), dict(failed or {}))


__all__ = ["COLUMNS", "INDEX", "MunicipalitySegregation", "NationalOverview", "municipality_segregation",
           "national_overview"]
