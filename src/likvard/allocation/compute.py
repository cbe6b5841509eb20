"""Each school's amount under an allocation model, exact to the krona.

Compensatory part (``model``'s docstring gives the model):

    c_s = clip(lambda * u_s, floor * n_s, cap * n_s),   sum_s c_s = P,

with ``lambda`` found by bisection (the sum is continuous and non-decreasing in lambda), so floors
and caps hold and the pot is spent exactly. Transition limit X: a school whose amount per student
falls below (1 - X) times its current amount per student is raised to that level, financed by the
other schools in proportion to their margin above their own limit (one pass suffices because the
deficit never exceeds the total margin when the budget covers the limits). Totals are finally
rounded to whole kronor by the largest-remainder method (Hamilton), so that they add up exactly to
the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.allocation.model import (
    BACKGROUND_VARIABLES,
    GRADE_BANDS,
    AllocationModel,
    ModelError,
)
from likvard.errors import ParameterError
from likvard.validation import Array, Frame, InstanceOf, Nullable, validate_params


@dataclass(frozen=True)
class SchoolInputs:
    """Per-school inputs of an allocation (arrays aligned with ``school_id``)."""

    school_id: np.ndarray
    organiser_type: np.ndarray
    band_counts: np.ndarray  # (n_schools, 4) students per grade band F, 1-3, 4-6, 7-9
    need_index: np.ndarray  # (n_schools,) population mean 100; NaN if unknown
    background: dict[str, np.ndarray]  # variable -> (n_schools,) counts
    current_total: np.ndarray | None = None  # current amount per school (kronor)
    current_students: np.ndarray | None = None

    @property
    def n_students(self) -> np.ndarray:
        return self.band_counts.sum(axis=1)


@validate_params(
    students=Frame(("school_id", "school_year", "grade", "parent_education", "migration_background",
                    "newly_arrived", "sex"), expected="en elevtabell"),
    schools=Nullable(Frame(("school_id",), expected="en skoltabell")),
    need=Nullable(Frame(("school_id", "need_index"), expected="behovsindex per skola")),
    current=Nullable(Frame(("school_id", "total", "n_students"), expected="nuvarande belopp per skola")),
)
def school_inputs(
    students: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    need: pd.DataFrame | None = None,
    current: pd.DataFrame | None = None,
) -> SchoolInputs:
    """Aggregate a one-year student table (DESIGN.md ``students``) to allocation inputs.

    ``need``: ``school_id, need_index`` (e.g. ``likvard.expected.need_index``); ``current``:
    ``school_id, total, n_students`` of the model in force, for change and transition limits.
    """
    if students["school_year"].nunique() > 1:
        raise ParameterError("students", "school_inputs tar ett läsår i taget; välj ut ett läsårs elever först.")
    grade = pd.to_numeric(students["grade"], errors="coerce").to_numpy(dtype=float)
    if not np.isin(grade, np.arange(10)).all():
        k = int(np.flatnonzero(~np.isin(grade, np.arange(10)))[0])
        raise ParameterError("students", f"raden {students.index[k]!r}: årskursen {students['grade'].iloc[k]!r} är inte 0–9.")
    grade = grade.astype(int)
    idx, uniques = pd.factorize(students["school_id"].astype(str), sort=True)
    ids = np.asarray(uniques, dtype=object)
    if (idx < 0).any():
        raise ParameterError("students", "varje elev behöver en skolenhet (school_id saknas).")
    band = np.zeros(len(grade), dtype=np.int64)
    for b, (lo, hi) in enumerate(GRADE_BANDS.values()):
        band[(grade >= lo) & (grade <= hi)] = b
    counts = np.zeros((len(ids), len(GRADE_BANDS)))
    np.add.at(counts, (idx, band), 1.0)

    flags = {
        "parents_compulsory": students["parent_education"].eq("compulsory"),
        "parents_unknown_education": students["parent_education"].eq("unknown"),
        "foreign_born": students["migration_background"].eq("foreign_born"),
        "foreign_background": students["migration_background"].ne("swedish"),
        "newly_arrived": students["newly_arrived"].astype(bool),
        "boys": students["sex"].eq("M"),
    }
    background = {k: np.bincount(idx, weights=v.to_numpy(dtype=float), minlength=len(ids)) for k, v in flags.items()}

    org = np.full(len(ids), "municipal", dtype=object)
    if schools is not None and "organiser_type" in schools:
        lookup = dict(zip(schools["school_id"].astype(str), schools["organiser_type"]))
        org = np.array([lookup.get(s, "municipal") for s in ids], dtype=object)

    need_arr = np.full(len(ids), np.nan)
    if need is not None:
        m = dict(zip(need["school_id"].astype(str), need["need_index"].astype(float)))
        need_arr = np.array([m.get(s, np.nan) for s in ids])
    cur_total = cur_n = None
    if current is not None:
        t = dict(zip(current["school_id"].astype(str), current["total"].astype(float)))
        n = dict(zip(current["school_id"].astype(str), current["n_students"].astype(float)))
        cur_total = np.array([t.get(s, np.nan) for s in ids])
        cur_n = np.array([n.get(s, np.nan) for s in ids])
    return SchoolInputs(ids, org, counts, need_arr, background, cur_total, cur_n)


def need_units(model: AllocationModel, inputs: SchoolInputs) -> np.ndarray:
    """u_s = w_index * n_s * need_index_s / 100 + sum_k w_k * count_{s,k}."""
    units = np.zeros(len(inputs.school_id))
    if model.need_index_weight:
        if np.isnan(inputs.need_index).any():
            missing = inputs.school_id[np.isnan(inputs.need_index)]
            raise ModelError(
                f"Behovsindex saknas för {len(missing)} skolor (t.ex. {', '.join(map(str, missing[:3]))})."
            )
        units += model.need_index_weight * inputs.n_students * inputs.need_index / 100.0
    for var, w in model.weights.items():
        if var not in inputs.background:
            raise ModelError(f"Bakgrundsvariabeln {BACKGROUND_VARIABLES.get(var, var)} saknas i underlaget.")
        units += w * inputs.background[var]
    return units


def base_amounts(model: AllocationModel, inputs: SchoolInputs) -> np.ndarray:
    """sum_b base[b] * n_{s,b}."""
    rates = np.array([model.base_amounts[b] for b in GRADE_BANDS])
    return inputs.band_counts @ rates


def _pots(model: AllocationModel, base_total: float, pots: np.ndarray | None) -> np.ndarray:
    if pots is not None:
        return np.asarray(pots, dtype=float)
    if model.pot is not None:
        return np.array([model.pot])
    share = float(model.pot_share or 0.0)
    return np.array([share * base_total / (1.0 - share)])


def _compensatory(units: np.ndarray, n: np.ndarray, floor: float, cap: float | None, pots: np.ndarray) -> np.ndarray:
    """c[v, s] = clip(lambda_v * u_s, floor n_s, cap n_s) with sum_s c[v, s] = pots[v]."""
    lo = floor * n
    hi = np.full_like(n, np.inf) if cap is None else cap * n
    if (pots < lo.sum() - 1e-6).any():
        raise ModelError(
            f"Potten räcker inte till golvet: golvet kräver {lo.sum():,.0f} kr men potten är {pots.min():,.0f} kr."
        )
    if cap is not None and (pots > hi.sum() + 1e-6).any():
        raise ModelError(f"Taket per elev gör att högst {hi.sum():,.0f} kr av potten kan fördelas.")
    if not (units > 0).any():
        raise ModelError("Inga elever har behov enligt modellens vikter: potten kan inte fördelas.")
    # Bisection on lambda, vectorised over pot variants.
    lam_lo = np.zeros(len(pots))
    upper = pots / units.sum()
    lam_hi = np.maximum(upper, 1e-12)
    while True:  # grow the bracket until it covers every pot
        s = np.clip(lam_hi[:, None] * units, lo, hi).sum(axis=1)
        if (s >= pots).all():
            break
        lam_hi = np.where(s < pots, lam_hi * 2.0, lam_hi)
    for _ in range(200):
        mid = 0.5 * (lam_lo + lam_hi)
        s = np.clip(mid[:, None] * units, lo, hi).sum(axis=1)
        below = s < pots
        lam_lo = np.where(below, mid, lam_lo)
        lam_hi = np.where(below, lam_hi, mid)
        if np.all(lam_hi - lam_lo <= 1e-15 * np.maximum(lam_hi, 1e-300)):
            break
    comp = np.clip(lam_hi[:, None] * units, lo, hi)
    # Spend the last fraction of a krona on schools strictly inside their bounds.
    rest = pots - comp.sum(axis=1)
    free = (comp > lo + 1e-9) & (comp < hi - 1e-9)
    weight = np.where(free, units, 0.0)
    wsum = weight.sum(axis=1)
    comp += np.where(wsum[:, None] > 0, rest[:, None] * weight / np.where(wsum > 0, wsum, 1.0)[:, None], 0.0)
    return comp


def _apply_transition(total: np.ndarray, limit_level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Raise schools below their limit; finance it from the others' margin above theirs."""
    lim = np.where(np.isnan(limit_level), -np.inf, limit_level)[None, :]
    deficit = np.clip(lim - total, 0.0, None)
    raised = deficit > 0
    margin = np.where(raised, 0.0, np.clip(total - np.where(np.isinf(lim), 0.0, lim), 0.0, None))
    # schools with no limit (new schools) contribute their whole amount as margin
    need = deficit.sum(axis=1, keepdims=True)
    msum = margin.sum(axis=1, keepdims=True)
    if (need > msum + 1e-6).any():
        raise ModelError("Övergångsgränsen kan inte hållas: budgeten är mindre än summan av skolornas lägsta nivåer.")
    adjusted = total + deficit - np.where(msum > 0, need * margin / np.where(msum > 0, msum, 1.0), 0.0)
    return adjusted, adjusted - total


