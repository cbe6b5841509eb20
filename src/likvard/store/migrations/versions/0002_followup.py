"""Follow-up register: interventions (versioned) and their evaluations, quality dialogues with
agenda, notes, decisions (status history) and sign-offs, nulägesanalyser and åtgärdsplaner.

Revision ID: 0002_followup
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_followup"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ('action_plan_rows', 'status_analyses', 'dialogue_signoffs', 'decision_status', 'decisions', 'dialogue_notes', 'dialogue_items', 'dialogues', 'intervention_evaluations', 'intervention_versions', 'interventions')
"""Created here; dropped in this order (dependent tables first)."""


def upgrade() -> None:
    op.create_table(
        "interventions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.Column("deleted_by", sa.String(200)),
    )
    op.create_table(
        "intervention_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("intervention_id", sa.Integer(), sa.ForeignKey("interventions.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("status", sa.String(50), nullable=False),
        sa.Column("indicator", sa.String(50)),
        sa.Column("start_year", sa.Integer()),
        sa.Column("horizon", sa.Integer()),
        sa.Column("expected_effect", sa.Float()),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("baseline", sa.JSON()),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("role", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("intervention_id", "version", name="uq_intervention_versions_version"),
    )
    op.create_index("ix_intervention_versions_intervention_id", "intervention_versions", ["intervention_id"])
    op.create_table(
        "intervention_evaluations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("intervention_id", sa.Integer(), sa.ForeignKey("interventions.id"), nullable=False),
        sa.Column("intervention_version", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(50), nullable=False),
        sa.Column("design", sa.String(50), nullable=False),
        sa.Column("estimate", sa.Float()),
        sa.Column("ci_low", sa.Float()),
        sa.Column("ci_high", sa.Float()),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(50), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data_version", sa.String(64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("run_by", sa.String(200), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_intervention_evaluations_intervention_id", "intervention_evaluations", ["intervention_id"])
    op.create_table(
        "dialogues",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("school_id", sa.String(200), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("focus_area", sa.Text()),
        sa.Column("focus_motivation", sa.Text()),
        sa.Column("authority_area", sa.Text()),
        sa.Column("authority_motivation", sa.Text()),
        sa.Column("data_pack", sa.JSON()),
        sa.Column("data_pack_sha256", sa.String(64)),
        sa.Column("data_version", sa.String(64)),
        sa.Column("data_pack_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.Column("deleted_by", sa.String(200)),
    )
    op.create_index("ix_dialogues_school_year", "dialogues", ["school_year"])
    op.create_table(
        "dialogue_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dialogue_id", sa.Integer(), sa.ForeignKey("dialogues.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("flagged", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("indicator", sa.String(50)),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_dialogue_items_dialogue_id", "dialogue_items", ["dialogue_id"])
    op.create_table(
        "dialogue_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dialogue_id", sa.Integer(), sa.ForeignKey("dialogues.id"), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("dialogue_items.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dialogue_notes_dialogue_id", "dialogue_notes", ["dialogue_id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dialogue_id", sa.Integer(), sa.ForeignKey("dialogues.id"), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("responsible_role", sa.String(50), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("resource", sa.Text()),
        sa.Column("intervention_id", sa.Integer(), sa.ForeignKey("interventions.id")),
        sa.Column("indicator", sa.String(50)),
        sa.Column("follow_up_dialogue_id", sa.Integer(), sa.ForeignKey("dialogues.id")),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.Column("deleted_by", sa.String(200)),
    )
    op.create_index("ix_decisions_dialogue_id", "decisions", ["dialogue_id"])
    op.create_table(
        "decision_status",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), sa.ForeignKey("dialogues.id")),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_decision_status_decision_id", "decision_status", ["decision_id"])
    op.create_table(
        "dialogue_signoffs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dialogue_id", sa.Integer(), sa.ForeignKey("dialogues.id"), nullable=False),
        sa.Column("as_role", sa.String(20), nullable=False),
        sa.Column("signed_by", sa.String(200), nullable=False),
        sa.Column("role", sa.String(50), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dialogue_signoffs_dialogue_id", "dialogue_signoffs", ["dialogue_id"])
    op.create_table(
        "status_analyses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("school_id", sa.String(200), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("prefill", sa.JSON(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_status_analyses_school", "status_analyses", ["school_id", "school_year"])
    op.create_table(
        "action_plan_rows",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("school_id", sa.String(200), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("owner_role", sa.String(50), nullable=False),
        sa.Column("timeline", sa.Text(), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("indicator", sa.String(50)),
        sa.Column("expected_effect", sa.Float()),
        sa.Column("horizon", sa.Integer()),
        sa.Column("follow_up", sa.Text(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), sa.ForeignKey("interventions.id")),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
