"""SQLAlchemy Core tables of the store: the five registers, areas, an import log, saved results.

Register columns follow ``likvard.sources.registers.SCHEMAS`` (one column per field, optional
fields nullable). The migrations in ``migrations/versions`` create exactly these tables; a test
compares them.
"""

from __future__ import annotations

import sqlalchemy as sa

from likvard.sources.registers import SCHEMAS, Field
from likvard.tables import KINDS

metadata = sa.MetaData()

PRIMARY_KEYS = {
    "schools": ("school_id", "school_year"),
    "students": ("student_id", "school_year"),
}


def _sql_type(f: Field) -> sa.types.TypeEngine:
    if f.dtype in ("int64", "Int64"):
        return sa.Integer()
    if f.dtype == "float64":
        return sa.Float()
    if f.dtype in ("bool", "boolean"):
        return sa.Boolean(create_constraint=False)
    return sa.String(200) if f.kind in ("id", "school_id", "municipality_code", "code") else sa.Text()


def _register_table(kind: str) -> sa.Table:
    pk = PRIMARY_KEYS.get(kind, ())
    cols = []
    if not pk:
        cols.append(sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True))
    for f in SCHEMAS[kind]:
        nullable = not (f.required and f.name not in ("home_x", "home_y", "x", "y"))
        cols.append(sa.Column(f.name, _sql_type(f), primary_key=f.name in pk, nullable=nullable and f.name not in pk))
    return sa.Table(kind, metadata, *cols, sa.Index(f"ix_{kind}_school_year", "school_year"))


REGISTER_TABLES: dict[str, sa.Table] = {kind: _register_table(kind) for kind in KINDS}

areas = sa.Table(
    "areas", metadata,
    sa.Column("area_id", sa.String(200), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("area_type", sa.Integer),
    sa.Column("x", sa.Float),
    sa.Column("y", sa.Float),
)

imports = sa.Table(
    "imports", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.String(64)),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("school_years", sa.Text),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)

results = sa.Table(
    "results", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, index=True),
    sa.Column("school_year", sa.Integer),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text),
)

# --- the shared intervention catalogue (likvard.catalogue; migration 0003_catalogue) ---------------
# One row per catalogue row: its key columns, the whole row as JSON (the columns of
# likvard.catalogue.schema), where it came from (package file name, publisher) and whether it is
# the authority's own (own rows are what ``likvard katalog exportera`` publishes).


def _catalogue_table(name: str, *key: sa.Column) -> sa.Table:
    return sa.Table(
        name, metadata, *key,
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("publisher", sa.Text, nullable=False),
        sa.Column("own", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )


catalogue_types = _catalogue_table(
    "catalogue_types",
    sa.Column("insats_typ_id", sa.String(200), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
)
catalogue_evidence = _catalogue_table("catalogue_evidence", sa.Column("evidens_id", sa.String(200), primary_key=True))
catalogue_local = _catalogue_table("catalogue_local", sa.Column("utvardering_id", sa.String(300), primary_key=True))
catalogue_imports = sa.Table(
    "catalogue_imports", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("publisher", sa.Text, nullable=False),
    sa.Column("package_hash", sa.String(64)),
    sa.Column("own", sa.Boolean(create_constraint=False), nullable=False),
    sa.Column("n_types", sa.Integer, nullable=False),
    sa.Column("n_evidence", sa.Integer, nullable=False),
    sa.Column("n_local", sa.Integer, nullable=False),
    sa.Column("conflicts", sa.Text, nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)


TABLES: dict[str, sa.Table] = {**REGISTER_TABLES, "areas": areas}
"""Data tables by kind (the five registers and areas)."""

# --- the web app (likvard.web): users, sessions, audit log, background jobs, saved scenarios ------------

web_users = sa.Table(
    "web_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("schools", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
"""Users of the web app; ``schools``: comma-separated school unit codes (rektor, skolchef)."""

web_sessions = sa.Table(
    "web_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
)
"""Server-side sessions: the SHA-256 of the cookie's random token (the token itself is never stored)."""

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
)
"""Every write through the web app or the user commands: who, what, when, before and after."""

web_jobs = sa.Table(
    "web_jobs", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("progress", sa.Float, nullable=False),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("scenario_id", sa.Integer),
)
"""Background runs (placement scenarios, allocation models) with their progress (0–1)."""

web_scenarios = sa.Table(
    "web_scenarios", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("spec", sa.JSON, nullable=False),
    sa.Column("result", sa.JSON),
)
"""Saved scenarios of the web app (``kind`` placering or fordelning), their definition and result."""
