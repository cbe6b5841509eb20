"""The national donor pool from Skolverket's published files, and a small placebo study on it
(the full study with 200 + 200 placebo interventions is in benchmarks/bench_evaluation.py)."""

from __future__ import annotations

import numpy as np
import pytest

from likvard.evaluation import evaluate
from likvard.sources.skolverket.school_panel import read_national_panel

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def national(real_data):
    return read_national_panel(real_data)


def test_national_panel_reads_published_values(national):
    assert set(national["school_year"]) == {2020, 2021, 2022, 2023, 2024}
    assert national["school_id"].str.fullmatch(r"\d{8}").all()
    # summary figures of skolkarta_grundskolor_ak9_2024_25.csv (1,532 schools with a 2024/25 merit value)
    v24 = national.loc[national["school_year"] == 2024, "value"]
    assert v24.notna().sum() == 1532 and v24.mean() == pytest.approx(227.7, abs=0.1)
    assert not (national["value"] == 0).any()  # suppressed cells are missing, never zero
    assert national["n_students"].notna().mean() > 0.9


@pytest.mark.slow
def test_placebo_interventions_rarely_called_effective(national):
    w = national.pivot(index="school_id", columns="school_year", values="value")
    ids = w.index[w.notna().all(axis=1)].to_numpy()
    rng = np.random.default_rng(7)
    verdicts = [evaluate(national, [str(s)], 2024, seed=k).verdict for k, s in enumerate(rng.choice(ids, 30))]
    assert verdicts.count("effekt") <= 6  # 10 % expected; binomial(30, 0.1) exceeds 6 with probability 2.6 %
