"""The store: migrations, atomic replace-by-year imports, dtypes round trip, import log, results."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from likvard import tables
from likvard.errors import StoreError
from likvard.store import database_url, open_store
from likvard.store.migrate import current_revision, head_revision
from likvard.store.schema import metadata

import likvard.followup.tables  # noqa: F401  (its tables are on the store's metadata)


def students(year: int, n: int = 5, start: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(year)
    return pd.DataFrame({
        "student_id": [f"s{i}" for i in range(start, start + n)],
        "school_year": year,
        "school_id": "12345678",
        "grade": rng.integers(0, 10, n),
        "sex": rng.choice(["F", "M"], n),
        "parent_education": rng.choice(list(tables.PARENT_EDUCATION), n),
        "migration_background": "swedish",
        "newly_arrived": rng.random(n) < 0.2,
        "home_x": rng.uniform(5e5, 6e5, n),
        "home_y": rng.uniform(6.5e6, 6.6e6, n),
        "merit_value": np.where(np.arange(n) % 2 == 0, 200.5, np.nan),
        "eligible": pd.array([True, pd.NA, False, pd.NA, True][:n] + [pd.NA] * max(0, n - 5), dtype="boolean"),
    })


def dump(path) -> list[str]:
    with sqlite3.connect(path) as con:
        return list(con.iterdump())


def test_database_url():
    assert database_url("a/b.db") == "sqlite:///a/b.db"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_migrations_create_schema_equal_to_metadata_and_are_idempotent(tmp_path):
    db = tmp_path / "x.db"
    store = open_store(db)
    assert current_revision(store.engine) == head_revision()
    names = set(sa.inspect(store.engine).get_table_names())
    assert {"schools", "students", "choices", "staff", "survey", "areas", "imports", "results", "alembic_version"} <= names
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    before = dump(db)
    store.close()
    again = open_store(db)  # second open: nothing to do, nothing changes
    assert dump(db) == before
    assert current_revision(again.engine) == head_revision()


def test_round_trip_keeps_values_and_dtypes(tmp_path):
    store = open_store(tmp_path / "x.db")
    df = students(2024)
    assert store.import_frame("students", df, "elever.csv", "ab" * 32) == 5
    back = store.read("students")
    pd.testing.assert_frame_equal(back, df.astype({"student_id": "str", "school_id": "str", "sex": "str",
                                                   "parent_education": "str", "migration_background": "str"}))
    log = store.imports()
    assert log.loc[0, "kind"] == "students" and log.loc[0, "n_rows"] == 5
    assert log.loc[0, "file_sha256"] == "ab" * 32 and log.loc[0, "school_years"] == "2024"


def test_import_replaces_only_the_years_covered(tmp_path):
    store = open_store(tmp_path / "x.db")
    store.import_frame("students", pd.concat([students(2023), students(2024)]), "a")
    store.import_frame("students", students(2024, n=3, start=100), "b")
    back = store.read("students")
    assert back.groupby("school_year").size().to_dict() == {2023: 5, 2024: 3}
    assert set(back.loc[back.school_year == 2024, "student_id"]) == {"s100", "s101", "s102"}
    assert store.read("students", school_years=[2023])["school_year"].unique().tolist() == [2023]


def test_failed_import_changes_nothing(tmp_path):
    db = tmp_path / "x.db"
    store = open_store(db)
    store.import_frame("students", students(2024), "a")
    before = dump(db)
    bad = pd.concat([students(2024, n=3, start=50), students(2024, n=1, start=50)])  # duplicate key
    with pytest.raises(sa.exc.IntegrityError):
        store.import_frame("students", bad, "b")
    assert dump(db) == before
    # several kinds in one transaction: a failure in the second undoes the first
    good_schools = pd.DataFrame({"school_id": ["12345678"], "school_year": [2024], "name": ["A"], "organiser": ["K"],
                                 "organiser_type": ["municipal"], "municipality_code": ["1880"], "x": [5e5],
                                 "y": [6.5e6], "grade_min": [0], "grade_max": [9]})
    with pytest.raises(sa.exc.IntegrityError):
        store.import_frames([("schools", good_schools, "s", None), ("students", bad, "b", None)])
    assert dump(db) == before


def test_save_authority_data_and_load(tmp_path):
    store = open_store(tmp_path / "x.db")
    store.import_frame("students", students(2020), "old")
    schools = pd.DataFrame({"school_id": ["12345678", "23456789"], "school_year": [2024, 2024], "name": ["A", "B"],
                            "organiser": ["K", "F AB"], "organiser_type": ["municipal", "independent"],
                            "municipality_code": ["1880", "1880"], "x": [5e5, 5.1e5], "y": [6.5e6, 6.51e6],
                            "grade_min": [0, 7], "grade_max": [9, 9], "capacity_7": [60, 90],
                            "profile": [None, "musik"], "unknown_extra": [1, 2]})
    areas = pd.DataFrame({"area_id": ["1880C1010"], "name": ["Centrum"], "area_type": [3], "x": [5e5], "y": [6.5e6]})
    data = tables.AuthorityData(schools=schools, students=students(2024), areas=areas, name="Exempelstad")
    store.save_authority_data(data, source="test")
    loaded = store.load()
    assert loaded.name == "Exempelstad"
    assert loaded.years() == [2024]  # everything replaced
    assert list(loaded.schools.columns) == list(tables.SCHOOLS_COLUMNS) + ["capacity_7", "profile"]
    assert loaded.schools["capacity_7"].tolist() == [60, 90]
    assert loaded.areas["area_type"].tolist() == [3]
    assert loaded.choices.empty and loaded.staff.empty
    assert store.school_ids_by_year() == {2024: {"12345678", "23456789"}}


def test_results(tmp_path):
    store = open_store(tmp_path / "x.db")
    assert store.read_result("segregation") is None
    store.save_result("segregation", {"D": np.float64(0.31), "n": np.int64(4), "schools": np.array([1, 2])}, 2024)
    store.save_result("segregation", {"D": 0.29}, 2025)
    assert store.read_result("segregation") == {"D": 0.29}
    assert store.read_result("segregation", school_year=2024) == {"D": 0.31, "n": 4, "schools": [1, 2]}


def test_in_memory_and_missing_folder(tmp_path):
    store = open_store("sqlite://")
    store.import_frame("students", students(2024), "a")
    assert len(store.read("students")) == 5
    with pytest.raises(StoreError, match="finns inte"):
        open_store(tmp_path / "nope" / "x.db")


def test_frame_missing_required_columns_is_refused(tmp_path):
    store = open_store(tmp_path / "x.db")
    with pytest.raises(ValueError, match="grade"):
        store.import_frame("students", students(2024).drop(columns=["grade"]), "a")
    assert store.read("students").empty and store.imports().empty


def test_database_from_a_newer_version_is_refused(tmp_path):
    db = tmp_path / "x.db"
    open_store(db).close()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="nyare version"):
        open_store(db)
