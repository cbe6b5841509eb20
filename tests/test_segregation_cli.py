"""The segregation command on a small synthetic authority: files, Swedish headers, suppression."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from likvard.segregation import indices
from likvard.tables import AuthorityData


def authority(seed=0):
    rng = np.random.default_rng(seed)
    schools = pd.DataFrame(
        {
            "school_id": [f"1000000{i}" for i in range(5)],
            "name": [f"Skola {i}" for i in range(5)],
            "organiser_type": [
                "municipal",
                "municipal",
                "independent",
                "municipal",
                "independent",
            ],
            "organiser": [
                "Testkommun",
                "Testkommun",
                "Friskolan AB",
                "Testkommun",
                "Friskolan AB",
            ],
            "municipality_code": "1880",
            "x": [0.0, 3000, 6000, 1500, 4500],
            "y": [0.0, 0, 0, 2000, 2000],
            "grade_min": 0,
            "grade_max": 9,
        }
    )
    schools = pd.concat(
        [schools.assign(school_year=y) for y in (2023, 2024)], ignore_index=True
    )
    rows = []
    for year in (2023, 2024):
        for i, sid in enumerate(schools.school_id.unique()):
            n = 4 if i == 4 else 120  # school 4 is tiny: its figures must be suppressed
            for j in range(n):
                rows.append(
                    {
                        "student_id": f"{year}{i}{j}",
                        "school_year": year,
                        "school_id": sid,
                        "grade": int(rng.integers(0, 10)),
                        "sex": "F" if j % 2 else "M",
                        "migration_background": "swedish",
                        "newly_arrived": False,
                        "parent_education": rng.choice(
                            [
                                "compulsory",
                                "upper_secondary",
                                "post_secondary",
                                "unknown",
                            ],
                            p=[0.1 + 0.1 * (i == 0), 0.4, 0.45 - 0.1 * (i == 0), 0.05],
                        ),
                        "home_x": float(rng.uniform(0, 6000)),
                        "home_y": float(rng.uniform(0, 2000)),
                    }
                )
    return AuthorityData(
        schools=schools, students=pd.DataFrame(rows), name="Testkommun"
    )


def count_table(students, year):
    """Hand-made school x group counts (unknown parent education left out)."""
    s = students[(students["school_year"] == year) & (students["parent_education"] != "unknown")]
    return pd.crosstab(s["school_id"], s["parent_education"])[["compulsory", "upper_secondary", "post_secondary"]]


def sv(text: str) -> float:
    """A number as the Swedish CSV writes it (decimal comma)."""
    return float(text.replace(",", "."))


@pytest.fixture()
def database(tmp_path):
    from likvard.store import open_store

    data = authority(1)
    db = tmp_path / "test.db"
    open_store(db).save_authority_data(data, source="test")
    return data, db


def run(*args):
    from typer.testing import CliRunner

    from likvard.cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_segregation_writes_swedish_csv_and_summary(database, tmp_path):
    data, db = database
    out = tmp_path / "ut"
    result = run("segregation", "--db", db, "--ut", out, "--replikat", 50, "--seed", 3)
    assert result.exit_code == 0, result.output
    expected = indices(count_table(data.students, 2024))
    raw = (out / "index.csv").read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))  # UTF-8 with BOM: Swedish Excel opens it as it is
    idx = pd.read_csv(out / "index.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert "Värde" in idx.columns and "Medelfel (bootstrap)" in idx.columns
    d = idx.loc[idx["Kod"] == "dissimilarity", "Värde"].iloc[0]
    assert "," in d and sv(d) == pytest.approx(expected["dissimilarity"], abs=5e-5)  # four decimals
    schools = pd.read_csv(out / "skolornas_bidrag.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert list(schools.columns[:2]) == ["Skolenhetskod", "Skola"]  # names beside codes
    tiny = schools[schools["Skolenhetskod"] == "10000004"].iloc[0]
    assert tiny["Antal elever"] == ".." and tiny["Lokalt segregationsbidrag (L)"] == ".."
    shown = schools[schools["Antal elever"] != ".."]
    assert len(shown) >= 1 and (shown["Antal elever"].astype(int) >= 10).all()  # complementary: 3 hidden
    cf = pd.read_csv(out / "boende_och_skolval.csv", sep=";", dtype=str, encoding="utf-8-sig")
    m = cf[(cf["Kod"] == "mutual_information") & (cf["Läsår"] == "2024/25")]["Faktisk"].iloc[0]
    assert sv(m) == pytest.approx(expected["mutual_information"], abs=5e-4)
    ch = pd.read_csv(out / "forandring_segregation.csv", sep=";", dtype=str, encoding="utf-8-sig")
    parts = ch.set_index("Kod")["Bidrag till förändringen av M"].map(sv)
    assert parts["total"] == pytest.approx(parts.drop("total").sum(), abs=5e-4)
    saved = json.loads((out / "segregation.json").read_text(encoding="utf-8"))
    assert saved["summary"]["school_year"] == 2024
    assert saved["summary"]["theil_h"]["value"] == pytest.approx(expected["theil_h"])
    again = run("segregation", "--db", db, "--ut", tmp_path / "b", "--replikat", 50, "--seed", 3)
    assert again.exit_code == 0
    assert (tmp_path / "b" / "segregation.csv").read_bytes() == (out / "segregation.csv").read_bytes()  # same seed


def test_segregation_formats_xlsx_and_json(database, tmp_path):
    import openpyxl

    data, db = database
    assert run("segregation", "--db", db, "--ut", tmp_path / "x", "--replikat", 20, "--format", "xlsx").exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "x" / "segregation.xlsx")
    assert wb.sheetnames[0] == "Innehåll" and "index" in wb.sheetnames
    assert run("segregation", "--db", db, "--ut", tmp_path / "j", "--replikat", 20, "--format", "json").exit_code == 0
    doc = json.loads((tmp_path / "j" / "segregation.json").read_text(encoding="utf-8"))
    rows = doc["tables"]["index"]["rows"]
    d = next(r for r in rows if r["key"] == "dissimilarity")["value"]
    # the shown four decimals, no more (the export holds what the table shows)
    assert d == pytest.approx(round(indices(count_table(data.students, 2024))["dissimilarity"], 4), abs=1e-12)
    tiny = [r for r in doc["tables"]["skolornas_bidrag"]["rows"] if r["school_id"] == "10000004"][0]
    assert tiny["n_students"] == ".."
    bad = run("segregation", "--db", db, "--ut", tmp_path / "z", "--format", "pdf")
    assert bad.exit_code == 1 and "pdf" in bad.output and "csv" in bad.output


def test_missing_database_is_a_swedish_error(tmp_path):
    missing = run("segregation", "--db", tmp_path / "saknas.db")
    assert missing.exit_code == 1 and "finns inte" in " ".join(missing.output.split())
    assert "Traceback" not in missing.output
