"""School-level expected results: against statsmodels, and the SALSA comparison on the real data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from typer.testing import CliRunner

from likvard.cli.main import app
from likvard.expected.school_level import design, expected_results, fit_school_model


def synthetic(n, seed):
    rng = np.random.default_rng(seed)
    f = pd.DataFrame(
        {"pe": rng.uniform(0.2, 0.95, n), "fb": rng.uniform(0.02, 0.9, n), "girls": rng.uniform(0.4, 0.6, n),
         "n": rng.integers(50, 900, n).astype(float)},
        index=[f"{10000000 + i}" for i in range(n)],
    )
    y = 150 + 110 * f["pe"] - 40 * f["fb"] + 30 * f["girls"] + rng.normal(0, 12, n)
    return f, y


@pytest.mark.parametrize("form", ["likvard", "salsa"])
def test_expected_and_se_equal_statsmodels(form):
    f, y = synthetic(300, 1)
    model = fit_school_model(f, y, form)
    f2, y2 = synthetic(50, 2)
    ours = expected_results(model, f2, y2).set_index("school_id")
    x = design(f, form)
    ref = sm.OLS(y.loc[x.index], x).fit()
    pred = ref.get_prediction(design(f2, form)).summary_frame(alpha=0.1)
    assert np.allclose(ours["expected"], pred["mean"].loc[ours.index])
    # se of a new observation: (obs interval half-width) / z_0.95
    half = (pred["obs_ci_upper"] - pred["obs_ci_lower"]).loc[ours.index] / 2
    from scipy.stats import t

    assert np.allclose(ours["se"], half / t.ppf(0.95, ref.df_resid))
    assert ours["deviation"].tolist() == pytest.approx((y2.loc[ours.index] - ours["expected"]).tolist())


def test_expected_does_not_use_the_schools_results():
    f, y = synthetic(200, 3)
    model = fit_school_model(f, y)
    a = expected_results(model, f, y)
    b = expected_results(model, f, y.sample(frac=1, random_state=0).set_axis(y.index))
    assert np.array_equal(a["expected"], b["expected"])


def test_salsa_command_on_real_data(real_data, tmp_path):
    out = tmp_path / "salsa.csv"
    result = CliRunner().invoke(app, ["expected", "salsa", "--data", str(real_data), "--fit-year", "2023",
                                      "--year", "2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"school_id": str})
    assert {"school_id", "actual", "expected", "deviation", "se"} <= set(table.columns)
    assert table["school_id"].is_unique and len(table) > 1400
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    s = summary["salsa"]
    # Done-when of issue 3: out of sample at least 0.03 above SALSA's own in-sample R² (≈ 0.53)
    assert s["r2_salsa_in_sample"] == pytest.approx(0.525, abs=0.01)
    assert s["r2_likvard_out_of_sample"] >= s["r2_salsa_in_sample"] + 0.03
    assert 0.8 < s["correlation_expected"] < 0.95
    # deviations of the applied year are centred near zero and reliably-flags follow the 90 % band
    assert abs(table["deviation"].mean()) < 5
    flagged = table[table["reliably"] != "inom"]
    assert (flagged["deviation"].abs() > 1.645 * flagged["se"]).all()
