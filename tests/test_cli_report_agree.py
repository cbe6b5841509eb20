"""The command line and the report run the same analyses with the same defaults: on the same
database they give identical figures for segregation, school effects and need."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from likvard.cli.main import app
from likvard.privacy import SUPPRESSED


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    from likvard.demo import generate_exempelstad
    from likvard.store import open_store

    tmp = tmp_path_factory.mktemp("agree")
    db = tmp / "stad.db"
    open_store(db).save_authority_data(generate_exempelstad(seed=11, n_years=3, scale=0.5), source="test")
    runner = CliRunner()
    for args in (["segregation"], ["forvantat", "skoleffekter"], ["forvantat", "behov"]):
        res = runner.invoke(app, [*args, "--db", str(db), "--ut", str(tmp / args[-1]), "--format", "json"])
        assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["rapport", "--db", str(db), "--ut", str(tmp / "rapport")])
    assert res.exit_code == 0, res.output
    report = pd.read_excel(tmp / "rapport" / "nulagesrapport.xlsx", sheet_name=None, dtype={"Skolenhetskod": str})
    cli = {name: json.loads(next((tmp / name).glob("*.json")).read_text(encoding="utf-8"))["tables"]
           for name in ("segregation", "skoleffekter", "behov")}
    return cli, report


def _same(cli_rows: list[dict], sheet: pd.DataFrame, key: str, header: str, columns: dict[str, str]) -> int:
    """Compare each CLI row with the report's row of the same key; returns the numbers compared."""
    report = sheet.set_index(header)
    compared = 0
    for row in cli_rows:
        r = report.loc[row[key]]
        for code, label in columns.items():
            a, b = row[code], r[label]
            if a == SUPPRESSED or b == SUPPRESSED:
                assert a == b, (row[key], code, a, b)  # hidden in both
                continue
            assert float(a) == pytest.approx(float(b), rel=1e-12, abs=1e-12), (row[key], code)
            compared += 1
    return compared


def test_segregation_identical(outputs):
    cli, report = outputs
    rows = cli["segregation"]["segregation"]["rows"]
    sheet = report["segregation"]
    sheet = sheet.assign(k=sheet["Läsår"] + sheet["Kod"])
    for r in rows:
        r["k"] = f"{r['school_year']}/{(r['school_year'] + 1) % 100:02d}{r['key']}"
    n = _same(rows, sheet, "k", "k", {"value": "Värde", "low": "Nedre gräns (90 %)", "high": "Övre gräns (90 %)",
                                      "baseline": "Slumpnivå"})
    assert n == 4 * len(rows) >= 24  # every year and index, intervals included
    contrib = cli["segregation"]["skolornas_bidrag"]["rows"]
    assert _same(contrib, report["skolornas_bidrag"], "school_id", "Skolenhetskod",
                 {"n_students": "Antal elever", "contribution": "Andel av total segregation (%)"}) > 10


def test_school_effects_identical(outputs):
    cli, report = outputs
    rows = cli["skoleffekter"]["skoleffekter"]["rows"]
    n = _same(rows, report["skoleffekter"], "school_id", "Skolenhetskod",
              {"effect": "Skoleffekt (meritpoäng)", "low": "Nedre gräns (90 %)", "high": "Övre gräns (90 %)",
               "n_students": "Antal elever"})
    assert n >= 4 * 3


def test_need_identical(outputs):
    cli, report = outputs
    rows = cli["behov"]["behovsindex"]["rows"]
    n = _same(rows, report["behovsindex"], "school_id", "Skolenhetskod",
              {"need_index": "Behovsindex", "need_index_low": "Behovsindex, nedre gräns (90 %)",
               "need_index_high": "Behovsindex, övre gräns (90 %)"})
    assert n >= 3 * 10
    shown = [r for r in rows if r["need_index"] != SUPPRESSED]
    assert np.all([r["need_index_low"] <= r["need_index"] <= r["need_index_high"] for r in shown])
