"""``likvard import``: all problems shown in Swedish, database unchanged on error, summary on success."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from likvard.cli.main import app
from likvard.store import open_store

SCHOOLS = (
    "school_id;school_year;name;organiser;organiser_type;municipality_code;x;y;grade_min;grade_max\n"
    "12345678;2024;Norrskolan;Exempelstads kommun;municipal;1880;514000;6571000;0;9\n"
    "23456789;2024;Söderskolan;Friskolan AB;independent;1880;515000;6572000;7;9\n"
)
STUDENTS = (
    "student_id,school_year,school_id,grade,sex,parent_education,migration_background,newly_arrived,home_x,home_y\n"
    "811218-9876,2024,12345678,3,F,post_secondary,swedish,nej,514100,6571100\n"
    "e2,2024,23456789,8,M,compulsory,foreign_born,ja,514200,6571200\n"
    "e3,2024,23456789,7,F,unknown,swedish,nej,514300,6571300\n"
)
BAD_STUDENTS = STUDENTS.replace("e2,2024,23456789,8", "e2,2024,99999999,8").replace(",7,F,unknown", ",11,F,okänt")


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "skolor.csv").write_text(SCHOOLS, encoding="utf-8")
    (tmp_path / "elever.csv").write_text(STUDENTS, encoding="utf-8")
    (tmp_path / "fel.csv").write_text(BAD_STUDENTS, encoding="utf-8")
    return tmp_path


def run(*args):
    return CliRunner().invoke(app, ["import", *map(str, args)], env={"COLUMNS": "250"})


def dump(path):
    with sqlite3.connect(path) as con:
        return list(con.iterdump())


def test_import_schools_then_students_in_one_call(files):
    db = files / "l.db"
    result = run("auto", files / "elever.csv", files / "skolor.csv", "--db", db)  # order does not matter
    assert result.exit_code == 0, result.output
    assert "Importerat" in result.output and "2024/25" in result.output
    data = open_store(db).load()
    assert len(data.schools) == 2 and len(data.students) == 3
    assert data.students["student_id"].iloc[0].startswith("p_")
    assert "811218" not in "".join(dump(db))  # the personal identity number never reaches the database


def test_students_checked_against_schools_in_the_store(files):
    db = files / "l.db"
    assert run("skolor", files / "skolor.csv", "--db", db).exit_code == 0
    result = run("students", files / "elever.csv", "--db", db)
    assert result.exit_code == 0, result.output
    log = open_store(db).imports()
    assert log["kind"].tolist() == ["schools", "students"]
    assert log["file_name"].tolist() == ["skolor.csv", "elever.csv"]
    import hashlib

    assert log["file_sha256"].iloc[1] == hashlib.sha256((files / "elever.csv").read_bytes()).hexdigest()


def test_bad_file_shows_every_problem_and_leaves_database_unchanged(files):
    db = files / "l.db"
    assert run("schools", files / "skolor.csv", "--db", db).exit_code == 0
    before = dump(db)
    result = run("students", files / "fel.csv", "--db", db)
    assert result.exit_code == 1
    out = result.output
    for header in ("fil", "rad", "kolumn", "värde", "problem"):
        assert header in out
    assert "99999999" in out and "finns inte i skolregistret" in out
    assert "11" in out and "mellan 0 och 9" in out
    assert "okänt" in out and "Okänd kod" in out
    assert "3 problem" in out and "oförändrad" in out
    assert dump(db) == before


def test_a_bad_file_stops_the_good_ones_too(files):
    db = files / "l.db"
    result = run("auto", files / "skolor.csv", files / "fel.csv", "--db", db)
    assert result.exit_code == 1
    store = open_store(db)
    assert store.read("schools").empty and store.imports().empty


def test_unknown_kind_and_missing_file(files):
    result = run("pupils", files / "elever.csv", "--db", files / "l.db")
    assert result.exit_code == 1 and "Okänd registertyp" in result.output
    result = run("students", files / "saknas.csv", "--db", files / "l.db")
    assert result.exit_code == 1 and "finns inte" in result.output


def test_help_is_swedish():
    result = CliRunner().invoke(app, ["import", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Importera registerfiler" in result.output


def test_two_files_of_one_kind_add_up_and_cross_file_duplicates_are_caught(files):
    db = files / "l.db"
    lines = STUDENTS.splitlines()
    (files / "a.csv").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    (files / "b.csv").write_text("\n".join([lines[0], lines[3]]) + "\n", encoding="utf-8")
    result = run("auto", files / "skolor.csv", files / "a.csv", files / "b.csv", "--db", db)
    assert result.exit_code == 0, result.output
    assert len(open_store(db).read("students")) == 3  # same year in two files: both kept
    before = dump(db)
    (files / "c.csv").write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")
    result = run("students", files / "a.csv", files / "c.csv", "--db", db)
    assert result.exit_code == 1
    assert "c.csv" in result.output and "finns också i a.csv" in result.output and "e2" in result.output
    assert dump(db) == before


def test_no_database_file_is_created_when_the_import_fails(files):
    db = files / "ny.db"
    assert run("students", files / "fel.csv", "--db", db).exit_code == 1
    assert not db.exists()
    result = run("auto", files / "skolor.csv", files / "elever.csv", "--db", files / "saknad_mapp" / "x.db")
    assert result.exit_code == 1 and "Mappen" in result.output and "saknad_mapp" in result.output


def test_exempelstad_register_files_import_and_round_trip(tmp_path):
    """The demo's register files (as `likvard demo` writes them) pass validation and load back equal."""
    import pandas as pd

    from likvard.demo import generate_exempelstad

    data = generate_exempelstad(n_years=1, scale=0.3)
    paths = data.write(tmp_path / "register")
    db = tmp_path / "d.db"
    result = run("auto", *paths.values(), "--db", db)
    assert result.exit_code == 0, result.output
    loaded = open_store(db).load()
    for kind in ("schools", "students", "choices", "staff", "survey", "areas"):
        original, back = getattr(data, kind), getattr(loaded, kind)
        keys = [c for c in ("school_year", "school_id", "student_id", "staff_id", "area_id", "rank", "respondent",
                            "area") if c in back.columns]
        pd.testing.assert_frame_equal(
            back.sort_values(keys).reset_index(drop=True),
            original.sort_values(keys).reset_index(drop=True)[list(back.columns)],
            check_dtype=False, obj=kind,
        )
        assert list(back.columns) == [c for c in back.columns if c in original.columns]


def test_school_register_split_over_two_files(files):
    lines = SCHOOLS.splitlines()
    (files / "s1.csv").write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    (files / "s2.csv").write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")
    db = files / "l.db"
    result = run("auto", files / "s1.csv", files / "s2.csv", files / "elever.csv", "--db", db)
    assert result.exit_code == 0, result.output
    assert sorted(open_store(db).read("schools")["school_id"]) == ["12345678", "23456789"]
