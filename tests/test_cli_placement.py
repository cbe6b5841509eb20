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
    result = CliRunner().invoke(app, ["placement", "kor", str(f), "--db", str(db), "--ut", str(out)])
    assert result.exit_code == 0, result.output
    comp = pd.read_csv(out / "jamforelse.csv", sep=";", decimal=",")
    assert list(comp.columns[:2]) == ["Mått", "Om alla gick i närmaste skola"]
    assert "Stäng Skola E" in comp.columns
    schools = pd.read_csv(out / "skolor.csv", sep=";", decimal=",", dtype=str)
    closed = schools[(schools["Scenario"] == "Stäng Skola E") & (schools["Skola"] == "Skola E")]
    assert closed["Öppen"].tolist() == ["nej"] and closed["Antal elever (medel)"].tolist() == ["0,0"]
    # a school with fewer than 10 students shows '..' for its mix
    small = schools[pd.to_numeric(schools["Antal elever (medel)"].str.replace(",", "."), errors="coerce").isna()]
    assert (small["Andel eftergymnasialt utbildade föräldrar"] == "..").all()
    summary = json.loads((out / "sammanfattning.json").read_text(encoding="utf-8"))
    assert summary["replikeringar"] == 8 and set(summary["scenarier"]) == {"Nuläge", "Stäng Skola E"}
    assert summary["valmodell"]["antal_familjer"] == 300
    assert pd.read_excel(out / "placering.xlsx", sheet_name=None).keys() == {"Jämförelse", "Skolor", "Valmodell"}


def test_scenario_file_error_is_reported_in_swedish(db, tmp_path):
    f = tmp_path / "fel.yaml"
    f.write_text("årskurs: 0\nscenarier:\n  - namn: A\n    stäng: [Finnsinteskolan]\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["placement", "kor", str(f), "--db", str(db), "--ut", str(tmp_path / "u")])
    assert result.exit_code == 1
    text = " ".join(result.output.split())  # rich wraps long lines
    assert "Fel: fel.yaml, rad 4, nyckel 'scenarier → 0 → stäng → 0': okänd skola 'Finnsinteskolan'" in text


def test_valmodell_and_forklara(db, tmp_path):
    result = CliRunner().invoke(app, ["placement", "valmodell", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Syskon på skolan" in result.output and "McFaddens pseudo-R²" in result.output
    f = tmp_path / "s.yaml"
    f.write_text(SCENARIOS, encoding="utf-8")
    result = CliRunner().invoke(app, ["placement", "forklara", str(f), "e0001", "--db", str(db), "--scenario", "Stäng Skola E"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Elev e0001, årskurs 0 läsåret 2024")
