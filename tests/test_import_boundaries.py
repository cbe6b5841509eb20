"""Files that must be refused, each with a precise Swedish message (file, row, column), and the
tricky ones that must be read correctly."""

from __future__ import annotations

import re

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from likvard.cli.main import app
from likvard.sources.errors import RegisterValidationError
from likvard.sources.registers import read_register, read_register_file
from likvard.store import open_store

SCHOOL_HEADER = "school_id;school_year;name;organiser;organiser_type;municipality_code;x;y;grade_min;grade_max"
SCHOOL = "12345678;2024;Västeråsskolan;Örebro kommun;municipal;1880;514000;6571000;0;9"
STUDENT_HEADER = ("student_id;school_year;school_id;grade;sex;parent_education;migration_background;"
                  "newly_arrived;home_x;home_y;merit_value;eligible")
STUDENT = "e1;2024;12345678;9;F;post_secondary;swedish;nej;514100;6571100;230;ja"
STAFF_HEADER = "staff_id;school_year;school_id;certified;lead_teacher;fte"

ENGLISH_LIBRARY_TEXT = re.compile(r"\b(Error|error|file|field|limit|not a zip|Traceback|codec|decode)\b")


def refused(path, kind="students", **kw) -> list:
    with pytest.raises(RegisterValidationError) as info:
        read_register(kind, path, **kw)
    for i in info.value.issues:
        assert i.file == path.name
        assert not ENGLISH_LIBRARY_TEXT.search(i.message), i.message  # Swedish only
    return info.value.issues


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_school_and_home_in_the_sea_are_refused(tmp_path):
    # Baltic between Gotland and Öland's latitude, far from land but inside Sweden's bounding box
    sea_x, sea_y = 750_000, 6_330_000
    schools = write(tmp_path, "s.csv", f"{SCHOOL_HEADER}\n{SCHOOL}\n" + SCHOOL.replace("12345678", "22345678")
                    .replace("514000;6571000", f"{sea_x};{sea_y}") + "\n")
    [i] = refused(schools, "schools")
    assert (i.row, i.column) == (3, "x") and "havet" in i.message
    students = write(tmp_path, "e.csv", f"{STUDENT_HEADER}\n{STUDENT}\n"
                     + STUDENT.replace("e1", "e2").replace("514100;6571100", f"{sea_x};{sea_y}") + "\n")
    [i] = refused(students)
    assert (i.row, i.column) == (3, "home_x") and "havet" in i.message
    # the same in WGS84 (lat/lon): the Bothnian Sea off Gävle
    lat_lon = write(tmp_path, "ll.csv", "school_id;school_year;name;organiser;organiser_type;municipality_code;lat;lon;"
                    "grade_min;grade_max\n12345678;2024;A;K;kommunal;2180;61,9;19,2;0;9\n")
    [i] = refused(lat_lon, "schools")
    assert i.column == "lat" and "havet" in i.message


def test_school_outside_its_municipality_is_refused(tmp_path):
    # coordinates in Örebro, municipality code of Kiruna (2584)
    path = write(tmp_path, "s.csv", f"{SCHOOL_HEADER}\n{SCHOOL.replace(';1880;', ';2584;')}\n")
    [i] = refused(path, "schools")
    assert i.row == 2 and "utanför kommunen 2584 (Kiruna)" in i.message


def test_utf8_file_with_one_windows_1252_byte_is_refused_naming_the_line(tmp_path):
    good = f"{SCHOOL_HEADER}\n{SCHOOL}\n{SCHOOL.replace('12345678', '22345678')}\n".encode()
    bad = good.replace("Västeråsskolan;Örebro kommun;municipal;1880;514000;6571000;0;9\n2".encode(),
                       "Västeråsskolan;Örebro kommun;municipal;1880;514000;6571000;0;9\n2".encode())
    lines = bad.split(b"\n")
    lines[2] = lines[2].replace("Västerås".encode(), "V\xe4sterås".encode("latin-1").replace(b"\xe5", "å".encode()))
    path = write(tmp_path, "s.csv", b"\n".join(lines))
    [i] = refused(path, "schools")
    assert i.row == 3 and "blandad teckenkodning" in i.message
    # a file wholly in Windows-1252 is read correctly
    cp = write(tmp_path, "cp.csv", good.decode().encode("cp1252"))
    assert read_register("schools", cp)["name"].tolist() == ["Västeråsskolan"] * 2


