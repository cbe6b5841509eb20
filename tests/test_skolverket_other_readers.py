"""Skolenkäten, SCB area types, school coordinates and DeSO polygons: hand-made and real files."""

from __future__ import annotations

import numpy as np
import pytest

from likvard.sources.skolverket import (
    read_deso_polygons,
    read_regso_area_types,
    read_school_coordinates,
    read_skolenkaten_api,
    read_skolenkaten_excel,
    read_stockholm_socioeconomic,
)


def test_skolenkaten_api_hand_made(tmp_path):
    f = tmp_path / "enkat.csv"
    f.write_text(
        "skolenhetskod,grupp,arskurs,termin,antal_svar,trygghet,nojdhet,studiero,stod,stimulans\n"
        "10023937,vardnadshavare,,VT26,41,8.3,7.7,6.7,7.4,7.1\n"
        "10023937,elever,ak5,VT25,60,8.8,7.5,-,7.0,4.9\n",
        encoding="utf-8",
    )
    df = read_skolenkaten_api(f)
    g = df[(df["respondent"] == "guardian") & (df["area"] == "trygghet")].iloc[0]
    assert g["school_year"] == 2025 and g["value"] == 8.3 and g["n_respondents"] == 41
    s = df[(df["respondent"] == "student_grade5") & (df["area"] == "studiero")].iloc[0]
    assert s["school_year"] == 2024 and np.isnan(s["value"]) and s["status"] == "not_reported"


def test_real_skolenkaten_api(real_data):
    df = read_skolenkaten_api(real_data / "skolinspektionen_skolenkaten" / "skolenkaten_api_grundskola_medelvarden.csv")
    row = df[(df["school_id"] == "10023937") & (df["respondent"] == "student_grade8") & (df["area"] == "studiero")].iloc[0]
    assert row["value"] == pytest.approx(6.2) and row["n_respondents"] == 60  # as in the file's second row
    assert df["school_id"].nunique() == 1613
    assert df.loc[df["status"] == "value", "value"].between(0, 10).all()


def test_real_skolenkaten_excel(real_data):
    df = read_skolenkaten_excel(real_data / "skolinspektionen_skolenkaten" / "excelrapport-elever-grundskola-ak-8-2022.xlsx")
    assert {"trygghet", "studiero", "stod", "stimulans", "nojdhet"} <= set(df["area"])
    assert (df["school_year"] == 2021).all() and (df["respondent"] == "student_grade8").all()
    import openpyxl

    ws = openpyxl.load_workbook(real_data / "skolinspektionen_skolenkaten" / "excelrapport-elever-grundskola-ak-8-2022.xlsx",
                                read_only=True).worksheets[0]
    codes = {str(r[3]) for r in ws.iter_rows(min_row=4, values_only=True) if r[3] is not None}
    assert df["school_id"].nunique() == len(codes) > 800  # every school-unit row, organisers left out
    ok = df["status"] == "value"
    assert df.loc[ok, "value"].between(0, 10).all()
    # units with very few answers are not reported ('-' in the file): kept as a status, not a number
    few = df["n_respondents"] < 5
    assert few.any() and (df.loc[few, "status"] == "not_reported").all() and df.loc[few, "value"].isna().all()


def test_real_regso_area_types(real_data):
    t = read_regso_area_types(real_data / "scb_regso_deso")
    assert len(t) == 5984  # every DeSO 2018
    row = t[t["deso"] == "0114C1010"].iloc[0]
    assert row["regso_code"] == "0114R001" and row["regso_name"] == "Bollstanäs" and row["area_type"] == 4
    assert t["area_type"].notna().mean() > 0.95 and set(t["area_type"].dropna().unique()) <= {1, 2, 3, 4, 5}


def test_real_stockholm_inputs(real_data):
    s = read_stockholm_socioeconomic(real_data / "scb_regso_deso" / "stockholm_socioekonomiskt_2024.csv")
    assert len(s) == 102
    akalla = s[s["regso_code"] == "0180R002"].iloc[0]
    assert akalla["area_type"] == 2 and akalla["share_compulsory_education"] == pytest.approx(0.155)


def test_real_coordinates_prefer_skolverket(real_data):
    c = read_school_coordinates(real_data / "geo")
    assert c["school_id"].is_unique
    row = c[c["school_id"] == "39907811"].iloc[0]  # Sofielundsskolan, Skolverket's SWEREF99 TM
    assert row["source"] == "Skolverket" and row["x"] == pytest.approx(667304) and row["y"] == pytest.approx(6592046)
    osm = c[c["source"] != "Skolverket"]
    assert len(osm) > 1000 and osm["licence"].str.contains("ODbL").all()
    # all inside Sweden's SWEREF99 TM extent
    assert c["x"].between(250000, 950000).all() and c["y"].between(6100000, 7700000).all()


def test_real_deso_polygons(real_data):
    d = read_deso_polygons(real_data / "geo" / "Deso_inomUppsalaLan.zip")
    assert len(d) == 262 and d["deso"].str.match(r"^\d{4}[ABC]\d{4}$").all()
    ring = d.iloc[0]["rings"][0]
    assert np.allclose(ring[0], ring[-1])  # closed ring
    assert 600000 < ring[:, 0].mean() < 720000 and 6600000 < ring[:, 1].mean() < 6750000  # Uppsala län