def round_to_krona(values: np.ndarray, order_key: np.ndarray | None = None) -> np.ndarray:
    """Round each row to whole kronor so that the row sum equals the rounded row total.

    Largest-remainder (Hamilton) method; ties go to the earlier school in ``order_key`` order.
    """
    values = np.atleast_2d(values)
    target = np.rint(values.sum(axis=1)).astype(np.int64)
    floors = np.floor(values)
    rem = values - floors
    out = floors.astype(np.int64)
    short = target - out.sum(axis=1)
    n = values.shape[1]
    tiebreak = np.arange(n) if order_key is None else np.argsort(np.argsort(order_key, kind="stable"))
    for v in range(values.shape[0]):
        k = int(short[v])
        if k > 0:
            order = np.lexsort((tiebreak, -rem[v]))
            out[v, order[:k]] += 1
        elif k < 0:
            order = np.lexsort((tiebreak, rem[v]))
            out[v, order[:-k]] -= 1
    return out


def _allocate_matrix(model: AllocationModel, inputs: SchoolInputs, pots: np.ndarray | None):
    n = inputs.n_students.astype(float)
    base = base_amounts(model, inputs)
    pots_arr = _pots(model, base.sum(), pots)
    comp = _compensatory(need_units(model, inputs), n, model.floor_per_student, model.cap_per_student, pots_arr)
    total = base[None, :] + comp
    adjustment = np.zeros_like(total)
    if model.transition_limit is not None and inputs.current_total is not None:
        cur_n = inputs.current_students if inputs.current_students is not None else n
        with np.errstate(divide="ignore", invalid="ignore"):
            per_student_now = inputs.current_total / cur_n
        limit_level = (1.0 - model.transition_limit) * per_student_now * n
        limit_level = np.where(np.isfinite(limit_level), limit_level, np.nan)
        total, adjustment = _apply_transition(total, limit_level)
    base_int = round_to_krona(base[None, :], inputs.school_id)[0]
    total_int = round_to_krona(total, inputs.school_id)
    return base_int, total_int, adjustment, pots_arr


