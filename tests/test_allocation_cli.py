"""``likvard fordelning`` on Exempelstad: the exported tables equal the engine's results."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from likvard.allocation import allocate, load_model, school_inputs
from likvard.allocation.teachers import teacher_distribution
from likvard.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "likvard" / "allocation" / "examples"


def test_berakna_on_demo_equals_engine(tmp_path, exempelstad, monkeypatch):
    import likvard.cli.common as common

    monkeypatch.setattr(common, "load_authority", lambda demo, db, seed=None: (exempelstad, None))
    model_file = EXAMPLES / "bakgrundsvikter.yaml"
    result = CliRunner().invoke(app, ["fordelning", "berakna", str(model_file), "--demo", "--ut", str(tmp_path),
                                      "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    year = exempelstad.years()[-1]
    students = exempelstad.students[exempelstad.students["school_year"] == year]
    expected = allocate(load_model(model_file), school_inputs(students, exempelstad.schools))
    sheet = pd.read_excel(tmp_path / "fordelning.xlsx", sheet_name="modell_1", dtype={"Skolenhetskod": str})
    assert sheet["Totalt belopp (kr)"].tolist() == expected["total"].tolist()
    assert sheet["Skolenhetskod"].tolist() == expected["school_id"].tolist()
    summary = json.loads((tmp_path / "fordelning_sammanfattning.json").read_text(encoding="utf-8"))["summary"]
    assert summary["models"]["Bakgrundsvikter"]["compensatory"] == 60_000_000
    # a weights model on Exempelstad must send more money per student to needier schools
    assert summary["models"]["Bakgrundsvikter"]["concentration_index"] > 0
    assert summary["models"]["Bakgrundsvikter"]["compensation_ratio"] > 1


def test_bad_model_file_gives_swedish_error(tmp_path, exempelstad, monkeypatch):
    import likvard.cli.common as common

    monkeypatch.setattr(common, "load_authority", lambda demo, db, seed=None: (exempelstad, None))
    bad = tmp_path / "modell.yaml"
    bad.write_text("namn: x\ngrundbelopp: {F: 1, 1-3: 1, 4-6: 1, 7-9: 1}\nkompensatorisk_pott: 10\nvikter: {skostorlek: 1}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["fordelning", "berakna", str(bad), "--demo", "--ut", str(tmp_path)])
    assert result.exit_code == 1
    assert "okänd bakgrundsvariabel 'skostorlek'" in result.output


def test_demo_teachers_less_certified_where_needs_are_greater(exempelstad):
    """Exempelstad is built with fewer certified teachers in challenged schools (as the real
    2024/25 data show); the distribution must reveal that against the share of compulsory-educated
    parents."""
    dist = teacher_distribution(exempelstad.staff, exempelstad.students)
    st = exempelstad.students
    need = st.assign(c=st["parent_education"].eq("compulsory")).groupby(["school_id", "school_year"])["c"].mean()
    d = dist.join(need.rename("need"), on=["school_id", "school_year"]).dropna(subset=["need", "share_certified"])
    assert np.corrcoef(d["need"], d["share_certified"])[0, 1] < -0.2
