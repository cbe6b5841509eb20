"""Minimum detectable effect before the decision (pre-registration).

With data up to the year before the intervention starts, the design the evaluation will use
(chosen, with ``design="auto"``, from the real number of treated schools, start years, pre-years
and comparison schools) is run as if the intervention had started ``horizon`` years earlier (an
in-time placebo on the pre-years), and its placebo distribution over untreated schools gives the
effect the evaluation could detect: the true effect that its two-sided test at ``level`` finds
with 80 % probability (``placebo.placebo_mde``: the test's critical value plus the 80 % quantile
of the placebo errors; (z_{(1+level)/2} + z_0.80) x SD for normal errors, Bloom 1995, *Evaluation
Review* 19:547-556). The pseudo-start leaves at least as many pre-years as the design needs (3
for ``sc``/``sdid``, 4 for ``cits``, 2 for ``did``); a shorter horizon is reported. Schools with
different start years (staggered) are placed at one common pseudo-start, with the staggered
design (``did``) that will evaluate them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from likvard.errors import DataError, ParameterError
from likvard.evaluation.choose import DESIGNS, choose_design
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


MIN_PSEUDO_PRE = {"sc": 3, "sdid": 3, "cits": 4, "did": 2, "before_after": 2}
"""Pre-years each design needs before the pseudo-start."""


def minimum_detectable_effect(panel: pd.DataFrame, schools: Sequence[str] | Mapping[str, int] | str,
                              start: int | None = None, horizon: int = 1, outcome: str = "value", *,
                              level: float = 0.90, design: str = "auto", seed: int = 0,
                              max_placebos: int = 1000, exclude: Sequence[str] = ()) -> MDEResult:
    """The MDE of the module docstring for an intervention at ``schools`` from ``start`` (or a
    mapping school id -> first school year); ``exclude`` as in ``evaluate``."""
    if int(horizon) != horizon or horizon < 1:
        raise ParameterError("horizon", f"horisonten ska vara ett positivt antal läsår, inte {horizon!r}.")
    if not (0.5 <= float(level) < 1.0):
        raise ParameterError("level", f"nivån ska vara mellan 0,5 och 1, inte {level!r}.")
    if design not in DESIGNS:
        raise ParameterError("design", f"okänd design {design!r}; välj bland {', '.join(DESIGNS)}.")
    tmap = normalise_treated(schools, start)
    drop = {str(s) for s in exclude} - set(tmap)
    if drop:
        panel = panel[~panel["school_id"].astype(str).str.strip().isin(drop)]
    first = min(tmap.values())
    full = build_panel(panel, outcome)
    for sid in tmap:
        if sid not in set(full.ids):
            raise DataError(f"Skolan {sid} finns inte i panelen.")
    years = sorted(int(y) for y in full.years if y < first)
    df = panel[pd.to_numeric(panel["school_year"], errors="coerce") < first]
    p = build_panel(df, outcome)
    for sid in tmap:
        if sid not in set(p.ids):
            raise DataError(f"Skolan {sid} har inga läsår i panelen före {school_year_label(first)}.")
    if design == "auto":
        rows = [p.row(s) for s in tmap]
        n_pre = min(int((~np.isnan(p.y[r])).sum()) for r in rows)
        others = np.setdiff1d(np.arange(len(p.ids)), rows)
        n_donors = int((~np.isnan(p.y[others])).all(axis=1).sum())
        design = choose_design(len(tmap), len(set(tmap.values())), n_pre, n_donors)
    need = MIN_PSEUDO_PRE[design]
    if len(years) < need + 1:
        raise DataError(f"Före {school_year_label(first)} finns {len(years)} läsår i panelen; designen {design} "
                        f"behöver {need + 1} för att skatta den minsta upptäckbara effekten ({need} förår och ett "
                        "skenefterår).")
    h = min(int(horizon), len(years) - need)
    warnings = []
    if h < horizon:
        warnings.append(f"Bara {h} av {horizon} läsårs horisont ryms i åren före start; den minsta upptäckbara "
                        "effekten gäller den kortare horisonten (med fler år efter start blir den oftast mindre).")
    if len(set(tmap.values())) > 1:
        warnings.append("Skolorna startar olika läsår; den minsta upptäckbara effekten är räknad med en gemensam "
                        "skenstart för alla.")
    pseudo = years[-h]
    res = evaluate_panel(p, {s: pseudo for s in tmap}, level=float(level), design=design, seed=seed,
                         expected_effect=None, selected_for_low_results=False, horizon=h, penalty=DEFAULT_PENALTY,
                         max_placebos=max_placebos, diagnostics=False)
    return MDEResult(mde=res.mde, outcome=outcome, design=res.design, level=float(level), horizon=int(horizon),
                     horizon_used=h, pseudo_start=int(pseudo), start=int(first), schools=list(tmap),
                     n_placebos=res.n_placebos, permutation_floor=res.permutation_floor,
                     warnings=warnings + [w for w in res.warnings if "jämförelseskolor saknar" in w])