@validate_params(model=InstanceOf(AllocationModel, "en fördelningsmodell"),
                 inputs=InstanceOf(SchoolInputs, "skolunderlag från school_inputs"))
def allocate(model: AllocationModel, inputs: SchoolInputs) -> pd.DataFrame:
    """One row per school: ``school_id, organiser_type, n_students, need_index, need_units, base, compensatory,
    transition_adjustment, total, per_student`` and, when current amounts are given,
    ``current_total, change, change_share``. Kronor; totals are whole kronor adding up to the budget.
    """
    base_int, total_int, adjustment, _ = _allocate_matrix(model, inputs, None)
    total = total_int[0]
    n = inputs.n_students
    units = need_units(model, inputs)
    out = pd.DataFrame(
        {
            "school_id": inputs.school_id,
            "organiser_type": inputs.organiser_type,
            "n_students": n.astype(int),
            "need_index": inputs.need_index,
            "need_units": units,
            "base": base_int,
            "compensatory": total - base_int,
            "transition_adjustment": adjustment[0],
            "total": total,
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["per_student"] = np.where(n > 0, total / n, np.nan)
    if inputs.current_total is not None:
        out["current_total"] = inputs.current_total
        out["change"] = out["total"] - out["current_total"]
        out["change_share"] = out["change"] / out["current_total"]
    return out


@validate_params(model=InstanceOf(AllocationModel, "en fördelningsmodell"),
                 inputs=InstanceOf(SchoolInputs, "skolunderlag från school_inputs"), pots=Array(1, "f"))
def allocate_pot_variants(model: AllocationModel, inputs: SchoolInputs, pots: np.ndarray) -> np.ndarray:
    """Totals (whole kronor) for many pot sizes at once: array (n_variants, n_schools)."""
    if len(pots) == 0 or (pots < 0).any():
        raise ParameterError("pots", "väntade en eller flera potter på 0 kronor eller mer.")
    _, total_int, _, _ = _allocate_matrix(model, inputs, np.asarray(pots, dtype=float))
    return total_int
