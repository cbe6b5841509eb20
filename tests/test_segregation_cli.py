"""The segregation command on a small synthetic authority: files, Swedish headers, suppression."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from likvard.cli.segregation import analyse_authority, count_table
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


def test_analyse_authority_writes_swedish_tables_and_summary(tmp_path):
    data = authority()
    summary = analyse_authority(
        data, "parent_education", None, tmp_path, n_boot=50, seed=3
    )
    expected = indices(count_table(data.students, "parent_education", 2024))
    saved = json.loads((tmp_path / "sammanfattning.json").read_text(encoding="utf-8"))
    assert saved["lasar"] == 2024 == summary["lasar"]
    assert saved["index"]["mutual_information"] == pytest.approx(
        expected["mutual_information"]
    )
    assert "unknown" not in count_table(data.students, "parent_education", 2024).columns
    idx = pd.read_csv(tmp_path / "index.csv")
    assert "Värde" in idx.columns and "Medelfel (bootstrap)" in idx.columns
    assert idx.loc[idx["Kod"] == "dissimilarity", "Värde"].iloc[0] == pytest.approx(
        expected["dissimilarity"]
    )
    schools = pd.read_csv(tmp_path / "skolor.csv", dtype=str)
    tiny = schools[schools["Skolenhet"] == "10000004"].iloc[0]
    assert tiny["Elever"] == ".." and tiny["Lokalt segregationsvärde"] == ".."
    big = schools[schools["Skolenhet"] == "10000000"].iloc[0]
    assert big["Elever"] != ".."
    cf = pd.read_csv(tmp_path / "boende_och_skolval.csv")
    assert cf["M faktisk"].iloc[0] == pytest.approx(expected["mutual_information"])
    ch = pd.read_csv(tmp_path / "forandring.csv")
    parts = ch["Bidrag till förändringen av M"]
    assert parts.iloc[0] == pytest.approx(parts.iloc[1:].sum(), abs=1e-12)
    assert (tmp_path / "segregation.xlsx").exists()
    # same seed -> same bootstrap figures
    again = analyse_authority(
        data, "parent_education", None, tmp_path / "b", n_boot=50, seed=3
    )
    assert again["bootstrap"] == summary["bootstrap"]


def test_databas_command_reads_the_store(tmp_path):
    from typer.testing import CliRunner

    from likvard.cli.main import app
    from likvard.store import open_store

    data = authority(1)
    db = tmp_path / "test.db"
    open_store(db).save_authority_data(data, source="test")
    out = tmp_path / "ut"
    result = CliRunner().invoke(
        app,
        [
            "segregation",
            "databas",
            "--db",
            str(db),
            "--ut",
            str(out),
            "--bootstrap",
            "20",
            "--grupp",
            "parent_education",
        ],
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "sammanfattning.json").read_text(encoding="utf-8"))
    expected = indices(count_table(data.students, "parent_education", 2024))
    assert saved["index"]["theil_h"] == pytest.approx(expected["theil_h"])
    missing = CliRunner().invoke(
        app, ["segregation", "databas", "--db", str(tmp_path / "saknas.db")]
    )
    assert missing.exit_code == 1 and "finns inte" in " ".join(missing.output.split())
