"""The municipality beside the nation and beside similar municipalities (Kolada's habit: trend,
"liknande kommuner", rank).

- Segregation: two-group D and Theil's H of the share of students with post-secondary-educated
  parents, per year, for every municipality from Skolverket's per-school shares
  (``likvard.segregation.published.published_indices``), and for the country's schools taken
  together (riket).
- Key figures from Kolada: the municipality's value, the median of the similar municipalities and
  the median of all municipalities, and its rank.
- Similar municipalities: the ``k`` municipalities nearest in standardised structure — share of
  students with post-secondary-educated parents (Kolada N15816), share of children in economically
  vulnerable households (N02904) and the logarithm of the number of compulsory-school students —
  the idea of Kolada's "liknande kommuner" (municipalities alike in what predicts the outcome).
  SKR's own municipality groups are not among the files read, so this is Likvärd's definition.
Rank 1 is the highest value (for segregation: the most segregated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.analyses._reuse import reuse
from likvard.analyses.dataset import Dataset
from likvard.segregation.published import published_indices

KPIS = {
    "N15428": "Elever i åk 9 som är behöriga till yrkesprogram (%)",
    "N15813": "Lärare med lärarlegitimation och behörighet i minst ett ämne (%)",
    "N15816": "Elever vars föräldrar har eftergymnasial utbildning (%)",
    "N02904": "Invånare 0–19 år i ekonomiskt utsatta hushåll (%)",
}
"""Kolada KPIs compared (id -> Swedish title)."""
STRUCTURE = ("N15816", "N02904")
MIN_SCHOOLS = 3
"""Municipalities with fewer school units are left out of segregation ranks (their index says little)."""


@dataclass(frozen=True)
class MunicipalComparison:
    """- ``similar``: ``municipality_code, municipality, distance`` of the similar municipalities.
    - ``segregation``: per year and index (``key`` = ``dissimilarity``/``theil_h``): ``value``,
      ``national`` (the country's schools together), ``similar_median``, ``all_median``, ``rank``,
      ``n_municipalities``.
    - ``kpis``: per KPI (latest year with a value): ``kpi, title, year, value, similar_median,
      all_median, rank, n_municipalities``.
    - ``kpi_trend``: per KPI and year ``value, similar_median, all_median``.
    """

    municipality_code: str
    similar: pd.DataFrame
    segregation: pd.DataFrame
    kpis: pd.DataFrame
    kpi_trend: pd.DataFrame
    k: int


def _rank(values: pd.Series, code: str) -> tuple[float, int]:
    v = values.dropna()
    if code not in v.index:
        return float("nan"), len(v)
    return float((v > v[code]).sum() + 1), len(v)


def similar_municipalities(ds: Dataset, k: int = 7) -> pd.DataFrame | None:
    """The ``k`` nearest municipalities in standardised structure (module docstring)."""
    files = ds.published
    if files is None or files.kolada is None or ds.municipality_code is None:
        return None
    kol = files.kolada[(files.kolada["gender"] == "T") & files.kolada["kpi"].isin(STRUCTURE)].dropna(subset=["value"])
    latest = kol.sort_values("year").groupby(["kpi", "municipality_code"])["value"].last().unstack(0)
    comp = files.composition
    last = comp["school_year"] == comp["school_year"].max()
    size = comp.loc[last, ["municipality_code", "students_total"]].groupby("municipality_code")["students_total"].sum()
    feats = latest.join(np.log(size.clip(lower=1)).rename("log_students"), how="inner").dropna()
    code = ds.municipality_code
    if code not in feats.index or len(feats) <= k:
        return None
    z = (feats - feats.mean()) / feats.std(ddof=0)
    dist = np.sqrt(((z - z.loc[code]) ** 2).sum(axis=1)).drop(code).sort_values()
    names = files.kolada.drop_duplicates("municipality_code").set_index("municipality_code")["municipality"]
    near = dist.iloc[:k]
    return pd.DataFrame({"municipality_code": near.index, "municipality": names.reindex(near.index).to_numpy(),
                         "distance": near.to_numpy()})


def _all_municipalities(composition: pd.DataFrame, years: tuple[int, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """D and H of every municipality (three schools or more) and of the whole country per year."""
    comp = composition[composition["school_year"].isin(years)]
    per_muni = published_indices(comp, share="share_post_secondary", by="municipality_code")
    per_muni["municipality_code"] = per_muni["municipality_code"].astype(str)
    per_muni = per_muni[per_muni["n_units"] >= MIN_SCHOOLS]
    national = published_indices(comp, share="share_post_secondary", by=None).set_index("school_year")
    return per_muni, national


def municipal_comparison(ds: Dataset, k: int = 7) -> MunicipalComparison | None:
    """The comparison of ``ds``'s municipality (published data with Kolada's file), or None; kept
    between runs per version of the files (``reuse_for_published``)."""
    from likvard.analyses._reuse import reuse_for_published

    return reuse_for_published("municipal_comparison", ds, k, lambda: _municipal_comparison(ds, k))


def _municipal_comparison(ds: Dataset, k: int) -> MunicipalComparison | None:
    files = ds.published
    code = ds.municipality_code
    if files is None or code is None:
        return None
    similar = similar_municipalities(ds, k)
    similar_codes = set(similar["municipality_code"]) if similar is not None else set()
    years = tuple(ds.years)
    per_muni, national = reuse("comparison", [files], years,
                               lambda: _all_municipalities(files.composition, years), keep=True)
    rows = []
    for year, g in per_muni.groupby("school_year"):
        g = g.set_index("municipality_code")
        for key in ("dissimilarity", "theil_h"):
            rank, n = _rank(g[key], code)
            rows.append({
                "school_year": int(year), "key": key, "value": float(g[key].get(code, np.nan)),
                "national": float(national.loc[year, key]) if year in national.index else float("nan"),
                "similar_median": float(g.loc[g.index.isin(similar_codes), key].median()) if similar_codes else float("nan"),
                "all_median": float(g[key].median()), "rank": rank, "n_municipalities": n,
            })
    segregation = pd.DataFrame(rows)
    kpis, trend = _kpis(files.kolada, code, similar_codes)
    return MunicipalComparison(code, similar if similar is not None else pd.DataFrame(
        columns=["municipality_code", "municipality", "distance"]), segregation, kpis, trend, k)


def _kpis(kolada: pd.DataFrame | None, code: str, similar: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = ["kpi", "title", "year", "value", "similar_median", "all_median", "rank", "n_municipalities"]
    if kolada is None:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=["kpi", "year", "value", "similar_median", "all_median"])
    kol = kolada[(kolada["gender"] == "T") & kolada["kpi"].isin(KPIS)].dropna(subset=["value"])
    latest_rows, trend_rows = [], []
    for (kpi, year), g in kol.groupby(["kpi", "year"]):
        v = g.set_index("municipality_code")["value"]
        trend_rows.append({"kpi": kpi, "year": int(year), "value": float(v.get(code, np.nan)),
                           "similar_median": float(v[v.index.isin(similar)].median()) if similar else float("nan"),
                           "all_median": float(v.median())})
    trend = pd.DataFrame(trend_rows)
    for kpi, t in trend.groupby("kpi"):
        t = t.dropna(subset=["value"])
        if t.empty:
            continue
        last = t.sort_values("year").iloc[-1]
        v = kol[(kol["kpi"] == kpi) & (kol["year"] == last["year"])].set_index("municipality_code")["value"]
        rank, n = _rank(v, code)
        latest_rows.append({"kpi": kpi, "title": KPIS[str(kpi)], "year": int(last["year"]), "value": last["value"],
                            "similar_median": last["similar_median"], "all_median": last["all_median"],
                            "rank": rank, "n_municipalities": n})
    order = {k: i for i, k in enumerate(KPIS)}
    kpis = pd.DataFrame(latest_rows, columns=cols)
    kpis = kpis.sort_values("kpi", key=lambda s: s.map(order)).reset_index(drop=True)
    return kpis, trend.sort_values(["kpi", "year"]).reset_index(drop=True)
