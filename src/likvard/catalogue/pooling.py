"""Pooling local evaluations: a random-effects meta-analysis per intervention type and indicator.

Each authority's evaluation i gives an effect y_i (the estimate minus its regression-to-the-mean
figure) and a standard error s_i taken from its interval, s_i = (high − low) / (2 z_{(1+level)/2})
(a placebo interval need not be symmetric; this is its normal approximation). The model is
y_i ~ N(mu, s_i² + tau²): tau² is the spread of true effects between authorities. tau² is
estimated by

- ``dl``: DerSimonian & Laird (1986), the method of moments
  tau² = max(0, (Q − (k − 1)) / (S1 − S2/S1)), Q = sum w_i (y_i − ȳ_w)², w_i = 1/s_i²;
- ``pm``: Paule & Mandel (1982), the tau² that makes the generalised Q equal k − 1 (statsmodels'
  ``combine_effects(method_re="iterated")``);
- ``reml``: restricted maximum likelihood (Viechtbauer 2005), Fisher scoring from the DL value.

With w*_i = 1/(s_i² + tau²): mu = sum w*_i y_i / sum w*_i, se(mu) = (sum w*_i)^(-1/2), the
confidence interval mu ± z se(mu), and the prediction interval for the effect in a new
authority "like ours" (Higgins, Thompson & Spiegelhalter 2009, J R Stat Soc A 172:137–159)
mu ± t_{k−2, (1+level)/2} sqrt(tau² + se(mu)²), which needs k ≥ 3.

``context_filter`` keeps the evaluations from schools like ours (need band, area type, size band).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import ndtri

from likvard.catalogue.records import LocalEvaluation
from likvard.errors import DataError
from likvard.validation import Array, Level, Options, validate_params

Method = Literal["reml", "dl", "pm"]
METHODS = ("reml", "dl", "pm")
_TOL = 1e-10
_MAX_ITER = 200


@dataclass(frozen=True)
class PooledEffect:
    """A random-effects pooled effect: ``estimate`` (mu) with ``ci_low``/``ci_high`` at ``level``,
    ``tau2`` between-authority variance, ``i2`` the share of the variation that is between
    authorities (Higgins & Thompson 2002: (Q − (k − 1))/Q, at least 0), ``q`` Cochran's Q, and
    ``pi_low``/``pi_high`` the prediction interval for a new authority (None when k < 3)."""

    method: str
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    tau2: float
    q: float
    i2: float
    pi_low: float | None
    pi_high: float | None


@dataclass(frozen=True)
class PooledGroup:
    """The pooled effect of one intervention type on one indicator, with the evaluations used
    (``evaluation_ids``) and those left out with the reason (``left_out``)."""

    insats_typ_id: str
    indikator: str
    pooled: PooledEffect | None
    evaluation_ids: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    note: str | None = None


def _q(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, float]:
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    return float(np.sum(w * (y - mu) ** 2)), mu


def tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    """DerSimonian–Laird tau² (method of moments)."""
    w = 1.0 / v
    q, _ = _q(y, v, 0.0)
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    return max(0.0, (q - (len(y) - 1)) / c) if c > 0 else 0.0


def tau2_pm(y: np.ndarray, v: np.ndarray) -> float:
    """Paule–Mandel tau²: the root of Q(tau²) = k − 1 (0 when Q(0) ≤ k − 1); Q falls with tau²."""
    k = len(y)
    if _q(y, v, 0.0)[0] <= k - 1:
        return 0.0
    hi = max(1.0, float(np.var(y)) * 2)
    while _q(y, v, hi)[0] > k - 1:
        hi *= 2
    lo = 0.0
    for _ in range(_MAX_ITER):
        mid = (lo + hi) / 2
        if _q(y, v, mid)[0] > k - 1:
            lo = mid
        else:
            hi = mid
        if hi - lo < _TOL * max(1.0, hi):
            break
    return (lo + hi) / 2


def tau2_reml(y: np.ndarray, v: np.ndarray) -> float:
    """REML tau² by Fisher scoring (Viechtbauer 2005, eq. 12), started at the DL value and kept ≥ 0."""
    tau2 = tau2_dl(y, v)
    for _ in range(_MAX_ITER):
        w = 1.0 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        new = float(np.sum(w**2 * ((y - mu) ** 2 - v)) / np.sum(w**2) + 1.0 / np.sum(w))
        new = max(0.0, new)
        if abs(new - tau2) < _TOL * max(1.0, tau2):
            return new
        tau2 = new
    return tau2


def reml_loglik(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """The restricted log-likelihood of tau² (up to a constant)."""
    w = 1.0 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(-0.5 * (np.sum(np.log(v + tau2)) + math.log(np.sum(w)) + np.sum(w * (y - mu) ** 2)))


@validate_params(effects=Array(1, "f"), variances=Array(1, "f"), method=Options(METHODS), level=Level())
def pool(effects: Sequence[float] | np.ndarray, variances: Sequence[float] | np.ndarray, *,
         method: Method = "reml", level: float = 0.95) -> PooledEffect:
    """Random-effects pooled effect of ``effects`` with sampling ``variances`` (module docstring)."""
    y = np.asarray(effects, dtype=float)
    v = np.asarray(variances, dtype=float)
    if len(y) != len(v):
        raise DataError(f"Effekterna ({len(y)}) och varianserna ({len(v)}) är olika många.")
    if len(y) < 2:
        raise DataError("Det behövs minst två utvärderingar för att väga samman effekter.")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(v > 0)):
        raise DataError("Effekterna måste vara tal och varianserna positiva tal.")
    tau2 = {"dl": tau2_dl, "pm": tau2_pm, "reml": tau2_reml}[method](y, v)
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    se = float(1.0 / math.sqrt(np.sum(w)))
    z = float(ndtri((1 + level) / 2))
    q, _ = _q(y, v, 0.0)
    k = len(y)
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    pi_low: float | None = None
    pi_high: float | None = None
    if k >= 3:
        from scipy.stats import t as t_dist  # only for the prediction interval

        tq = float(t_dist.ppf((1 + level) / 2, k - 2))
        half = tq * math.sqrt(tau2 + se**2)
        pi_low, pi_high = mu - half, mu + half
    return PooledEffect(method=method, k=k, estimate=mu, se=se, ci_low=mu - z * se, ci_high=mu + z * se,
                        level=level, tau2=tau2, q=q, i2=i2, pi_low=pi_low, pi_high=pi_high)


def effect_and_variance(e: LocalEvaluation) -> tuple[float, float] | None:
    """The effect net of regression to the mean and its variance from the interval (None when the
    evaluation has no estimate or no interval)."""
    if e.skattad_effekt is None or e.ki_lag is None or e.ki_hog is None or e.ki_niva is None:
        return None
    z = float(ndtri((1 + e.ki_niva) / 2))
    se = (e.ki_hog - e.ki_lag) / (2 * z)
    if not se > 0:
        return None
    return e.skattad_effekt - (e.rtm_justering or 0.0), se**2


def context_filter(evaluations: Iterable[LocalEvaluation], *, need_band: str | None = None,
                   area_type: int | None = None, size_band: str | None = None) -> list[LocalEvaluation]:
    """Evaluations from schools like ours: the same need band, an area type among the schools'
    (``omradestyp``) and the same size band; a criterion left as None is not applied, and an
    evaluation without the context asked for is left out."""
    out = []
    for e in evaluations:
        if need_band is not None and e.behovsband != need_band:
            continue
        if size_band is not None and e.storleksband != size_band:
            continue
        if area_type is not None and (e.omradestyp is None or str(area_type) not in e.omradestyp.split(";")):
            continue
        out.append(e)
    return out


def pool_evaluations(evaluations: Iterable[LocalEvaluation], *, method: Method = "reml",
                     level: float = 0.95) -> list[PooledGroup]:
    """One ``PooledGroup`` per intervention type and indicator (all versions of a type together),
    sorted by type and indicator. Evaluations without estimate or interval are left out with the
    reason; a group with fewer than two usable evaluations gets no pooled effect and a note."""
    if method not in METHODS:
        raise DataError(f"Okänd metod {method!r}: välj en av {', '.join(METHODS)}.")
    groups: dict[tuple[str, str], list[LocalEvaluation]] = {}
    for e in evaluations:
        groups.setdefault((e.insats_typ_id, e.indikator), []).append(e)
    out = []
    for (type_id, indicator), items in sorted(groups.items()):
        used, ys, vs, left = [], [], [], []
        for e in sorted(items, key=lambda x: x.utvardering_id):
            ev = effect_and_variance(e)
            if ev is None:
                left.append((e.utvardering_id, "saknar skattning eller intervall"))
                continue
            used.append(e.utvardering_id)
            ys.append(ev[0])
            vs.append(ev[1])
        if len(used) < 2:
            out.append(PooledGroup(type_id, indicator, None, tuple(used), tuple(left),
                                   note="Färre än två utvärderingar med intervall: ingen sammanvägning."))
            continue
        pooled = pool(np.array(ys), np.array(vs), method=method, level=level)
        note = None if pooled.k >= 3 else "Prognosintervall kräver minst tre utvärderingar."
        out.append(PooledGroup(type_id, indicator, pooled, tuple(used), tuple(left), note=note))
    return out
