"""The store: an authority's registers, import log and saved results in a database.

SQLite file by default, any SQLAlchemy URL (e.g. ``postgresql+psycopg://…``) works; the schema is
created and upgraded by the Alembic migrations shipped in ``migrations/`` when the store is
opened. Imports are atomic: a kind's rows for the imported school years are replaced in one
transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from likvard import tables
from likvard.sources.registers import SCHEMAS, conform
from likvard.store import schema
from likvard.store.migrate import upgrade_to_head

__all__ = ["Store", "open_store", "database_url"]

CHUNK_ROWS = 20_000


def database_url(db: str | Path) -> str:
    """A path becomes ``sqlite:///path``; a string with ``://`` is taken as an SQLAlchemy URL."""
    text = str(db)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser()}"


def open_store(db: str | Path) -> Store:
    """Open (creating if needed) the store at ``db`` and migrate it to the newest schema."""
    url = database_url(db)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        parent = Path(url.removeprefix("sqlite:///")).parent
        if not parent.is_dir():
            raise FileNotFoundError(f"Mappen {parent} finns inte: databasfilen kan inte skapas där.")
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = sa.create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = sa.create_engine(url)
    upgrade_to_head(engine)
    return Store(engine)


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values (None for missing), as DB drivers want them."""
    cols = list(df.columns)
    lists = [df[c].astype(object).where(df[c].notna(), None).tolist() for c in cols]
    return [dict(zip(cols, row)) for row in zip(*lists)]


def _jsonable(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, pd.DataFrame):
        return value.to_dict("records")
    if isinstance(value, pd.Series):
        return value.to_dict()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"kan inte spara {type(value).__name__} som JSON")


def _check_kind(kind: str) -> None:
    if kind not in schema.TABLES:
        raise ValueError(f"Okänd tabell {kind!r}: välj en av {', '.join(schema.TABLES)}.")


class Store:
    """An authority's data in a database (see module docstring)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # --- writing ------------------------------------------------------------------------

    @staticmethod
    def _insert(conn: sa.Connection, table: sa.Table, df: pd.DataFrame) -> None:
        for start in range(0, len(df), CHUNK_ROWS):
            records = _records(df.iloc[start:start + CHUNK_ROWS])
            if records:
                conn.execute(table.insert(), records)

    @staticmethod
    def _log(conn: sa.Connection, kind: str, source: str, sha: str | None, df: pd.DataFrame) -> None:
        years = sorted(int(y) for y in df["school_year"].unique()) if "school_year" in df and len(df) else []
        conn.execute(schema.imports.insert().values(
            kind=kind, file_name=source, file_sha256=sha, n_rows=len(df),
            school_years=",".join(str(y) for y in years), imported_at=dt.datetime.now(dt.UTC)))

    def import_frames(self, items: Sequence[tuple[str, pd.DataFrame, str, str | None]]) -> dict[str, int]:
        """Import several ``(kind, frame, source_name, file_sha256)`` in ONE transaction.

        For each kind, its rows for the school years the frame covers are replaced (areas:
        all rows). Returns rows stored per kind. If anything fails nothing changes.
        """
        prepared = []
        for kind, df, source, sha in items:
            _check_kind(kind)
            missing = [f.name for f in SCHEMAS[kind] if f.required and f.name not in df.columns
                       and f.name not in ("x", "y", "home_x", "home_y")]
            if missing:
                raise ValueError(f"Tabellen {kind} från {source} saknar kolumnerna {', '.join(missing)}.")
            prepared.append((kind, conform(kind, df), source, sha))
        counts: dict[str, int] = {}
        with self.engine.begin() as conn:
            # delete first, for every kind, so several files of one kind and year add up
            cleared: set[str] = set()
            for kind, df, _source, _sha in prepared:
                table = schema.TABLES[kind]
                if kind == "areas":
                    if kind not in cleared:
                        conn.execute(table.delete())
                else:
                    years = sorted(int(y) for y in df["school_year"].unique())
                    if years:
                        conn.execute(table.delete().where(table.c.school_year.in_(years)))
                cleared.add(kind)
            for kind, df, source, sha in prepared:
                self._insert(conn, schema.TABLES[kind], df)
                self._log(conn, kind, source, sha, df)
                counts[kind] = counts.get(kind, 0) + len(df)
        return counts

    def import_frame(self, kind: str, df: pd.DataFrame, source_name: str, file_sha256: str | None = None) -> int:
        """Replace ``kind``'s rows for the school years in ``df`` atomically; returns rows stored."""
        return self.import_frames([(kind, df, source_name, file_sha256)])[kind]

    def save_authority_data(self, data: tables.AuthorityData, source: str) -> None:
        """Replace everything with ``data`` (all registers and areas) in one transaction."""
        frames = [(kind, conform(kind, getattr(data, kind))) for kind in (*tables.KINDS, "areas")]
        with self.engine.begin() as conn:
            for kind, df in frames:
                conn.execute(schema.TABLES[kind].delete())
            for kind, df in frames:
                self._insert(conn, schema.TABLES[kind], df)
                self._log(conn, kind, source, None, df)
            conn.execute(schema.meta.delete().where(schema.meta.c.key == "name"))
            conn.execute(schema.meta.insert().values(key="name", value=data.name or ""))

    def set_name(self, name: str) -> None:
        """Set the authority's name (shown in reports)."""
        with self.engine.begin() as conn:
            conn.execute(schema.meta.delete().where(schema.meta.c.key == "name"))
            conn.execute(schema.meta.insert().values(key="name", value=name))

    def save_result(self, name: str, payload: dict, school_year: int | None = None) -> None:
        """Save an analysis output (JSON-serialisable; numpy/pandas values are converted)."""
        clean = json.loads(json.dumps(payload, default=_jsonable))
        with self.engine.begin() as conn:
            conn.execute(schema.results.insert().values(
                name=name, school_year=school_year, payload=clean, created_at=dt.datetime.now(dt.UTC)))

    # --- reading ------------------------------------------------------------------------

    def read(self, kind: str, school_years: Iterable[int] | None = None) -> pd.DataFrame:
        """Rows of ``kind`` (optionally only some school years) with the contract's dtypes.

        Optional columns that are empty for every row are left out, as in the imported file.
        """
        _check_kind(kind)
        table = schema.TABLES[kind]
        cols = [c for c in table.c if c.name != "row_id"]
        query = sa.select(*cols)
        if school_years is not None and kind != "areas":
            query = query.where(table.c.school_year.in_([int(y) for y in school_years]))
        order = [table.c[k] for k in ("school_year", "school_id", "student_id", "staff_id", "area_id", "rank")
                 if k in table.c]
        if "row_id" in table.c:
            order.append(table.c.row_id)
        with self.engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(query.order_by(*order))]
        df = pd.DataFrame(rows, columns=[c.name for c in cols])
        required = {f.name for f in SCHEMAS[kind] if f.required} | {"x", "y", "home_x", "home_y"}
        df = df[[c for c in df.columns if c in required or df[c].notna().any()]]
        return conform(kind, df)

    def load(self) -> tables.AuthorityData:
        """Everything stored, as :class:`likvard.tables.AuthorityData`."""
        parts = {kind: self.read(kind) for kind in (*tables.KINDS, "areas")}
        return tables.AuthorityData(**parts, name=self.name())

    def name(self) -> str:
        """The authority's name ('' if not set)."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(schema.meta.c.value).where(schema.meta.c.key == "name")).scalar()
        return value or ""

    def school_ids_by_year(self) -> dict[int, set[str]]:
        """Stored school units per school year (for validating other registers)."""
        t = schema.TABLES["schools"]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.school_year, t.c.school_id)).all()
        out: dict[int, set[str]] = {}
        for year, sid in rows:
            out.setdefault(int(year), set()).add(str(sid))
        return out

    def imports(self) -> pd.DataFrame:
        """The import log: id, kind, file_name, file_sha256, n_rows, school_years, imported_at."""
        t = schema.imports
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).order_by(t.c.id)).all()
        return pd.DataFrame(rows, columns=[c.name for c in t.c])

    def read_result(self, name: str, school_year: int | None = None) -> dict | None:
        """The latest payload saved under ``name`` (and ``school_year`` if given), or None."""
        t = schema.results
        query = sa.select(t.c.payload).where(t.c.name == name)
        if school_year is not None:
            query = query.where(t.c.school_year == school_year)
        with self.engine.connect() as conn:
            return conn.execute(query.order_by(t.c.id.desc()).limit(1)).scalar()
