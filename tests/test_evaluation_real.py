"""The national donor pool from Skolverket's published files, and a placebo study on it that fits
in CI (the full study with 200 + 200 placebo interventions on the whole pool is in
benchmarks/bench_evaluation.py).

A placebo "intervention" is placed in 2024/25 on a school that got nothing, so every ``effekt``
is a false positive. With level 0.90 the engine should call at most 12 % of random schools and
15 % of schools selected for low results effective. Each placebo uses a random 400-school
comparison pool (the whole pool takes about 1.5 s per evaluation); with n placebos the count of
``effekt`` is compared with the 99 % quantile of Binomial(n, bound): a rate at the bound exceeds
it with probability at most 1 %, so a failure says the rate is above the bound.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from likvard.evaluation import evaluate
from likvard.sources.skolverket.school_panel import read_national_panel

pytestmark = pytest.mark.real_data

N_PLACEBOS = 60
POOL = 400


@pytest.fixture(scope="module")
def national(real_data):
    return read_national_panel(real_data)


@pytest.fixture(scope="module")
def complete(national):
    """The schools with a merit value of at least 10 students every year 2020/21-2024/25."""
    w = national.pivot(index="school_id", columns="school_year", values="value")
    n = national.pivot(index="school_id", columns="school_year", values="n_students")
    ok = w.notna().all(axis=1) & ~(n < 10).any(axis=1)
    return national[national["school_id"].isin(w.index[ok])], w[ok]


def test_national_panel_reads_published_values(national):
    assert set(national["school_year"]) == {2020, 2021, 2022, 2023, 2024}
    assert national["school_id"].str.fullmatch(r"\d{8}").all()
    # summary figures of skolkarta_grundskolor_ak9_2024_25.csv (1,532 schools with a 2024/25 merit value)
    v24 = national.loc[national["school_year"] == 2024, "value"]
    assert v24.notna().sum() == 1532 and v24.mean() == pytest.approx(227.7, abs=0.1)
    assert not (national["value"] == 0).any()  # suppressed cells are missing, never zero
    assert national["n_students"].notna().mean() > 0.9


def _placebo_verdicts(complete, candidates, low: bool, seed: int) -> list[str]:
    panel, w = complete
    ids = w.index.to_numpy()
    rng = np.random.default_rng(seed)
    verdicts = []
    for k, s in enumerate(rng.choice(candidates, N_PLACEBOS, replace=False)):
        pool = rng.choice(ids[ids != s], POOL, replace=False)
        sub = panel[panel["school_id"].isin([s, *pool])]
        r = evaluate(sub, [str(s)], 2024, seed=k, selected_for_low_results=low)
        assert r.design == "sc" and r.n_donors == POOL
        verdicts.append(r.verdict)
    return verdicts


@pytest.mark.parametrize("low,bound", [(False, 0.12), (True, 0.15)], ids=["slumpade", "laga_resultat"])
def test_placebo_interventions_rarely_called_effective(complete, low, bound):
    _, w = complete
    candidates = w.index[w[2023] <= w[2023].quantile(0.10)].to_numpy() if low else w.index.to_numpy()
    verdicts = _placebo_verdicts(complete, candidates, low, seed=11 if low else 7)
    limit = int(binom.ppf(0.99, N_PLACEBOS, bound))
    assert verdicts.count("effekt") <= limit, (verdicts.count("effekt"), limit)
    # the study is informative: most placebos are decided, not left open
    assert verdicts.count("går inte att avgöra") < N_PLACEBOS / 2
