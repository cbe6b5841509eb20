"""Initial schema: registers, areas, import log, results, meta.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("area_id", sa.String(200), primary_key=True),
        sa.Column("name", sa.Text()),
        sa.Column("area_type", sa.Integer()),
        sa.Column("x", sa.Float()),
        sa.Column("y", sa.Float()),
    )
    op.create_table(
        "choices",
        sa.Column("row_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("student_id", sa.String(200), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(200), nullable=False),
    )
    op.create_index("ix_choices_school_year", "choices", ['school_year'])
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(64)),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("school_years", sa.Text()),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text()),
    )
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("school_year", sa.Integer()),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_results_name", "results", ['name'])
    op.create_table(
        "schools",
        sa.Column("school_id", sa.String(200), primary_key=True),
        sa.Column("school_year", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("organiser", sa.Text(), nullable=False),
        sa.Column("organiser_type", sa.String(200), nullable=False),
        sa.Column("municipality_code", sa.String(200), nullable=False),
        sa.Column("x", sa.Float()),
        sa.Column("y", sa.Float()),
        sa.Column("grade_min", sa.Integer(), nullable=False),
        sa.Column("grade_max", sa.Integer(), nullable=False),
        sa.Column("capacity_0", sa.Integer()),
        sa.Column("capacity_1", sa.Integer()),
        sa.Column("capacity_2", sa.Integer()),
        sa.Column("capacity_3", sa.Integer()),
        sa.Column("capacity_4", sa.Integer()),
        sa.Column("capacity_5", sa.Integer()),
        sa.Column("capacity_6", sa.Integer()),
        sa.Column("capacity_7", sa.Integer()),
        sa.Column("capacity_8", sa.Integer()),
        sa.Column("capacity_9", sa.Integer()),
        sa.Column("profile", sa.Text()),
    )
    op.create_index("ix_schools_school_year", "schools", ['school_year'])
    op.create_table(
        "staff",
        sa.Column("row_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("staff_id", sa.String(200), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(200), nullable=False),
        sa.Column("certified", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("lead_teacher", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("fte", sa.Float(), nullable=False),
        sa.Column("experience_years", sa.Float()),
    )
    op.create_index("ix_staff_school_year", "staff", ['school_year'])
    op.create_table(
        "students",
        sa.Column("student_id", sa.String(200), primary_key=True),
        sa.Column("school_year", sa.Integer(), primary_key=True),
        sa.Column("school_id", sa.String(200), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(200), nullable=False),
        sa.Column("parent_education", sa.String(200), nullable=False),
        sa.Column("migration_background", sa.String(200), nullable=False),
        sa.Column("newly_arrived", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("home_x", sa.Float()),
        sa.Column("home_y", sa.Float()),
        sa.Column("home_area", sa.Text()),
        sa.Column("sibling_group", sa.Text()),
        sa.Column("protected_identity", sa.Boolean(create_constraint=False)),
        sa.Column("merit_value", sa.Float()),
        sa.Column("eligible", sa.Boolean(create_constraint=False)),
    )
    op.create_index("ix_students_school_year", "students", ['school_year'])
    op.create_table(
        "survey",
        sa.Column("row_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("school_id", sa.String(200), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("respondent", sa.String(200), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("n_respondents", sa.Integer(), nullable=False),
    )
    op.create_index("ix_survey_school_year", "survey", ['school_year'])


def downgrade() -> None:
    for name in ("survey", "students", "staff", "schools", "results", "meta", "imports", "choices", "areas"):
        op.drop_table(name)
