"""``likvard placement``: run a scenario file on imported data, write Swedish tables and JSON."""

from __future__ import annotations

import json
import textwrap

import pandas as pd
import pytest
from typer.testing import CliRunner

from likvard.cli.main import app
from likvard.tables import AuthorityData


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from test_placement_scenarios import town

    from likvard.store import open_store

    schools, students, choices = town(n=300, seed=2)
    path = tmp_path_factory.mktemp("placering") / "testby.db"
    store = open_store(path)
    store.save_authority_data(AuthorityData(schools=schools, students=students, choices=choices, name="Testby"), source="test")
    store.close()
    return path


SCENARIOS = textwrap.dedent(
    """\
    läsår: 2024
    årskurs: 0
    replikeringar: 8
    valmodell: skattad
    scenarier:
      - namn: Nuläge
      - namn: Stäng Skola E
        stäng: [Skola E]
    """
)


def test_run_writes_comparison_tables(db, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(SCENARIOS, encoding="utf-8")
    out = tmp_path / "ut"
    result = CliRunner().invoke(app, ["placering", "jamfor", str(f), "--db", str(db), "--ut", str(out)])
    assert result.exit_code == 0, result.output
    comp = pd.read_csv(out / "placering_jamforelse.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert list(comp.columns[:2]) == ["Mått", "Om alla gick i närmaste skola"]
    assert "Stäng Skola E" in comp.columns and "Stäng Skola E, nedre (95 %)" in comp.columns
    schools = pd.read_csv(out / "placering_skolor.csv", sep=";", dtype=str, encoding="utf-8-sig")
    closed = schools[(schools["Scenario"] == "Stäng Skola E") & (schools["Skola"] == "Skola E")]
    assert closed["Öppen"].tolist() == ["nej"] and closed["Antal elever (medel)"].tolist() == ["0,0"]
    # a school with fewer than 10 students shows '..' for its mix
    small = schools[pd.to_numeric(schools["Antal elever (medel)"].str.replace(",", "."), errors="coerce").isna()]
    assert (small["Andel eftergymnasialt utbildade föräldrar"] == "..").all()
    summary = json.loads((out / "placering.json").read_text(encoding="utf-8"))["summary"]
    assert summary["replications"] == 8 and set(summary["scenarios"]) == {"Nuläge", "Stäng Skola E"}
    assert summary["fit"]["n_families"] == 300
    assert (out / "valmodell.csv").exists()
    old = CliRunner().invoke(app, ["placement", "kor", str(f), "--db", str(db), "--ut", str(tmp_path / "gammal")])
    assert old.exit_code == 0, old.output  # the first version's names, hidden


def test_scenario_file_error_is_reported_in_swedish(db, tmp_path):
    f = tmp_path / "fel.yaml"
    f.write_text("årskurs: 0\nscenarier:\n  - namn: A\n    stäng: [Finnsinteskolan]\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["placering", "jamfor", str(f), "--db", str(db), "--ut", str(tmp_path / "u")])
    assert result.exit_code == 1
    text = " ".join(result.output.split())  # rich wraps long lines
    assert "Fel: fel.yaml, rad 4, nyckel 'scenarier → 0 → stäng → 0': okänd skola 'Finnsinteskolan'" in text


def test_valmodell_and_forklara(db, tmp_path):
    result = CliRunner().invoke(app, ["placering", "valmodell", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Syskon på skolan" in result.output and "McFaddens pseudo-R²" in result.output
    f = tmp_path / "s.yaml"
    f.write_text(SCENARIOS, encoding="utf-8")
    result = CliRunner().invoke(app, ["placering", "forklara", str(f), "e0001", "--db", str(db), "--scenario", "Stäng Skola E"])
    assert result.exit_code == 0, result.output
    head, rest = result.output.split("\n", 1)
    # the scenario file estimates a choice model: the ranked lists are drawn, and the text says so
    assert "SIMULERADE" in head and "verkliga val i skolvalsregistret" in head
    assert rest.startswith("Elev e0001, årskurs 0 läsåret 2024")
    assert ":a (simulerade) val" in rest


def test_forklara_with_observed_choices_says_they_are_real(db, tmp_path):
    f = tmp_path / "obs.yaml"
    f.write_text(SCENARIOS.replace("valmodell: skattad", "valmodell: observerade val"), encoding="utf-8")
    result = CliRunner().invoke(app, ["placering", "forklara", str(f), "e0001", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "VERKLIGA val ur skolvalsregistret" in result.output and "simulerade) val" not in result.output


def test_jamfor_spara_reaches_the_report(db, tmp_path):
    """--spara stores the comparison; the report shows exactly those figures."""
    from likvard.analyses.placement import load_comparison
    from likvard.store import open_store

    f = tmp_path / "s.yaml"
    f.write_text(SCENARIOS, encoding="utf-8")
    result = CliRunner().invoke(app, ["placering", "jamfor", str(f), "--db", str(db), "--ut", str(tmp_path / "u"),
                                      "--spara"])
    assert result.exit_code == 0, result.output
    saved = load_comparison(open_store(db))
    assert saved is not None and saved.scenarios == ["Nuläge", "Stäng Skola E"] and saved.replications == 8
    rep = CliRunner().invoke(app, ["rapport", "--db", str(db), "--ut", str(tmp_path / "r"), "--replikat", "20"])
    assert rep.exit_code == 0, rep.output
    wb = pd.read_excel(tmp_path / "r" / "nulagesrapport.xlsx", sheet_name="placering_jamforelse")
    mean = saved.measures.set_index("measure")["Stäng Skola E"]
    shown = wb.set_index("Mått")["Stäng Skola E"]
    from likvard.views.placement import MEASURE_LABELS

    assert shown[MEASURE_LABELS["share_first_choice"]] == pytest.approx(mean["share_first_choice"])
    demo = CliRunner().invoke(app, ["placering", "jamfor", str(f), "--demo", "--spara"])
    assert demo.exit_code == 1 and "--db" in demo.output
