"""Decision-time baseline and minimum detectable effect of an intervention.

Baseline: the indicator of the target schools in the school year before the start (the newest
stored year when no start is given), the mean weighted by students (or survey respondents)
``n``; for the student-level indicators (merit value, eligibility in grade 9) a 90 % interval
mean ± z_0.95 · s/√n from the students' values. MDE: ``likvard.evaluation.
minimum_detectable_effect`` on data before the start only (the pre-registration the
evaluation will be held to); a warning when the expected effect is below it. The data version
is the SHA-256 of the panel (``data_version``).
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from likvard.errors import LikvardError
from likvard.evaluation import authority_panel, minimum_detectable_effect
from likvard.followup import vocabulary as v
from likvard.followup.records import Baseline
from likvard.tables import AuthorityData
from likvard.text import format_number, school_year_label

LEVEL = 0.90
MDE_PLACEBOS = 400
"""Placebo draws behind the decision-time MDE (enough for its 80 % quantile, and quick)."""


def indicator_panel(data: AuthorityData, indicator: str, respondent: str | None = None) -> pd.DataFrame:
    """The school panel of ``indicator`` (``likvard.evaluation.authority_panel``)."""
    resp = respondent or v.DEFAULT_RESPONDENT
    return authority_panel(data, indicator, respondent=resp)


_DERIVED: dict[int, tuple[weakref.ref[AuthorityData], dict[str, Any]]] = {}


def derived(data: AuthorityData, key: str, make: Callable[[], Any]) -> Any:
    """``make()`` computed once per data object and ``key`` (dropped with the data object)."""
    ident = id(data)
    entry = _DERIVED.get(ident)
    if entry is None or entry[0]() is not data:
        def forget(ref: weakref.ref[AuthorityData], ident: int = ident) -> None:
            if ident in _DERIVED and _DERIVED[ident][0] is ref:
                del _DERIVED[ident]

        entry = (weakref.ref(data, forget), {})
        _DERIVED[ident] = entry
    values = entry[1]
    if key not in values:
        values[key] = make()
    return values[key]


def shared_panel(data: AuthorityData, indicator: str, respondent: str | None = None) -> pd.DataFrame:
    """``indicator_panel`` computed once per data object (``AuthorityData`` is not changed in
    place) and shared by the data packs, baselines and evaluations: not to be changed in place."""
    return derived(data, f"panel:{indicator}:{respondent}", partial(indicator_panel, data, indicator, respondent))


def shared_version(data: AuthorityData, indicator: str, respondent: str | None = None) -> str:
    """``data_version`` of ``shared_panel``, computed once per data object."""
    return derived(data, f"version:{indicator}:{respondent}",
                   lambda: data_version(shared_panel(data, indicator, respondent)))


def data_version(panel: pd.DataFrame) -> str:
    """SHA-256 of the panel's rows in a fixed order: the same data gives the same version."""
    cols = [c for c in ("school_id", "school_year", "value", "n_students") if c in panel]
    df = panel[cols].sort_values(["school_id", "school_year"]).reset_index(drop=True)
    text = df.to_csv(index=False, float_format="%.10g")
    return hashlib.sha256(text.encode()).hexdigest()


def target_students(data: AuthorityData, school_ids: Sequence[str], grades: Sequence[int], school_year: int) -> int:
    """Students of the target schools (and grades, when given) in ``school_year``."""
    st = data.students
    hit = (st["school_year"] == school_year) & st["school_id"].astype(str).isin([str(s) for s in school_ids])
    if grades:
        hit &= st["grade"].isin(list(grades))
    return int(hit.sum())


def _student_interval(data: AuthorityData, indicator: str, school_ids: Sequence[str], year: int) -> tuple[float, float] | None:
    if indicator not in ("merit_value", "share_eligible"):
        return None
    col = "merit_value" if indicator == "merit_value" else "eligible"
    st = data.students
    if col not in st:
        return None
    g = st[(st["grade"] == 9) & (st["school_year"] == year) & st["school_id"].astype(str).isin(school_ids)
           & st[col].notna()][col].astype(float).to_numpy()
    if len(g) < 2:
        return None
    half = float(ndtri(0.5 + LEVEL / 2)) * float(np.std(g, ddof=1)) / np.sqrt(len(g))
    return float(g.mean() - half), float(g.mean() + half)


def is_low_result(panel: pd.DataFrame, school_ids: Sequence[str], year: int, direction: str = "+") -> bool:
    """True when the target schools' mean lies in the weakest quarter of the schools that year."""
    y = panel[panel["school_year"] == year]
    if y.empty:
        return False
    values = y.set_index(y["school_id"].astype(str))["value"].astype(float)
    mine = values.reindex([str(s) for s in school_ids]).dropna()
    if mine.empty or len(values) < 4:
        return False
    if direction == "-":
        return bool(mine.mean() >= values.quantile(0.75))
    return bool(mine.mean() <= values.quantile(0.25))


def compute_baseline(data: AuthorityData, fields: Mapping[str, Any], *, exclude: Sequence[str] = (),
                     max_placebos: int = MDE_PLACEBOS) -> Baseline:
    """The baseline and decision-time MDE of the module docstring for checked ``fields``."""
    schools = [str(s) for s in fields["school_ids"]]
    years = sorted(int(y) for y in data.students["school_year"].unique())
    start = fields.get("start_year")
    year = (int(start) - 1) if start is not None else (years[-1] if years else None)
    count_year = int(start) if start is not None and int(start) in years else year
    n_students = target_students(data, schools, fields.get("grades") or [], count_year) if count_year else 0
    indicator = fields.get("indicator")
    if indicator is None or year is None:
        return Baseline(None, year, 0, None, None, None, None, None, None, n_students, None)
    panel = shared_panel(data, indicator, fields.get("respondent")).copy()
    version = shared_version(data, indicator, fields.get("respondent"))
    row = panel[(panel["school_year"] == year) & panel["school_id"].astype(str).isin(schools)]
    n = int(row["n_students"].sum()) if len(row) else 0
    value = float(np.average(row["value"], weights=row["n_students"])) if n > 0 else None
    interval = _student_interval(data, indicator, schools, year)
    mde = design = horizon_used = None
    warning = None
    horizon = fields.get("horizon") or 1
    if start is not None:
        try:
            own = fields.get("school_starts") or {}
            m = minimum_detectable_effect(panel, {s: int(own.get(s, start)) for s in schools}, horizon=int(horizon),
                                          design=fields.get("design") or "auto", exclude=list(exclude),
                                          max_placebos=max_placebos, level=LEVEL)
            mde, design, horizon_used = m.mde, m.design, m.horizon_used
        except LikvardError as exc:
            warning = f"Den minsta upptäckbara effekten kunde inte beräknas: {exc}"
    expected = fields.get("expected_effect")
    if warning is None and expected is not None and mde is not None and abs(float(expected)) < mde:
        warning = (f"Den förväntade effekten ({format_number(expected)}) är mindre än den minsta effekt "
                   f"utvärderingen kan upptäcka ({format_number(mde)}, {v.DESIGNS.get(design or '', design)}, "
                   f"data till och med {school_year_label(year)}): även om insatsen fungerar som väntat kommer "
                   "utvärderingen troligen inte att kunna visa det. Överväg fler skolor, längre horisont eller en "
                   "annan indikator.")
    return Baseline(value=value, school_year=year, n=n, low=interval[0] if interval else None,
                    high=interval[1] if interval else None, mde=mde, mde_design=design, mde_horizon=horizon_used,
                    warning=warning, n_students=n_students, data_version=version)
