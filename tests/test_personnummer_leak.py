"""No personal identity number, in any spelling, reaches the database, an output file or the terminal.

Exempelstad's register files with real-shaped personnummer and samordningsnummer planted as
student and staff ids in every spelling (CSV text and xlsx number cells), imported with
``likvard import``; then every table is dumped, the report is built from the store and every
file written is read, and everything the commands printed is searched. The search is independent
of the code under test: the ten digits YYMMDDNNNC of each planted number, allowing up to three
other characters between any two of them (so separators of any kind are found too).
"""

from __future__ import annotations

import re
import sqlite3

import pandas as pd
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from likvard.cli.main import app
from likvard.store import open_store


def luhn(nine: str) -> int:
    """Independent Luhn (ISO/IEC 7812-1): double every other digit from the left, sum digits."""
    s = sum(sum(divmod(int(d) * (2 - i % 2), 10)) for i, d in enumerate(nine))
    return (10 - s % 10) % 10


def make_number(k: int, samordning: bool = False) -> str:
    """A valid twelve-digit number: born 2008-2013, a distinct serial per k."""
    year = 2008 + k % 6
    month = 1 + k % 12
    day = 1 + k % 28 + (60 if samordning else 0)
    serial = f"{100 + k:03d}"[-3:]
    nine = f"{year % 100:02d}{month:02d}{day:02d}{serial}"
    return f"{year}{nine[2:]}{luhn(nine)}"


SPELLINGS = [
    lambda n: n, lambda n: n[2:], lambda n: f"{n[:8]}-{n[8:]}", lambda n: f"{n[2:8]}-{n[8:]}",
    lambda n: f"{n[:8]} {n[8:]}", lambda n: f"{n[:8]}\u2013{n[8:]}", lambda n: f"{n[2:8]}\u00a0{n[8:]}",
    lambda n: f"{n[:8]}_{n[8:]}", lambda n: f"{n[:4]}-{n[4:6]}-{n[6:8]}-{n[8:]}", lambda n: f"'{n[:8]}-{n[8:]}",
    lambda n: f"{n}.0", lambda n: f"{n[2:]}.0", lambda n: f"{n[:8]}\u2212{n[8:]}", lambda n: f" {n[2:8]}\u202f{n[8:]} ",
]


def pattern(number: str) -> re.Pattern[str]:
    core = number[2:]  # YYMMDDNNNC: present in every spelling
    return re.compile(r"\D{0,3}".join(core))


def found_in(text: str, numbers: list[str]) -> list[str]:
    return [n for n in numbers if pattern(n).search(text)]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    from likvard.demo import generate_exempelstad

    folder = tmp_path_factory.mktemp("leak")
    data = generate_exempelstad(n_years=1, scale=0.3)
    paths = data.write(folder / "register")
    students = pd.read_csv(paths["students"], dtype=str, keep_default_na=False)
    choices = pd.read_csv(paths["choices"], dtype=str, keep_default_na=False)
    staff = pd.read_csv(paths["staff"], dtype=str, keep_default_na=False)
    numbers, mapping = [], {}
    for k, sid in enumerate(students["student_id"].unique()[: 3 * len(SPELLINGS)]):
        number = make_number(k, samordning=k % 5 == 4)
        numbers.append(number)
        mapping[sid] = SPELLINGS[k % len(SPELLINGS)](number)
    students["student_id"] = students["student_id"].map(lambda s: mapping.get(s, s))
    # the same students in the choice file in other spellings (the pseudonym must match)
    other = {sid: SPELLINGS[(i + 3) % len(SPELLINGS)](numbers[i]) for i, sid in enumerate(mapping)}
    choices["student_id"] = choices["student_id"].map(lambda s: other.get(s, s))
    staff_numbers = []
    for k, sid in enumerate(staff["staff_id"].unique()[:6]):
        number = make_number(100 + k)
        staff_numbers.append(number)
        staff.loc[staff["staff_id"] == sid, "staff_id"] = SPELLINGS[(k * 5) % len(SPELLINGS)](number)
    students.to_csv(paths["students"], index=False)
    choices.to_csv(paths["choices"], index=False, sep=";")
    # staff as Excel with the ids as NUMBER cells (Excel drops a 10-digit number's leading zero)
    wb = Workbook()
    ws = wb.active
    ws.append(list(staff.columns))
    for row in staff.itertuples(index=False):
        cells = list(row)
        digits = re.sub(r"\D", "", cells[0].removesuffix(".0"))
        if len(digits) in (10, 12) and cells[0] in {SPELLINGS[0](n) for n in staff_numbers} | {SPELLINGS[1](n) for n in staff_numbers}:
            cells[0] = int(digits)
        ws.append([c if not isinstance(c, str) or c else None for c in cells])
    # one staff member born in 2001: ten digits 01…, stored by Excel as a number without the zero
    zero = make_number(5)  # 2013… -> use a 2001 number instead
    zero = "2001" + zero[4:11] + str(luhn("01" + zero[4:11]))
    staff_numbers.append(zero)
    first = list(staff.iloc[0])
    first[0] = int(zero[2:])  # 01MMDDNNNC as a number: 9 digits left
    first[1] = first[1]
    ws.append([c if not isinstance(c, str) or c else None for c in first])
    staff_xlsx = folder / "register" / "personal.xlsx"
    wb.save(staff_xlsx)
    paths["staff"].unlink()
    paths["staff"] = staff_xlsx
    return {"folder": folder, "paths": paths, "numbers": numbers + staff_numbers, "data": data}


