"""``likvard forvantat`` commands: skoleffekter, skolor, behov, omradestyp (the old name
``expected`` still works, hidden)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from likvard.cli.main import app


def sv(text: str) -> float:
    return float(text.replace(",", "."))


def read(path):
    return pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)


def test_school_effects_reports_variance_and_composition(exempelstad, tmp_path, monkeypatch):
    import likvard.demo
    from likvard.expected import student_level as sl

    monkeypatch.setattr(likvard.demo, "generate_exempelstad", lambda: exempelstad)
    result = CliRunner().invoke(app, ["forvantat", "skoleffekter", "--demo", "--ut", str(tmp_path), "--elevniva",
                                      "--replikat", "50"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "forvantat.json").read_text(encoding="utf-8"))["summary"]
    assert summary["composition_effect"]["school_share_post_secondary"]["se"] > 0
    variance = read(tmp_path / "variation_mellan_skolor.csv")
    ref = sl.variance_between_schools(exempelstad.students)
    assert variance["Modell"].tolist()[0] == "Endast läsår"
    assert [sv(v) for v in variance["Andel av variationen mellan skolor"]] == pytest.approx(ref["icc"].tolist(), abs=5e-4)
    by_year = read(tmp_path / "sammansattningseffekt.csv")
    assert len(by_year) == exempelstad.students["school_year"].nunique()
    measures = read(tmp_path / "behovsmatt.csv")
    shown = measures[measures["Antal elever"] != ".."]
    assert len(shown) > 5 and (shown["Antal elever"].astype(int) >= 10).all()
    assert "Andel boende i områdestyp 1–2" in measures.columns
    students = read(tmp_path / "elever_forvantat.csv")
    assert len(students) == len(sl.grade9_with_merit(exempelstad.students))
    assert not {"home_x", "home_y", "home_area", "Hem x"} & set(students.columns)


def test_old_english_name_still_works_but_is_hidden():
    shown = CliRunner().invoke(app, ["--help"]).output
    assert "forvantat" in shown and "expected" not in shown
    old = CliRunner().invoke(app, ["expected", "--help"])
    assert old.exit_code == 0 and "skoleffekter" in old.output


def test_schools_command_on_real_data(real_data, tmp_path):
    result = CliRunner().invoke(app, ["forvantat", "skolor", "--data", str(real_data), "--ut", str(tmp_path),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "forvantat_skolor.json").read_text(encoding="utf-8"))
    outcomes = doc["summary"]["outcomes"]
    for col in ("merit_value", "share_eligible", "share_all_subjects"):
        assert 0.9 < outcomes[col]["sd_of_deviation_over_se"] < 1.1  # the intervals have the width they claim
        rows = doc["tables"][f"forvantat_{col}"]["rows"]
        assert len(rows) == outcomes[col]["n_schools"] > 1000
    eligible = pd.DataFrame(doc["tables"]["forvantat_share_eligible"]["rows"])
    assert eligible["expected"].between(0, 1).all() and eligible["school_id"].str.fullmatch(r"\d{8}").all()


def test_need_command_on_real_data(real_data, tmp_path):
    result = CliRunner().invoke(app, ["forvantat", "behov", "--data", str(real_data), "--kommun", "1880",
                                      "--ut", str(tmp_path), "--replikat", "50"])
    assert result.exit_code == 0, result.output
    table = read(tmp_path / "behovsindex.csv")
    summary = json.loads((tmp_path / "behov.json").read_text(encoding="utf-8"))["summary"]
    assert len(table) > 40
    shown = table[table["Behovsindex"] != ".."]
    low, mid, high = (shown[c].map(sv) for c in ("Behovsindex, nedre gräns (90 %)", "Behovsindex",
                                                 "Behovsindex, övre gräns (90 %)"))
    assert (low <= mid).all() and (mid <= high).all()
    assert summary["rank_correlations"]["need_index"]["salsa_parents"] > 0.6
    measures = read(tmp_path / "behovsmatt.csv")
    assert summary["n_disagreeing"] == int((measures["Måtten skiljer sig"] == "ja").sum())


def test_area_type_command(real_data, tmp_path):
    src = real_data / "scb_regso_deso" / "stockholm_socioekonomiskt_2024.csv"
    result = CliRunner().invoke(app, ["forvantat", "omradestyp", str(src), "--medel", "8.79", "--sd", "5.34",
                                      "--ut", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = read(tmp_path / "omradestyper.csv")
    assert (table["area_type_calc"] == table["Områdestyp"]).all()
    assert "8.73" in result.output  # the range of national means consistent with the published types


def test_schools_command_names_missing_files(tmp_path):
    result = CliRunner().invoke(app, ["forvantat", "skolor", "--data", str(tmp_path), "--ut", str(tmp_path / "x")])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert tmp_path.name in text and "Antal elever per årskurs" in text and "Traceback" not in text