def test_utf16_with_bom_is_read_and_without_bom_refused(tmp_path):
    text = f"{SCHOOL_HEADER}\n{SCHOOL}\n".replace(";", "\t")
    ok = write(tmp_path, "u16.txt", text.encode("utf-16"))  # Excel's "Unicode text": BOM + tabs
    assert read_register("schools", ok)["organiser"].tolist() == ["Örebro kommun"]
    bad = write(tmp_path, "u16.csv", text.encode("utf-16-le"))
    [i] = refused(bad, "schools")
    assert "UTF-16" in i.message


@pytest.mark.parametrize("payload,what", [
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG-bild"),
    (b"PK\x03\x04" + bytes(200), ".xlsx"),
    (b"%PDF-1.7\n" + bytes(20), "PDF-fil"),
])
def test_other_files_renamed_csv_are_named(tmp_path, payload, what):
    [i] = refused(write(tmp_path, "elever.csv", payload))
    assert what in i.message


def test_broken_xlsx_gives_a_swedish_message(tmp_path):
    [i] = refused(write(tmp_path, "elever.xlsx", b"PK\x03\x04 this is not really a zip"))
    assert "Excelfilen kunde inte läsas" in i.message
    [i] = refused(write(tmp_path, "elever2.xlsx", f"{STUDENT_HEADER}\n{STUDENT}\n"))
    assert "textfil" in i.message and ".csv" in i.message


def test_nul_byte_is_refused_naming_the_line(tmp_path):
    nul_row = STUDENT.replace("e1", "e\x002")
    path = write(tmp_path, "e.csv", f"{STUDENT_HEADER}\n{STUDENT}\n{nul_row}\n")
    [i] = refused(path)
    assert i.row == 3 and "NUL" in i.message


@pytest.mark.parametrize("length", [100_000, 200_000])
def test_overlong_field_is_refused_with_row_and_column(tmp_path, length):
    long_name = "A" * length
    path = write(tmp_path, "s.csv", f"{SCHOOL_HEADER}\n{SCHOOL}\n{SCHOOL.replace('12345678', '22345678').replace('Västeråsskolan', long_name)}\n")
    [i] = refused(path, "schools")
    assert (i.row, i.column) == (3, "name") and f"{length} tecken" in i.message
    assert i.value is None  # the field itself is not echoed


def test_header_only_file_is_refused(tmp_path):
    [i] = refused(write(tmp_path, "e.csv", STUDENT_HEADER + "\n"))
    assert i.row == 1 and "inga rader med data" in i.message


def test_merit_value_for_grade_3_is_refused(tmp_path):
    path = write(tmp_path, "e.csv", f"{STUDENT_HEADER}\n{STUDENT}\n" + STUDENT.replace("e1;2024;12345678;9", "e2;2024;12345678;3") + "\n")
    issues = refused(path)
    assert {(i.row, i.column) for i in issues} == {(3, "merit_value"), (3, "eligible")}
    assert all("årskurs 9" in i.message and "årskurs 3" in i.message for i in issues)


def test_fte_40_is_refused_with_a_hint(tmp_path):
    [i] = refused(write(tmp_path, "p.csv", f"{STAFF_HEADER}\nt1;2024;12345678;ja;nej;40\n"), "staff")
    assert (i.row, i.column, i.value) == (2, "fte", "40") and "0,4" in i.message


def test_capacity_1e20_is_refused_not_a_crash(tmp_path):
    path = write(tmp_path, "s.csv", f"{SCHOOL_HEADER};capacity_1\n{SCHOOL};1e20\n")
    [i] = refused(path, "schools")
    assert (i.row, i.column, i.value) == (2, "capacity_1", "1e20") and "mellan 0 och 2000" in i.message
    path = write(tmp_path, "q.csv", "school_id;school_year;respondent;area;value;n_respondents\n"
                 "12345678;2024;teacher;trygghet;7;99999999999999999999\n")
    [i] = refused(path, "survey")
    assert i.column == "n_respondents"


