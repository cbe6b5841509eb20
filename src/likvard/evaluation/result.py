"""The typed result of an evaluation and its JSON form."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

VERDICTS = ("effekt", "ingen påvisbar effekt", "går inte att avgöra")


@dataclass(frozen=True)
class EvaluationResult:
    """An effect estimate with honest uncertainty and a verdict.

    ``estimate``: mean effect over the post-years in outcome units; ``ci_low``/``ci_high``:
    interval at ``level`` (None when it cannot be bounded); ``p_value`` of no effect;
    ``rtm``: the design's expected estimate without any intervention (regression to the mean,
    ``likvard.evaluation.rtm``) and the ``*_adjusted`` figures (estimate and interval minus
    ``rtm``) that the verdict uses; ``mde``: minimum detectable effect at 80 % power,
    (z_{(1+level)/2} + z_0.80) x the placebo standard deviation; ``standardized_effect``:
    estimate divided by the standard deviation of the outcome between schools (treated and
    comparison schools) in the last pre-year; ``permutation_floor``: the smallest p-value the
    inference can give; ``per_year``: one dict per post-year (``school_year`` or
    ``event_time``, ``effect``, optional ``ci_low``/``ci_high``); ``weights``: comparison schools'
    weights where the design has them; ``path``: treated mean, counterfactual and placebo band
    per school year for the chart; ``warnings``: Swedish sentences.
    """

    design: str
    outcome: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    level: float
    p_value: float | None
    verdict: str
    reason: str
    mde: float | None
    rtm: float | None
    inference: str
    permutation_floor: float | None
    standardized_effect: float | None
    n_treated: int
    n_donors: int
    pre_years: list[int]
    post_years: list[int]
    treated: dict[str, int]
    per_year: list[dict[str, Any]] = field(default_factory=list)
    weights: dict[str, float] | None = None
    warnings: list[str] = field(default_factory=list)
    estimate_adjusted: float | None = None
    ci_low_adjusted: float | None = None
    ci_high_adjusted: float | None = None
    p_value_adjusted: float | None = None
    p_value_rmspe: float | None = None
    n_placebos: int = 0
    conformal: dict[str, Any] | None = None
    in_time_placebo: dict[str, Any] | None = None
    leave_one_out: dict[str, float] | None = None
    expected_effect: float | None = None
    selected_for_low_results: bool = False
    path: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict with the same keys (NaN and infinities become None)."""
        return _clean(asdict(self))


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, np.bool_):
        return bool(v)
    return v
