"""One export module: the Swedish CSV dialect, Excel and JSON, written whole or not at all."""

from __future__ import annotations

import json
import math
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likvard.errors import ParameterError
from likvard.export import csv_frame, read_csv, write_csv, write_json, write_tables, write_xlsx
from likvard.privacy import SUPPRESSED
from likvard.views.suppression import publish
from likvard.views.table import Table


def table() -> Table:
    df = pd.DataFrame({
        "school_id": ["00012345", "10000002", "10000003"],
        "school_year": [2024, 2024, 2009],
        "n_students": [312, SUPPRESSED, 41],
        "share_post_secondary": [54.26, SUPPRESSED, -0.04],
        "theil_h": [0.123456, 0.5, float("nan")],
        "eligible": [True, False, True],
    })
    return publish(Table("prov", "Provtabell", df, decimals={"theil_h": 3}, labels={"theil_h": "Theils H"}))


def test_csv_dialect(tmp_path):
    path = write_csv(table(), tmp_path / "prov.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    text = raw.decode("utf-8-sig")
    header, first, second, third = text.strip().splitlines()
    assert header == "Skolenhetskod;Läsår;Antal elever;Andel föräldrar med eftergymnasial utbildning (%);Theils H;eligible"
    assert first == "00012345;2024/25;312;54,3;0,123;ja"  # leading zeros kept, decimal comma, rounding
    assert second == "10000002;2024/25;..;..;0,500;nej"
    assert third == "10000003;2009/10;41;0,0;;ja"  # no "-0,0"; NaN empty
    assert not list(tmp_path.glob(".*.tmp"))
    back = read_csv(path)
    assert back["Skolenhetskod"].tolist() == ["00012345", "10000002", "10000003"]


def test_names_beside_codes_and_formats(tmp_path):
    names = {"00012345": "Ekskolan", "10000002": "Lillskolan"}
    csv = write_tables([table()], tmp_path / "c", "csv", names=names)
    assert read_csv(csv[0]).columns[:2].tolist() == ["Skolenhetskod", "Skola"]
    assert read_csv(csv[0])["Skola"].tolist() == ["Ekskolan", "Lillskolan", ""]
    xlsx = write_tables([table()], tmp_path / "x", "xlsx", stem="s", title="Titel", names=names)[0]
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Innehåll", "prov"]
    ws = wb["prov"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:5] == ("00012345", "Ekskolan", "2024/25", 312, 54.3)  # numbers stay numbers, as shown
    assert rows[2][3] == SUPPRESSED
    assert ws.cell(2, 6).number_format == "0.000"
    js = write_tables([table()], tmp_path / "j", "json", stem="s", summary={"n": np.int64(3), "x": float("nan")})[0]
    doc = json.loads(js.read_text(encoding="utf-8"))
    rows = doc["tables"]["prov"]["rows"]
    assert rows[0]["theil_h"] == 0.123 and rows[1]["n_students"] == SUPPRESSED and rows[2]["theil_h"] is None
    assert doc["summary"] == {"n": 3, "x": None}
    assert doc["tables"]["prov"]["columns"]["theil_h"] == "Theils H"
    with pytest.raises(ParameterError, match="pdf"):
        write_tables([table()], tmp_path, "pdf")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=20),
       st.integers(min_value=0, max_value=4))
def test_csv_numbers_read_back_to_their_rounding(values, decimals):
    t = Table("t", "t", pd.DataFrame({"value": values}), decimals={"value": decimals})
    shown = csv_frame(t)["Värde"]
    for v, text in zip(values, shown):
        assert "." not in text and text.count(",") == (1 if decimals else 0)
        assert math.isclose(float(text.replace(",", ".")), round(v, decimals), abs_tol=10 ** -decimals)


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    target = tmp_path / "s.xlsx"

    def broken(self, *args, **kwargs):
        raise OSError(28, "disk full")

    # the temporary workbook is already open when its first part cannot be written
    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError):
        write_xlsx([table()], target)
    assert not target.exists() and not list(tmp_path.iterdir())
    write_json([table()], tmp_path / "ok.json")
    assert (tmp_path / "ok.json").exists()
