"""Swedish formatting helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.views.common import format_number, format_table, label, school_year_label


def test_decimal_comma_and_thousands_space():
    assert format_number(1234.56, 1) == "1\u202f234,6"
    assert format_number(0.1234, 3) == "0,123"
    assert format_number(-6.6) == "-6,6"
    assert format_number("..") == ".."
    assert format_number(np.nan) == ""


def test_school_year_label():
    assert school_year_label(2024) == "2024/25"
    assert school_year_label(2009) == "2009/10"
    assert school_year_label(1999) == "1999/00"


def test_format_table_counts_years_and_markers():
    df = pd.DataFrame({"school_year": [2023, 2024], "n_students": [1207.0, ".."], "share": [55.55, ".."]})
    out = format_table(df)
    assert out["school_year"].tolist() == ["2023/24", "2024/25"]
    assert out["n_students"].tolist() == ["1\u202f207", ".."]
    assert out["share"].tolist() == ["55,5", ".."] or out["share"].tolist() == ["55,6", ".."]
    assert label("n_students") == "Antal elever"
