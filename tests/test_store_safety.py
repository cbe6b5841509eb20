"""The store's boundaries on SQLite and PostgreSQL: serialised imports, another program's database,
the key fingerprint, orphaned rows, driver errors in Swedish without the password, private files,
and bulk inserts that store exactly what ``DataFrame.to_sql`` would."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
import threading

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from likvard import tables
from likvard.errors import StoreError
from likvard.store import (
    KeyMismatchError,
    OrphanedRowsError,
    database_url,
    mask_url,
    open_store,
)
from likvard.store.safety import scrub


def schools(year: int, ids=("12345678", "23456789")) -> pd.DataFrame:
    return pd.DataFrame({"school_id": list(ids), "school_year": year, "name": [f"Skola {i}" for i in ids],
                         "organiser": "K", "organiser_type": "municipal", "municipality_code": "1880",
                         "x": 514000.0, "y": 6571000.0, "grade_min": 0, "grade_max": 9})


def students(year: int, n: int, school="12345678", prefix="s") -> pd.DataFrame:
    rng = np.random.default_rng(n)
    return pd.DataFrame({
        "student_id": [f"{prefix}{i}" for i in range(n)], "school_year": year, "school_id": school,
        "grade": rng.integers(0, 10, n), "sex": rng.choice(["F", "M"], n),
        "parent_education": rng.choice(list(tables.PARENT_EDUCATION), n), "migration_background": "swedish",
        "newly_arrived": rng.random(n) < 0.2, "home_x": rng.uniform(5e5, 5.2e5, n),
        "home_y": rng.uniform(6.56e6, 6.58e6, n),
        "merit_value": np.where(np.arange(n) % 3 == 0, 212.5, np.nan),
        "eligible": pd.array([[True, False, None][i % 3] for i in range(n)], dtype="boolean"),
        "sibling_group": [None if i % 2 else f"g{i // 4}" for i in range(n)],
    })


def choices(year: int, n: int, tag: str) -> pd.DataFrame:
    return pd.DataFrame({"student_id": [f"{tag}{i}" for i in range(n)], "school_year": year, "grade": 7,
                         "rank": 1, "school_id": "12345678"})


def test_bulk_insert_stores_what_to_sql_stores(store_url):
    """Reference: the same frame written by pandas' DataFrame.to_sql into a plain table."""
    store = open_store(store_url)
    store.import_frame("schools", schools(2024), "s")
    df = students(2024, 1234)
    store.import_frame("students", df, "e")
    back = store.read("students").sort_values("student_id").reset_index(drop=True)
    ref_engine = sa.create_engine(database_url(store_url))
    df.to_sql("reference_students", ref_engine, index=False)
    with ref_engine.connect() as conn:
        ref = pd.read_sql_table("reference_students", conn)
    ref_engine.dispose()
    ref = ref.sort_values("student_id").reset_index(drop=True)
    for column in df.columns:
        a, b = back[column].astype(object), ref[column].astype(object)
        both = pd.DataFrame({"a": a, "b": b})
        missing_a, missing_b = both["a"].isna(), both["b"].isna()
        assert (missing_a == missing_b).all(), column
        if column in ("home_x", "home_y", "merit_value"):
            np.testing.assert_allclose(a[~missing_a].astype(float), b[~missing_b].astype(float), rtol=0, atol=0)
        else:
            assert [str(v).lower() for v in a[~missing_a]] == [str(v).lower() for v in b[~missing_b]], column
    store.close()


def test_two_imports_at_once_replace_never_merge(store_url):
    """Two processes' worth of imports of the same kind and year started together: the table ends
    with exactly one file's rows (the one logged last), never both."""
    open_store(store_url).import_frame("schools", schools(2024), "s")
    files = {"a": choices(2024, 30_000, "a"), "b": choices(2024, 20_000, "b")}
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(tag: str) -> None:
        store = open_store(store_url)
        try:
            barrier.wait()
            store.import_frame("choices", files[tag], f"{tag}.csv")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            store.close()

    for _round in range(2):
        threads = [threading.Thread(target=run, args=(t,)) for t in files]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        store = open_store(store_url)
        stored = store.read("choices")
        last = store.imports()["file_name"].iloc[-1][0]
        assert len(stored) == len(files[last])
        assert set(stored["student_id"].str[0]) == {last}
        store.close()


def test_another_programs_database_is_refused_and_left_alone(store_url):
    engine = sa.create_engine(database_url(store_url))
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)"))
    with pytest.raises(StoreError, match="inte en Likvärd-databas.*invoices"):
        open_store(store_url)
    assert set(sa.inspect(engine).get_table_names()) == {"invoices"}
    engine.dispose()


