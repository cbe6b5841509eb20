"""``evaluate``: choose a design, estimate the effect with placebo-based uncertainty, adjust for
regression to the mean and write the verdict (see the design modules for the formulas)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from likvard.errors import DataError, ParameterError
from likvard.evaluation.choose import DESIGNS, choose_design
from likvard.evaluation.cits import MIN_PRE_YEARS, trend_deviations
from likvard.evaluation.conformal import conformal_pvalue, conformal_sc
from likvard.evaluation.panel import (
    Panel,
    build_panel,
    check_treated,
    normalise_treated,
)
from likvard.evaluation.placebo import (
    placebo_inference,
    placebo_mde,
    rmspe_ratio_pvalue,
    set_means,
)
from likvard.evaluation.result import EvaluationResult
from likvard.evaluation.rtm import mean_reversion, predicted_panel
from likvard.evaluation.sdid import placebo_se, sdid_fit
from likvard.evaluation.staggered import callaway_santanna, placebo_assignments
from likvard.evaluation.synthetic_control import DEFAULT_PENALTY, fit_sc
from likvard.evaluation.verdict import decide
from likvard.text import school_year_label

POWER_Z = float(ndtri(0.80))
SDID_MAX_DONORS = 200
"""With more comparison schools, SDID uses the 200 whose pre-period paths are closest (RMS) to
the treated schools' mean (the dense ridge weights would otherwise cost seconds per placebo)."""


@dataclass
class _Core:
    """What a design hands back to ``evaluate``."""

    estimate: float
    per_year: list[dict[str, Any]]
    inference: str
    placebos: np.ndarray | None
    estimator: Callable[[np.ndarray], float]
    path: list[dict[str, Any]]
    pre_years: list[int]
    post_years: list[int]
    n_donors: int
    rows_used: np.ndarray
    se: float | None = None
    weights: dict[str, float] | None = None
    floor_basis: str = ""
    direct: dict[str, Any] | None = None  # p, ci_low, ci_high, floor, p_of(theta) when not from placebos
    scale: float | None = None  # pre-period RMSPE of the estimate (studentised placebo inference)
    placebo_scales: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def evaluate(
    panel: pd.DataFrame,
    treated: Sequence[str] | Mapping[str, int] | str,
    start: int | None = None,
    *,
    outcome: str = "value",
    level: float = 0.90,
    design: str = "auto",
    seed: int = 0,
    expected_effect: float | None = None,
    selected_for_low_results: bool = False,
    horizon: int | None = None,
    penalty: float = DEFAULT_PENALTY,
    max_placebos: int = 1000,
    exclude: Sequence[str] = (),
) -> EvaluationResult:
    """Evaluate an intervention at ``treated`` schools from ``start`` (or a mapping school id ->
    first treated school year) on the long ``panel`` (``school_id, school_year, <outcome>``,
    optional ``n_students``). ``expected_effect`` (outcome units) enters the verdict;
    ``horizon`` limits the post-years used; ``selected_for_low_results`` is recorded and adds a
    warning (the adjustment for regression to the mean is always made); ``exclude`` names schools
    left out of the comparison (e.g. schools with other interventions)."""
    if not (isinstance(level, (int, float)) and 0.5 <= float(level) < 1.0):
        raise ParameterError("level", f"nivån ska vara mellan 0,5 och 1 (t.ex. 0,9), inte {level!r}.")
    if design not in DESIGNS:
        raise ParameterError("design", f"okänd design {design!r}; välj bland {', '.join(DESIGNS)}.")
    if horizon is not None and (int(horizon) != horizon or horizon < 1):
        raise ParameterError("horizon", f"horisonten ska vara ett positivt antal läsår, inte {horizon!r}.")
    if max_placebos < 1:
        raise ParameterError("max_placebos", "minst en placebodragning behövs.")
    if expected_effect is not None and not math.isfinite(float(expected_effect)):
        raise ParameterError("expected_effect", "den förväntade effekten ska vara ett tal.")
    tmap = normalise_treated(treated, start)
    drop = {str(s) for s in exclude} - set(tmap)
    if drop:
        panel = panel[~panel["school_id"].astype(str).str.strip().isin(drop)]
    p = build_panel(panel, outcome)
    check_treated(p, tmap)
    return evaluate_panel(p, tmap, level=float(level), design=design, seed=seed, expected_effect=expected_effect,
                          selected_for_low_results=selected_for_low_results, horizon=horizon, penalty=penalty,
                          max_placebos=max_placebos)


