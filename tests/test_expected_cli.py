"""``likvard expected`` commands beyond salsa: skolor, behov, omradestyp and the student-level
figures of skoleffekter."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from likvard.cli.main import app


def test_school_effects_reports_variance_and_composition(exempelstad, tmp_path, monkeypatch):
    import likvard.demo
    from likvard.expected import student_level as sl

    monkeypatch.setattr(likvard.demo, "generate_exempelstad", lambda: exempelstad)
    result = CliRunner().invoke(app, ["expected", "skoleffekter", "--demo", "--ut", str(tmp_path), "--elevniva"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "forvantade.json").read_text(encoding="utf-8"))
    ref = sl.variance_between_schools(exempelstad.students)
    assert [v["icc"] for v in summary["variance_between_schools"]] == pytest.approx(ref["icc"].tolist())
    assert summary["composition_effect"]["school_share_post_secondary"]["se"] > 0
    assert len(summary["composition_effect_by_year"]) == exempelstad.students["school_year"].nunique()
    sheet = pd.read_excel(tmp_path / "forvantade.xlsx", sheet_name="Variation mellan skolor", engine="openpyxl")
    assert sheet["Modell"].tolist()[0] == "Endast läsår"
    measures = pd.read_excel(tmp_path / "forvantade.xlsx", sheet_name="Behovsmått", engine="openpyxl")
    assert (measures["Antal elever"] >= 10).all()
    assert "Andel boende i områdestyp 1–2" in measures.columns
    students = pd.read_csv(tmp_path / "elever_forvantat.csv")
    assert len(students) == len(sl.grade9_with_merit(exempelstad.students))
    assert not {"home_x", "home_y", "home_area"} & set(students.columns)


def test_schools_command_on_real_data(real_data, tmp_path):
    out = tmp_path / "skolor.csv"
    result = CliRunner().invoke(app, ["expected", "skolor", "--data", str(real_data), "--year", "2024",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"school_id": str})
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    for col in ("merit_value", "share_eligible", "share_all_subjects"):
        assert f"{col}_expected" in table and f"{col}_se" in table
        assert 0.9 < summary["outcomes"][col]["sd_of_deviation_over_se"] < 1.1
    assert table["share_eligible_expected"].dropna().between(0, 1).all()
    assert table["school_id"].str.fullmatch(r"\d{8}").all()


def test_need_command_on_real_data(real_data, tmp_path):
    out = tmp_path / "behov.csv"
    result = CliRunner().invoke(app, ["expected", "behov", "--data", str(real_data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"school_id": str})
    summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["n_units"] == len(table) > 3000
    assert np.average(table["need_index"], weights=table["n_students"]) == pytest.approx(100, abs=1e-6)
    assert summary["n_disagreeing"] == int(table["disagrees"].sum()) > 0
    assert summary["rank_correlations"]["need_index"]["salsa_parents"] > 0.85


def test_area_type_command(real_data, tmp_path):
    out = tmp_path / "omr.csv"
    src = real_data / "scb_regso_deso" / "stockholm_socioekonomiskt_2024.csv"
    result = CliRunner().invoke(app, ["expected", "omradestyp", str(src), "--medel", "8.79", "--sd", "5.34",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert (table["area_type_calc"] == table["area_type"]).all()
    assert "8.73" in result.output  # the range of national means consistent with the published types


def test_schools_command_names_missing_files(tmp_path):
    result = CliRunner().invoke(app, ["expected", "skolor", "--data", str(tmp_path), "--out", str(tmp_path / "x.csv")])
    assert result.exit_code != 0
    assert tmp_path.name in result.output and "Antal elever per årskurs" in result.output
