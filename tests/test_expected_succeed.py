"""Schools that succeed despite challenges: the rule, and on Exempelstad against the truth."""

from __future__ import annotations

import pandas as pd
import pytest

from likvard.demo import generate_exempelstad
from likvard.expected import need_index
from likvard.expected.shrinkage import pooled_school_effects, student_residuals
from likvard.expected.succeed import schools_succeeding


def test_rule_on_hand_made_figures():
    effects = pd.DataFrame({
        "school_id": ["A", "B", "C", "D"], "effect": [12.0, 15.0, 3.0, 20.0], "low": [5, 8, -2, 10],
        "high": [19, 22, 8, 30], "prob_above": [0.99, 0.999, 0.7, 0.999], "n_students": [300, 250, 400, 20],
        "n_years": [4, 4, 4, 1],
    })
    need = pd.DataFrame({"school_id": ["A", "A", "B", "C", "D"], "school_year": [2023, 2024, 2024, 2024, 2024],
                         "need_index": [130, 120, 95, 140, 150]})
    out = schools_succeeding(effects, need)
    # A: need 125, reliably positive -> listed; B: need too low; C: not reliable; D: one year only
    assert out["school_id"].tolist() == ["A"] and out["need_index"].iloc[0] == 125


def test_listed_schools_truly_add_value_on_exempelstad():
    d = generate_exempelstad(seed=12, scale=4, n_years=4)
    res = student_residuals(d.students)
    eff = pooled_school_effects(res)
    listed = schools_succeeding(eff, need_index(d.students), min_need=100, min_prob=0.9)
    assert len(listed) >= 1
    truth = d.truth["school_effects"].set_index("school_id")["effect"]
    # every listed school has a positive hidden effect in the generator
    assert (listed["school_id"].map(truth) > 0).all()


def test_cli_school_effects_on_demo(tmp_path, exempelstad, monkeypatch):
    import json

    from typer.testing import CliRunner

    import likvard.demo
    from likvard.cli.main import app

    monkeypatch.setattr(likvard.demo, "generate_exempelstad", lambda: exempelstad)
    result = CliRunner().invoke(app, ["forvantat", "skoleffekter", "--demo", "--ut", str(tmp_path), "--format", "xlsx",
                                      "--replikat", "30"])
    assert result.exit_code == 0, result.output
    eff = pd.read_excel(tmp_path / "forvantat.xlsx", sheet_name="skoleffekter", dtype={"Skolenhetskod": str})
    ref = pooled_school_effects(student_residuals(exempelstad.students)).set_index("school_id")
    shown = eff[eff["Antal elever"] != ".."].set_index("Skolenhetskod")
    # the export holds the shown decimals (one), no more precision than the table shows
    assert shown["Skoleffekt (meritpoäng)"].astype(float).to_numpy() == pytest.approx(
        ref.loc[shown.index, "effect"].to_numpy().round(1), abs=1e-9)
    per_year = pd.read_excel(tmp_path / "forvantat.xlsx", sheet_name="skoleffekter_per_lasar")
    small = per_year["Antal elever"].astype(str) == ".."
    assert small.any() and (per_year.loc[small, "Avvikelse (meritpoäng)"].astype(str) == "..").all()
    summary = json.loads((tmp_path / "forvantat_sammanfattning.json").read_text(encoding="utf-8"))["summary"]
    assert "schools_succeeding" in summary