def evaluate_panel(p: Panel, tmap: dict[str, int], *, level: float, design: str, seed: int,
                   expected_effect: float | None, selected_for_low_results: bool, horizon: int | None,
                   penalty: float, max_placebos: int, diagnostics: bool = True) -> EvaluationResult:
    """``evaluate`` on a validated ``Panel`` (used by ``minimum_detectable_effect`` too, with
    ``diagnostics=False``: no regression-to-the-mean model, and for the synthetic control no
    in-time placebo, leave-one-out or conformal test unless the inference rests on it; the
    estimate, interval, p-value and MDE are the same)."""
    rng = np.random.default_rng(seed)
    years = p.years
    t_rows = np.array([p.row(s) for s in tmap])
    t_start = np.array([tmap[s] for s in tmap])
    end = {s: (tmap[s] + horizon - 1 if horizon else int(years.max())) for s in tmap}
    last = max(end.values())
    window = np.flatnonzero(years <= last)
    others = np.setdiff1d(np.arange(len(p.ids)), t_rows)
    complete = ~np.isnan(p.y[np.ix_(others, window)]).any(axis=1)
    donors = others[complete]
    warnings: list[str] = []
    if (~complete).sum():
        warnings.append(f"{int((~complete).sum())} jämförelseskolor saknar utfall något läsår "
                        f"{school_year_label(int(years[window[0]]))}–{school_year_label(last)} och används inte.")
    if p.small_cells:
        warnings.append(f"{len(p.small_cells)} skolår med färre än 10 elever räknas som saknade och används inte.")
    if len(donors) == 0:
        raise DataError("Inga jämförelseskolor har utfall alla läsår "
                        f"{school_year_label(int(years[window[0]]))}–{school_year_label(last)}; "
                        "effekten kan inte skattas.")
    n_pre = min(int(((years < s) & ~np.isnan(p.y[r])).sum()) for r, s in zip(t_rows, t_start))
    starts = sorted({int(s) for s in t_start})
    chosen = choose_design(len(t_rows), len(starts), n_pre, len(donors)) if design == "auto" else design
    if chosen in ("sdid", "cits", "sc") and len(starts) > 1 and chosen != "sc":
        raise ParameterError("design", f"designen {chosen} kräver att alla behandlade skolor startar samma läsår; "
                             "välj 'did' för olika startår.")
    args = (p, t_rows, t_start, end, donors, level, rng, max_placebos)
    if chosen == "sc":
        core = _sc(*args, penalty=penalty, diagnostics=diagnostics)
    elif chosen == "sdid":
        core = _sdid(*args)
    elif chosen == "did":
        core = _did(*args)
    elif chosen == "cits":
        core = _cits(*args)
    else:
        core = _before_after(*args)
    warnings.extend(core.warnings)

    # regression to the mean: the design's estimate on the panel of expected post-year levels
    first_start = min(starts)
    pre_cols = np.flatnonzero(years < first_start)
    post_cols = np.flatnonzero((years >= first_start) & (years <= last))
    mr = mean_reversion(p.y, core.rows_used, pre_cols) if diagnostics else None
    rtm = None
    if mr is not None:
        rtm = float(core.estimator(predicted_panel(p.y, core.rows_used, post_cols, mr)))
    est = core.estimate
    z = float(ndtri(0.5 + level / 2))
    ci_low = ci_high = p_val = p_adj = floor = mde = None
    est_adj = est - rtm if rtm is not None else None
    if core.direct is not None:
        d = core.direct
        ci_low, ci_high, p_val, floor = d["ci_low"], d["ci_high"], d["p_value"], d["floor"]
        if est_adj is not None:
            p_adj = d["p_of"](rtm)
        if core.placebos is not None and len(core.placebos) > 1:
            mde = (z + POWER_Z) * float(np.std(core.placebos, ddof=1))
    elif core.placebos is not None and core.se is None:
        inf = placebo_inference(est, core.placebos, level, core.scale, core.placebo_scales)
        ci_low, ci_high, p_val, floor = inf.ci_low, inf.ci_high, inf.p_value, inf.floor
        if est_adj is not None:
            p_adj = placebo_inference(est_adj, core.placebos, level, core.scale, core.placebo_scales).p_value
        mde = placebo_mde(core.placebos, level, core.scale, core.placebo_scales)
    elif core.se is not None and np.isfinite(core.se) and core.se > 0:
        ci_low, ci_high = est - z * core.se, est + z * core.se
        p_val = float(2 * ndtr(-abs(est) / core.se))
        if est_adj is not None:
            p_adj = float(2 * ndtr(-abs(est_adj) / core.se))
        mde = (z + POWER_Z) * core.se
    shift = rtm or 0.0
    lo_adj = None if ci_low is None or rtm is None else ci_low - shift
    hi_adj = None if ci_high is None or rtm is None else ci_high - shift
    outside = _outside_comparison(p, t_rows, core, pre_cols)
    verdict, reason = decide(design=chosen, outside=outside, outcome=p.outcome, level=level, estimate=est,
                             ci_low=lo_adj if rtm is not None else ci_low,
                             ci_high=hi_adj if rtm is not None else ci_high,
                             floor=floor, floor_basis=core.floor_basis, mde=mde, expected_effect=expected_effect,
                             rtm=rtm)
    if verdict == "effekt" and expected_effect is not None and mde is not None and mde > abs(expected_effect):
        warnings.append("Den minsta upptäckbara effekten är större än den förväntade: en effekt som ändå syns "
                        "är troligen överskattad.")
    if selected_for_low_results:
        warnings.append("Skolorna valdes för sina låga resultat: en del av förbättringen väntas komma av sig "
                        "själv (återgång mot medelvärdet) och har räknats bort i utlåtandet.")
    last_pre = pre_cols[-1] if len(pre_cols) else 0
    col_vals = p.y[core.rows_used, last_pre]
    sd = float(np.nanstd(col_vals, ddof=1)) if np.isfinite(col_vals).sum() > 2 else float("nan")
    return EvaluationResult(
        design=chosen, outcome=p.outcome, estimate=est, ci_low=ci_low, ci_high=ci_high, level=level,
        p_value=p_val, verdict=verdict, reason=reason, mde=mde, rtm=rtm, inference=core.inference,
        permutation_floor=floor, standardized_effect=(est / sd if sd and np.isfinite(sd) and sd > 0 else None),
        n_treated=len(t_rows), n_donors=core.n_donors, pre_years=core.pre_years, post_years=core.post_years,
        treated={str(k): int(v) for k, v in tmap.items()}, per_year=core.per_year, weights=core.weights,
        warnings=warnings, estimate_adjusted=est_adj, ci_low_adjusted=lo_adj, ci_high_adjusted=hi_adj,
        p_value_adjusted=p_adj, p_value_rmspe=core.extra.get("p_value_rmspe"),
        n_placebos=0 if core.placebos is None else len(core.placebos),
        conformal=core.extra.get("conformal"), in_time_placebo=core.extra.get("in_time_placebo"),
        leave_one_out=core.extra.get("leave_one_out"), expected_effect=expected_effect,
        selected_for_low_results=bool(selected_for_low_results), path=core.path,
    )


