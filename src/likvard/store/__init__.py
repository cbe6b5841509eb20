"""The store: an authority's registers, import log and saved results in a database.

SQLite file by default (created with mode 600), PostgreSQL with ``likvard[postgres]``
(``postgresql://…``; any SQLAlchemy URL works); the schema is created and upgraded by the
Alembic migrations shipped in ``migrations/`` when the store is opened, and a database of
another program is refused. Imports are atomic and serialised: a kind's rows for the imported
school years are replaced in one transaction, so a failure leaves the database as it was and
two imports at once never merge. Every driver error becomes a Swedish ``StoreError`` without
the password.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from likvard import tables
from likvard.errors import StoreError
from likvard.files import create_private_file, make_private
from likvard.sources.registers import SCHEMAS, conform, school_year_label
from likvard.store import bulk, schema
from likvard.store.migrate import upgrade_to_head
from likvard.store.safety import (
    APPLICATION,
    check_is_likvard,
    describe_error,
    import_lock,
    lock_for_import,
    mask_url,
)


def key_mismatch_message(stored: str, given: str) -> str:
    """Why an import with another key is refused, and what to do (no key material shown)."""
    return (f"Nyckeln som används nu (fingeravtryck {given}) är inte samma som databasens elever "
            f"pseudonymiserades med (fingeravtryck {stored}). Med en annan nyckel får samma elever nya "
            "pseudonymer och kan inte följas mellan åren. Använd den ursprungliga nyckelfilen (återställ "
            "säkerhetskopian, se 'likvard nyckel visa'). Ingenting har importerats.")

__all__ = ["KeyMismatchError", "OrphanedRowsError", "Store", "database_url", "mask_url", "open_store"]

DEPENDENT_KINDS = ("students", "choices", "staff", "survey")
"""Registers whose rows point at a school unit of the same school year."""
KIND_WORDS = {"students": "elever", "choices": "skolval", "staff": "personal", "survey": "enkätsvar"}


class KeyMismatchError(StoreError):
    """The pseudonymisation key differs from the one the database's pseudonyms were made with."""


class OrphanedRowsError(StoreError):
    """A re-import of schools would leave stored rows pointing at a school that no longer exists."""


def database_url(db: str | Path) -> str:
    """A path becomes ``sqlite:///path``; a string with ``://`` is taken as an SQLAlchemy URL.

    ``postgresql://`` and ``postgres://`` mean the psycopg (3) driver, the one ``likvard[postgres]``
    installs.
    """
    text = str(db)
    if "://" in text:
        for prefix in ("postgresql://", "postgres://"):
            if text.startswith(prefix):
                return "postgresql+psycopg://" + text[len(prefix):]
        return text
    return f"sqlite:///{Path(text).expanduser()}"


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def _create_engine(url: str) -> sa.Engine:
    if url in ("sqlite://", "sqlite:///:memory:"):
        return sa.create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    if url.startswith("sqlite"):
        # wait up to 60 s for another import's write lock instead of failing at once
        return sa.create_engine(url, connect_args={"timeout": 60})
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        if "psycopg" in str(exc.name) or url.startswith("postgresql"):
            raise StoreError(
                "PostgreSQL-drivrutinen (psycopg) är inte installerad. Installera den med "
                "pip install 'likvard[postgres]' och försök igen.") from None
        raise StoreError(f"Databasdrivrutinen för {mask_url(url)} är inte installerad ({exc.name}).") from None
    except sa.exc.NoSuchModuleError:
        raise StoreError(f"Databastypen i {mask_url(url)} stöds inte. Använd en SQLite-fil eller "
                         "postgresql://användare@server/databas.") from None
    except sa.exc.ArgumentError:
        raise StoreError(f"Databasadressen {mask_url(url)} kunde inte tolkas. Exempel: likvard.db eller "
                         "postgresql://användare@server:5432/likvard.") from None


