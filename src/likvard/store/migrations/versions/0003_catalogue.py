"""The shared intervention catalogue: types, research evidence, local evaluations, import log.

Revision ID: 0002_catalogue
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_catalogue"
down_revision = "0002_followup"
branch_labels = None
depends_on = None


def _provenance() -> list[sa.Column]:
    return [
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False),
        sa.Column("own", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "catalogue_types",
        sa.Column("insats_typ_id", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        *_provenance(),
    )
    op.create_table("catalogue_evidence", sa.Column("evidens_id", sa.String(200), primary_key=True), *_provenance())
    op.create_table("catalogue_local", sa.Column("utvardering_id", sa.String(300), primary_key=True), *_provenance())
    op.create_table(
        "catalogue_imports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False),
        sa.Column("package_hash", sa.String(64)),
        sa.Column("own", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("n_types", sa.Integer(), nullable=False),
        sa.Column("n_evidence", sa.Integer(), nullable=False),
        sa.Column("n_local", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for name in ("catalogue_imports", "catalogue_local", "catalogue_evidence", "catalogue_types"):
        op.drop_table(name)
