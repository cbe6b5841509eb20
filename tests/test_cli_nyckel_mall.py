"""``likvard nyckel``, ``likvard mall`` (a filled-in template imports back unchanged), private output
files, and ``likvard demo`` refusing to overwrite a database that is not an earlier demo."""

from __future__ import annotations

import os
import sqlite3
import stat

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from likvard.cli.main import app
from likvard.sources import identity
from likvard.sources.registers import SCHEMAS, read_register


def cli(*args):
    return CliRunner().invoke(app, [*map(str, args)], env={"COLUMNS": "250"})


@pytest.fixture()
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("LIKVARD_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def test_nyckel_visa_and_sakerhetskopiera(config, tmp_path):
    assert "Ingen nyckel" in cli("nyckel", "visa").output
    key = identity.load_key()
    out = cli("nyckel", "visa")
    assert out.exit_code == 0 and key.fingerprint in out.output and key.secret.hex() not in out.output
    result = cli("nyckel", "sakerhetskopiera", tmp_path)
    assert result.exit_code == 0, result.output
    [copy] = list(tmp_path.glob("likvard-nyckel-*.key"))
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    assert bytes.fromhex(copy.read_text().strip()) == key.secret
    again = cli("nyckel", "sakerhetskopiera", copy)
    assert again.exit_code == 1 and "finns redan" in again.output
    identity.key_path().chmod(0o644)
    refused = cli("nyckel", "visa")
    assert refused.exit_code == 1 and "chmod 600" in refused.output


def test_import_with_another_key_is_refused(config, tmp_path):
    (tmp_path / "s.csv").write_text("school_id;school_year;name;organiser;organiser_type;municipality_code;x;y;"
                                    "grade_min;grade_max\n12345678;2024;A;K;kommunal;1880;514000;6571000;0;9\n")
    (tmp_path / "e.csv").write_text("student_id;school_year;school_id;grade;sex;parent_education;"
                                    "migration_background;newly_arrived;home_x;home_y\n"
                                    "20110222-5636;2024;12345678;3;F;okänd;svensk;nej;514100;6571100\n")
    db = tmp_path / "l.db"
    first = cli("import", "auto", tmp_path / "s.csv", tmp_path / "e.csv", "--db", db)
    assert first.exit_code == 0 and "Ny nyckel" in first.output
    assert cli("nyckel", "visa", "--db", db).exit_code == 0
    identity.key_path().unlink()  # the key is lost; a new one is made next time
    identity.load_key()
    result = cli("import", "elever", tmp_path / "e.csv", "--db", db)
    assert result.exit_code == 1 and "inte samma" in result.output and "Ingenting har importerats" in result.output
    assert cli("nyckel", "visa", "--db", db).exit_code == 1


@pytest.mark.parametrize("kind", ["schools", "students", "choices", "staff", "survey", "areas"])
def test_template_filled_in_imports_back_unchanged(config, tmp_path, kind):
    target = tmp_path / f"mall_{kind}.xlsx"
    result = cli("mall", kind, "--ut", target)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    wb = load_workbook(target)
    assert wb.sheetnames == ["Data", "Datalexikon"]
    headers = [c.value for c in wb["Data"][1]]
    lexicon = {r[1]: r for r in wb["Datalexikon"].iter_rows(min_row=2, values_only=True) if r and r[1]}
    rows = {
        "schools": [["01234567", "2024/25", "Norrskolan", "Örebro kommun", "kommunal", "1880", 514000, 6571000, 0, 6,
                     None, 25, 25, 25, 25, 25, 25, None, None, None, "musik"]],
        "students": [["e1", 2024, "01234567", 9, "F", "eftergymnasial", "svensk bakgrund", "nej", 514100, 6571100,
                      None, "g1", "nej", 230.5, "ja"],
                     ["e2", 2024, "01234567", 3, "M", "okänd", "utrikes född", "ja", None, None, "1880C1010", None,
                      None, None, None]],
        "choices": [["e1", 2024, 7, 1, "01234567"], ["e1", 2024, 7, 2, "12345678"]],
        "staff": [["t1", 2024, "01234567", "ja", "nej", 1, 12.5]],
        "survey": [["01234567", 2024, "elev åk 8", "trygghet", 7.9, 45]],
        "areas": [["1880C1010", "Centrum", 3, 514000, 6571000]],
    }[kind]
    assert len(headers) == len(rows[0]) and set(lexicon) == {f.name for f in SCHEMAS[kind]}
    ws = wb["Data"]
    for r in rows:
        ws.append(r)
    wb.save(target)
    known = {2024: {"01234567", "12345678"}} if kind not in ("schools", "areas") else None
    df = read_register(kind, target, known_school_ids=known)
    assert len(df) == len(rows)
    if kind == "schools":
        assert df.iloc[0][["school_id", "school_year", "organiser_type", "municipality_code", "capacity_1"]].tolist() == [
            "01234567", 2024, "municipal", "1880", 25]
    if kind == "students":
        assert df["migration_background"].tolist() == ["swedish", "foreign_born"]
        assert df["merit_value"].iloc[0] == 230.5 and df["home_area"].iloc[1] == "1880C1010"
    if kind == "survey":
        assert df["respondent"].tolist() == ["student_grade8"]


def test_mall_refuses_unknown_kind_and_existing_file(tmp_path):
    assert "Okänd registertyp" in cli("mall", "elefanter", "--ut", tmp_path / "x.xlsx").output
    (tmp_path / "x.xlsx").write_bytes(b"")
    result = cli("mall", "elever", "--ut", tmp_path / "x.xlsx")
    assert result.exit_code == 1 and "--skriv-over" in result.output


def test_demo_refuses_to_overwrite_another_database(tmp_path):
    db = tmp_path / "kommun.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE viktigt (x INTEGER)")
    result = cli("demo", "--db", db, "--ut", tmp_path / "ut")
    assert result.exit_code == 1 and "--skriv-over" in result.output
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT name FROM sqlite_master").fetchall() == [("viktigt",)]


def test_private_umask_makes_every_output_private(tmp_path):
    from likvard.files import make_private_dir, private_umask, write_private_text

    old = os.umask(0o022)
    try:
        with private_umask():
            (tmp_path / "lib.csv").write_text("a")  # as any library would write it
            (tmp_path / "sub").mkdir()
        assert stat.S_IMODE(os.stat(tmp_path / "lib.csv").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(tmp_path / "sub").st_mode) == 0o700
        write_private_text(tmp_path / "own.txt", "x")
        make_private_dir(tmp_path / "a" / "b")
        assert stat.S_IMODE(os.stat(tmp_path / "own.txt").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(tmp_path / "a").st_mode) == 0o700
        assert os.umask(0o022) == 0o022  # restored after the block
    finally:
        os.umask(old)


def test_import_output_and_database_are_private(config, tmp_path):
    (tmp_path / "s.csv").write_text("school_id;school_year;name;organiser;organiser_type;municipality_code;x;y;"
                                    "grade_min;grade_max\n12345678;2024;A;K;kommunal;1880;514000;6571000;0;9\n")
    old = os.umask(0o022)
    try:
        assert cli("import", "skolor", tmp_path / "s.csv", "--db", tmp_path / "l.db").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "l.db").st_mode) == 0o600
    assert pd.read_sql("SELECT * FROM schools", sqlite3.connect(tmp_path / "l.db")).shape[0] == 1