def cli(*args):
    return CliRunner().invoke(app, [*map(str, args)], env={"COLUMNS": "250"})


def dump(db) -> str:
    with sqlite3.connect(db) as con:
        return "\n".join(con.iterdump())


def test_free_text_with_a_number_refuses_the_file_and_never_echoes_it(planted, tmp_path):
    students = pd.read_csv(planted["paths"]["students"], dtype=str, keep_default_na=False)
    number = make_number(77)
    students.loc[students.index[3], "sibling_group"] = f"syster till {number[:8]}-{number[8:]}"
    students["kommentar"] = ""
    students.loc[students.index[5], "kommentar"] = f"bror {number[2:8]}\u2013{number[8:]}"
    path = tmp_path / "elever.csv"
    students.to_csv(path, index=False)
    db = tmp_path / "x.db"
    result = cli("import", "auto", planted["paths"]["schools"], path, "--db", db)
    assert result.exit_code == 1
    assert "sibling_group" in result.output and "kommentar" in result.output and "personnummer" in result.output
    assert found_in(result.output, [number]) == []
    assert not db.exists()


def test_no_number_in_the_database_the_report_or_the_terminal(planted, tmp_path, monkeypatch):
    from likvard.report import render_authority_report

    monkeypatch.setenv("LIKVARD_CONFIG_DIR", str(tmp_path / "config"))  # no key yet

    db = tmp_path / "kommun.db"
    numbers = planted["numbers"]
    student_numbers = numbers[: 3 * len(SPELLINGS)]
    assert found_in(planted["paths"]["students"].read_text(encoding="utf-8"), student_numbers) == student_numbers
    result = cli("import", "auto", *planted["paths"].values(), "--db", db)
    assert result.exit_code == 0, result.output
    assert found_in(result.output, numbers) == []
    assert "Ny nyckel" in result.output and "sakerhetskopiera" in result.output  # first-use message
    assert found_in(dump(db), numbers) == []
    store = open_store(db)
    loaded = store.load()
    # every spelling of a number gave the same pseudonym: the choices join to the students
    planted_ids = loaded.students.loc[loaded.students["student_id"].str.startswith("p_"), "student_id"]
    assert planted_ids.nunique() == len(numbers) - 7  # all planted students (7 staff numbers)
    assert set(loaded.choices["student_id"]) & set(planted_ids) == set(planted_ids) & set(loaded.choices["student_id"])
    assert len(set(loaded.choices["student_id"]) & set(planted_ids)) > 0
    assert loaded.staff["staff_id"].str.startswith("p_").sum() >= 7
    report = render_authority_report(loaded, out_dir=tmp_path / "ut", title="Test", store=store)
    written = [p for p in (tmp_path / "ut").rglob("*") if p.is_file()]
    assert report.html_path in written
    for p in written:
        text = p.read_bytes().decode("utf-8", errors="replace")
        if p.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(p) as z:
                text = "\n".join(z.read(n).decode("utf-8", errors="replace") for n in z.namelist())
        assert found_in(text, numbers) == [], p.name
    assert found_in(dump(db), numbers) == []  # saved results too
    for command in (["nyckel", "visa", "--db", db],):
        out = cli(*command)
        assert out.exit_code == 0, out.output and found_in(out.output, numbers) == []
