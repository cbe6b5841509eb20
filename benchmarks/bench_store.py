"""Benchmark: saving registers to the store against a plain ``DataFrame.to_sql`` (target: as fast).

Data: Exempelstad-like students (default 100,000 rows, 15 columns with missing values, booleans,
nullable booleans, floats, strings). Timed, median of ``--repeat`` runs, each into a fresh
database with the same schema:

- Likvärd: ``Store.import_frame("students", df, …)`` — one transaction with the import lock, the
  replace-by-year delete, the bulk insert (``likvard.store.bulk``: DB-API ``executemany`` on
  SQLite, ``COPY`` on PostgreSQL) and the import log;
- reference: ``df.to_sql("students", engine, if_exists="append", index=False, chunksize=…)``
  into the same empty table (pandas' default path, SQLAlchemy ``executemany``; on PostgreSQL
  psycopg's pipelined ``executemany``). ``method="multi"`` is left out: at this batch size it
  exceeds PostgreSQL's 65,535 bind parameters.

Peak memory (tracemalloc) of each is printed beside its time. PostgreSQL is measured when
``--postgres URL`` or ``$LIKVARD_TEST_POSTGRES_URL`` names a server (a fresh database per run).

    python benchmarks/bench_store.py [--rows 100000] [--repeat 3] [--postgres postgresql://…]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from likvard import tables
from likvard.sources.registers import conform
from likvard.store import database_url, open_store


def students(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grade = rng.integers(0, 10, n)
    nine = grade == 9
    df = pd.DataFrame({
        "student_id": [f"p_{i:032x}" for i in range(n)], "school_year": 2024,
        "school_id": rng.integers(10_000_000, 10_000_150, n).astype(str), "grade": grade,
        "sex": rng.choice(["F", "M"], n), "parent_education": rng.choice(list(tables.PARENT_EDUCATION), n),
        "migration_background": rng.choice(list(tables.MIGRATION_BACKGROUND), n),
        "newly_arrived": rng.random(n) < 0.05, "home_x": rng.uniform(5.0e5, 5.2e5, n),
        "home_y": rng.uniform(6.56e6, 6.58e6, n), "home_area": None,
        "sibling_group": np.where(rng.random(n) < 0.3, rng.integers(0, n // 3, n).astype(str), None),
        "protected_identity": rng.random(n) < 0.002,
        "merit_value": np.where(nine, rng.uniform(100, 340, n), np.nan),
        "eligible": pd.array(np.where(nine, rng.random(n) < 0.85, None), dtype="boolean"),
    })
    return conform("students", df)


def timed(fn, memory: bool) -> tuple[float, float]:
    """Seconds, and with ``memory`` the peak of Python allocations in MB (tracemalloc slows the
    run, so its time is not used)."""
    if not memory:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0, float("nan")
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return float("nan"), peak


def fresh_sqlite(folder: Path) -> str:
    return str(folder / f"{uuid.uuid4().hex}.db")


class FreshPostgres:
    def __init__(self, admin_url: str):
        self.admin = sa.create_engine(database_url(admin_url), isolation_level="AUTOCOMMIT")
        self.base = sa.engine.make_url(database_url(admin_url))
        self.names: list[str] = []

    def __call__(self) -> str:
        name = f"likvard_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def run(label: str, new_db, df: pd.DataFrame, repeat: int, methods: list[str | None]) -> None:
    results: dict[str, list[tuple[float, float]]] = {}
    for i in range(repeat + 1):  # the last run measures memory only
        memory = i == repeat
        store = open_store(new_db())
        results.setdefault("Likvärd import_frame", []).append(
            timed(lambda: store.import_frame("students", df, "bench.csv"), memory))  # noqa: B023
        store.close()
        for method in methods:
            store = open_store(new_db())  # same empty schema, written by pandas
            engine = store.engine
            results.setdefault(f"to_sql(method={method})", []).append(timed(
                lambda: df.to_sql("students", engine, if_exists="append", index=False,  # noqa: B023
                                  chunksize=50_000, method=method), memory))  # noqa: B023
            store.close()
    ours = statistics.median(t for t, _ in results["Likvärd import_frame"][:repeat])
    print(f"\n{label}: {len(df):,} rader".replace(",", " "))
    for name, values in results.items():
        median = statistics.median(t for t, _ in values[:repeat])
        peak = values[repeat][1]
        ratio = median / ours
        print(f"  {name:28s} median {median:6.2f} s   topp {peak:7.1f} MB   {ratio:5.2f}× Likvärds tid", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("LIKVARD_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    df = students(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", lambda: fresh_sqlite(Path(folder)), df, args.repeat, [None])
    if args.postgres:
        pg = FreshPostgres(args.postgres)
        try:
            run("PostgreSQL", pg, df, args.repeat, [None])
        finally:
            pg.drop()
    else:
        print("\nPostgreSQL: ingen server angiven (--postgres URL eller LIKVARD_TEST_POSTGRES_URL); hoppas över.")


if __name__ == "__main__":
    main()
