"""The same register as ',' CSV, ';' CSV with decimal comma (UTF-8, BOM, cp1252), xlsx and parquet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from likvard.sources.identity import key_fingerprint
from likvard.sources.registers import read_register, read_register_file, wgs84_to_sweref99tm
from likvard.sources.tabular import read_raw, sniff_delimiter

STUDENTS = [
    # student_id, year, school, grade, sex, parent_ed, migration, newly_arrived, x, y, merit, eligible
    ("e1", 2024, "12345678", 9, "F", "post_secondary", "swedish", "nej", 514000.5, 6571000.25, 255.5, "ja"),
    ("e2", 2024, "12345678", 3, "M", "compulsory", "foreign_born", "ja", 514100.0, 6571100.0, None, None),
    ("Åsa-3", 2024, "23456789", 7, "F", "unknown", "born_in_sweden_foreign_parents", "nej", 515000.0, 6572000.0,
     None, None),
]
HEADER = ["student_id", "school_year", "school_id", "grade", "sex", "parent_education", "migration_background",
          "newly_arrived", "home_x", "home_y", "merit_value", "eligible"]


def _cell(v, decimal_comma):
    if v is None:
        return ""
    if isinstance(v, float) and decimal_comma:
        return f"{v:g}".replace(".", ",") if v < 1e5 else str(v).replace(".", ",")
    return str(v)


def write_csv(path, sep, encoding):
    lines = [sep.join(HEADER)] + [sep.join(_cell(v, sep == ";") for v in row) for row in STUDENTS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in STUDENTS:
        ws.append([int(v) if k in ("school_year", "grade") else v for k, v in zip(HEADER, row)])
    wb.save(path)
    return path


def write_parquet(path):
    df = pd.DataFrame(STUDENTS, columns=HEADER)
    df["newly_arrived"] = df["newly_arrived"] == "ja"
    df["eligible"] = df["eligible"].map({"ja": True, None: None})
    df.to_parquet(path)
    return path


EXPECTED = pd.DataFrame({
    "student_id": pd.Series(["e1", "e2", "Åsa-3"], dtype="str"),
    "school_year": np.array([2024, 2024, 2024], dtype="int64"),
    "school_id": pd.Series(["12345678", "12345678", "23456789"], dtype="str"),
    "grade": np.array([9, 3, 7], dtype="int64"),
    "sex": pd.Series(["F", "M", "F"], dtype="str"),
    "parent_education": pd.Series(["post_secondary", "compulsory", "unknown"], dtype="str"),
    "migration_background": pd.Series(["swedish", "foreign_born", "born_in_sweden_foreign_parents"], dtype="str"),
    "newly_arrived": np.array([False, True, False]),
    "home_x": [514000.5, 514100.0, 515000.0],
    "home_y": [6571000.25, 6571100.0, 6572000.0],
    "merit_value": [255.5, np.nan, np.nan],
    "eligible": pd.array([True, pd.NA, pd.NA], dtype="boolean"),
})


@pytest.mark.parametrize(
    "writer",
    [
        lambda p: write_csv(p / "e.csv", ",", "utf-8"),
        lambda p: write_csv(p / "e.csv", ";", "utf-8-sig"),
        lambda p: write_csv(p / "e.csv", ";", "cp1252"),
        lambda p: write_csv(p / "e.csv", "\t", "utf-8"),
        lambda p: write_xlsx(p / "e.xlsx"),
        lambda p: write_parquet(p / "e.parquet"),
    ],
    ids=["comma-utf8", "semicolon-bom", "semicolon-cp1252", "tab", "xlsx", "parquet"],
)
def test_every_format_gives_the_same_frame(tmp_path, writer):
    df = read_register("students", writer(tmp_path))
    pd.testing.assert_frame_equal(df, EXPECTED)


def test_row_numbers_are_as_the_user_sees_them(tmp_path):
    raw = read_raw(write_csv(tmp_path / "e.csv", ";", "utf-8")).frame
    assert list(raw.index) == [2, 3, 4]
    raw = read_raw(write_xlsx(tmp_path / "e.xlsx")).frame
    assert list(raw.index) == [2, 3, 4]
    raw = read_raw(write_parquet(tmp_path / "e.parquet")).frame
    assert list(raw.index) == [1, 2, 3]


def test_sniff_delimiter():
    assert sniff_delimiter("a;b;c") == ";"
    assert sniff_delimiter("a,b,c") == ","
    assert sniff_delimiter("a\tb") == "\t"
    assert sniff_delimiter("only") == ","


SCHOOLS_CSV = """school_id;school_year;name;organiser;organiser_type;municipality_code;{loc};grade_min;grade_max;capacity_7;profile
12345678;2024;Norrskolan;Exempelstads kommun;kommunal;1880;{a};0;6;;
23456789;2024;Söderskolan;Friskolan AB;independent;180;{b};7;9;120;musik
"""


def test_schools_swedish_aliases_optional_columns_and_lat_lon(tmp_path):
    lat, lon = (59.2741, 15.2066), (59.3293, 18.0686)  # Örebro, Stockholm
    (tmp_path / "s.csv").write_text(SCHOOLS_CSV.format(loc="lat;lon", a=f"{lat[0]};{lat[1]}".replace(".", ","),
                                                        b=f"{lon[0]};{lon[1]}".replace(".", ",")), encoding="utf-8")
    df = read_register("schools", tmp_path / "s.csv")
    assert df["organiser_type"].tolist() == ["municipal", "independent"]
    assert df["municipality_code"].tolist() == ["1880", "0180"]  # leading zero restored
    assert df["capacity_7"].tolist()[1] == 120 and pd.isna(df["capacity_7"].iloc[0])
    assert df["profile"].tolist() == ["", "musik"]  # empty = no profile
    assert "lat" not in df.columns
    # reference: pyproj directly (EPSG:4326 -> EPSG:3006); Stockholm's centre is near E 674 000, N 6 580 000
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform(18.0686, 59.3293)
    assert df["x"].iloc[1] == pytest.approx(x) and df["y"].iloc[1] == pytest.approx(y)
    assert 670_000 < x < 680_000 and 6_575_000 < y < 6_585_000
    xx, yy = wgs84_to_sweref99tm(np.array([lat[0]]), np.array([lat[1]]))
    assert df["x"].iloc[0] == pytest.approx(xx[0])


def test_booleans_and_school_year_forms(tmp_path):
    (tmp_path / "p.csv").write_text(
        "staff_id;school_year;school_id;certified;lead_teacher;fte;experience_years\n"
        "t1;2024/25;12345678;Ja;sant;1,0;3,5\n"
        "t2;2024;12345678;NEJ;falskt;0,5;\n"
        "t3;2024;12345678;1;0;0,75;10\n"
        "t4;2024;12345678;true;FALSE;1;\n",
        encoding="utf-8",
    )
    df = read_register("staff", tmp_path / "p.csv")
    assert df["school_year"].tolist() == [2024] * 4
    assert df["certified"].tolist() == [True, False, True, True]
    assert df["lead_teacher"].tolist() == [True, False, False, False]
    assert df["fte"].tolist() == [1.0, 0.5, 0.75, 1.0]
    assert df["experience_years"].iloc[0] == 3.5 and df["experience_years"].isna().sum() == 2


def test_home_area_instead_of_coordinates(tmp_path):
    (tmp_path / "e.csv").write_text(
        "student_id,school_year,school_id,grade,sex,parent_education,migration_background,newly_arrived,home_area\n"
        "a,2024,12345678,1,F,unknown,swedish,nej,1880C1010\n",
        encoding="utf-8",
    )
    df = read_register("students", tmp_path / "e.csv")
    assert df["home_area"].tolist() == ["1880C1010"]
    assert df["home_x"].isna().all() and df["home_x"].dtype == "float64"


def test_personal_identity_numbers_in_id_column_are_pseudonymised(tmp_path):
    (tmp_path / "e.csv").write_text(
        "student_id,school_year,school_id,grade,sex,parent_education,migration_background,newly_arrived,home_x,home_y\n"
        "811218-9876,2024,12345678,1,F,unknown,swedish,nej,514000,6571000\n"
        "198112189876,2025,12345678,2,F,unknown,swedish,nej,514000,6571000\n"
        "local-7,2024,12345678,2,M,unknown,swedish,nej,514000,6571000\n",
        encoding="utf-8",
    )
    read = read_register_file("students", tmp_path / "e.csv", key=b"k" * 32)
    df = read.frame
    ids = df["student_id"].tolist()
    assert ids[0] == ids[1] and ids[0].startswith("p_") and "811218" not in ids[0]
    assert ids[2] == "local-7"
    assert read.n_pseudonymised == 2 and read.key_fingerprint == key_fingerprint(b"k" * 32)
    other = read_register("students", tmp_path / "e.csv", key=b"j" * 32)
    assert other["student_id"].iloc[0] != ids[0]


def test_sources_package_does_not_import_skolverket_eagerly():
    import subprocess
    import sys

    code = "import sys, likvard.sources; print('likvard.sources.skolverket' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_choices_and_staff_get_the_same_pseudonyms_as_students(tmp_path):
    key = b"s" * 32
    (tmp_path / "e.csv").write_text(
        "student_id,school_year,school_id,grade,sex,parent_education,migration_background,newly_arrived,home_x,home_y\n"
        "811218-9876,2024,12345678,6,F,unknown,swedish,nej,514000,6571000\n", encoding="utf-8")
    (tmp_path / "v.csv").write_text("student_id;school_year;grade;rank;school_id\n198112189876;2024;7;1;12345678\n",
                                    encoding="utf-8")
    (tmp_path / "p.csv").write_text("staff_id,school_year,school_id,certified,lead_teacher,fte\n"
                                    "19811218-9876,2024,12345678,ja,nej,1\n", encoding="utf-8")
    s = read_register("students", tmp_path / "e.csv", key=key)["student_id"].iloc[0]
    c = read_register("choices", tmp_path / "v.csv", key=key)["student_id"].iloc[0]
    p = read_register("staff", tmp_path / "p.csv", key=key)["staff_id"].iloc[0]
    assert s == c == p and s.startswith("p_")
