"""Bulk inserts at (at least) ``DataFrame.to_sql`` speed, inside the caller's transaction.

SQLite: the DB-API cursor's ``executemany`` with plain tuples in batches of :data:`BATCH_ROWS`
(no per-row dicts, no SQLAlchemy statement compilation per batch). PostgreSQL (psycopg 3):
``COPY … FROM STDIN`` with ``write_row``, the server's fastest load path. Other databases fall
back to SQLAlchemy's ``executemany``. ``benchmarks/bench_store.py`` measures it against
``to_sql`` on the same frames.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import sqlalchemy as sa

BATCH_ROWS = 50_000


def _column_values(s: pd.Series) -> list[object]:
    """Plain Python values with None for missing (what every DB-API driver accepts)."""
    if pd.api.types.is_bool_dtype(s.dtype) and not isinstance(s.dtype, pd.BooleanDtype):
        return s.to_numpy(dtype=bool).tolist()
    if isinstance(s.dtype, pd.BooleanDtype | pd.Int64Dtype):
        values = s.to_numpy(dtype=object, na_value=None)
        return [None if v is None else (bool(v) if isinstance(s.dtype, pd.BooleanDtype) else int(v)) for v in values]
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.to_numpy().tolist()
    if pd.api.types.is_float_dtype(s.dtype):
        arr = s.to_numpy(dtype=float)
        out: list[object] = arr.tolist()
        if np.isnan(arr).any():
            for i in np.flatnonzero(np.isnan(arr)):
                out[i] = None
        return out
    values = s.to_numpy(dtype=object)
    missing = pd.isna(values)
    out = values.tolist()
    if missing.any():
        for i in np.flatnonzero(missing):
            out[i] = None
    return out


def rows(df: pd.DataFrame, start: int = 0, stop: int | None = None) -> Iterator[tuple[object, ...]]:
    """Rows ``start:stop`` of ``df`` as tuples of plain Python values."""
    part = df.iloc[start:stop]
    columns = [_column_values(part[c]) for c in part.columns]
    return zip(*columns)


def insert_frame(conn: sa.Connection, table: sa.Table, df: pd.DataFrame) -> int:
    """Insert every row of ``df`` (columns named as in ``table``) in the open transaction.

    Driver errors are raised as SQLAlchemy's exceptions (``IntegrityError`` for a duplicate key),
    as with any other statement.
    """
    if df.empty:
        return 0
    base = conn.dialect.loaded_dbapi.Error
    try:
        return _insert(conn, table, df)
    except base as exc:
        raise sa.exc.DBAPIError.instance(f"INSERT INTO {table.name}", None, exc, base,
                                         dialect=conn.dialect) from exc


def _insert(conn: sa.Connection, table: sa.Table, df: pd.DataFrame) -> int:
    columns = list(df.columns)
    dialect = conn.dialect.name
    dbapi = conn.connection.driver_connection
    if dialect == "sqlite":
        sql = (f'INSERT INTO "{table.name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
               f'VALUES ({", ".join("?" for _ in columns)})')
        cursor = dbapi.cursor()  # type: ignore[union-attr]
        try:
            for start in range(0, len(df), BATCH_ROWS):
                cursor.executemany(sql, list(rows(df, start, start + BATCH_ROWS)))
        finally:
            cursor.close()
        return len(df)
    if dialect == "postgresql" and conn.dialect.driver == "psycopg":
        from psycopg import sql as pgsql

        statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(table.name), pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns))
        with dbapi.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for start in range(0, len(df), BATCH_ROWS):
                for row in rows(df, start, start + BATCH_ROWS):
                    copy.write_row(row)
        return len(df)
    for start in range(0, len(df), BATCH_ROWS):
        records = [dict(zip(columns, r)) for r in rows(df, start, start + BATCH_ROWS)]
        conn.execute(table.insert(), records)
    return len(df)
