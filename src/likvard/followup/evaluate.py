"""Evaluation runs of the register: ``likvard.evaluation.evaluate`` on the intervention's
indicator, schools and start, with its expected effect and horizon, the schools of other
interventions on the same indicator left out of the comparison. Schools selected for (or lying
at) low results get the regression-to-the-mean figure (``rtm``) beside the estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from likvard.evaluation import EvaluationResult, evaluate
from likvard.followup.baseline import LEVEL, is_low_result, shared_panel, shared_version
from likvard.followup.records import Intervention
from likvard.followup.rules import fail
from likvard.tables import AuthorityData
from likvard.text import school_year_label


@dataclass(frozen=True)
class EvaluationOutcome:
    """An evaluation result with the data version it used and whether the schools are low-result."""

    result: EvaluationResult
    data_version: str
    low_results: bool
    n_students: int
    """Fewest students (or respondents) at the treated schools in a post-year."""


def run_evaluation(data: AuthorityData, iv: Intervention, *, exclude: Sequence[str] = (), seed: int = 0,
                   max_placebos: int = 1000) -> EvaluationOutcome:
    """Evaluate ``iv`` on ``data`` (module docstring); a ``FollowupError`` when it cannot be."""
    if iv.indicator is None or iv.start_year is None:
        raise fail(f"Insatsen {iv.id} ({iv.name}) saknar indikator eller startläsår och kan inte utvärderas.")
    panel = shared_panel(data, iv.indicator, iv.respondent).copy()
    years = sorted(int(y) for y in panel["school_year"].unique())
    starts = iv.starts()
    if not years or years[-1] < max(starts.values()):
        raise fail(f"Det finns inga data för insatsen {iv.id} ({iv.name}) från startläsåret "
                   f"{school_year_label(iv.start_year)}; den kan utvärderas när läsårets data är importerade.")
    low = iv.selected_for_low_results or is_low_result(panel, iv.school_ids, iv.start_year - 1, iv.direction)
    result = evaluate(panel, starts, level=LEVEL, design=iv.design,
                      seed=seed, expected_effect=iv.expected_effect, selected_for_low_results=low,
                      horizon=iv.horizon, exclude=list(exclude), max_placebos=max_placebos)
    post = result.post_years
    mine = panel[panel["school_id"].astype(str).isin(iv.school_ids) & panel["school_year"].isin(post)]
    per_year = mine.groupby("school_year")["n_students"].sum()
    n = int(per_year.min()) if len(per_year) else 0  # the smallest group behind a post-year figure
    return EvaluationOutcome(result=result, data_version=shared_version(data, iv.indicator, iv.respondent), low_results=bool(low),
                             n_students=n)
