"""Compensatory allocation: each school's amount under one or more allocation models, compared,
with the models' equity figures (``likvard.allocation``); and the distribution of certified
teachers against need."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.allocation import allocate, allocate_pot_variants, load_model, school_inputs
from likvard.allocation.compute import need_units
from likvard.allocation.equity import compensation_ratio, concentration_index, equity_summary
from likvard.allocation.teachers import teacher_distribution, teacher_gaps
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.errors import DataError
from likvard.expected.need import need_index
from likvard.tables import AuthorityData


@dataclass(frozen=True)
class AllocationComparison:
    """``results``: model name -> ``allocate`` output (one row per school: ``school_id,
    organiser_type, n_students, need_index, need_units, base, compensatory, total, per_student`` …);
    ``equity``: model name -> ``equity_summary`` (concentration index, compensation ratio …)."""

    school_year: int
    results: dict[str, pd.DataFrame]
    equity: dict[str, dict]


def _year(data: AuthorityData, year: int | None) -> int:
    years = data.years()
    if not years:
        raise DataError("Det finns inga elever i underlaget.")
    year = years[-1] if year is None else int(year)
    if year not in years:
        raise DataError(f"Inga elever läsåret {year}. Tillgängliga läsår: {', '.join(map(str, years))}.")
    return year


def _need(data: AuthorityData, year: int, settings: Settings) -> pd.DataFrame | None:
    """The need index of ``year`` (None without eligibility data: models then use background weights)."""
    from likvard.analyses.need import has_eligibility

    if not has_eligibility(data.students):
        return None
    need = need_index(data.students, n_replications=settings.n_replications, seed=settings.seed, level=settings.level)
    return need[need["school_year"] == year]


def compare_models(
    data: AuthorityData, models: list[Path], year: int | None = None, current: Path | None = None,
    settings: Settings = DEFAULTS,
) -> AllocationComparison:
    """Every model file in ``models`` on ``year`` (default the last); ``current``: the model in
    force, for the change and the transition limit."""
    year = _year(data, year)
    students = data.students[data.students["school_year"] == year]
    need = _need(data, year, settings)
    cur = None
    if current is not None:
        cur = allocate(load_model(current), school_inputs(students, data.schools, need))[["school_id", "total", "n_students"]]
    inputs = school_inputs(students, data.schools, need, cur)
    results, equity = {}, {}
    for path in models:
        model = load_model(path)
        res = allocate(model, inputs)
        results[model.name] = res
        equity[model.name] = {"budget": int(res["total"].sum()), "compensatory": int(res["compensatory"].sum()),
                              **equity_summary(res)}
    return AllocationComparison(year, results, equity)


def pot_variants(
    data: AuthorityData, model_path: Path, pots: np.ndarray, settings: Settings = DEFAULTS
) -> pd.DataFrame:
    """Concentration index and compensation ratio for each pot size: ``pot, concentration_index,
    compensation_ratio``."""
    year = _year(data, None)
    model = load_model(model_path)
    students = data.students[data.students["school_year"] == year]
    inputs = school_inputs(students, data.schools, _need(data, year, settings))
    totals = allocate_pot_variants(model, inputs, pots)
    n = inputs.n_students
    need = inputs.need_index if not np.isnan(inputs.need_index).any() else need_units(model, inputs) / np.maximum(n, 1)
    return pd.DataFrame([
        {"pot": float(p), "concentration_index": concentration_index(t / n, need, n),
         "compensation_ratio": compensation_ratio(t / n, need, n)}
        for p, t in zip(pots, totals)
    ])


@dataclass(frozen=True)
class TeacherDistribution:
    """``table``: ``teacher_distribution`` output of every year (per school and year: certified
    share, lead teachers, experience, turnover, need index); ``gaps``: the last year's gaps by need
    quintile (``teacher_gaps`` without its curve)."""

    school_year: int
    table: pd.DataFrame
    gaps: dict


def teachers(data: AuthorityData, settings: Settings = DEFAULTS) -> TeacherDistribution:
    if data.staff.empty:
        raise DataError("Underlaget saknar personaldata (staff). Importera med 'likvard import staff FIL'.")
    from likvard.analyses.need import has_eligibility

    need = (need_index(data.students, n_replications=settings.n_replications, seed=settings.seed, level=settings.level)
            if has_eligibility(data.students) else None)
    dist = teacher_distribution(data.staff, data.students, need)
    year = int(dist["school_year"].max())
    if need is None:
        raise DataError("Lärarfördelning mot behov kräver behörighet i årskurs 9 i elevregistret (för behovsindex).")
    gaps = teacher_gaps(dist[dist["school_year"] == year])
    gaps.pop("concentration_curve", None)
    return TeacherDistribution(year, dist, gaps)
