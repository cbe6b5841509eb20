"""Skolverket readers: hand-made files for every marker and error, and figures visible in the
real files of ../shared/data/real (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from likvard.sources.skolverket import (
    SourceFileError,
    parse_numbers,
    read_composition_series,
    read_grade9_results,
    read_skolkarta,
    read_student_composition,
    read_underlag_for_analys,
)

HEADER = (
    "Skola;Skol-enhetskod;Skolkommun;Kommun-kod;Typ av huvudman;Huvudman;Huvudman orgnr;"
    "Elever, förskoleklass;Andel (%) flickor, förskoleklass;Elever, årskurs 1-9;Andel (%) flickor, årskurs 1-9;"
    "Andel (%) elever med utländsk bakgrund, åk 1-9;Andel (%) elever med föräldrar med eftergymnasial utb., åk 1-9;"
    + ";".join(f"Elever, årskurs {g}" for g in range(1, 10)) + ";"
)


def write_export(path: Path, rows: list[str], year: str = "2022/23") -> Path:
    text = (
        "\ufeffStatistik från Skolverket, https://www.skolverket.se\n\nGrundskolan - Antal elever per årskurs\n"
        f"Valt läsår: {year}\n\n{HEADER}\n" + "\n".join(rows) + "\n\nFotnot: uppgifterna avser 15 oktober.\n"
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_parse_numbers_markers_and_separators():
    raw = pd.Series(["4 102", "65,2", "..", ".", "...", "~100", "-", "*", "", "12\u00a0345", "abc"])
    values, status = parse_numbers(raw)
    assert values.iloc[0] == 4102 and values.iloc[1] == pytest.approx(65.2) and values.iloc[9] == 12345
    assert status.tolist() == [
        "value", "value", "suppressed", "missing", "near_total", "approx_100",
        "not_reported", "too_few", "empty", "value", "invalid",
    ]
    assert values.iloc[2:9].isna().all()  # markers never become zeros


def test_hand_made_export(tmp_path):
    f = write_export(
        tmp_path / "Grundskolan - Antal elever per årskurs 2022 Skolenhet.csv",
        [
            "Alfaskolan;12345678;Exempelstad;1999;Kommunal;Exempelstad kommun;2120000000;20;55;1 020;51;..;48,5;"
            + "100;100;100;100;100;120;150;150;200;",
            "Betaskolan;123456789;Exempelstad;1999;Enskild;Beta AB;5560000000;.;.;8;50;...;~100;"
            + ".;.;.;.;.;.;8;.;.;",
        ],
    )
    df = read_student_composition(f)
    assert len(df) == 2  # footnote row dropped
    a, b = df.iloc[0], df.iloc[1]
    assert a["school_year"] == 2022 and a["students_total"] == 1020 and a["students_grade_9"] == 200
    assert a["share_post_secondary"] == pytest.approx(0.485)
    assert a["n_post_secondary"] == pytest.approx(0.485 * 1020)
    assert a["share_foreign_background_status"] == "suppressed" and np.isnan(a["n_foreign_background"])
    assert a["organiser_type"] == "municipal" and not a["legacy_code"]
    assert b["legacy_code"] and b["organiser_type"] == "independent"
    assert b["share_foreign_background_status"] == "near_total"
    assert b["share_post_secondary_status"] == "approx_100"
    assert np.isnan(b["students_grade_0"])


def test_wrong_file_is_reported(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Kommun;Kommun-kod;Elever\nAle;1440;5\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="rubrikrad"):
        read_student_composition(f)
    g = tmp_path / "y.csv"
    g.write_text("Banner\nValt läsår: 2020/21\nSkola;Skol-enhetskod;Annat\nA;12345678;1\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="kolumner saknas.*Skolkommun"):
        read_student_composition(g)


# --- real files -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def series(real_data):
    return read_composition_series(real_data)


def test_real_known_school_2009(series):
    row = series[(series["school_id"] == "71387206") & (series["school_year"] == 2009)].iloc[0]
    assert row["name"] == "Ahlafors Fria skola" and row["students_total"] == 225
    assert row["share_foreign_background_status"] == "suppressed"
    assert row["share_post_secondary"] == pytest.approx(0.48)
    assert row["students_grade_0"] == 20 and row["students_grade_9"] == 22


def test_real_known_school_2025(series):
    row = series[(series["school_id"] == "11043800") & (series["school_year"] == 2025)].iloc[0]
    assert row["name"] == "Bohusskolan" and row["students_total"] == 573
    assert row["share_foreign_background"] == pytest.approx(0.375)
    assert [row[f"students_grade_{g}"] for g in (1, 5, 9)] == [48, 53, 104]
    assert row["area_type"] == 4  # "Områden med goda socioekonomiska förutsättningar"


def test_real_units_per_year_and_legacy_codes(series):
    counts = series.groupby("school_year").size()
    assert counts[2009] == 4655 and counts[2023] == 4665 and counts[2025] == 4628
    assert 4600 <= counts.min() and counts.max() <= 5200
    legacy = series[series["legacy_code"]].groupby("school_year").size()
    assert legacy.to_dict() == {2009: 314, 2010: 201, 2011: 125, 2012: 13}  # as in SOURCES.md
    assert set(range(2009, 2026)) == set(counts.index)  # 2024/25 from Underlag för analys


def test_real_2024_from_underlag_has_municipality(series):
    y = series[series["school_year"] == 2024]
    assert y["municipality_code"].notna().mean() > 0.9
    row = y[y["school_id"] == "83896681"].iloc[0]
    assert row["students_total"] == 133 and row["share_foreign_background"] == pytest.approx(0.15)


def test_real_national_total_matches_municipality_files(series, real_data):
    """Students in grades 1-9 summed over school units equals the municipality-level total
    ("Samtliga") of the same year within 0.5 % (units of special forms make small gaps)."""
    for year in (2020, 2021, 2022, 2023):
        f = real_data / "skolverket_kommun" / f"Grundskola - Antal elever per årskurs {year} Kommun.csv"
        text = f.read_text(encoding="utf-8-sig").splitlines()
        h = next(i for i, line in enumerate(text) if line.startswith("Kommun;"))
        kom = pd.read_csv(pd.io.common.StringIO("\n".join(text[h:])), sep=";", dtype=str)
        type_col = next(c for c in kom.columns if "huvudman" in c.lower())
        tot_col = next(c for c in kom.columns if c.startswith("Elever") and "1-9" in c)
        samtliga = kom[kom[type_col].str.strip() == "Samtliga"]
        kom_total = parse_numbers(samtliga[tot_col])[0].sum()
        unit_total = series.loc[series["school_year"] == year, "students_total"].sum()
        assert unit_total == pytest.approx(kom_total, rel=0.005), (year, unit_total, kom_total)


def test_real_skolkarta_salsa(real_data):
    k = read_skolkarta(real_data / "skolverket_planned_educations_api" / "skolkarta_grundskolor_ak9_2024_25.csv")
    assert len(k) == 1567
    row = k[k["school_id"] == "44673074"].iloc[0]  # Abrahamsbergsskolan, first row of the file
    assert (row["salsa_actual"], row["salsa_expected"], row["salsa_deviation"]) == (264.0, 247.0, 17.0)
    assert row["merit_value_2023"] == pytest.approx(264.8) and row["share_certified_teachers"] == pytest.approx(0.84)


def test_real_grade9_results(real_data):
    f = next((real_data / "skolverket_slutbetyg_ak9").glob("*.csv"))
    g = read_grade9_results(f)
    assert len(g) == 1714 and (g["school_year"] == 2024).all()
    row = g[g["school_id"] == "82520504"].iloc[0]  # Åkerboskolan, Borgholm: 10 students, shares suppressed
    assert row["n_students"] == 10 and row["merit_value_status"] == "suppressed"
    ok = g[g["merit_value_status"] == "value"]
    assert ok["merit_value"].between(0, 340).all() and 200 < ok["merit_value"].median() < 260


def test_real_underlag_xlsx_equals_wide_csv(real_data):
    folder = real_data / "skolverket_underlag_for_analys"
    x = read_underlag_for_analys(folder / "Underlag_for_analys_grundskola_2024_25.xlsx")
    c = read_underlag_for_analys(folder / "underlag_for_analys_grundskola_2024_25_wide.csv")
    assert x["level"].value_counts().to_dict() == {"school_unit": 5116, "organiser": 875, "country": 1}
    pd.testing.assert_frame_equal(x.reset_index(drop=True), c.reset_index(drop=True), check_dtype=False)
    riket = x[x["level"] == "country"].iloc[0]
    assert riket["students_total"] == 1104634 and riket["share_foreign_background"] == pytest.approx(0.271)
    assert riket["share_certified_teachers"] == pytest.approx(0.726)
