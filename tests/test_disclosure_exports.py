"""Safe exports: only tables that passed disclosure control are written; text a spreadsheet would
run as a formula is neutralised in CSV and Excel (read back with openpyxl: no formula cell);
numbers stay numbers and hold no more precision than is shown."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from likvard.disclosure import DisclosureError, safe_text
from likvard.export import write_tables
from likvard.views.suppression import publish
from likvard.views.table import Table

NASTY = ["=HYPERLINK(\"http://evil.example\",\"klicka\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
         "\tflik", "\rretur"]


def nasty_table() -> Table:
    df = pd.DataFrame({
        "school_id": ["1", "2", "3", "4", "5", "6", "7"],
        "name": NASTY,
        "n_students": [120, 40, 35, 77, 10, 12, 300],
        "change": [-1.23456, 2.5, -0.04, 0.0, 10.0, -3.0, 1.0],
        "share_post_secondary": [51.2345, 12.5, 80.0, 33.3333, 50.0, 66.6667, 10.0],
    })
    return Table("elaka", "=Elak titel", df, decimals={"change": 1, "share_post_secondary": 1},
                 labels={"change": "-Förändring"}, note="@not")


def test_safe_text_rule():
    assert [safe_text(s) for s in NASTY] == ["'" + s for s in NASTY]
    assert safe_text("Norrskolan") == "Norrskolan" and safe_text("..") == ".."


def test_export_refuses_a_table_that_has_not_passed_disclosure_control(tmp_path):
    with pytest.raises(DisclosureError, match="röjandekontrollen"):
        write_tables([nasty_table()], tmp_path, "csv")
    assert not any(tmp_path.iterdir())


def test_publish_refuses_a_visible_small_count():
    t = nasty_table()
    t.data.loc[0, "n_students"] = 7
    with pytest.raises(DisclosureError, match="färre än 10"):
        publish(t)


def test_xlsx_has_no_formula_and_numbers_stay_rounded_numbers(tmp_path):
    [path] = write_tables([publish(nasty_table())], tmp_path, "xlsx", stem="x", title="=titel")
    wb = load_workbook(path)
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    ws = wb["elaka"]
    header = [c.value for c in ws[1]]
    assert "'-Förändring" in header
    names = [ws.cell(row=i, column=2).value for i in range(2, 9)]
    # XML may read a carriage return back as \n (depends on the openpyxl version)
    assert [v.replace("\r", "\n") for v in names] == ["'" + s.replace("\r", "\n") for s in NASTY]
    changes = [ws.cell(row=i, column=4).value for i in range(2, 9)]
    assert changes[0] == -1.2 and isinstance(changes[0], float)  # a negative number stays a number
    shares = [ws.cell(row=i, column=5).value for i in range(2, 9)]
    assert shares[0] == 51.2 and shares[3] == 33.3  # no precision beyond the shown decimal
    contents = [c.value for row in wb["Innehåll"].iter_rows() for c in row if c.value is not None]
    assert "'=titel" in contents and "'=Elak titel" in contents and "'@not" in contents


def test_csv_cells_are_neutralised_and_numbers_untouched(tmp_path):
    [path] = write_tables([publish(nasty_table())], tmp_path, "csv")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[3] == "'-Förändring"
    for row in rows:
        for cell in row:
            if cell.startswith(("=", "+", "@", "\t", "\r")):
                pytest.fail(f"live cell {cell!r}")
            if cell.startswith("-"):  # only numbers may begin with a minus sign
                float(cell.replace(",", "."))
    assert [r[1] for r in body] == ["'" + s for s in NASTY]
    assert body[0][3] == "-1,2" and body[0][4] == "51,2"


def test_json_numbers_are_rounded_to_the_shown_decimals(tmp_path):
    [path] = write_tables([publish(nasty_table())], tmp_path, "json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = doc["tables"]["elaka"]["rows"]
    assert rows[0]["share_post_secondary"] == 51.2 and rows[3]["share_post_secondary"] == 33.3
