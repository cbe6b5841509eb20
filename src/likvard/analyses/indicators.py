"""Skolenkäten (trygghet, studiero, stöd) and teacher certification set against need, and the
schools where several weak indicators coincide (Skolinspektionen: problems reinforce each other).

An indicator is weak at a school when it lies in the least favourable quarter of the schools
(lowest 25 % for survey means and certified share; highest 25 % for need).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.allocation.teachers import teacher_distribution
from likvard.analyses.dataset import Dataset
from likvard.analyses.need import NeedResult
from likvard.tables import MIN_SHOWN_STUDENTS

AREAS = ("trygghet", "studiero", "stod")
INDICATORS = ("need", *AREAS, "share_certified")


@dataclass(frozen=True)
class Indicators:
    """``table``: per school of ``year``: ``school_id, name, n_students, need`` (need index, or
    the percentage without post-secondary-educated parents when no index exists: see
    ``need_measure``), survey means ``trygghet, studiero, stod`` (0–10; NaN where fewer than 10
    answered: ``n_respondents_<area>``), ``share_certified`` (percent), optional
    ``lead_teachers_per_100``, and ``n_weak`` with ``weak_indicators`` (codes, comma-separated).
    ``flags``: one boolean column per indicator that could be judged."""

    year: int
    table: pd.DataFrame
    flags: pd.DataFrame
    need_measure: str
    """``need_index`` or ``share_not_post_secondary``."""


def _latest_indicator_year(ds: Dataset) -> int | None:
    years: set[int] = set()
    if ds.published is not None and ds.published.underlag is not None:
        years |= {int(y) for y in ds.published.underlag["school_year"].unique()}
    if ds.data is not None:
        for t in (ds.data.survey, ds.data.staff):
            if not t.empty:
                years |= {int(y) for y in t["school_year"].unique()}
    usable = sorted(y for y in years if y in ds.years)
    return usable[-1] if usable else None


def _survey_from_registers(ds: Dataset, year: int, index: pd.Index) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    if ds.data is None or ds.data.survey.empty:
        return out
    sv = ds.data.survey[(ds.data.survey["school_year"] == year) & ds.data.survey["area"].isin(AREAS)].copy()
    students = sv["respondent"].astype(str).str.startswith("student")
    if students.any():
        sv = sv[students]
    sv["school_id"] = sv["school_id"].astype(str)
    sv["w"] = sv["value"].astype(float) * sv["n_respondents"].astype(float)
    g = sv.groupby(["school_id", "area"])[["w", "n_respondents"]].sum()
    means = (g["w"] / g["n_respondents"]).unstack()
    resp = g["n_respondents"].unstack()
    for a in AREAS:
        if a in means:
            n = resp[a].reindex(index).fillna(0)
            out[a] = means[a].reindex(index).where(n >= MIN_SHOWN_STUDENTS)
            out[f"n_respondents_{a}"] = n
    return out


def indicators(ds: Dataset, need: NeedResult | None = None, year: int | None = None) -> Indicators | None:
    """Indicators of ``year`` (default the latest year with survey or teacher data); None when
    neither exists."""
    year = _latest_indicator_year(ds) if year is None else int(year)
    if year is None:
        return None
    comp = ds.composition[ds.composition["school_year"] == year].set_index("school_id")
    out = pd.DataFrame({"name": comp["name"], "n_students": comp["n_students"]})
    if need is not None and (need.table["school_year"] == year).any():
        out["need"] = need.year(year).set_index("school_id")["need_index"].reindex(out.index)
        measure = "need_index"
    else:
        out["need"] = 100.0 * (1.0 - comp["share_post_secondary"])
        measure = "share_not_post_secondary"
    have = False
    u = ds.published.underlag if ds.published is not None else None
    if u is not None and not u.empty and (u["school_year"] == year).any():
        u = u[u["school_year"] == year].assign(school_id=lambda d: d["school_id"].astype(str))
        u = u.drop_duplicates("school_id").set_index("school_id").reindex(out.index)
        for a in AREAS:  # pupils' answers: grade 8 where given, else grade 5 (published means)
            cols = [f"survey_{a}_grade8", f"survey_{a}_grade5"]
            if all(c in u for c in cols):
                vals = u[cols[0]].fillna(u[cols[1]])
                if vals.notna().any():
                    out[a] = vals
                    have = True
        if "share_certified_teachers" in u and u["share_certified_teachers"].notna().any():
            out["share_certified"] = 100.0 * u["share_certified_teachers"]
            have = True
    for col, values in _survey_from_registers(ds, year, out.index).items():
        out[col] = values
        have = True
    if ds.data is not None and not ds.data.staff.empty and (ds.data.staff["school_year"] == year).any():
        st = ds.data.students
        td = teacher_distribution(ds.data.staff[ds.data.staff["school_year"] == year], st[st["school_year"] == year])
        td = td.assign(school_id=td["school_id"].astype(str)).set_index("school_id")
        out["share_certified"] = (100.0 * td["share_certified"]).reindex(out.index)
        if "lead_teachers_per_100" in td:
            out["lead_teachers_per_100"] = td["lead_teachers_per_100"].reindex(out.index)
        if "n_teachers" in td:  # for the staff rule of the shown tables
            out["n_teachers"] = td["n_teachers"].reindex(out.index)
        have = True
    if not have:
        return None
    out = out.reset_index()
    flags = weak_flags(out, [c for c in INDICATORS if c in out])
    out["n_weak"] = flags.sum(axis=1).astype(float)
    out["weak_indicators"] = [",".join(c for c in flags.columns if flags.loc[i, c]) for i in out.index]
    return Indicators(year, out, flags, measure)


def weak_flags(t: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Boolean per school and indicator: in the least favourable quarter (need: highest quarter);
    schools with fewer than 10 students are not judged, nor the certification of a school with
    fewer than ``MIN_SHOWN_TEACHERS`` teachers (its share is not shown, so it sets no threshold)."""
    from likvard.disclosure import MIN_SHOWN_TEACHERS

    flags = pd.DataFrame(index=t.index)
    judged = pd.to_numeric(t["n_students"], errors="coerce").to_numpy() >= MIN_SHOWN_STUDENTS
    for c in columns:
        ok = judged
        if c in ("share_certified", "lead_teachers_per_100") and "n_teachers" in t:
            ok = judged & (pd.to_numeric(t["n_teachers"], errors="coerce").to_numpy() >= MIN_SHOWN_TEACHERS)
        v = pd.to_numeric(t[c], errors="coerce").where(ok)
        if v.notna().sum() < 4:
            continue
        flags[c] = (v >= v.quantile(0.75)) if c == "need" else (v <= v.quantile(0.25))
    return flags.fillna(False).astype(bool) if len(flags.columns) else pd.DataFrame(np.zeros((len(t), 0), bool), index=t.index)