def open_store(db: str | Path, *, create: bool = True) -> Store:
    """Open the store at ``db`` and migrate it to the newest schema.

    A new SQLite file is created with mode 600 (``create=False``: a missing file is an error).
    Refused with :class:`~likvard.errors.StoreError`: a database of another program (it has
    tables but is not Likvärd's), a database of a newer Likvärd, an unreachable server, a file
    that is not a database, a missing driver. Passwords never appear in the messages.
    """
    url = database_url(db)
    path = _sqlite_path(url)
    if path is not None:
        if not path.parent.is_dir():
            raise StoreError(f"Mappen {path.parent} finns inte: databasfilen kan inte skapas där.")
        if path.is_dir():
            raise StoreError(f"{path} är en mapp, inte en databasfil.")
        if not path.exists():
            if not create:
                raise StoreError(f"Databasen {path} finns inte. Kör 'likvard demo' eller 'likvard import' först.")
            try:
                create_private_file(path)
            except OSError as exc:
                raise StoreError(f"Databasfilen {path} kunde inte skapas ({exc.strerror}).") from None
        elif path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            make_private(path)  # a database of students is its owner's only
    engine = _create_engine(url)
    try:
        with import_lock(engine):
            check_is_likvard(engine)
            upgrade_to_head(engine)
            with engine.begin() as conn:
                have = conn.execute(sa.select(schema.meta.c.value).where(schema.meta.c.key == "application")).scalar()
                if have is None:
                    conn.execute(schema.meta.insert().values(key="application", value=APPLICATION))
    except StoreError:
        engine.dispose()
        raise
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(describe_error(exc, url)) from None
    except OSError as exc:
        engine.dispose()
        raise StoreError(f"Databasen {mask_url(url)} kunde inte öppnas ({exc.strerror}).") from None
    return Store(engine)


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
        """The database URL with the password hidden (safe to show)."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors become a Swedish StoreError naming the database (password hidden)."""
        try:
            yield
        except (StoreError, sa.exc.IntegrityError):
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(describe_error(exc, str(self.engine.url))) from None

    # --- writing ------------------------------------------------------------------------

    @staticmethod
    def _insert(conn: sa.Connection, table: sa.Table, df: pd.DataFrame) -> None:
        bulk.insert_frame(conn, table, df)

    @staticmethod
    def _log(conn: sa.Connection, kind: str, source: str, sha: str | None, df: pd.DataFrame) -> None:
        years = sorted(int(y) for y in df["school_year"].unique()) if "school_year" in df and len(df) else []
        conn.execute(schema.imports.insert().values(
            kind=kind, file_name=source, file_sha256=sha, n_rows=len(df),
            school_years=",".join(str(y) for y in years), imported_at=dt.datetime.now(dt.UTC)))

    def key_fingerprint(self) -> str | None:
        """Fingerprint of the key the stored pseudonyms were made with (None: none yet)."""
        with self._errors(), self.engine.connect() as conn:
            return conn.execute(sa.select(schema.meta.c.value).where(schema.meta.c.key == "key_fingerprint")).scalar()

    @staticmethod
    def _check_key(conn: sa.Connection, fingerprint: str | None) -> None:
        if fingerprint is None:
            return
        stored = conn.execute(sa.select(schema.meta.c.value).where(schema.meta.c.key == "key_fingerprint")).scalar()
        if stored is None:
            conn.execute(schema.meta.insert().values(key="key_fingerprint", value=fingerprint))
        elif stored != fingerprint:
            raise KeyMismatchError(key_mismatch_message(stored, fingerprint))

    @staticmethod
    def _orphans(conn: sa.Connection, new_schools: pd.DataFrame, replaced: set[str]) -> list[str]:
        """Stored rows that would point at a school unit the new school file no longer has."""
        t = schema.TABLES["schools"]
        years = sorted(int(y) for y in new_schools["school_year"].unique())
        old = conn.execute(sa.select(t.c.school_year, t.c.school_id).where(t.c.school_year.in_(years))).all()
        new = set(zip(new_schools["school_year"].astype(int), new_schools["school_id"].astype(str)))
        removed = sorted({(int(y), str(sid)) for y, sid in old} - new)
        if not removed:
            return []
        problems: dict[tuple[int, str], dict[str, int]] = {}
        for kind in DEPENDENT_KINDS:
            if kind in replaced:
                continue  # its rows for these years are replaced in the same import
            d = schema.TABLES[kind]
            for year in sorted({y for y, _ in removed}):
                ids = [sid for y, sid in removed if y == year]
                query = (sa.select(d.c.school_id, sa.func.count()).where(d.c.school_year == year)
                         .where(d.c.school_id.in_(ids)).group_by(d.c.school_id))
                for sid, n in conn.execute(query):
                    problems.setdefault((year, str(sid)), {})[kind] = int(n)
        lines = []
        for (year, sid), counts in sorted(problems.items()):
            what = ", ".join(f"{n} {KIND_WORDS[k]}" for k, n in counts.items())
            lines.append(f"skolenheten {sid} läsåret {school_year_label(year)} ({what})")
        return lines

    def import_frames(self, items: Sequence[tuple[str, pd.DataFrame, str, str | None]], *,
                      key_fingerprint: str | None = None) -> dict[str, int]:
        """Import several ``(kind, frame, source_name, file_sha256)`` in ONE transaction.

        For each kind, its rows for the school years the frame covers are replaced (areas:
        all rows). Imports are serialised (:func:`likvard.store.safety.lock_for_import`): a second
        import at the same time waits and then replaces the first one's rows, never adds to them.
        Refused, with nothing changed: a school re-import that would leave stored students,
        choices, staff or survey rows without their school (:class:`OrphanedRowsError`, naming
        them); pseudonyms made with another key than before (``key_fingerprint``,
        :class:`KeyMismatchError`). Returns rows stored per kind.
        """
        prepared = []
        for kind, df, source, sha in items:
            _check_kind(kind)
            missing = [f.name for f in SCHEMAS[kind] if f.required and f.name not in df.columns
                       and f.name not in ("x", "y", "home_x", "home_y")]
            if missing:
                raise ValueError(f"Tabellen {kind} från {source} saknar kolumnerna {', '.join(missing)}.")
            prepared.append((kind, conform(kind, df), source, sha))
        replaced = {kind for kind, _df, _s, _h in prepared}
        counts: dict[str, int] = {}
        with self._errors(), self.engine.begin() as conn:
            lock_for_import(conn)
            self._check_key(conn, key_fingerprint)
            new_schools = [df for kind, df, _s, _h in prepared if kind == "schools"]
            if new_schools:
                orphans = self._orphans(conn, pd.concat(new_schools, ignore_index=True), replaced)
                if orphans:
                    shown = "; ".join(orphans[:10]) + (f"; och {len(orphans) - 10} till" if len(orphans) > 10 else "")
                    raise OrphanedRowsError(
                        f"Skolfilen saknar skolenheter som annat i databasen hör till: {shown}. De raderna "
                        "skulle bli utan skola. Ta med skolenheterna i skolfilen, eller importera de andra "
                        "registren för samma läsår på nytt i samma kommando. Ingenting har importerats.")
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
        with self._errors(), self.engine.begin() as conn:
            lock_for_import(conn)
            for kind, df in frames:
                conn.execute(schema.TABLES[kind].delete())
            for kind, df in frames:
                self._insert(conn, schema.TABLES[kind], df)
                self._log(conn, kind, source, None, df)
            conn.execute(schema.meta.delete().where(schema.meta.c.key == "name"))
            conn.execute(schema.meta.insert().values(key="name", value=data.name or ""))

    def set_name(self, name: str) -> None:
        """Set the authority's name (shown in reports)."""
        with self._errors(), self.engine.begin() as conn:
            conn.execute(schema.meta.delete().where(schema.meta.c.key == "name"))
            conn.execute(schema.meta.insert().values(key="name", value=name))

    def save_result(self, name: str, payload: dict, school_year: int | None = None) -> None:
        """Save an analysis output (JSON-serialisable; numpy/pandas values are converted)."""
        clean = json.loads(json.dumps(payload, default=_jsonable))
        with self._errors(), self.engine.begin() as conn:
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
        with self._errors(), self.engine.connect() as conn:
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
        with self._errors(), self.engine.connect() as conn:
            value = conn.execute(sa.select(schema.meta.c.value).where(schema.meta.c.key == "name")).scalar()
        return value or ""

    def school_ids_by_year(self) -> dict[int, set[str]]:
        """Stored school units per school year (for validating other registers)."""
        t = schema.TABLES["schools"]
        with self._errors(), self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.school_year, t.c.school_id)).all()
        out: dict[int, set[str]] = {}
        for year, sid in rows:
            out.setdefault(int(year), set()).add(str(sid))
        return out

    def imports(self) -> pd.DataFrame:
        """The import log: id, kind, file_name, file_sha256, n_rows, school_years, imported_at."""
        t = schema.imports
        with self._errors(), self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).order_by(t.c.id)).all()
        return pd.DataFrame(rows, columns=[c.name for c in t.c])

    def read_result(self, name: str, school_year: int | None = None) -> dict | None:
        """The latest payload saved under ``name`` (and ``school_year`` if given), or None."""
        t = schema.results
        query = sa.select(t.c.payload).where(t.c.name == name)
        if school_year is not None:
            query = query.where(t.c.school_year == school_year)
        with self._errors(), self.engine.connect() as conn:
            return conn.execute(query.order_by(t.c.id.desc()).limit(1)).scalar()
