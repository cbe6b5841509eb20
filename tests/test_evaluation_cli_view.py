"""``likvard effekt`` on a panel file, errors without tracebacks, and the chart's suppression."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from likvard.cli.main import app
from likvard.evaluation import evaluate
from likvard.views.evaluation import evaluation_chart
from tests._evaluation_data import factor_panel

runner = CliRunner()


def test_utvardera_writes_to_dict(tmp_path):
    df = factor_panel(n_schools=15, n_years=10, seed=3, effect=20.0, treated={0: 5}, noise=3.0)
    f = tmp_path / "panel.csv"
    df.to_csv(f, index=False)
    out = tmp_path / "res.json"
    r = runner.invoke(app, ["effekt", "utvardera", "--panel", str(f), "--behandlade", "S00", "--start", "2019",
                            "--niva", "0.9", "--design", "sc", "--ut", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    direct = evaluate(df, ["S00"], 2019, design="sc")
    # at the decimals shown (the web app and the quality report show two), never more precise
    assert d["estimate"] == round(direct.estimate, 2) and d["verdict"] == direct.verdict == "effekt"
    assert d["ci_low"] == round(direct.ci_low, 2) and d["p_value"] == round(direct.p_value, 3)
    assert all(r["treated"] == round(r["treated"], 2) for r in d["path"])
    assert all(r["n_students"] is None or r["n_students"] >= 10 for r in d["path"])
    assert (out.stat().st_mode & 0o077) == 0  # only the user can read it


def test_mde_command(tmp_path):
    df = factor_panel(n_schools=15, n_years=10, seed=3)
    f = tmp_path / "panel.csv"
    df.to_csv(f, index=False)
    out = tmp_path / "mde.json"
    r = runner.invoke(app, ["effekt", "mde", "--panel", str(f), "--behandlade", "S00", "--start", "2021",
                            "--horisont", "2", "--ut", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text(encoding="utf-8"))["mde"] > 0


def test_errors_are_swedish_sentences(tmp_path):
    df = factor_panel(n_schools=8, n_years=8, seed=1)
    f = tmp_path / "panel.csv"
    df.to_csv(f, index=False)
    r = runner.invoke(app, ["effekt", "utvardera", "--panel", str(f), "--behandlade", "S77", "--start", "2018",
                            "--ut", str(tmp_path / "x.json")])
    assert r.exit_code != 0
    assert "Fel:" in r.output and "S77 finns inte i panelen" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["effekt", "utvardera", "--behandlade", "S01", "--start", "2018", "--ut", "x.json"])
    assert r.exit_code != 0 and "Ange precis en källa" in r.output


def test_chart_marks_start_shades_band_and_hides_small_cells():
    df = factor_panel(n_schools=15, n_years=10, seed=2, effect=10.0, treated={1: 5})
    df.loc[(df["school_id"] == "S01") & (df["school_year"] == 2016), "n_students"] = 6
    r = evaluate(df, ["S01"], 2019, design="sc")
    fig = evaluation_chart(r)
    names = [t.name for t in fig.data]
    assert "Placebointervall" in names and "Skolor med insatsen" in names
    treated = next(t for t in fig.data if t.name == "Skolor med insatsen")
    xs = list(treated.x)
    assert "2016/17" not in xs or treated.y[xs.index("2016/17")] is None
    assert any(shape.type == "line" for shape in fig.layout.shapes)
    assert not any(np.isnan(v) for v in treated.y if v is not None)
