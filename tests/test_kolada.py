"""Kolada's municipal key figures: the reader on the real export and on broken files."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from likvard.sources.kolada import read_kolada_kpis, read_kolada_titles
from likvard.sources.skolverket import SourceFileError


@pytest.mark.real_data
def test_reader_matches_the_raw_file(real_data):
    path = real_data / "kolada" / "kolada_kommun_skol_kpi.csv"
    k = read_kolada_kpis(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        raw = list(csv.DictReader(fh))
    assert len(k) == len(raw)
    assert k["municipality_code"].str.fullmatch(r"\d{4}").all() and k["municipality_code"].nunique() == 290
    row = next(r for r in raw if r["kpi"] == "N15428" and r["municipality_id"] == "1880" and r["year"] == "2024"
               and r["gender"] == "T")
    mine = k[(k["kpi"] == "N15428") & (k["municipality_code"] == "1880") & (k["year"] == 2024) & (k["gender"] == "T")]
    assert mine["value"].iloc[0] == pytest.approx(float(row["value"])) and mine["municipality"].iloc[0] == "Örebro"
    empty = [r for r in raw if r["value"] == ""]
    assert int(k["value"].isna().sum()) == len(empty)  # missing stays missing, never 0
    titles = read_kolada_titles(real_data / "kolada" / "kolada_kpi_titlar.csv")
    assert "behöriga till yrkesprogram" in titles["N15428"]


def _write(tmp_path, text):
    p = tmp_path / "kolada.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_codes_are_padded_and_decimal_commas_read(tmp_path):
    p = _write(tmp_path, "kpi,municipality_id,municipality,year,gender,value,status\n"
                         'N1,114,Upplands Väsby,2020,T,"12,5",\nN1,0180,Stockholm,2020,T,,Missing\n')
    k = read_kolada_kpis(p)
    assert k["municipality_code"].tolist() == ["0114", "0180"]
    assert k["value"].iloc[0] == 12.5 and np.isnan(k["value"].iloc[1]) and k["status"].iloc[1] == "Missing"


@pytest.mark.parametrize("text, message", [
    ("kpi,municipality,year,gender,value\nN1,X,2020,T,1\n", "kolumner saknas: municipality_id"),
    ("kpi,municipality_id,municipality,year,gender,value\nN1,18x0,X,2020,T,1\n", "rad 2, kolumn municipality_id: '18x0'"),
    ("kpi,municipality_id,municipality,year,gender,value\nN1,1880,X,2020,T,1\nN1,1880,X,tjugo,T,1\n",
     "rad 3, kolumn year: 'tjugo'"),
    ("kpi,municipality_id,municipality,year,gender,value\nN1,1880,X,2020,T,mycket\n", "rad 2, kolumn value: 'mycket'"),
])
def test_broken_files_are_refused_with_row_and_column(tmp_path, text, message):
    with pytest.raises(SourceFileError, match=message) as info:
        read_kolada_kpis(_write(tmp_path, text))
    assert str(info.value).startswith("kolada.csv: ")


def test_titles_need_their_columns(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,titel\nN1,x\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="kpi och kpi_titel"):
        read_kolada_titles(p)