def _xlsx(path, rows, merge=None):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def test_merged_header_cells_in_excel_are_refused(tmp_path):
    header = STUDENT_HEADER.split(";")
    row = STUDENT.split(";")
    header[9] = None  # home_y's header cell is swallowed by the merge with home_x
    path = _xlsx(tmp_path / "e.xlsx", [header, row], merge="I1:J1")
    issues = refused(path)
    assert any(i.row == 1 and "I1:J1" in (i.value or "") and "sammanslagna" in i.message for i in issues)


def test_empty_and_duplicated_headers_are_refused(tmp_path):
    header = STUDENT_HEADER.split(";") + ["", "Elev-id"]
    row = STUDENT.split(";") + ["något", "x"]
    issues = refused(_xlsx(tmp_path / "e.xlsx", [header, row]))
    messages = {(i.column, i.message.split(".")[0]) for i in issues}
    assert any("Kolumn M saknar rubrik" in m for _, m in messages)
    assert any(c == "student_id" and "mer än en gång" in m for c, m in messages)


def test_swedish_headers_are_accepted(tmp_path):
    text = ("Elev-id;Läsår;Skolenhetskod;Årskurs;Kön;Vårdnadshavares utbildningsnivå;Bakgrund;Nyanländ;"
            "Hem X (SWEREF99 TM);Hem Y (SWEREF99 TM);Meritvärde;Behörig\n"
            "e1;2024/25;12345678;9;flicka;eftergymnasial;svensk bakgrund;nej;514100;6571100;230,5;ja\n")
    df = read_register("students", write(tmp_path, "elever.csv", text))
    assert df.iloc[0][["student_id", "school_year", "grade", "sex", "parent_education", "merit_value"]].tolist() == [
        "e1", 2024, 9, "F", "post_secondary", 230.5]
    bad = text.replace(";9;flicka", ";11;flicka")
    [i] = refused(write(tmp_path, "fel.csv", bad))
    assert i.column == "Årskurs"  # the header as the user wrote it


def test_control_characters_are_escaped_in_messages(tmp_path):
    path = write(tmp_path, "e.csv", f"{STUDENT_HEADER}\n" + STUDENT.replace(";F;", ";\x1b[2J\x07;") + "\n")
    [i] = refused(path)
    assert "\x1b" not in str(i) and "\\x1b" in i.value


def run(*args):
    return CliRunner().invoke(app, ["import", *map(str, args)], env={"COLUMNS": "250"})


def test_school_reimport_that_would_orphan_students_is_refused_by_the_cli(tmp_path):
    schools = write(tmp_path, "s.csv", f"{SCHOOL_HEADER}\n{SCHOOL}\n{SCHOOL.replace('12345678', '22345678')}\n")
    students = write(tmp_path, "e.csv", f"{STUDENT_HEADER}\n{STUDENT}\n"
                     + STUDENT.replace("e1;2024;12345678", "e2;2024;22345678") + "\n")
    db = tmp_path / "l.db"
    assert run("auto", schools, students, "--db", db).exit_code == 0
    fewer = write(tmp_path, "s2.csv", f"{SCHOOL_HEADER}\n{SCHOOL}\n")
    result = run("skolor", fewer, "--db", db)
    assert result.exit_code == 1
    assert "skolenheten 22345678 läsåret 2024/25 (1 elever)" in result.output and "Ingenting" in result.output
    assert sorted(open_store(db).read("schools")["school_id"]) == ["12345678", "22345678"]


def test_another_programs_database_is_refused_by_the_cli(tmp_path):
    import sqlite3

    db = tmp_path / "annat.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE kunder (id INTEGER)")
    schools = write(tmp_path, "s.csv", f"{SCHOOL_HEADER}\n{SCHOOL}\n")
    result = run("skolor", schools, "--db", db)
    assert result.exit_code == 1 and "inte en Likvärd-databas" in result.output and "Traceback" not in result.output
    with sqlite3.connect(db) as con:
        assert [r[0] for r in con.execute("SELECT name FROM sqlite_master")] == ["kunder"]


def test_read_register_file_reports_what_was_done(tmp_path):
    path = write(tmp_path, "e.csv", f"{STUDENT_HEADER}\n{STUDENT.replace('e1', '20110222-5636')}\n")
    item = read_register_file("students", path, key=b"z" * 32)
    assert item.n_pseudonymised == 1 and item.kind == "students" and item.key_fingerprint is not None
    assert item.frame["student_id"].iloc[0].startswith("p_")