# --------------------------------------------------------------------------------------------
# helpers


def _outside_comparison(p: Panel, t_rows: np.ndarray, core: _Core, pre_cols: np.ndarray) -> str | None:
    """"below"/"above" when the treated schools' mean pre-period level lies outside the range of
    every comparison school's (Abadie 2021: a comparison must be able to resemble the treated)."""
    donors = np.setdiff1d(core.rows_used, t_rows)
    if len(donors) == 0 or len(pre_cols) == 0:
        return None
    tr = float(np.nanmean(p.y[np.ix_(t_rows, pre_cols)]))
    dm = np.nanmean(p.y[np.ix_(donors, pre_cols)], axis=1)
    if tr < np.nanmin(dm):
        return "below"
    if tr > np.nanmax(dm):
        return "above"
    return None


def _band(gaps: np.ndarray, k_sets: int, level: float, rng: np.random.Generator, max_sets: int) -> np.ndarray:
    """Per column: the critical |gap| of placebo sets (NaN when it cannot be bounded)."""
    out = np.full(gaps.shape[1], np.nan)
    for c in range(gaps.shape[1]):
        col = set_means(gaps[:, c], k_sets, rng, max_sets)
        b = len(col)
        k = math.ceil(level * (b + 1) - 1e-9)
        if 0 < k <= b:
            out[c] = float(np.sort(np.abs(col))[k - 1])
    return out


