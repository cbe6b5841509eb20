"""Minimum detectable effect before the decision (pre-registration).

With data up to the year before the intervention starts, the chosen design is run as if the
intervention had started ``horizon`` years earlier (an in-time placebo on the pre-years), and
its placebo distribution over untreated schools gives the effect the evaluation could detect:
MDE = (z_{(1+level)/2} + z_0.80) x sd(placebo estimates) (Bloom 1995, *Evaluation Review*
19:547-556, with the placebo spread in place of a model-based standard error), i.e. the
true effect that a two-sided test at ``level`` finds with 80 % probability.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from likvard.errors import DataError, ParameterError
from likvard.evaluation.evaluate import evaluate_panel
from likvard.evaluation.panel import build_panel, normalise_treated
from likvard.evaluation.result import _clean
from likvard.evaluation.synthetic_control import DEFAULT_PENALTY
from likvard.text import school_year_label


@dataclass(frozen=True)
class MDEResult:
    """``mde`` in outcome units (None when the design cannot give one), the design and horizon it
    was computed for, the backdated start used and the number of placebo estimates behind it."""

    mde: float | None
    outcome: str
    design: str
    level: float
    horizon: int
    horizon_used: int
    pseudo_start: int
    start: int
    schools: list[str]
    n_placebos: int
    permutation_floor: float | None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


def minimum_detectable_effect(panel: pd.DataFrame, schools, start: int, horizon: int = 1, outcome: str = "value", *,
                              level: float = 0.90, design: str = "auto", seed: int = 0,
                              max_placebos: int = 1000) -> MDEResult:
    """The MDE of the module docstring for an intervention at ``schools`` from ``start``."""
    if int(horizon) != horizon or horizon < 1:
        raise ParameterError("horizon", f"horisonten ska vara ett positivt antal läsår, inte {horizon!r}.")
    if not (0.5 <= float(level) < 1.0):
        raise ParameterError("level", f"nivån ska vara mellan 0,5 och 1, inte {level!r}.")
    tmap = normalise_treated(schools, start)
    full = build_panel(panel, outcome)
    for sid in tmap:
        if sid not in set(full.ids):
            raise DataError(f"Skolan {sid} finns inte i panelen.")
    years = sorted(int(y) for y in full.years if y < start)
    if len(years) < 3:
        raise DataError(f"Före {school_year_label(start)} finns {len(years)} läsår i panelen; minst 3 behövs för att "
                        "skatta den minsta upptäckbara effekten (2 förår och ett skenefterår).")
    h = min(int(horizon), len(years) - 2)
    warnings = []
    if h < horizon:
        warnings.append(f"Bara {h} av {horizon} läsårs horisont ryms i åren före start; den minsta upptäckbara "
                        "effekten gäller den kortare horisonten (med fler år efter start blir den oftast mindre).")
    pseudo = years[-h]
    df = panel[pd.to_numeric(panel["school_year"], errors="coerce") < start]
    p = build_panel(df, outcome)
    res = evaluate_panel(p, {s: pseudo for s in tmap}, level=float(level), design=design, seed=seed,
                         expected_effect=None, selected_for_low_results=False, horizon=h, penalty=DEFAULT_PENALTY,
                         max_placebos=max_placebos)
    return MDEResult(mde=res.mde, outcome=outcome, design=res.design, level=float(level), horizon=int(horizon),
                     horizon_used=h, pseudo_start=int(pseudo), start=int(start), schools=list(tmap),
                     n_placebos=res.n_placebos, permutation_floor=res.permutation_floor,
                     warnings=warnings + [w for w in res.warnings if "jämförelseskolor saknar" in w])
