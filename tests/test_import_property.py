"""Property: whatever file the importers are given, they return a typed table that the store
accepts, or raise a Likvärd error with a Swedish message; nothing else (no crash, no traceback).

Bounded for CI (about 30 s on this machine): valid files mutated cell by cell, header by header
and byte by byte, raw bytes, and Excel files with cells of every type.
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likvard.errors import LikvardError
from likvard.sources.registers import SCHEMAS, read_register_file
from likvard.store import open_store

KINDS = tuple(SCHEMAS)
VALID_ROWS = {
    "schools": (("school_id;school_year;name;organiser;organiser_type;municipality_code;x;y;grade_min;grade_max;"
                 "capacity_1;profile"),
                "12345678;2024;Norrskolan;Örebro kommun;kommunal;1880;514000;6571000;0;9;25;musik"),
    "students": (("student_id;school_year;school_id;grade;sex;parent_education;migration_background;newly_arrived;"
                  "home_x;home_y;merit_value;eligible;sibling_group"),
                 "20110222-5636;2024;12345678;9;F;eftergymnasial;svensk;nej;514100;6571100;230;ja;g1"),
    "choices": ("student_id;school_year;grade;rank;school_id", "e1;2024;7;1;12345678"),
    "staff": ("staff_id;school_year;school_id;certified;lead_teacher;fte", "t1;2024;12345678;ja;nej;0,8"),
    "survey": ("school_id;school_year;respondent;area;value;n_respondents", "12345678;2024;lärare;trygghet;7,5;30"),
    "areas": ("area_id;name;area_type;x;y", "1880C1010;Centrum;3;514000;6571000"),
}
KNOWN = {2024: {"12345678"}}

tricky_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1e20", "-1e308", "nan", "inf", "-0", "9" * 30, "0x1F", "2024/25", "", " ", "\x00",
                     "\x1b[31m", '"', ";", "\n", "ja", "NEJ", "20101214-1238", "syster till 101214–1238",
                     "102225638", "=cmd|x", "1,5", "1 000,5", "6571000,0", "\ufeff", "A" * 3000, "é", "Ã¤",
                     "12345678", "99999999"]),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def check(kind: str, path: Path) -> None:
    try:
        item = read_register_file(kind, path, known_school_ids=None if kind in ("schools", "areas") else KNOWN,
                                  key=b"h" * 32)
    except LikvardError as exc:
        assert str(exc).strip(), "a Likvärd error needs a message"
        assert "Traceback" not in str(exc)
        return
    store = open_store("sqlite://")  # what was accepted must also be storable
    try:
        store.import_frames([(kind, item.frame, path.name, None)])
    except LikvardError:
        pass
    finally:
        store.close()


@st.composite
def mutated_csv(draw):
    kind = draw(st.sampled_from(KINDS))
    header, row = VALID_ROWS[kind]
    names = header.split(";")
    rows = [row.split(";") for _ in range(draw(st.integers(0, 3)))]
    for _ in range(draw(st.integers(0, 4))):
        if rows:
            r = draw(st.integers(0, len(rows) - 1))
            c = draw(st.integers(0, len(names) - 1))
            rows[r][c] = draw(tricky_text).replace(";", ",")
    if draw(st.booleans()):
        action = draw(st.sampled_from(["drop", "duplicate", "rename", "blank"]))
        j = draw(st.integers(0, len(names) - 1))
        if action == "drop":
            names.pop(j)
            rows = [r[:j] + r[j + 1:] for r in rows]
        elif action == "duplicate":
            names.append(names[j])
            rows = [r + [r[j]] for r in rows]
        elif action == "rename":
            names[j] = draw(st.text(alphabet=string.ascii_letters + "åäö _-", max_size=12))
        else:
            names[j] = ""
    text = "\n".join([";".join(names), *(";".join(r) for r in rows)]) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()) and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + draw(st.binary(max_size=4)) + data[i + 1:]
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return kind, data


SETTINGS = {"deadline": None, "database": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}


@settings(max_examples=400, **SETTINGS)
@given(mutated_csv())
def test_mutated_csv_files_never_crash(case):
    kind, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fil.csv"
        path.write_bytes(data)
        check(kind, path)


@settings(max_examples=150, **SETTINGS)
@given(st.sampled_from(KINDS), st.binary(max_size=300), st.sampled_from([".csv", ".xlsx", ".parquet", ".txt"]))
def test_random_bytes_never_crash(kind, data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fil{suffix}"
        path.write_bytes(data)
        check(kind, path)


excel_cell = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False), st.dates(), tricky_text.map(lambda t: t.replace("\x00", "")),
)


@settings(max_examples=80, **SETTINGS)
@given(st.sampled_from(KINDS), st.data())
def test_excel_files_with_any_cells_never_crash(kind, data):
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    header, row = VALID_ROWS[kind]
    wb = Workbook()
    ws = wb.active
    ws.append(header.split(";"))
    values = row.split(";")
    for j in data.draw(st.lists(st.integers(0, len(values) - 1), max_size=3)):
        values[j] = data.draw(excel_cell)
    try:
        ws.append(values)
    except IllegalCharacterError:  # openpyxl cannot even write such a cell; nothing to import
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fil.xlsx"
        wb.save(path)
        check(kind, path)


@pytest.mark.parametrize("kind", KINDS)
def test_the_valid_rows_are_valid(kind, tmp_path):
    """The seeds of the mutations are accepted (so the property tests start from valid files)."""
    header, row = VALID_ROWS[kind]
    path = tmp_path / "fil.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    item = read_register_file(kind, path, known_school_ids=None if kind in ("schools", "areas") else KNOWN,
                              key=b"h" * 32)
    assert len(item.frame) == 1