def _path(years: np.ndarray, cols: np.ndarray, treated: np.ndarray, counterfactual: np.ndarray,
          band: np.ndarray | None, n: np.ndarray) -> list[dict[str, Any]]:
    rows = []
    for k, c in enumerate(cols):
        b = None if band is None or not np.isfinite(band[k]) else float(band[k])
        rows.append({"school_year": int(years[c]), "treated": float(treated[k]),
                     "counterfactual": float(counterfactual[k]),
                     "band_low": None if b is None else float(counterfactual[k] - b),
                     "band_high": None if b is None else float(counterfactual[k] + b),
                     "n_students": float(n[k]) if np.isfinite(n[k]) else None})
    return rows


def _treated_n(p: Panel, t_rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Students behind the treated mean per column (NaN when the panel has no counts)."""
    sub = p.n[np.ix_(t_rows, cols)]
    used = ~np.isnan(p.y[np.ix_(t_rows, cols)]) & np.isfinite(sub)
    if not np.isfinite(sub).any():
        return np.full(len(cols), np.nan)
    return np.where(used, sub, 0.0).sum(axis=0)


def _common_cols(p: Panel, t_rows: np.ndarray, start: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns up to ``last`` where every treated school is observed, and the pre mask."""
    cols = np.flatnonzero(p.years <= last)
    ok = ~np.isnan(p.y[np.ix_(t_rows, cols)]).any(axis=0)
    cols = cols[ok]
    pre = p.years[cols] < start
    if pre.sum() < 2 or (~pre).sum() == 0:
        raise DataError("De behandlade skolorna har inte minst 2 gemensamma förår och ett gemensamt efterår med "
                        "utfall; utvärdera dem var för sig eller välj designen 'did'.")
    return cols, pre


# --------------------------------------------------------------------------------------------
# designs


def _sc(p, t_rows, t_start, end, donors, level, rng, max_placebos, penalty, diagnostics=True):
    y, years = p.y, p.years
    patterns: dict[tuple, list[int]] = {}
    for k, (r, s) in enumerate(zip(t_rows, t_start)):
        cols = np.flatnonzero((years <= end[p.ids[r]]) & ~np.isnan(y[r]))
        pre = years[cols] < s
        patterns.setdefault((tuple(cols), tuple(pre)), []).append(k)
    fits = {}
    placebo = {}
    for key, members in patterns.items():
        cols, pre = np.array(key[0]), np.array(key[1])
        for k in members:
            fits[k] = fit_sc(y, t_rows[k], donors, cols, pre, penalty)
        est_j, gaps_j, ratio_j = [], [], []
        for i, j in enumerate(donors):
            f = fit_sc(y, j, np.delete(donors, i), cols, pre, penalty)
            est_j.append(f.estimate)
            gaps_j.append(f.gaps)
            ratio_j.append(f.post_rmspe / max(f.pre_rmspe, 1e-12))
        placebo[key] = (np.array(est_j), np.array(gaps_j), np.array(ratio_j))
    k_tr = len(t_rows)
    estimate = float(np.mean([fits[k].estimate for k in range(k_tr)]))
    if len(patterns) == 1:
        key = next(iter(patterns))
        placebos = set_means(placebo[key][0], k_tr, rng, max_placebos)
    else:
        draws = []
        for _ in range(max_placebos):
            pick = rng.permutation(len(donors))[:k_tr]
            vals = [placebo[key][0][pick[k]] for key, ks in patterns.items() for k in ks]
            draws.append(np.mean(vals))
        placebos = np.array(draws)
    # per school year (calendar), path and band over the union of columns
    all_cols = np.array(sorted({c for key in patterns for c in key[0]}))
    gap_mat = np.full((k_tr, len(all_cols)), np.nan)
    for k in range(k_tr):
        f = fits[k]
        gap_mat[k, np.searchsorted(all_cols, f.cols)] = f.gaps
    tr_mean = np.nanmean(np.where(np.isnan(gap_mat), np.nan, y[np.ix_(t_rows, all_cols)]), axis=0)
    mean_gap = np.nanmean(gap_mat, axis=0)
    band = None
    if len(patterns) == 1:
        key = next(iter(patterns))
        band = _band(placebo[key][1], k_tr, level, rng, max_placebos)
    start0 = int(min(t_start))
    post_cols = [c for c in all_cols if years[c] >= start0]
    per_year = [{"school_year": int(years[c]), "effect": float(mean_gap[np.searchsorted(all_cols, c)])}
                for c in post_cols]
    weights = None
    extra: dict[str, Any] = {}
    warns = []
    direct = None
    basis = f"{len(donors)} jämförelseskolor"
    if k_tr == 1:
        f = fits[0]
        key = next(iter(patterns))
        weights = {str(p.ids[d]): float(w) for d, w in zip(f.donors, f.weights) if w > 1e-6}
        extra["p_value_rmspe"] = rmspe_ratio_pvalue(f.post_rmspe / max(f.pre_rmspe, 1e-12), placebo[key][2])
        spread = float(np.std(placebo[key][0], ddof=1)) if len(donors) > 1 else max(f.pre_rmspe, 1.0)
        space_floor_too_high = 1.0 / (len(donors) + 1) > 1 - level + 1e-12
        if diagnostics or space_floor_too_high:
            conf = conformal_sc(y[t_rows[0], f.cols], y[np.ix_(donors, f.cols)].T, ~f.pre, level, spread)
            extra["conformal"] = {"p_value": conf.p_value, "ci_low": conf.ci_low, "ci_high": conf.ci_high,
                                  "floor": conf.floor, "method": "konform (Chernozhukov, Wüthrich & Zhu 2021)"}
            if space_floor_too_high and conf.floor <= 1 - level + 1e-12:
                # too few comparison schools for in-space placebos: permutations over time instead
                y1c, y0c, postc = y[t_rows[0], f.cols], y[np.ix_(donors, f.cols)].T, ~f.pre
                direct = {"p_value": conf.p_value, "ci_low": conf.ci_low, "ci_high": conf.ci_high,
                          "floor": conf.floor, "p_of": lambda th: conformal_pvalue(y1c, y0c, postc, th)}
                basis = f"{len(f.cols)} läsår"
            for row in per_year:
                c = int(p.col(row["school_year"]))
                pos = int(np.flatnonzero(f.cols == c)[0]) if c in f.cols else None
                if pos is not None and pos in conf.per_year:
                    row["ci_low"], row["ci_high"] = conf.per_year[pos]
        # leave-one-out over the five largest weights
        top = np.argsort(-f.weights)[: min(5, int((f.weights > 1e-6).sum()))]
        if len(donors) > 1 and diagnostics:
            extra["leave_one_out"] = {
                str(p.ids[f.donors[i]]): fit_sc(y, t_rows[0], np.delete(f.donors, i), f.cols, f.pre, penalty).estimate
                for i in top}
        # in-time placebo: backdate the start within the pre-years
        pre_c = f.cols[f.pre]
        n_back = min(int((~f.pre).sum()), len(pre_c) - 2)
        if n_back >= 1 and len(pre_c) >= 4 and diagnostics:
            cols_b = pre_c
            pre_b = np.arange(len(pre_c)) < len(pre_c) - n_back
            fb = fit_sc(y, t_rows[0], donors, cols_b, pre_b, penalty)
            pl = np.array([fit_sc(y, j, np.delete(donors, i), cols_b, pre_b, penalty).estimate
                           for i, j in enumerate(donors)])
            pib = placebo_inference(fb.estimate, pl, level)
            extra["in_time_placebo"] = {"start": int(years[cols_b[~pre_b][0]]), "estimate": fb.estimate,
                                        "p_value": pib.p_value}
            if pib.p_value <= 1 - level:
                warns.append(f"En skenstart {school_year_label(int(years[cols_b[~pre_b][0]]))}, före insatsen, ger "
                             "också en tydlig 'effekt': jämförelsen följer inte skolan väl och resultatet är osäkert.")
        if f.pre_rmspe > 2.0 * float(np.median([np.sqrt(np.mean(g[np.array(key[1])] ** 2))
                                                for g in placebo[key][1]])):
            warns.append("Den syntetiska jämförelsen följer skolan sämre före insatsen än den brukar för andra "
                         "skolor (skolan ligger utanför jämförelseskolornas spann).")

    def estimator(ypred: np.ndarray) -> float:
        vals = []
        for k in range(k_tr):
            f = fits[k]
            synth = f.weights @ ypred[np.ix_(f.donors, f.cols)]
            vals.append(float((ypred[t_rows[k], f.cols] - synth)[~f.pre].mean()))
        return float(np.mean(vals))

    n_path = _treated_n(p, t_rows, all_cols)
    return _Core(
        estimate=estimate, per_year=per_year, inference="konform" if direct else "placebo", placebos=placebos,
        estimator=estimator, direct=direct,
        scale=fits[0].pre_rmspe if k_tr == 1 else None,
        placebo_scales=(np.sqrt((placebo[next(iter(patterns))][1][:, np.array(next(iter(patterns))[1])] ** 2)
                                .mean(axis=1)) if k_tr == 1 else None),
        path=_path(years, all_cols, tr_mean, tr_mean - mean_gap, band, n_path),
        pre_years=[int(years[c]) for c in all_cols if years[c] < start0],
        post_years=[int(years[c]) for c in post_cols], n_donors=len(donors),
        rows_used=np.concatenate([t_rows, donors]), weights=weights,
        floor_basis=basis, extra=extra, warnings=warns)


def _sdid(p, t_rows, t_start, end, donors, level, rng, max_placebos):
    y, years = p.y, p.years
    start = int(t_start[0])
    cols, pre = _common_cols(p, t_rows, start, max(end.values()))
    order = np.concatenate([np.flatnonzero(pre), np.flatnonzero(~pre)])
    cols, pre = cols[order], pre[order]
    n_pre = int(pre.sum())
    warns = []
    co = donors
    if len(co) > SDID_MAX_DONORS:
        target = y[np.ix_(t_rows, cols[pre])].mean(axis=0)
        dist = np.sqrt(((y[np.ix_(co, cols[pre])] - target) ** 2).mean(axis=1))
        co = co[np.argsort(dist)[:SDID_MAX_DONORS]]
        warns.append(f"Syntetisk DiD använder de {SDID_MAX_DONORS} jämförelseskolor vars utfall före start ligger "
                     "närmast de behandlade skolornas.")
    if len(co) <= len(t_rows):
        raise DataError(f"Syntetisk DiD kräver fler jämförelseskolor än behandlade: {len(co)} jämförelseskolor, "
                        f"{len(t_rows)} behandlade.")
    y_tr, y_co = y[np.ix_(t_rows, cols)], y[np.ix_(co, cols)]
    fit = sdid_fit(y_tr, y_co, n_pre)
    n_tr = len(t_rows)
    if math.comb(len(co), n_tr) <= max_placebos:
        sets = [np.array(c) for c in combinations(range(len(co)), n_tr)]
    else:
        sets = [rng.choice(len(co), n_tr, replace=False) for _ in range(max_placebos)]
    pl_est, pl_gap = [], []
    for pick in sets:
        rest = np.setdiff1d(np.arange(len(co)), pick)
        fb = sdid_fit(y_co[pick], y_co[rest], n_pre)
        pl_est.append(fb.estimate)
        pl_gap.append(y_co[pick].mean(axis=0) - fb.counterfactual)
    pl_est_a = np.array(pl_est)
    se = placebo_se(pl_est_a)
    band = _band(np.array(pl_gap), 1, level, rng, max_placebos)
    chron = np.argsort(cols)
    tr_mean = y_tr.mean(axis=0)
    per_year = [{"school_year": int(years[c]), "effect": float(e)} for c, e in zip(cols[~pre], fit.per_year)]

    def estimator(ypred: np.ndarray) -> float:
        # the design's weights stay as fitted on the data; only the outcomes are the expected ones
        tr, cc = ypred[np.ix_(t_rows, cols)].mean(axis=0), ypred[np.ix_(co, cols)]
        lam, om = fit.time_weights, fit.unit_weights
        return float((tr[n_pre:].mean() - lam @ tr[:n_pre]) - (om @ cc[:, n_pre:].mean(axis=1) - om @ (cc[:, :n_pre] @ lam)))

    return _Core(
        estimate=fit.estimate, per_year=per_year, inference="placebo", placebos=pl_est_a, estimator=estimator,
        scale=float(np.sqrt(np.mean((tr_mean - fit.counterfactual)[:n_pre] ** 2))),
        placebo_scales=np.sqrt((np.array(pl_gap)[:, :n_pre] ** 2).mean(axis=1)),
        path=_path(years, cols[chron], tr_mean[chron], fit.counterfactual[chron], band[chron],
                   _treated_n(p, t_rows, cols[chron])),
        pre_years=[int(years[c]) for c in sorted(cols[pre])], post_years=[int(years[c]) for c in sorted(cols[~pre])],
        n_donors=len(co), rows_used=np.concatenate([t_rows, co]),
        weights={str(p.ids[d]): float(w) for d, w in zip(co, fit.unit_weights) if w > 1e-6},
        floor_basis=f"{len(co)} jämförelseskolor", warnings=warns,
        extra={"time_weights": {int(years[c]): float(w) for c, w in zip(cols[pre], fit.time_weights)},
               "placebo_se": se})


def _did(p, t_rows, t_start, end, donors, level, rng, max_placebos):
    y, years = p.y, p.years
    last = max(end.values())
    cols = np.flatnonzero(years <= last)
    rows = np.concatenate([t_rows, donors])
    sub = y[np.ix_(rows, cols)].copy()
    cohort = np.full(len(rows), -1)
    for k, (r, s) in enumerate(zip(t_rows, t_start)):
        cohort[k] = int(np.searchsorted(years[cols], s))
        sub[k, years[cols] > end[p.ids[r]]] = np.nan
    fit = callaway_santanna(sub, cohort, "notyet")
    sizes: dict[int, int] = {}
    for g in cohort[cohort >= 0]:
        sizes[int(g)] = sizes.get(int(g), 0) + 1
    k_tr = len(t_rows)
    y_d = sub[k_tr:]
    if k_tr == 1 and len(donors) <= max_placebos:
        assigns = []
        g = int(cohort[0])
        for j in range(len(donors)):
            c = np.full(len(donors), -1)
            c[j] = g
            assigns.append(c)
    else:
        assigns = placebo_assignments(len(donors), sizes, rng, max_placebos)
    pl = [callaway_santanna(y_d, c, "notyet") for c in assigns]
    placebos = np.array([f.estimate for f in pl])
    single = len(sizes) == 1
    start0 = int(min(t_start))
    per_year = []
    for e, v in sorted(fit.by_event.items()):
        if e < 0:
            continue
        row: dict[str, Any] = {"event_time": int(e), "effect": float(v)}
        if single:
            row["school_year"] = int(start0 + e) if start0 + e in set(years.tolist()) else None
        per_year.append(row)
    # path in event time: treated mean and treated minus effect
    path = []
    w = {g: s / k_tr for g, s in sizes.items()}
    for e in sorted(fit.by_event):
        vals = [(w[g], np.nanmean(sub[np.flatnonzero(cohort == g), g + e])) for g in sizes if 0 <= g + e < len(cols)]
        vals = [(a, b) for a, b in vals if np.isfinite(b)]
        if not vals:
            continue
        tot = sum(a for a, _ in vals)
        tr = sum(a * b for a, b in vals) / tot
        ev = [f.by_event.get(e, np.nan) for f in pl]
        evv = np.array([v for v in ev if np.isfinite(v)])
        k = math.ceil(level * (len(evv) + 1) - 1e-9)
        q = float(np.sort(np.abs(evv))[k - 1]) if 0 < k <= len(evv) else None
        cf = tr - fit.by_event[e]
        ns = [p.n[t_rows[i], cols[cohort[i] + e]] for i in range(k_tr) if 0 <= cohort[i] + e < len(cols)
              and np.isfinite(sub[i, cohort[i] + e])]
        entry = {"event_time": int(e), "school_year": int(start0 + e) if single else None,
                 "treated": float(tr), "counterfactual": float(cf),
                 "band_low": None if q is None else cf - q, "band_high": None if q is None else cf + q,
                 "n_students": float(np.nansum(ns)) if ns and np.isfinite(ns).any() else None}
        path.append(entry)
    pre_years = sorted({int(years[c]) for c in cols if years[c] < start0})
    post_years = sorted({int(years[c]) for c in cols if years[c] >= start0})

    def estimator(ypred: np.ndarray) -> float:
        s2 = ypred[np.ix_(rows, cols)].copy()
        s2[np.isnan(sub)] = np.nan
        return callaway_santanna(s2, cohort, "notyet").estimate

    return _Core(estimate=fit.estimate, per_year=per_year, inference="randomisering", placebos=placebos,
                 estimator=estimator, path=path, pre_years=pre_years, post_years=post_years, n_donors=len(donors),
                 rows_used=rows, floor_basis=f"{len(placebos)} placebotilldelningar bland {len(donors)} jämförelseskolor",
                 extra={"att_by_cohort": {int(years[cols[g]]): v for g, v in fit.by_cohort.items()}})


def _cits(p, t_rows, t_start, end, donors, level, rng, max_placebos):
    y, years = p.y, p.years
    start = int(t_start[0])
    cols, pre = _common_cols(p, t_rows, start, max(end.values()))
    if pre.sum() < MIN_PRE_YEARS:
        raise DataError(f"Jämförande avbrutna tidsserier kräver minst {MIN_PRE_YEARS} förår; de behandlade skolorna "
                        f"har {int(pre.sum())} gemensamma förår före {school_year_label(start)}.")
    yrs = years[cols].astype(float)
    d_tr = trend_deviations(y[np.ix_(t_rows, cols)], yrs, pre)
    d_co = trend_deviations(y[np.ix_(donors, cols)], yrs, pre)
    effect = d_tr.mean(axis=0) - d_co.mean(axis=0)
    estimate = float(effect[~pre].mean())
    n_co = len(donors)
    if n_co > 1:
        others = (d_co.sum(axis=0)[None, :] - d_co) / (n_co - 1)
        unit_gaps = d_co - others
    else:
        unit_gaps = np.zeros((0, len(cols)))
    placebos = set_means(unit_gaps[:, ~pre].mean(axis=1), len(t_rows), rng, max_placebos)
    band = _band(unit_gaps, len(t_rows), level, rng, max_placebos) if len(unit_gaps) else None
    tr_mean = y[np.ix_(t_rows, cols)].mean(axis=0)
    per_year = [{"school_year": int(years[c]), "effect": float(e)} for c, e in zip(cols[~pre], effect[~pre])]

    def estimator(ypred: np.ndarray) -> float:
        a = trend_deviations(ypred[np.ix_(t_rows, cols)], yrs, pre).mean(axis=0)
        b = trend_deviations(ypred[np.ix_(donors, cols)], yrs, pre).mean(axis=0)
        return float((a - b)[~pre].mean())

    single = len(t_rows) == 1 and len(unit_gaps)
    return _Core(estimate=estimate, per_year=per_year, inference="placebo", placebos=placebos, estimator=estimator,
                 scale=float(np.sqrt(np.mean(effect[pre] ** 2))) if single else None,
                 placebo_scales=np.sqrt((unit_gaps[:, pre] ** 2).mean(axis=1)) if single else None,
                 path=_path(years, cols, tr_mean, tr_mean - effect, band, _treated_n(p, t_rows, cols)),
                 pre_years=[int(v) for v in years[cols[pre]]], post_years=[int(v) for v in years[cols[~pre]]],
                 n_donors=n_co, rows_used=np.concatenate([t_rows, donors]),
                 floor_basis=f"{n_co} jämförelseskolor")


def _before_after(p, t_rows, t_start, end, donors, level, rng, max_placebos):
    y, years = p.y, p.years
    diffs, per = [], {}
    for r, s in zip(t_rows, t_start):
        obs = ~np.isnan(y[r]) & (years <= end[p.ids[r]])
        pre_mean = float(y[r, obs & (years < s)].mean())
        post = obs & (years >= s)
        diffs.append(float(y[r, post].mean()) - pre_mean)
        for c in np.flatnonzero(post):
            per.setdefault(int(years[c]), []).append(float(y[r, c]) - pre_mean)
    start0 = int(min(t_start))
    cols = np.flatnonzero(years <= max(end.values()))
    tr = np.nanmean(y[np.ix_(t_rows, cols)], axis=0)
    pre_level = float(np.nanmean(y[np.ix_(t_rows, cols[years[cols] < start0])]))

    def estimator(ypred: np.ndarray) -> float:
        vals = []
        for r, s in zip(t_rows, t_start):
            obs = ~np.isnan(y[r]) & (years <= end[p.ids[r]])
            vals.append(float(ypred[r, obs & (years >= s)].mean() - ypred[r, obs & (years < s)].mean()))
        return float(np.mean(vals))

    return _Core(estimate=float(np.mean(diffs)),
                 per_year=[{"school_year": t, "effect": float(np.mean(v))} for t, v in sorted(per.items())],
                 inference="beskrivande", placebos=None, estimator=estimator,
                 path=_path(years, cols, tr, np.full(len(cols), pre_level), None, _treated_n(p, t_rows, cols)),
                 pre_years=[int(v) for v in years[cols] if v < start0], post_years=sorted(per),
                 n_donors=0, rows_used=np.concatenate([t_rows, donors]))