def test_a_different_key_is_refused_at_import(store_url):
    store = open_store(store_url)
    store.import_frame("schools", schools(2024), "s")
    store.import_frames([("students", students(2024, 5), "e", None)], key_fingerprint="aaaa000011112222")
    assert store.key_fingerprint() == "aaaa000011112222"
    before = store.read("students")
    with pytest.raises(KeyMismatchError, match="aaaa000011112222.*likvard nyckel visa") as info:
        store.import_frames([("students", students(2024, 3), "e2", None)], key_fingerprint="bbbb000011112222")
    assert "bbbb000011112222" in str(info.value)
    pd.testing.assert_frame_equal(store.read("students"), before)
    store.import_frames([("students", students(2024, 3), "e3", None)], key_fingerprint="aaaa000011112222")
    assert len(store.read("students")) == 3


def test_school_reimport_that_would_orphan_rows_is_refused(store_url):
    store = open_store(store_url)
    store.import_frame("schools", schools(2024), "s")
    store.import_frame("students", pd.concat([students(2024, 4), students(2024, 2, "23456789", "t")]), "e")
    store.import_frame("choices", choices(2024, 3, "c"), "c")
    with pytest.raises(OrphanedRowsError) as info:
        store.import_frame("schools", schools(2024, ids=("23456789",)), "s2")
    assert "skolenheten 12345678 läsåret 2024/25 (4 elever, 3 skolval)" in str(info.value)
    assert sorted(store.read("schools")["school_id"]) == ["12345678", "23456789"]
    # dropping a school unit that nothing points at is fine, and so is replacing both at once
    store.import_frame("schools", schools(2024, ids=("12345678", "23456789", "34567890")), "s3")
    store.import_frame("schools", schools(2024), "s4")
    store.import_frames([("schools", schools(2024, ids=("23456789",)), "s5", None),
                         ("students", students(2024, 2, "23456789", "t"), "e5", None),
                         ("choices", choices(2024, 0, "c"), "c5", None)])
    assert store.read("schools")["school_id"].tolist() == ["23456789"]


def test_new_sqlite_database_is_private(tmp_path):
    old = os.umask(0o022)
    try:
        db = tmp_path / "ny.db"
        open_store(db).import_frame("schools", schools(2024), "s")
        assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
        db.chmod(0o644)
        open_store(db).close()  # an existing database is tightened when opened
        assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    finally:
        os.umask(old)


def test_files_that_are_not_databases(tmp_path):
    bad = tmp_path / "bild.db"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 500)
    with pytest.raises(StoreError, match="inte en SQLite-databas"):
        open_store(bad)
    with pytest.raises(StoreError, match="finns inte"):
        open_store(tmp_path / "saknas.db", create=False)
    assert not (tmp_path / "saknas.db").exists()
    with pytest.raises(StoreError, match="Mappen"):
        open_store(tmp_path / "saknas" / "x.db")
    legacy = tmp_path / "gammal.db"  # Likvärd database from before the application marker
    store = open_store(legacy)
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM meta WHERE key = 'application'"))
    store.close()
    open_store(legacy).close()
    with sqlite3.connect(legacy) as con:
        assert con.execute("SELECT value FROM meta WHERE key='application'").fetchone() == ("likvard",)


def test_unreachable_server_and_wrong_password_give_swedish_errors_without_password():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    url = f"postgresql://analytiker:Hemligt-Losen-42@127.0.0.1:{port}/likvard"
    with pytest.raises(StoreError) as info:
        open_store(url)
    assert "svarar inte" in str(info.value) and "Hemligt-Losen-42" not in str(info.value)
    assert "***" in str(info.value)
    admin = os.environ.get("LIKVARD_TEST_POSTGRES_URL")
    if admin:
        wrong = sa.engine.make_url(database_url(admin)).set(password="Fel-Losen-99")
        with pytest.raises(StoreError) as info:
            open_store(wrong.render_as_string(hide_password=False))
        assert "misslyckades" in str(info.value) and "Fel-Losen-99" not in str(info.value)


def test_missing_driver_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on an install without likvard[postgres]
    with pytest.raises(StoreError, match=r"likvard\[postgres\]"):
        open_store("postgresql://u:p@127.0.0.1:1/likvard")


def test_urls_and_messages_are_masked():
    assert database_url("postgresql://u:pw@h/db") == "postgresql+psycopg://u:pw@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert mask_url("postgresql+psycopg://u:s3cret@h:5432/db") == "postgresql+psycopg://u:***@h:5432/db"
    assert "s3cret" not in mask_url("postgresql://u:s3cret@h:notaport/db")
    assert scrub("failed for postgresql://u:s3cret@h/db with s3cret", "postgresql://u:s3cret@h/db").count("s3cret") == 0


def test_analysis_command_on_an_unreachable_server_is_a_swedish_message():
    from typer.testing import CliRunner

    from likvard.cli.main import app

    result = CliRunner().invoke(app, ["expected", "skoleffekter", "--db", "postgresql://u:Hemligt-7@127.0.0.1:9/x"],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 1 and "svarar inte" in result.output
    assert "Hemligt-7" not in result.output and "Traceback" not in result.output
